// The project's runbook covers every section of the platform team's runbook it replaces.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "./harness";

const SEED = path.resolve(PROJECT_ROOT, "..", "shared", "runbook.md");

function headings(text: string): string[] {
    return [...text.matchAll(/^#{2,4} (.+)$/gm)].map((m) => m[1]!.toLowerCase());
}

describe("docs/runbook.md", () => {
    const ours = headings(fs.readFileSync(path.join(PROJECT_ROOT, "docs", "runbook.md"), "utf8"));

    it("has a section for every section of the seed runbook", function () {
        if (!fs.existsSync(SEED)) this.skip(); // the seed runbook sits beside the project in shared/
        const renamed: Record<string, string> = {
            "terraform apply failures": 'was "terraform apply failures"',
        };
        for (const h of headings(fs.readFileSync(SEED, "utf8"))) {
            const wanted = renamed[h] ?? h;
            assert.ok(
                ours.some((o) => o.includes(wanted)),
                `no section for "${h}"`,
            );
        }
    });

    it("turns the infrastructure procedures into config plus pulumi up", () => {
        const text = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "runbook.md"), "utf8");
        for (const key of [
            "logistics:api.minInstances",
            "logistics:composer",
            "logistics:restores",
            "stagingRetentionDays",
            "logistics:warehouse.reservation",
        ])
            assert.ok(text.includes(key), `${key} is not in the runbook`);
        assert.ok(ours.includes("quarterly restore drill"));
    });
});

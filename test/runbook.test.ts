// The project's runbook covers every section of the platform team's runbook it replaces.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "./harness";

const SEED = path.resolve(PROJECT_ROOT, "..", "shared", "runbook.md");
const SEED_SECTIONS = path.join(PROJECT_ROOT, "test", "fixtures", "seed-runbook-sections.txt");

/** The seed runbook's section headings, lower-cased, from the copy kept in the repo. */
function seedSections(): string[] {
    return fs
        .readFileSync(SEED_SECTIONS, "utf8")
        .split("\n")
        .filter((l) => l.trim() && !l.startsWith("#"))
        .map((l) => l.trim().toLowerCase());
}

function headings(text: string): string[] {
    return [...text.matchAll(/^#{2,4} (.+)$/gm)].map((m) => m[1]!.toLowerCase());
}

describe("docs/runbook.md", () => {
    const ours = headings(fs.readFileSync(path.join(PROJECT_ROOT, "docs", "runbook.md"), "utf8"));

    it("keeps the seed runbook's section list in step with the seed, where the seed is at hand", function () {
        // The seed sits beside the project in shared/ on the team's machines, not in every CI.
        if (!fs.existsSync(SEED)) this.skip();
        assert.deepEqual(seedSections(), headings(fs.readFileSync(SEED, "utf8")));
    });

    it("has a section for every section of the seed runbook", () => {
        const sections = seedSections();
        assert.ok(
            sections.length >= 30,
            `only ${sections.length} sections read from ${SEED_SECTIONS}`,
        );
        const renamed: Record<string, string> = {
            "terraform apply failures": 'was "terraform apply failures"',
        };
        for (const h of sections) {
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

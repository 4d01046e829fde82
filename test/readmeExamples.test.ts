// README's examples of --cost, --timeline and the cost delta of a diff are the commands' real output:
// each line the README shows (up to a "…" it shortens with) is a line the command prints.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { diffPlans, renderDiff } from "../tools/offline/diff";
import { estimateDiff, estimatePlan } from "../tools/offline/estimate";
import { planFor, PROJECT_ROOT } from "./harness";

const README = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");

/** The ```text block of README.md whose first line starts with `first`. */
function example(first: string): string[] {
    const block = [...README.matchAll(/```text\n([\s\S]*?)```/g)]
        .map((m) => m[1]!.trimEnd().split("\n"))
        .find((lines) => lines[0]!.startsWith(first));
    assert.ok(block, `README has a text example starting with "${first}"`);
    return block;
}

/** Every README line appears in `output` (a line with "…" up to it), in the same order. */
function assertShown(lines: readonly string[], output: string): void {
    const printed = output.split("\n");
    let at = 0;
    for (const line of lines) {
        if (line.trim() === "…") continue;
        const head = line.includes("…") ? line.slice(0, line.indexOf("…")) : line;
        const found = printed.findIndex((p, i) => i >= at && (p === line || p.startsWith(head)));
        assert.ok(
            found >= 0,
            `README line not in the output (in order): ${JSON.stringify(line)}\n${output}`,
        );
        at = found + 1;
    }
}

describe("README examples", () => {
    it("--cost and --timeline on prod print what the README shows", async () => {
        const plan = await planFor("prod");
        const { text } = estimatePlan(plan, { cost: true, timeline: true });
        assertShown(example("Estimated monthly cost:"), text);
        assertShown(example("Full rebuild"), text);
    });

    it("the diff of one more API instance on prod prints what the README shows", async () => {
        const base = await planFor("prod");
        const head = await planFor("prod", {
            "logistics:api": {
                image: "logistics-api:0.1.0",
                minInstances: 3,
                maxInstances: 20,
                cpu: "2",
                memory: "1Gi",
                invokers: ["group:logistics-api-clients@example.com"],
            },
        });
        const diff = diffPlans(base, head);
        const shown = example("Offline diff of stack prod:");
        // The base's label carries a commit hash: the README's is the one it was run against.
        const label = /: (.*) → working tree$/.exec(shown[0]!)![1]!;
        const output =
            renderDiff(diff, label, "working tree") +
            estimateDiff(base, head, diff, { cost: false, timeline: false }).text;
        assertShown(shown, output);
    });
});

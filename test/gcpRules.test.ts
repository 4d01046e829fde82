// docs/gcp-rules.md stays true: every rule names its source and the code that enforces it, and
// that code exists.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "./harness";

const DOC = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "gcp-rules.md"), "utf8");
const RULES = DOC.split("\n").filter((l) => l.startsWith("- "));

describe("docs/gcp-rules.md", () => {
    it("gives every rule a source URL and a place in the code", () => {
        assert.ok(RULES.length > 30, `only ${RULES.length} rules`);
        for (const rule of RULES) {
            assert.match(rule, /https:\/\/\S+/, rule);
            // The place is a file of the repository, not just any code span.
            assert.match(rule, /`[\w./-]+\.(?:ts|json|yaml|md)`/, rule);
        }
    });

    it("names only files that exist", () => {
        const files = new Set(
            RULES.flatMap((r) =>
                [...r.matchAll(/`([\w./-]+\.(?:ts|json|yaml|md))`/g)].map((m) => m[1]!),
            ),
        );
        for (const file of files)
            assert.ok(fs.existsSync(path.join(PROJECT_ROOT, file)), `${file} does not exist`);
    });

    it("is linked from the README", () => {
        const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
        assert.match(readme, /\(docs\/gcp-rules\.md\)/);
    });
});

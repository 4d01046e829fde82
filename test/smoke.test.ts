// Each command once as its own process, as `npm run <command>` starts it: the process's exit code
// and a real line of its output, so the entry point (`require.main`, runCli, the process's stdout
// and exit code) is covered. Everything else about the commands runs in-process through their
// `main` (test/harness.ts runInProcess). Smoke tests kept elsewhere: ops (the credentials message,
// test/ops.test.ts) and inventory (--help, test/bad-input.test.ts), which must not write the
// inventories; bad-input.test.ts also keeps the runs that need a process by nature (npm's own
// argument handling, an interrupt).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT, startTool } from "./harness";

// Started when the file loads: the processes run on the other core while mocha runs the tests
// before these, which then only await their results.
const start = (tool: string, args: string[], cwd = PROJECT_ROOT) =>
    startTool(tool, args, { cwd, env: { ...process.env, LOGISTICS_DEBUG: "" } });

/** A copy of the prod stack with a real-looking project, which import-file requires. */
const importDir = fs.mkdtempSync(path.join(os.tmpdir(), "smoke-import-"));
fs.copyFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), path.join(importDir, "Pulumi.yaml"));
fs.writeFileSync(
    path.join(importDir, "Pulumi.prod.yaml"),
    fs
        .readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8")
        .replace(/replace-me-logistics-prod/g, "acme-logistics-prod"),
);

const runs = {
    preview: start("preview", ["--stack", "prod"]),
    policy: start("policy", ["--stack", "prod"]),
    iam: start("iam", ["--stack", "dev"]),
    importFile: start("import-file", ["--stack", "prod", "--out", "-"], importDir).finally(() =>
        fs.rmSync(importDir, { recursive: true, force: true }),
    ),
    matrix: start("matrix", ["--stack", "prod"]),
    bench: start("bench", ["--help"]),
};

describe("each command as a process", function () {
    this.timeout(300_000);
    const result = async (run: keyof typeof runs) => {
        const r = await runs[run];
        assert.equal(r.stderr.includes("\n    at "), false, `${run}: no stack trace`);
        return r;
    };

    it("npm run preview -- --stack prod: the tree, exit 0", async () => {
        const r = await result("preview");
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^Previewing update \(prod\) — offline/);
        assert.match(r.stdout, / \+ {3}└─ logistics:stack:Platform +lgx-prod +create/);
    });

    it("npm run policy -- --stack prod: no mandatory violation, exit 0", async () => {
        const r = await result("policy");
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, / 0 mandatory, \d+ advisory\n/);
    });

    it("npm run iam -- --stack dev: every identity has what it needs, exit 0", async () => {
        const r = await result("iam");
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /Every identity has what it needs\./);
    });

    it("npm run import-file -- --stack prod --out -: the file on stdout, the report on stderr, exit 0", async () => {
        const r = await result("importFile");
        assert.equal(r.status, 0, r.stderr);
        const file = JSON.parse(r.stdout) as { resources: { id?: string }[] };
        assert.ok(
            file.resources.some(
                (e) => e.id === "acme-logistics-prod/acme-logistics-prod-lgx-prod-lake",
            ),
        );
        assert.match(r.stderr, /^stdout: \d+ resources to import under \d+ components/);
    });

    it("npm run matrix -- --stack prod: the recovery matrix, exit 0", async () => {
        const r = await result("matrix");
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^\| failure +\| source +\|/);
        assert.match(r.stdout, /\n\| bad load +\| time travel \(168 h\)/);
    });

    it("npm run bench -- --help: the usage, exit 0", async () => {
        const r = await result("bench");
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^Usage: npm run bench \[-- \[--runs <n>\] \[--tests\]\]\n/);
    });
});

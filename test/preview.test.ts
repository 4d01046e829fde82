// The preview command as a user runs it: output, exit codes, and clean errors. Run in-process
// through its `main` with captured output (its run as a process: test/smoke.test.ts).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main, parseArgs } from "../tools/preview";
import { PROJECT_ROOT, runInProcess } from "./harness";

async function preview(args: string[], cwd = PROJECT_ROOT) {
    const r = await runInProcess(main, args, { cwd });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A copy of the project's Pulumi files with one stack file edited. */
function projectWith(stack: string, edit: (text: string) => string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "logistics-preview-"));
    fs.copyFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    const text = fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8");
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), edit(text));
    return dir;
}
const projectWithDev = (edit: (text: string) => string) => projectWith("dev", edit);

describe("npm run preview", () => {
    it("prints the tree, counts and outputs of the prod stack", async () => {
        const r = await preview(["--stack", "prod"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^Previewing update \(prod\) — offline/);
        assert.match(r.stdout, / \+ {3}pulumi:pulumi:Stack +logistics-prod +create/);
        assert.match(r.stdout, / \+ {3}└─ logistics:stack:Platform +lgx-prod +create/);
        assert.match(r.stdout, /Resources by type:\n/);
        assert.match(r.stdout, /Outputs:\n[\s\S]*environment: +prod/);
        assert.match(r.stdout, /computed by Google Cloud and cannot be known offline/);
    });

    it("prints a JSON plan with --json", async () => {
        const r = await preview(["--json"]);
        assert.equal(r.code, 0, r.stderr);
        const plan = JSON.parse(r.stdout);
        assert.equal(plan.stack, "dev");
        assert.ok(Array.isArray(plan.resources) && plan.resources.length > 0);
        for (const res of plan.resources)
            assert.deepEqual(
                Object.keys(res).filter((k) =>
                    ["type", "name", "inputs", "options", "dependencies"].includes(k),
                ).length,
                5,
            );
    });

    it("names the broken key of a bad stack file, exits non-zero, prints no stack trace", async () => {
        const dir = projectWithDev((t) =>
            t
                .replace("maxInstances: 5", "maxInstances: 0")
                .replace("minInstances: 0", "minInstances: 3")
                .replace("schedulerCount: 1", "schedulerCount: one")
                .replace("  logistics:prefix: lgx", "  logistics:prefx: lgx"),
        );
        const r = await preview([], dir);
        assert.equal(r.code, 1);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, /^error: Invalid stack configuration \(4 problems\):/);
        assert.match(
            r.stderr,
            /- logistics:prefx: unknown config key\. Did you mean logistics:prefix\?/,
        );
        assert.match(r.stderr, /- logistics:prefix: is required but missing\./);
        assert.match(
            r.stderr,
            /- logistics:api\.maxInstances: got 0\. Expected an integer from 1 to 1000/,
        );
        assert.match(
            r.stderr,
            /- logistics:composer\.schedulerCount: got "one"\. Expected an integer from 1 to 3/,
        );
        assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    });

    it("runs the policy pack and fails on a mandatory violation, as pulumi preview --policy-pack does", async () => {
        const ok = await preview(["--stack", "prod"]);
        assert.match(
            ok.stdout,
            // Every value a policy reads is known offline (service agents' addresses included):
            // no mandatory violation, only the accepted exceptions listed.
            /Policies \(logistics pack, config policies\/config\/prod\.json\):\n {4}⚠️ {2}0 mandatory, 3 advisory\n/,
        );
        const dir = projectWith("prod", (t) =>
            t.replace(
                "logistics:protectStatefulResources: true",
                "logistics:protectStatefulResources: false",
            ),
        );
        const bad = await preview(["--stack", "prod"], dir);
        assert.equal(bad.code, 1);
        assert.match(
            bad.stdout,
            /- \[mandatory\] {2}stateful-resources-protected {2}\(gcp:storage:Bucket: lgx-prod-lake-bucket\)/,
        );
        assert.match(bad.stdout, /Stateful resource must be protected/);
    });

    it("prints the error the README shows for its example", async () => {
        const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
        const block = /```text\n(error: Invalid stack configuration[\s\S]*?)```/.exec(readme)![1]!;
        const dir = projectWithDev((t) =>
            t
                .replace("  logistics:prefix: lgx", "  logistics:prefx: lgx")
                .replace("minInstances: 0", "minInstances: 2")
                .replace("maxInstances: 5", "maxInstances: 1"),
        );
        const r = await preview([], dir);
        const got = r.stderr.trimEnd().split("\n");
        const shown = block.trimEnd().split("\n");
        assert.equal(got.length, shown.length, r.stderr);
        // The README shortens long lines with "...": compare up to there.
        shown.forEach((line, i) =>
            assert.ok(got[i]!.startsWith(line.replace(/\.\.\.$/, "")), `${got[i]} ≠ ${line}`),
        );
    });

    it("lists the stacks it found for an unknown stack, with exit code 2", async () => {
        const r = await preview(["--stack", "qa"]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /^error: unknown stack "qa"\. Stacks found in .*: dev, prod/);
        assert.doesNotMatch(r.stderr, /\n\s+at /);
    });

    it("rejects unknown arguments with the usage", () => {
        assert.throws(
            () => parseArgs(["--stak", "prod"]),
            /unknown argument "--stak"\. Did you mean --stack\?\n\nUsage: npm run preview/,
        );
        assert.throws(() => parseArgs(["--stack"]), /--stack needs a stack name/);
        assert.deepEqual(parseArgs(["--stack=prod", "--json"]), {
            stack: "prod",
            json: true,
            help: false,
            estimates: { cost: false, timeline: false },
        });
    });
});

// The offline diff (`npm run preview -- --diff`): config changes are updates, removed resources
// deletes, identity changes replacements, URN changes of the same GCP resource renames, and a
// protected resource's delete or replacement is called out. Every type has its identity listed.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadBase, readPlanFile } from "../tools/offline/base";
import { changedLeaves, diffPlans, renderDiff, schemaReplacement } from "../tools/offline/diff";
import type { Plan } from "../tools/offline/engine";
import { UsageError } from "../tools/offline/stackfile";
import { ALL_INPUTS, RESOURCE_TYPES } from "../tools/offline/types";
import { main as previewMain, parseArgs } from "../tools/preview";
import { argsOf, planFor, platformTypes, runInProcess, stackConfig } from "./harness";

const ROOT = path.resolve(__dirname, "..");
const clone = (p: Plan): Plan => JSON.parse(JSON.stringify(p)) as Plan;
const ops = (d: ReturnType<typeof diffPlans>) => d.changes.map((c) => `${c.op} ${c.name}`);

describe("offline diff", () => {
    it("shows a config change as an update of exactly the changed value", async () => {
        const base = await planFor("prod");
        const api = JSON.parse(stackConfig("prod")["logistics:api"]!) as object;
        const head = await planFor("prod", { "logistics:api": { ...api, maxInstances: 7 } });
        const diff = diffPlans(base, head);
        assert.deepEqual(ops(diff), ["update lgx-prod-api-service"]);
        assert.deepEqual(diff.changes[0]!.changes, [
            { path: "template.scaling.maxInstanceCount", before: 20, after: 7 },
        ]);
        assert.deepEqual(diff.protectedViolations, []);
        assert.equal(diff.unchanged, base.resources.length - 1);
    });

    it("shows a removed resource as a delete, and calls out the protected ones", async () => {
        const base = await planFor("prod");
        const head = await planFor("prod", { "logistics:ci": undefined });
        const diff = diffPlans(base, head);
        const deletes = diff.changes.filter((c) => c.op === "delete").map((c) => c.name);
        assert.ok(deletes.includes("lgx-prod-ci-pool"), deletes.join());
        assert.ok(deletes.includes("lgx-prod-ci-deployer-environment"), deletes.join());
        assert.ok(diff.changes.every((c) => c.op === "delete" || c.name.includes("apis")));
        assert.deepEqual(diff.outputs.removed, ["ciServiceAccount", "ciWorkloadIdentityProvider"]);
        assert.deepEqual(diff.protectedViolations, [
            "gcp:iam:WorkloadIdentityPool lgx-prod-ci-pool is protected and would be deleted: pulumi up refuses. Put it back in the program, or unprotect it in a reviewed change first.",
            "gcp:iam:WorkloadIdentityPoolProvider lgx-prod-ci-github is protected and would be deleted: pulumi up refuses. Put it back in the program, or unprotect it in a reviewed change first.",
        ]);
    });

    it("shows a change of location as a replacement, refused when the dataset is protected", async () => {
        const protectedDev = { "logistics:protectStatefulResources": true };
        const base = await planFor("dev", protectedDev);
        const head = await planFor("dev", {
            ...protectedDev,
            "logistics:warehouse": { location: "EU" },
        });
        const diff = diffPlans(base, head);
        const raw = diff.changes.find((c) => c.name === "lgx-dev-warehouse-raw")!;
        assert.equal(raw.op, "replace");
        assert.deepEqual(raw.replaceReasons, ["location changed (identifies the resource in GCP)"]);
        assert.ok(
            diff.protectedViolations.some((v) =>
                v.startsWith(
                    "gcp:bigquery:Dataset lgx-dev-warehouse-raw is protected and would be replaced",
                ),
            ),
        );
        assert.match(
            renderDiff(diff, "base", "head"),
            /\+- gcp:bigquery:Dataset {2}lgx-dev-warehouse-raw {2}replace {2}!! protected/,
        );
    });

    it("recognises a new URN for the same GCP resource as a rename that needs an alias", async () => {
        const base = await planFor("prod");
        const head = clone(base);
        const table = head.resources.find((r) => r.name === "lgx-prod-warehouse-raw-packages")!;
        table.urn = table.urn.replace("::lgx-prod-warehouse-raw-packages", "::packages");
        table.name = "packages";
        const diff = diffPlans(base, head);
        assert.deepEqual(ops(diff).sort(), [
            "create packages",
            "delete lgx-prod-warehouse-raw-packages",
        ]);
        assert.equal(diff.changes.find((c) => c.op === "delete")!.renamedTo, table.urn);
        assert.match(diff.protectedViolations[0]!, /its URN changed .* add an alias/);
    });

    it("warns that a renamed grant would lose its binding", async () => {
        const base = await planFor("dev");
        const head = clone(base);
        const grant = head.resources.find((r) => r.type === "gcp:projects/iAMMember:IAMMember")!;
        const old = grant.name;
        grant.urn = grant.urn.replace(`::${old}`, "::renamed-grant");
        grant.name = "renamed-grant";
        const diff = diffPlans(base, head);
        assert.deepEqual(diff.warnings, [
            `gcp:projects:IAMMember ${old} is renamed: pulumi up would create the new grant and then delete the old one, removing the binding both name. Add an alias (aliases: [{ name: "${old}" }]) so Pulumi keeps one resource.`,
        ]);
        assert.match(renderDiff(diff, "a", "b"), /Warnings:\n {2}! gcp:projects:IAMMember/);
    });

    it("never takes unrelated deletes and creates of types with GCP-assigned ids for renames", async () => {
        const base = await planFor("prod");
        const head = clone(base);
        const alerts = head.resources.filter(
            (r) => r.type === "gcp:monitoring/alertPolicy:AlertPolicy",
        );
        head.resources = head.resources.filter((r) => r !== alerts[0] && r !== alerts[1]);
        head.resources.push({
            ...alerts[0]!,
            urn: `${alerts[0]!.urn}-new`,
            name: `${alerts[0]!.name}-new`,
        });
        const diff = diffPlans(base, head);
        assert.deepEqual(diff.changes.map((c) => c.op).sort(), ["create", "delete", "delete"]);
        assert.ok(diff.changes.every((c) => !c.renamedFrom && !c.renamedTo));
    });

    it("skips inputs under ignoreChanges, as the engine does", async () => {
        // Both sides are copies: the shipped plan is shared by every test of the run.
        const base = clone(await planFor("prod"));
        const head = clone(base);
        const r = head.resources.find((x) => x.name === "lgx-prod-lake-bucket")!;
        r.options.ignoreChanges = ["labels"];
        base.resources.find((x) => x.name === "lgx-prod-lake-bucket")!.options.ignoreChanges = [
            "labels",
        ];
        r.inputs["labels"] = { changed: "yes" };
        assert.deepEqual(ops(diffPlans(base, head)), []);
    });

    it("replaces a table that loses or retypes a column, and updates one that gains a column", async () => {
        // Legacy and standard names of one type are no change.
        assert.deepEqual(
            schemaReplacement(
                JSON.stringify([
                    { name: "a", type: "INTEGER" },
                    { name: "b", type: "BOOLEAN" },
                ]),
                JSON.stringify([
                    { name: "a", type: "INT64" },
                    { name: "b", type: "BOOL" },
                ]),
            ),
            [],
        );
        assert.deepEqual(
            schemaReplacement(
                JSON.stringify([
                    { name: "a", type: "STRING" },
                    { name: "b", type: "INT64" },
                    { name: "c", type: "DATE" },
                ]),
                JSON.stringify([
                    { name: "a", type: "STRING" },
                    { name: "b", type: "STRING" },
                    { name: "d", type: "DATE" },
                ]),
            ),
            ["column b retyped INT64 → STRING", "column c removed"],
        );
        const base = await planFor("prod");
        const head = clone(base);
        const table = head.resources.find((r) => r.name === "lgx-prod-warehouse-raw-packages")!;
        const fields = JSON.parse(table.inputs["schema"] as string) as { name: string }[];
        table.inputs["schema"] = JSON.stringify([...fields, { name: "extra", type: "STRING" }]);
        assert.deepEqual(ops(diffPlans(base, head)), ["update lgx-prod-warehouse-raw-packages"]);
        table.inputs["schema"] = JSON.stringify(fields.slice(1));
        const diff = diffPlans(base, head);
        assert.deepEqual(ops(diff), ["replace lgx-prod-warehouse-raw-packages"]);
        assert.deepEqual(diff.changes[0]!.replaceReasons, [
            `column ${fields[0]!.name.toLowerCase()} removed`,
        ]);
    });

    it("shows an option change, such as dropping protection, as an update", async () => {
        const base = await planFor("prod");
        const head = await planFor("prod", { "logistics:protectStatefulResources": false });
        const diff = diffPlans(base, head);
        const bucket = diff.changes.find((c) => c.name === "lgx-prod-lake-bucket")!;
        assert.equal(bucket.op, "update");
        assert.ok(bucket.changes.some((v) => v.path === "options.protect" && v.before === true));
    });

    it("compares leaves, unknown values included", () => {
        assert.deepEqual(changedLeaves({ a: [1, { b: 2 }], c: 1 }, { a: [1, { b: 3 }], c: 1 }), [
            { path: "a[1].b", before: 2, after: 3 },
        ]);
        assert.deepEqual(changedLeaves({ a: "(known after deploy)" }, { a: "x" }), [
            { path: "a", before: "(known after deploy)", after: "x" },
        ]);
        assert.deepEqual(changedLeaves({ a: [1, 2] }, { a: [1] }), [
            { path: "a[1]", before: 2, after: undefined },
        ]);
    });

    it("reads a saved plan, and names what is wrong with a bad one", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));
        const write = (name: string, text: string) => {
            fs.writeFileSync(path.join(dir, name), text);
            return path.join(dir, name);
        };
        const ok = write("ok.json", JSON.stringify({ stack: "dev", resources: [] }));
        assert.equal(readPlanFile(ok, "dev").stack, "dev");
        // `npm run` without -s prints a banner before the JSON.
        const banner = write(
            "banner.json",
            `\n> logistics-platform@0.1.0 preview\n> ts-node tools/preview.ts\n\n${JSON.stringify({ stack: "dev", resources: [] })}`,
        );
        assert.equal(readPlanFile(banner, "dev").stack, "dev");
        const problems: [string, RegExp][] = [
            [
                write("bad.json", "{"),
                /is not JSON .*Expected a plan written by `npm run -s preview -- --json`/,
            ],
            [write("other.json", JSON.stringify({ stack: "x" })), /is not a plan/],
            [ok.replace("ok", "missing"), /does not exist/],
        ];
        for (const [file, message] of problems)
            assert.throws(
                () => readPlanFile(file, "dev"),
                (e: Error) => e instanceof UsageError && message.test(e.message),
            );
        assert.throws(
            () => readPlanFile(ok, "prod"),
            /is a plan of stack "dev", not "prod". Pass --stack dev, or a plan of prod./,
        );
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("reads a relative --diff plan.json from where the command runs", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-cwd-"));
        fs.writeFileSync(path.join(dir, "base.json"), JSON.stringify(await planFor("dev")));
        const r = await runInProcess(previewMain, ["--diff", "base.json"], { cwd: dir });
        fs.rmSync(dir, { recursive: true, force: true });
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^Offline diff of stack dev: base\.json → working tree\n/);
        const missing = await runInProcess(previewMain, ["--diff", "base.json"], {
            cwd: os.tmpdir(),
        });
        assert.equal(missing.status, 2);
        assert.match(missing.stderr, /^error: --diff: .*base\.json does not exist/);
    });

    it("refuses a base that is neither a file nor a revision, and a --diff without a base", () => {
        assert.throws(
            () => loadBase("no-such-branch-xyz", "dev", ROOT),
            /"no-such-branch-xyz" is neither a plan file nor a git revision/,
        );
        assert.throws(
            () => parseArgs(["--diff"]),
            /--diff needs a base: a git revision or a plan.json/,
        );
        assert.deepEqual(parseArgs(["--diff", "origin/main", "--stack", "prod"]), {
            stack: "prod",
            json: false,
            help: false,
            diff: "origin/main",
            estimates: { cost: false, timeline: false },
        });
    });

    const gitAvailable =
        spawnSync("git", ["rev-parse", "--verify", "HEAD"], { cwd: ROOT }).status === 0;
    (gitAvailable ? it : it.skip)(
        "previews a git revision offline with its own code (the checkout's HEAD)",
        async () => {
            const { plan, label } = loadBase("HEAD", "dev", ROOT);
            assert.match(label, /^HEAD \([0-9a-f]{12}\)$/);
            assert.equal(plan.stack, "dev");
            const pools = plan.resources.filter((r) => r.type.includes("workloadIdentityPool:"));
            assert.ok(plan.resources.length > 50, `${plan.resources.length} resources`);
            assert.ok(pools.length <= 1);
            assert.ok(
                !fs.existsSync(path.join(ROOT, ".cache", "preview-base", `x-${process.pid}`)),
            );
        },
    );

    it("knows the identity of every resource type the platform creates, as inputs the type has", async () => {
        const types = await platformTypes();
        const problems: string[] = [];
        for (const type of types) {
            const facts = RESOURCE_TYPES[type];
            if (!facts) {
                problems.push(`${type}: no entry in tools/offline/types.ts`);
                continue;
            }
            if (facts.identity === ALL_INPUTS) continue;
            const args = argsOf(type);
            for (const key of facts.identity)
                if (!args.includes(key))
                    problems.push(`${type}: ${key} is not an input of the type`);
        }
        assert.deepEqual(problems, []);
        assert.deepEqual(
            Object.keys(RESOURCE_TYPES).filter((t) => !types.has(t)),
            [],
            "entries for types the platform no longer creates",
        );
    });
});

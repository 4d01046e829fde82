// Golden inventories: each case's plan must match test/inventories/<case>.yaml (the reviewed
// inputs) and its whole-plan digest in test/inventories/digests.json (every input of every resource).
import { strict as assert } from "assert";
import * as fs from "fs";
import {
    caseProblems,
    DIGESTS_FILE,
    generate,
    readDigests,
    strayProblems,
    type Generated,
} from "../tools/inventory";
import {
    compareInventoryText,
    readableInventory,
    REVIEWED_INPUTS,
    UnlistedTypeError,
} from "../tools/offline/inventory";
import { INVENTORY_CASES, planOfCase } from "../tools/offline/inventoryCases";
import { compareDigest, planDigest } from "../tools/offline/planDigest";
import { SECRET_PLAINTEXT, type Plan, type PlannedResource } from "../tools/offline/engine";
import { displayType } from "../tools/offline/render";
import { argsOf, PROJECT_ROOT, startTool } from "./harness";

/** A plain deep copy of a plan to edit (a secret's hidden plaintext is not copied). */
function copyPlan(plan: Plan): Plan {
    return JSON.parse(JSON.stringify(plan)) as Plan;
}

function byName(plan: Plan, name: string): PlannedResource {
    const r = plan.resources.find((x) => x.name === name);
    assert.ok(r, `no resource ${name}`);
    return r;
}

// The two processes start when the file loads and run beside the other tests (test/smoke.test.ts).
const digestsBefore = fs.readFileSync(DIGESTS_FILE, "utf8");
const checkRuns = {
    ok: startTool("inventory", ["--check", "--case", "dev"], { cwd: PROJECT_ROOT }),
    bad: startTool("inventory", ["--check", "--case", "staging"], { cwd: PROJECT_ROOT }),
};

describe("golden inventories", () => {
    const generated = new Map<string, Promise<Generated>>();
    const gen = (name: string) => {
        const c = INVENTORY_CASES.find((x) => x.name === name)!;
        if (!generated.has(name)) generated.set(name, generate(c));
        return generated.get(name)!;
    };

    for (const c of INVENTORY_CASES) {
        it(`case ${c.name} matches test/inventories/${c.name}.yaml and its digest`, async () => {
            const committed = readDigests();
            assert.equal(committed.problem, undefined, committed.problem);
            const problems = caseProblems(await gen(c.name), committed.digests);
            assert.deepEqual(
                problems,
                [],
                `case ${c.name}: the plan differs from the committed inventory:\n  ${problems.join("\n  ")}\n` +
                    "If the change is intended, run: npm run inventory, and review the diff.",
            );
        });
    }

    it("test/inventories holds no file or digest that no case writes", () => {
        assert.deepEqual(strayProblems(readDigests().digests), []);
    });

    it("the digest names the URN whose input, option or dependency changed, and added or removed ones", async () => {
        const plan = await planOfCase(INVENTORY_CASES.find((c) => c.name === "prod")!);
        const base = planDigest(plan);
        assert.equal(base.resources, plan.resources.length);
        assert.deepEqual(compareDigest(base, planDigest(copyPlan(plan))), []);

        // An input no readable inventory shows (the dashboard's JSON) still fails the digest.
        const edited = copyPlan(plan);
        const dashboard = byName(edited, "lgx-prod-dashboard-dashboard");
        dashboard.inputs["dashboardJson"] = String(dashboard.inputs["dashboardJson"]).replace(
            "12",
            "11",
        );
        assert.deepEqual(compareDigest(base, planDigest(edited)), [`changed: ${dashboard.urn}`]);

        const options = copyPlan(plan);
        const lake = byName(options, "lgx-prod-lake-bucket");
        lake.options.ignoreChanges = ["lifecycleRules"];
        const deps = copyPlan(plan);
        const table = byName(deps, "lgx-prod-warehouse-raw-packages");
        table.dependencies = table.dependencies.slice(1);
        assert.deepEqual(compareDigest(base, planDigest(options)), [`changed: ${lake.urn}`]);
        assert.deepEqual(compareDigest(base, planDigest(deps)), [`changed: ${table.urn}`]);

        const gone = copyPlan(plan);
        const removed = gone.resources.pop()!;
        gone.resources.push({ ...removed, urn: `${removed.urn}-renamed` });
        assert.deepEqual(compareDigest(base, planDigest(gone)), [
            `added: ${removed.urn}-renamed`,
            `removed: ${removed.urn}`,
        ]);
        const outputs = copyPlan(plan);
        outputs.outputs["region"] = "europe-west1";
        assert.deepEqual(compareDigest(base, planDigest(outputs)), ["changed: the stack outputs"]);
        // Resource order in the plan is not part of it.
        const reordered = copyPlan(plan);
        reordered.resources.reverse();
        assert.equal(planDigest(reordered).sha256, base.sha256);
    });

    it("the digest holds secrets as placeholders: the plaintext never reaches it", async () => {
        const plan = await planOfCase(INVENTORY_CASES.find((c) => c.name === "dev")!);
        const version = plan.resources.find(
            (r) => displayType(r.type) === "gcp:secretmanager:SecretVersion",
        );
        assert.ok(version, "dev has a secret version");
        assert.deepEqual(version.inputs["secretData"], { secret: true, value: "[secret]" });
        const withPlaintext = (plaintext: string) => {
            const copy = copyPlan(plan);
            const marker = Object.defineProperty(
                { secret: true, value: "[secret]" },
                SECRET_PLAINTEXT,
                {
                    value: plaintext,
                    enumerable: false,
                },
            );
            copy.resources.find((r) => r.urn === version.urn)!.inputs["secretData"] = marker;
            return planDigest(copy).sha256;
        };
        assert.equal(withPlaintext("one"), planDigest(plan).sha256);
        assert.equal(withPlaintext("two"), planDigest(plan).sha256);
    });

    it("a resource type missing from REVIEWED_INPUTS fails, naming the type", async () => {
        const plan = copyPlan(await planOfCase(INVENTORY_CASES.find((c) => c.name === "dev")!));
        plan.resources.push({
            ...plan.resources[1]!,
            urn: "urn:x",
            name: "x",
            type: "gcp:compute/network:Network",
        });
        assert.throws(
            () => readableInventory(plan),
            (err: unknown) =>
                err instanceof UnlistedTypeError &&
                /resource type gcp:compute:Network not in REVIEWED_INPUTS \(tools\/offline\/inventory\.ts\)/.test(
                    err.message,
                ),
        );
    });

    it("the every-feature case has every type of the other cases, and REVIEWED_INPUTS exactly those types", async () => {
        const typesOf = async (name: string) =>
            new Set(
                (await planOfCase(INVENTORY_CASES.find((c) => c.name === name)!)).resources.map(
                    (r) => displayType(r.type),
                ),
            );
        const every = await typesOf("every-feature");
        for (const other of ["dev", "prod"])
            for (const t of await typesOf(other))
                assert.ok(every.has(t), `${t} of ${other} is not in every-feature`);
        assert.deepEqual(
            Object.keys(REVIEWED_INPUTS).sort(),
            [...every].sort(),
            "REVIEWED_INPUTS lists a type no case has",
        );
    });

    it("each reviewed input path starts with an input of its type, and each type says why", async () => {
        const plan = await planOfCase(INVENTORY_CASES.find((c) => c.name === "every-feature")!);
        const fullType = new Map(plan.resources.map((r) => [displayType(r.type), r.type]));
        for (const [type, spec] of Object.entries(REVIEWED_INPUTS)) {
            assert.ok(spec.why.trim().length > 10, `${type}: a reason`);
            if (!type.startsWith("gcp:") && !type.startsWith("random:")) continue;
            const args = new Set(argsOf(fullType.get(type)!));
            for (const p of spec.inputs)
                assert.ok(
                    args.has(p.split(".")[0]!),
                    `${type}: "${p}" is no input of ${fullType.get(type)}`,
                );
        }
    });

    it("a changed reviewed value is named by type, resource and input", async () => {
        const g = await gen("prod");
        const edited = g.text.replace("location: US-EAST1", "location: EU");
        assert.notEqual(edited, g.text);
        assert.deepEqual(compareInventoryText(edited, g.text), [
            'resources › gcp:storage:Bucket › lgx-prod-backups-snapshots › location: file has "EU", plan has "US-EAST1"',
        ]);
        const count = g.text.replace(/^ {2}gcp:storage:Bucket: 3$/m, "  gcp:storage:Bucket: 4");
        assert.deepEqual(compareInventoryText(count, g.text), [
            "counts › gcp:storage:Bucket: file has 4, plan has 3",
        ]);
        assert.deepEqual(compareInventoryText(g.text.replace("# Golden", "#  Golden"), g.text), [
            "same content, different text (header or layout): regenerate it",
        ]);
    });

    it("npm run inventory -- --check exits 0 on the committed files and writes nothing; a bad --case exits 2", async function () {
        const ok = await checkRuns.ok;
        assert.equal(ok.status, 0, ok.stderr);
        assert.match(ok.stdout, /inventories match the plans: dev/);
        assert.equal(fs.readFileSync(DIGESTS_FILE, "utf8"), digestsBefore);
        const bad = await checkRuns.bad;
        assert.equal(bad.status, 2);
        assert.match(
            bad.stderr,
            /--case: unknown case "staging"\. Cases: dev, prod, every-feature\./,
        );
    });
});

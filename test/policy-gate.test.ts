// The gate itself: a missing or invalid pack config fails (exit 2), config is validated against
// each policy's configSchema, prod's exceptions carry a reason, values known only after deploy
// fail in prod without blinding a stack policy, CI judges with the base branch's pack, and
// CODEOWNERS covers the gate.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UnknownValueError } from "@pulumi/policy";
import * as YAML from "yaml";
import { bigqueryPolicies } from "../policies/bigquery";
import { monitoringPolicies } from "../policies/monitoring";
import { stackPolicies } from "../policies/stack";
import { storagePolicies } from "../policies/storage";
import { UNKNOWN, type Plan } from "../tools/offline/engine";
import {
    isMandatoryStack,
    loadPolicyConfig,
    policyConfigProblems,
    runPolicies,
} from "../tools/offline/policy";
import { main as policyMain } from "../tools/policy";
import { main as previewMain } from "../tools/preview";
import { planFor, PROJECT_ROOT, runInProcess } from "./harness";
import { judgePlan } from "./mutations";

const PROD = JSON.parse(
    fs.readFileSync(path.join(PROJECT_ROOT, "policies", "config", "prod.json"), "utf8"),
) as Record<string, unknown>;

/** A copy of the project's Pulumi files with its own policies/config holding `configs`. */
function project(configs: Record<string, unknown>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "logistics-gate-"));
    for (const f of ["Pulumi.yaml", "Pulumi.prod.yaml", "Pulumi.dev.yaml"])
        fs.copyFileSync(path.join(PROJECT_ROOT, f), path.join(dir, f));
    fs.mkdirSync(path.join(dir, "policies", "config"), { recursive: true });
    for (const [stack, c] of Object.entries(configs))
        fs.writeFileSync(
            path.join(dir, "policies", "config", `${stack}.json`),
            typeof c === "string" ? c : JSON.stringify(c),
        );
    return dir;
}

describe("the gate: pack config", function () {
    this.timeout(300_000);

    // In-process through the commands' main (their runs as processes: test/smoke.test.ts).
    it("npm run policy and npm run preview exit 2 when prod's pack config is missing", async () => {
        const dir = project({ dev: { all: "advisory" } });
        for (const [tool, main] of [
            ["policy", policyMain],
            ["preview", previewMain],
        ] as const) {
            const r = await runInProcess(main, ["--stack", "prod"], { cwd: dir });
            assert.equal(r.status, 2, `${tool}: ${r.stdout}${r.stderr}`);
            assert.match(
                r.stderr,
                /^error: .*policies\/config\/prod\.json: missing\. Every stack needs its policy pack config/,
            );
            assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
        }
    });

    it("npm run policy exits 2, listing every problem, for a config its policies' schemas refuse", async () => {
        const dir = project({
            prod: {
                ...PROD,
                "bigquery-time-travel-floor": { enforcementLevel: "mandatory", minHours: "a week" },
                "gcs-backups-retention-locked": {
                    enforcementLevel: "mandatory",
                    minRetentionDay: 1,
                },
                "gcs-no-force-destroy": "blocking",
            },
        });
        const r = await runInProcess(policyMain, ["--stack", "prod"], { cwd: dir });
        assert.equal(r.status, 2, r.stdout + r.stderr);
        assert.match(r.stderr, /invalid policy pack config \(3 problems\):/);
        assert.match(r.stderr, /- bigquery-time-travel-floor\.minHours: must be integer\./);
        assert.match(
            r.stderr,
            /- gcs-backups-retention-locked\.minRetentionDay: must NOT have additional properties\. Known keys: minRetentionDays, requireLocked, minSoftDeleteDays, minDeleteAgeDays, reason, enforcementLevel\./,
        );
        assert.match(
            r.stderr,
            /- gcs-no-force-destroy: enforcement level "blocking"\. Expected one of advisory, mandatory, remediate, disabled\./,
        );
    });

    const prodProblems: [string, Record<string, unknown>, string[]][] = [
        ["prod as shipped", PROD, []],
        [
            "prod made advisory",
            { ...PROD, all: "advisory" },
            ['all: got "advisory". The prod stack\'s config must set "all": "mandatory".'],
        ],
        [
            "prod without its all entry",
            Object.fromEntries(Object.entries(PROD).filter(([k]) => k !== "all")),
            ['all: got null. The prod stack\'s config must set "all": "mandatory".'],
        ],
        [
            "a prod policy disabled without a reason",
            { ...PROD, "gcs-data-lake-lifecycle-safe": "disabled" },
            [
                'gcs-data-lake-lifecycle-safe: disabled in prod without a reason. Write it as { "enforcementLevel": "disabled", "reason": "<why this exception is safe>" }.',
            ],
        ],
        [
            "a prod policy advisory with an empty reason",
            { ...PROD, "logging-audit-logs-kept": { enforcementLevel: "advisory", reason: " " } },
            [
                'logging-audit-logs-kept: advisory in prod without a reason. Write it as { "enforcementLevel": "advisory", "reason": "<why this exception is safe>" }.',
            ],
        ],
        [
            "a prod exception with its reason",
            {
                ...PROD,
                "logging-audit-logs-kept": {
                    enforcementLevel: "advisory",
                    reason: "the audit sink moves to the org level in ticket OPS-12",
                },
            },
            [],
        ],
    ];
    for (const [what, config, expected] of prodProblems)
        it(`prod config: ${what}`, () =>
            assert.deepEqual(policyConfigProblems(config, "prod"), expected));

    it("holds any stack whose stack file says production to prod's rules, whatever its name or spelling", () => {
        assert.equal(isMandatoryStack("prod", PROJECT_ROOT), true);
        assert.equal(isMandatoryStack("dev", PROJECT_ROOT), false);
        // A new production stack, `live`, started from dev's files (its own project and environment,
        // so its names are its own): its stack file says production, its pack config is dev's advisory one.
        const dir = project({});
        const devText = fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), "utf8");
        const devPack = fs.readFileSync(
            path.join(PROJECT_ROOT, "policies/config/dev.json"),
            "utf8",
        );
        fs.writeFileSync(path.join(dir, "policies", "config", "live.json"), devPack);
        const configDir = path.join(dir, "policies", "config");
        const write = (production: string, file = "Pulumi.live.yaml") => {
            for (const f of ["Pulumi.live.yaml", "Pulumi.live.yml"])
                fs.rmSync(path.join(dir, f), { force: true });
            const doc = YAML.parseDocument(devText);
            doc.setIn(["config", "logistics:environment"], "live");
            doc.setIn(["config", "gcp:project"], "replace-me-logistics-live");
            const text = doc.toString().replace(/^config:\n/m, `config:\n${production}\n`);
            fs.writeFileSync(path.join(dir, file), text);
        };
        // Every spelling the program itself reads as production (the stack-file reader and the
        // config schema), including a merge key and the .yml name.
        for (const [production, file] of [
            ["  logistics:production: true", undefined],
            ['  logistics:production: " true"', undefined],
            ["  logistics:production: |\n    true", undefined],
            ['  <<: { "logistics:production": true }', undefined],
            ["  logistics:production: true", "Pulumi.live.yml"],
        ] as const) {
            write(production, file);
            assert.equal(
                isMandatoryStack("live", dir),
                true,
                `${production} in ${file ?? "Pulumi.live.yaml"}`,
            );
            assert.throws(
                () => loadPolicyConfig("live", configDir),
                /all: got "advisory"\. The live stack's config must set "all": "mandatory"\./,
                production,
            );
        }
        write("  logistics:production: false");
        assert.equal(isMandatoryStack("live", dir), false);
        assert.doesNotThrow(() => loadPolicyConfig("live", configDir));
        // A stack file that does not load is held to prod's rules.
        fs.writeFileSync(path.join(dir, "Pulumi.live.yaml"), "config: [unclosed\n");
        assert.equal(isMandatoryStack("live", dir), true);
    });

    it("reads whether a stack serves production in the project it previews, not the pack's folder", () => {
        // A project without its own policies/config: the pack's folder is used for the config,
        // the project's own stack file for whether `live` serves production.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "logistics-gate-root-"));
        for (const f of ["Pulumi.yaml", "Pulumi.dev.yaml"])
            fs.copyFileSync(path.join(PROJECT_ROOT, f), path.join(dir, f));
        const doc = YAML.parseDocument(
            fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), "utf8"),
        );
        doc.setIn(["config", "logistics:environment"], "live");
        doc.setIn(["config", "gcp:project"], "replace-me-logistics-live");
        doc.setIn(["config", "logistics:production"], true);
        fs.writeFileSync(path.join(dir, "Pulumi.live.yaml"), doc.toString());
        assert.equal(isMandatoryStack("live", dir), true);
        assert.equal(
            isMandatoryStack("live", PROJECT_ROOT),
            false,
            "no such stack in the repository",
        );
        // The pack config lives elsewhere (here: a folder of its own holding dev's advisory config
        // as live.json); the production check reads the project's stack file all the same.
        const packDir = fs.mkdtempSync(path.join(os.tmpdir(), "logistics-gate-pack-"));
        fs.copyFileSync(
            path.join(PROJECT_ROOT, "policies", "config", "dev.json"),
            path.join(packDir, "live.json"),
        );
        assert.throws(
            () => loadPolicyConfig("live", packDir, undefined, dir),
            /all: got "advisory"\. The live stack's config must set "all": "mandatory"\./,
        );
    });

    it("dev's config states a reason for each policy it disables", () => {
        const dev = loadPolicyConfig("dev");
        for (const [name, value] of Object.entries(dev))
            if (typeof value === "object" && value?.enforcementLevel === "disabled")
                assert.ok(
                    (value as { reason?: string }).reason,
                    `${name} disabled without a reason`,
                );
    });

    it("prod's configured floors match what the prod stack file configures (no false positive, no slack)", async () => {
        const lake = PROD["gcs-data-lake-lifecycle-safe"] as Record<string, number>;
        const backups = PROD["gcs-backups-retention-locked"] as Record<string, number>;
        const plan = await planFor("prod");
        const bucket = (n: string) => plan.resources.find((r) => r.name === n)!.inputs as any;
        const lakeRules = bucket("lgx-prod-lake-bucket").lifecycleRules as any[];
        assert.equal(
            lakeRules.find((r) => r.condition.matchesPrefixes?.includes("staging/")).condition.age,
            lake["minStagingRetentionDays"],
        );
        assert.equal(
            bucket("lgx-prod-lake-bucket").softDeletePolicy.retentionDurationSeconds / 86400,
            lake["minSoftDeleteDays"],
        );
        assert.equal(
            Number(bucket("lgx-prod-backups-bucket").retentionPolicy.retentionPeriod) / 86400,
            backups["minRetentionDays"],
        );
    });
});

describe("the gate: values known only after deploy", function () {
    this.timeout(300_000);

    it("hands policies the SDK's own unknown-checking proxy", async () => {
        let thrown: unknown;
        await runPolicies(
            {
                project: "logistics",
                stack: "prod",
                resources: [
                    {
                        urn: "urn:pulumi:prod::logistics::gcp:storage/bucket:Bucket::b",
                        type: "gcp:storage/bucket:Bucket",
                        name: "b",
                        custom: true,
                        inputs: { versioning: { enabled: UNKNOWN } },
                        options: {
                            protect: true,
                            retainOnDelete: true,
                            deleteBeforeReplace: false,
                            ignoreChanges: [],
                            replaceOnChanges: [],
                            additionalSecretOutputs: [],
                        },
                        dependencies: [],
                    },
                ],
                outputs: {},
                secrets: [],
                warnings: [],
            },
            { all: "mandatory" },
            [
                {
                    name: "probe",
                    description: "reads an unknown",
                    validateResource: (args) => {
                        try {
                            void args.props["versioning"].enabled;
                        } catch (err) {
                            thrown = err;
                        }
                    },
                },
            ],
        );
        assert.ok(thrown instanceof UnknownValueError);
        assert.equal(
            (thrown as Error).message,
            "string value at .versioning.enabled can't be known during preview",
        );
    });

    it("one unknown value fails its own resource in prod and does not blind the policy to the others", async () => {
        const plan = structuredClone(await planFor("prod"));
        const alert = (n: string) => plan.resources.find((r) => r.name === n)!.inputs;
        alert("lgx-prod-alerting-api-latency")["enabled"] = UNKNOWN;
        alert("lgx-prod-alerting-dag-failure")["enabled"] = false;
        const v = await judgePlan(plan);
        assert.deepEqual(
            v.reasons.filter((r) => r.startsWith("monitoring-alert-routed-and-documented")),
            [
                "monitoring-alert-routed-and-documented: the alert's state and routing of lgx-prod-alerting-api-latency is known only after deploy (string value at .enabled can't be known during preview), so it cannot be checked before it takes effect. Set it to a value known at preview time.",
                "monitoring-alert-routed-and-documented: Alert policy must be enabled (enabled: false silences it).",
            ],
        );
    });

    it("no data-loss or detection policy gives up with 'can't run' when every value is unknown; prod fails closed", async () => {
        const plan = structuredClone(await planFor("prod")) as Plan;
        const blank = (v: unknown): unknown =>
            Array.isArray(v)
                ? v.map(blank)
                : v !== null && typeof v === "object"
                  ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, blank(x)]))
                  : UNKNOWN;
        // Every leaf unknown, and on every other resource whole top-level values unknown too.
        plan.resources.forEach((r, i) => {
            r.inputs =
                i % 2 === 0
                    ? (blank(r.inputs) as Record<string, unknown>)
                    : Object.fromEntries(Object.keys(r.inputs).map((k) => [k, UNKNOWN]));
        });
        const mine = [
            ...storagePolicies,
            ...bigqueryPolicies,
            ...monitoringPolicies,
            ...stackPolicies,
        ];
        const violations = await runPolicies(plan, { all: "mandatory" }, mine);
        assert.deepEqual(
            violations.filter((v) => /can't run policy/.test(v.message)).map((v) => v.policy),
            [],
        );
        const failing = new Set(
            violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policy),
        );
        for (const name of [
            "gcs-data-lake-lifecycle-safe",
            "gcs-backups-retention-locked",
            "bigquery-scheduled-sql-keeps-raw-data",
            "monitoring-alert-routed-and-documented",
            "monitoring-channels-allowed",
            "stack-runbook-alerts-exist",
        ])
            assert.ok(failing.has(name), `${name} passes values it cannot see`);
    });
});

describe("the gate: CI and ownership", () => {
    /** The owners of `file` by .github/CODEOWNERS (the last matching pattern wins). */
    function owners(file: string): string[] {
        const text = fs.readFileSync(path.join(PROJECT_ROOT, ".github", "CODEOWNERS"), "utf8");
        let found: string[] = [];
        for (const line of text.split("\n")) {
            const [pattern, ...who] = line.replace(/#.*/, "").trim().split(/\s+/);
            if (!pattern) continue;
            const anchored = pattern.replace(/^\//, "");
            const hit = anchored.endsWith("/") ? file.startsWith(anchored) : file === anchored;
            if (hit) found = who;
        }
        return found;
    }

    for (const file of [
        "policies/all.ts",
        "policies/config/prod.json",
        "Pulumi.prod.yaml",
        ".github/workflows/pull-request.yml",
        ".github/CODEOWNERS",
        "tools/offline/policy.ts",
    ])
        it(`CODEOWNERS gives ${file} an owner`, () => {
            const who = owners(file);
            assert.ok(who.length > 0, `${file} has no owner`);
            for (const o of who) assert.match(o, /^@[\w.-]+(\/[\w.-]+)?$/);
        });

    it("CODEOWNERS leaves other files to the usual review", () =>
        assert.deepEqual(owners("components/dataLake.ts"), []));

    it("the pull-request workflow runs the base branch's pack and config and flags changes to policies/", () => {
        const wf = YAML.parse(
            fs.readFileSync(
                path.join(PROJECT_ROOT, ".github", "workflows", "pull-request.yml"),
                "utf8",
            ),
        );
        const steps = wf.jobs.offline.steps as { name?: string; run?: string }[];
        const i = steps.findIndex((s) => /Policies of the base branch/.test(s.name ?? ""));
        assert.ok(i >= 0, "no base-branch policy step");
        const run = steps[i]!.run!;
        assert.ok(i === steps.length - 1, "it overwrites policies/: it must run last");
        const checkout = run.indexOf('git checkout "origin/$BASE_REF" -- policies/');
        const policy = run.indexOf('npm run -s policy -- --stack "$stack"');
        assert.ok(checkout > 0 && policy > checkout, "checks out base's policies/ before judging");
        assert.match(run, /git diff --name-only "origin\/\$BASE_REF"\.\.\.HEAD -- policies\//);
        assert.match(run, /GITHUB_STEP_SUMMARY/);
        assert.match(run, /exit 1/);
    });
});

describe("the gate: one policy cannot change what another sees", () => {
    it("refuses a policy that writes a resource's properties or the stack's resource list", async () => {
        const plan = await planFor("dev");
        const config = { all: "mandatory" } as never;
        const sees: string[] = [];
        const reader = {
            name: "reader",
            description: "reads",
            validateResource: (args: { type: string; props: Record<string, unknown> }) => {
                if (args.type === "gcp:storage/bucket:Bucket")
                    sees.push(JSON.stringify(args.props["versioning"]));
            },
        };
        const writer = {
            name: "writer",
            description: "writes",
            validateResource: (args: { type: string; props: Record<string, unknown> }) => {
                if (args.type === "gcp:storage/bucket:Bucket") delete args.props["versioning"];
            },
        };
        await assert.rejects(
            runPolicies(plan, config, [writer, reader] as never),
            /a policy changed a resource's properties; policies only read them/,
        );
        // Read alone, every bucket's versioning is there.
        await runPolicies(plan, config, [reader] as never);
        assert.ok(sees.length > 0 && sees.every((s) => s !== undefined && s !== "undefined"));
        const splicer = {
            name: "splicer",
            description: "empties the list",
            validateStack: (args: { resources: unknown[] }) => void args.resources.splice(0),
        };
        await assert.rejects(runPolicies(plan, config, [splicer] as never), TypeError);
    });
});

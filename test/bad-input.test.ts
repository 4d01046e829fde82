// Bad input of every kind — config values, stack files, command lines, output paths — each gets
// its exit code and a message naming the offending key or value; no command leaves a changed
// tracked file or a stray temporary file behind. Parsing is called directly and the commands run
// in-process through their main; only what needs a process by nature (npm's own argument
// handling, a signal) and inventory's one run (its smoke test) spawn one.
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describeFailure, parseCommandLine, rejectFlagsKeptByNpm, userPath } from "../tools/cli";
import { main as benchMain } from "../tools/bench";
import { main as importMain, parseArgs as parseImportArgs } from "../tools/import-file";
import { main as matrixMain } from "../tools/matrix";
import { main as policyMain } from "../tools/policy";
import {
    main as previewMain,
    parseArgs as parsePreviewArgs,
    USAGE as PREVIEW_USAGE,
} from "../tools/preview";
import { main as opsMain, parseArgs as parseOpsArgs, reportOpsFailure } from "../tools/ops";
import { main as iamMain, parseArgs as parseIamArgs } from "../tools/iam";
import { readStackFile } from "../tools/offline/stackfile";
import { loadBase } from "../tools/offline/base";
import { ConfigError, parseStackConfig } from "../stacks/config";
import {
    configProblems,
    PROJECT_ROOT,
    runInProcess,
    stackConfig,
    startProcess,
    startTool,
    withChanges,
} from "./harness";

// The runs that need a process by nature start when the file loads, so they run on another core
// beside the in-process tests (test/smoke.test.ts); their tests await them.
/** What npm itself does with a flag before "--". */
const npmWithoutDashes = startProcess("npm", ["run", "-s", "preview", "--stack", "prod"], {
    cwd: PROJECT_ROOT,
});
/** inventory's --help is its one run as a process: a real run would rewrite test/inventories. */
const inventoryHelp = startTool("inventory", ["--help"], { cwd: PROJECT_ROOT });
const interruptedDiff = interruptDiff();

/**
 * Ctrl-C is a signal to the process, whose handler removes the extracted base: a `--diff HEAD`
 * interrupted once its base is extracted. How many of its bases existed before and after, and its
 * exit code.
 */
async function interruptDiff(): Promise<{ extracted: number; code: number | null; left: number }> {
    const cacheDir = path.join(PROJECT_ROOT, ".cache", "preview-base");
    const child = spawn(
        process.execPath,
        [
            require.resolve("ts-node/dist/bin.js"),
            "--transpile-only",
            path.join(PROJECT_ROOT, "tools", "preview.ts"),
            "--diff",
            "HEAD",
        ],
        { cwd: PROJECT_ROOT, stdio: "ignore" },
    );
    const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    const mine = () =>
        fs.existsSync(cacheDir)
            ? fs.readdirSync(cacheDir).filter((d) => d.endsWith(`-${child.pid}`))
            : [];
    // Wait until the base is extracted, then interrupt as Ctrl-C would.
    for (let i = 0; i < 2400 && mine().length === 0 && child.exitCode === null; i++)
        await new Promise((r) => setTimeout(r, 50));
    const extracted = mine().length;
    child.kill("SIGINT");
    const code = await exited;
    return { extracted, code, left: mine().length };
}

/** A config case: changes to a shipped stack, the stack name the program runs as, and for each
 * problem expected, a fragment the message must contain (its key and value). */
type ConfigCase = [title: string, changes: Record<string, unknown>, expected: string[][]];

const CHANNELS = { l1: { level: 1, email: "a@example.com" } };
const ROUTES = { high: ["l1"], medium: ["l1"], low: ["l1"] };
const RESTORE = { table: "packages", requestedAt: "2026-11-25T00:00:00Z", targetTable: "p_r" };

const configCases: ConfigCase[] = [
    // Item 1: nothing in a stack file is ignored.
    [
        "a mistyped namespace",
        { "logistic:restores": {} },
        [["logistic:restores: unknown namespace", "Did you mean logistics:restores?"]],
    ],
    [
        "a key without a namespace",
        { prefix: "lgx" },
        [["prefix: has no namespace", "Did you mean logistics:prefix?"]],
    ],
    [
        "a gcp key the provider lacks",
        { "gcp:regoin": "us-central1" },
        [["gcp:regoin: not a config key of the gcp provider", "Did you mean gcp:region?"]],
    ],
    [
        "a gcp boolean that is not one",
        { "gcp:addPulumiAttributionLabel": "yes" },
        [['gcp:addPulumiAttributionLabel: got "yes"', "true or false"]],
    ],
    [
        "pulumi: default providers off",
        { "pulumi:disable-default-providers": ["gcp"] },
        [["pulumi:disable-default-providers: would disable the default providers"]],
    ],
    [
        "an unknown pulumi: key",
        { "pulumi:tag": { a: "b" } },
        [["pulumi:tag: not a Pulumi key", "Did you mean pulumi:tags?"]],
    ],
    [
        "pulumi:tags that are not text",
        { "pulumi:tags": { owner: 3 } },
        [["pulumi:tags: got an object", "a map of tag names to text"]],
    ],
    [
        "a typo in a logistics key",
        { "logistics:restore": {} },
        [["logistics:restore: unknown config key", "Did you mean logistics:restores?"]],
    ],
    // Item 2: values the cloud would refuse.
    [
        "February 30th",
        { "logistics:restores": { r: { ...RESTORE, backupDate: "2026-02-30" } } },
        [['logistics:restores.r.backupDate: got "2026-02-30", not a date']],
    ],
    [
        "month 13",
        { "logistics:restores": { r: { ...RESTORE, backupDate: "2026-13-01" } } },
        [['logistics:restores.r.backupDate: got "2026-13-01", not a date']],
    ],
    [
        "an unknown key inside a restore, named with the restore's keys",
        { "logistics:restores": { r: { ...RESTORE, backupDate: "2026-11-20", pointInTime: "x" } } },
        [
            [
                "logistics:restores.r.pointInTime: unknown key.",
                "Known keys: table, requestedAt, backupDate, timestamp, snapshot, targetTable, replace.",
            ],
        ],
    ],
    [
        "a misspelt key inside a notification channel",
        {
            "logistics:alerting": {
                channels: { l1: { level: 1, email: "a@example.com", emial: "b@example.com" } },
                routes: { high: ["l1"], medium: ["l1"], low: ["l1"] },
            },
        },
        [["logistics:alerting.channels.l1.emial: unknown key. Did you mean email?"]],
    ],
    [
        "a timestamp at 24:00",
        {
            "logistics:restores": {
                r: { ...RESTORE, requestedAt: "2026-11-25T24:00:00Z", backupDate: "2026-11-20" },
            },
        },
        [['logistics:restores.r.requestedAt: got "2026-11-25T24:00:00Z", not a date and time']],
    ],
    [
        "a request on a day that does not exist",
        {
            "logistics:restores": {
                r: { ...RESTORE, requestedAt: "2026-04-31T00:00:00Z", backupDate: "2026-04-20" },
            },
        },
        [['logistics:restores.r.requestedAt: got "2026-04-31T00:00:00Z", not a date and time']],
    ],
    [
        "a bucket with a misspelt google",
        { "logistics:names": { dataBucket: "acme-g00gle-lake" } },
        [['logistics:names.dataBucket: got "acme-g00gle-lake"', 'too close to "google"']],
    ],
    [
        "a bucket named like an IP address",
        { "logistics:names": { snapshotsBucket: "10.0.0.1" } },
        [['logistics:names.snapshotsBucket: got "10.0.0.1", an IP address']],
    ],
    [
        "a domain-named data bucket whose default backups bucket no domain can verify",
        { "logistics:names": { dataBucket: "data.example.com" } },
        [
            [
                'logistics:names.dataBucket: got "data.example.com", a domain name',
                "logistics:names.backupsBucket",
            ],
        ],
    ],
    [
        "a gcp list key given text",
        { "gcp:scopes": "https://www.googleapis.com/auth/cloud-platform" },
        [['gcp:scopes: got "https://www.googleapis.com/auth/cloud-platform". Expected a list']],
    ],
    [
        "a nested value set without --path",
        { "logistics:api.minInstances": "3" },
        [
            [
                "logistics:api.minInstances: a key named with its path",
                "npm run pulumi -- config set --path 'logistics:api.minInstances' <value> --stack dev",
            ],
        ],
    ],
    [
        "a budget encrypted, which the offline tools cannot read",
        { "logistics:budget": { monthlyUsd: "offline-placeholder-secret" } },
        [
            [
                "logistics:budget.monthlyUsd: is encrypted in the stack file (secure:)",
                "Expected it in plaintext (it is no secret).",
            ],
        ],
    ],
    [
        "a gcp text key given a list",
        { "gcp:zone": ["us-central1-a"] },
        [['gcp:zone: got a list (["us-central1-a"])', "Expected text."]],
    ],
    [
        "gcp default labels given text",
        { "gcp:defaultLabels": "team" },
        [['gcp:defaultLabels: got "team"', "Expected a map of names to text"]],
    ],
    [
        "a gcp object key given text",
        { "gcp:batching": "on" },
        [['gcp:batching: got "on". Expected an object (Batching in @pulumi/gcp)']],
    ],
    [
        "a default bucket name GCS refuses, from the project id",
        { "gcp:project": "acme-googel-data" },
        [
            ['gcp:project: makes the default dataBucket "acme-googel-data-lgx-dev-lake"'],
            ['gcp:project: makes the default snapshotsBucket "acme-googel-data-lgx-dev-snapshots"'],
            [
                'gcp:project: makes the default backupsBucket "acme-googel-data-lgx-dev-lake-backups"',
            ],
        ],
    ],
    [
        "a snapshot inside the maintenance window",
        { "logistics:composer": { snapshotTime: "01:00" } },
        [['logistics:composer.snapshotTime: got "01:00", inside the maintenance window']],
    ],
    // Item 3: secrets and identity.
    [
        "a PagerDuty key in plaintext",
        {
            "logistics:alerting": {
                channels: { pager: { level: 1, pagerdutyServiceKey: "abc123" } },
                routes: { high: ["pager"], medium: ["pager"], low: ["pager"] },
            },
        },
        [
            [
                "logistics:alerting.channels.pager.pagerdutyServiceKey: is a secret given in plaintext",
                "npm run pulumi -- config set --secret --path 'logistics:alerting.channels.pager.pagerdutyServiceKey' <value> --stack dev",
            ],
        ],
    ],
    [
        "an Airflow secret key in plaintext",
        { "logistics:composer": { airflowConfigOverrides: { "webserver-secret_key": "s3cr3t" } } },
        [
            [
                "logistics:composer.airflowConfigOverrides.webserver-secret_key: is named as a secret",
                "npm run pulumi -- config set --secret --path 'logistics:composer.airflowConfigOverrides.webserver-secret_key' <value> --stack dev",
            ],
        ],
    ],
    [
        "Airflow's Fernet key in plaintext",
        {
            "logistics:composer": {
                airflowConfigOverrides: { "core-fernet_key": "k" },
            },
        },
        [["logistics:composer.airflowConfigOverrides.core-fernet_key: is named as a secret"]],
    ],
    [
        "a password at the end of a variable's name",
        { "logistics:composer": { envVariables: { DBPASSWORD: "p" } } },
        [["logistics:composer.envVariables.DBPASSWORD: is named as a secret"]],
    ],
    [
        "a connection URI carrying its password",
        {
            "logistics:composer": {
                envVariables: { AIRFLOW_CONN_WAREHOUSE: "postgres://etl:hunter2@db:5432/w" },
            },
        },
        [
            [
                "logistics:composer.envVariables.AIRFLOW_CONN_WAREHOUSE: holds a URL with a password",
                "config set --secret --path 'logistics:composer.envVariables.AIRFLOW_CONN_WAREHOUSE'",
            ],
        ],
    ],
    [
        "a DAG token in plaintext",
        { "logistics:composer": { envVariables: { PARTNER_API_TOKEN: "t" } } },
        [["logistics:composer.envVariables.PARTNER_API_TOKEN: is named as a secret"]],
    ],
    [
        "a gcp access token in plaintext",
        { "gcp:accessToken": "ya29.token" },
        [
            [
                "gcp:accessToken: holds a credential in plaintext",
                "npm run pulumi -- config set --secret gcp:accessToken <value> --stack dev",
            ],
        ],
    ],
    [
        "a service account key's contents in plaintext",
        { "gcp:credentials": '{"type": "service_account", "private_key": "x"}' },
        [
            [
                "gcp:credentials: holds a credential in plaintext",
                "config set --secret gcp:credentials",
            ],
        ],
    ],
    [
        "an environment other than the stack's name",
        { "logistics:environment": "qa" },
        [
            [
                'logistics:environment: got "qa" in stack "dev"',
                "logistics:acknowledge.environmentNotStackName: dev",
            ],
        ],
    ],
    [
        "an acknowledgement copied from another stack",
        {
            "logistics:environment": "qa",
            "logistics:acknowledge": { environmentNotStackName: "prod" },
        },
        [
            [
                'logistics:environment: got "qa" in stack "dev"',
                "logistics:acknowledge.environmentNotStackName: dev",
            ],
        ],
    ],
    [
        "alerting off in production",
        {
            "logistics:production": true,
            "logistics:alerting": { channels: CHANNELS, routes: ROUTES, enabled: false },
        },
        [
            [
                "logistics:alerting.enabled: is false in a production stack",
                "logistics:acknowledge.alertingOffInProduction: true",
            ],
        ],
    ],
    [
        "a production flag that is not a boolean",
        { "logistics:production": "yes" },
        [['logistics:production: got "yes". Expected true or false']],
    ],
];

/** Config changes that must load: the acknowledged forms of the cases above. */
const acceptedCases: [string, Record<string, unknown>][] = [
    ["a provider key the gcp provider has", { "gcp:zone": "us-central1-a" }],
    ["a key file's path, which is no secret", { "gcp:credentials": "/secure/ci-key.json" }],
    [
        "Composer settings that only look secret-ish",
        {
            "logistics:composer": {
                airflowConfigOverrides: {
                    "secrets-backend":
                        "airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend",
                },
                envVariables: { TOKENIZER_MODE: "fast", KEYSPACE: "k" },
            },
        },
    ],
    ["stack tags", { "pulumi:tags": { owner: "data-platform" } }],
    [
        "an acknowledged environment name",
        {
            "logistics:environment": "qa",
            "logistics:acknowledge": { environmentNotStackName: "dev" },
        },
    ],
    [
        "alerting off in production, acknowledged",
        {
            "logistics:production": true,
            "logistics:alerting": { channels: CHANNELS, routes: ROUTES, enabled: false },
            "logistics:acknowledge": { alertingOffInProduction: true },
        },
    ],
    [
        "alerting off outside production",
        { "logistics:alerting": { channels: CHANNELS, routes: ROUTES, enabled: false } },
    ],
    [
        "February 29th of a leap year",
        {
            "logistics:restores": {
                r: { ...RESTORE, backupDate: "2024-02-29", requestedAt: "2024-03-01T00:00:00Z" },
            },
        },
    ],
];

function problemsAs(stack: string, changes: Record<string, unknown>): string[] {
    try {
        parseStackConfig(withChanges("dev", changes), {
            allowPlaceholderProject: true,
            stack,
            now: new Date("2026-11-29T00:00:00Z"),
        });
        return [];
    } catch (err) {
        if (err instanceof ConfigError) return [...err.problems];
        throw err;
    }
}

/** A copy of the project's Pulumi files, with `files` added or replaced. */
function project(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "logistics-bad-input-"));
    for (const f of ["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml"])
        fs.copyFileSync(path.join(PROJECT_ROOT, f), path.join(dir, f));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
}

const DEV = fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), "utf8");

/** Stack files the CLI reads differently from a plain YAML parse, each with what must be named. */
const stackFileCases: [string, string, string[]][] = [
    [
        "an ESC environment import",
        `environment:\n  - acme/logistics-dev\n${DEV}`,
        ['environment: imports the Pulumi ESC environment ["acme/logistics-dev"]', "not evaluate"],
    ],
    [
        "an attribute that is not one",
        `secretprovider: passphrase\n${DEV}`,
        ["secretprovider: not an attribute of a stack file", "Did you mean secretsprovider?"],
    ],
    [
        "infinity",
        DEV.replace("maxInstances: 5", "maxInstances: .inf"),
        ["logistics:api.maxInstances: got YAML's .inf (infinity)"],
    ],
    [
        "not a number",
        DEV.replace("minCount: 1", "minCount: .nan"),
        ["logistics:composer.workers.minCount: got YAML's .nan (not a number)"],
    ],
];

describe("bad input", () => {
    it(`names the key and value of every bad config (${configCases.length} cases)`, () => {
        for (const [title, changes, expected] of configCases) {
            const got = problemsAs("dev", changes);
            assert.equal(got.length, expected.length, `${title}: ${JSON.stringify(got, null, 1)}`);
            expected.forEach((fragments, i) => {
                for (const f of fragments)
                    assert.ok(got[i]!.includes(f), `${title}: "${got[i]}" lacks "${f}"`);
                // Every message reads `<key>: <what is wrong>. <what is accepted>`.
                assert.match(got[i]!, /^[\w:.\-[\]"]+: .+\. .+/, title);
            });
        }
    });

    it("accepts the acknowledged and valid forms", () => {
        for (const [title, changes] of acceptedCases)
            assert.deepEqual(problemsAs("dev", changes), [], title);
    });

    it("accepts an encrypted PagerDuty key, offline and under the CLI", () => {
        const alerting = (key: string) => ({
            "logistics:alerting": {
                channels: { pager: { level: 1, pagerdutyServiceKey: key } },
                routes: { high: ["pager"], medium: ["pager"], low: ["pager"] },
            },
        });
        // Offline, a secure: value arrives as the marked placeholder.
        assert.deepEqual(configProblems(alerting("offline-placeholder-secret")), []);
        // Under the CLI, the value is decrypted and the key is marked secret.
        const raw = withChanges("dev", alerting("the-real-key"));
        assert.doesNotThrow(() =>
            parseStackConfig(raw, {
                allowPlaceholderProject: true,
                secretKeys: ["logistics:alerting"],
            }),
        );
    });

    it("names what a stack file holds that the offline tools cannot read as the CLI does", () => {
        for (const [title, text, fragments] of stackFileCases) {
            const dir = project({ "Pulumi.dev.yaml": text });
            let message = "";
            try {
                readStackFile(dir, "dev");
            } catch (err) {
                assert.ok(err instanceof ConfigError, `${title}: ${String(err)}`);
                assert.equal(describeFailure(err).code, 1, title);
                message = err.message;
            }
            for (const f of fragments)
                assert.ok(message.includes(f), `${title}: ${message} lacks ${f}`);
            // A non-finite number is named once, not again as the null JSON makes of it.
            assert.doesNotMatch(message, /got null/, title);
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("names a stack file it cannot read, with the reason (exit 2)", () => {
        const dir = project({});
        fs.rmSync(path.join(dir, "Pulumi.dev.yaml"));
        fs.mkdirSync(path.join(dir, "Pulumi.dev.yaml"));
        assert.throws(
            () => readStackFile(dir, "dev"),
            (err: Error) =>
                describeFailure(err).code === 2 &&
                /Pulumi\.dev\.yaml: cannot be read \(it is a directory\)\. Expected a readable stack file\.$/.test(
                    err.message,
                ),
        );
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("applies YAML merge keys as the Pulumi CLI does", () => {
        const dir = project({
            "Pulumi.dev.yaml": DEV.replace(
                "  logistics:api:\n",
                "  logistics:api:\n    <<: { concurrency: 40, port: 9090 }\n",
            ),
        });
        const api = JSON.parse(readStackFile(dir, "dev").config["logistics:api"]!);
        assert.equal(api.concurrency, 40);
        assert.equal(api.port, 9090);
        assert.ok(!("<<" in api));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("refuses two stack files that resolve to the same physical names", () => {
        const prod = fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8");
        const dir = project({ "Pulumi.prod2.yaml": prod });
        assert.throws(
            () => readStackFile(dir, "prod2"),
            (err: Error) =>
                err instanceof ConfigError &&
                err.message.includes(
                    'logistics:environment: stack prod2 and stack prod resolve to the same physical names (bucket "replace-me-logistics-prod-lgx-prod-lake"',
                ),
        );
        // The shipped stack files do not collide.
        assert.doesNotThrow(() => stackConfig("dev") && stackConfig("prod"));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("refuses bad command lines, naming the argument", () => {
        const cases: [string, () => unknown, RegExp][] = [
            [
                "preview: unknown flag",
                () => parsePreviewArgs(["--stak", "prod"]),
                /unknown argument "--stak"/,
            ],
            ["import-file: no stack", () => parseImportArgs([]), /--stack is required/],
            [
                "import-file: flag without value",
                () => parseImportArgs(["--out"]),
                /--out needs a value/,
            ],
            [
                "import-file: typo",
                () => parseImportArgs(["--stack", "dev", "--froce"]),
                /unknown argument "--froce"\. Did you mean --force\?/,
            ],
            [
                "import-file: stray word",
                () => parseImportArgs(["--stack", "dev", "prod"]),
                /unexpected argument "prod"/,
            ],
            [
                "preview: a misspelt estimate flag",
                () => parsePreviewArgs(["--timline"]),
                /unknown argument "--timline"\. Did you mean --timeline\?\n\nUsage: .*\[--cost\] \[--timeline\]/,
            ],
            [
                "preview: a flag without value given one",
                () => parsePreviewArgs(["--cost=yes"]),
                /^UsageError: --cost takes no value\.\n\nUsage: npm run preview/,
            ],
            [
                "preview: two stacks",
                () => parsePreviewArgs(["--stack", "dev", "--stack=prod"]),
                /^UsageError: --stack: given 2 times \("dev", "prod"\)\. Expected it once\./,
            ],
            [
                "iam: two stacks",
                () => parseIamArgs(["-s", "dev", "--stack", "prod"]),
                /^UsageError: --stack: given 2 times \("dev", "prod"\)\. Expected it once\./,
            ],
            [
                "preview: a bare stack name",
                () => parsePreviewArgs(["prod"]),
                /unknown argument "prod"\. Did you mean --stack prod\?/,
            ],
            [
                "iam: a boolean given a value",
                () => parseIamArgs(["--json=1", "--stack", "dev"]),
                /^UsageError: --json takes no value\./,
            ],
            [
                "iam: a misspelt flag",
                () => parseIamArgs(["--jsn", "--stack", "dev"]),
                /unknown argument "--jsn"\. Did you mean --json\?/,
            ],
            [
                "iam: a bare stack name",
                () => parseIamArgs(["prod"]),
                /unexpected argument "prod": npm run iam takes only flags\. Did you mean --stack prod\?/,
            ],
            [
                "iam: a stray word after the stack",
                () => parseIamArgs(["-s", "dev", "extra"]),
                /unexpected argument "extra": npm run iam takes only flags\.\n/,
            ],
            [
                "bench-like: a negative value read as a flag",
                () =>
                    parseCommandLine(["--runs", "-1"], {
                        command: "bench",
                        usage: "U",
                        flags: { runs: { type: "string" } },
                    }),
                /--runs needs a value: got "-1", which reads as a flag\./,
            ],
            [
                "ops: unknown check",
                () => parseOpsArgs(["fresh", "--stack", "dev"]),
                /unknown check "fresh"/,
            ],
            [
                "a boolean given a value",
                () =>
                    parseCommandLine(["--json=yes"], {
                        command: "x",
                        usage: "U",
                        flags: { json: { type: "boolean" } },
                    }),
                /--json takes no value\.\n\nU$/,
            ],
        ];
        for (const [title, run, message] of cases) assert.throws(run, message, title);
    });

    it("says how to pass flags that npm kept for itself", () => {
        const saved = { ...process.env };
        try {
            process.env["npm_lifecycle_event"] = "preview";
            process.env["npm_config_stack"] = "prod";
            process.env["npm_config_json"] = "true";
            assert.throws(
                () =>
                    rejectFlagsKeptByNpm(
                        "preview",
                        "Usage: --stack <name> --json --diff <base>",
                        [],
                    ),
                /^UsageError: --stack prod --json: npm took these flags for itself, so npm run preview never saw them\. Pass a command's flags after "--": npm run preview -- --stack prod --json$/,
            );
            // `npm run preview --stack prod`: npm keeps --stack as a boolean and passes prod on.
            process.env["npm_config_stack"] = "true";
            delete process.env["npm_config_json"];
            assert.throws(
                () => rejectFlagsKeptByNpm("preview", "--stack <name> --json", ["prod"]),
                /^UsageError: --stack prod: npm took this flag for itself.*npm run preview -- --stack prod$/,
            );
            // What npm did pass on stays in the corrected command.
            assert.throws(
                () => rejectFlagsKeptByNpm("preview", "--stack <name> --json", ["prod", "--json"]),
                /npm run preview -- --stack prod --json$/,
            );
            // A flag of the real usage that takes no value: preview's --cost is one of them.
            process.env["npm_config_stack"] = "";
            process.env["npm_config_cost"] = "true";
            assert.throws(
                () => rejectFlagsKeptByNpm("preview", PREVIEW_USAGE, []),
                /^UsageError: --cost: npm took this flag.*npm run preview -- --cost$/,
            );
            // ops takes its check as a positional: never the value of a flag npm kept.
            delete process.env["npm_config_cost"];
            process.env["npm_lifecycle_event"] = "ops";
            process.env["npm_config_stack"] = "true";
            assert.throws(
                () =>
                    rejectFlagsKeptByNpm("ops", "--stack <name>", ["freshness", "dev"], (w) =>
                        ["freshness", "nulls"].includes(w),
                    ),
                /^UsageError: --stack dev: npm took this flag.*npm run ops -- freshness --stack dev$/,
            );
            // Another script's run (a test spawning the tool) is not npm run preview.
            process.env["npm_lifecycle_event"] = "test";
            assert.doesNotThrow(() => rejectFlagsKeptByNpm("preview", "--stack"));
        } finally {
            process.env = saved;
        }
    });

    it("resolves a user's paths from where npm run was started, for that command only", () => {
        const saved = { ...process.env };
        try {
            process.env["INIT_CWD"] = "/somewhere/else";
            process.env["npm_lifecycle_event"] = "import-file";
            assert.equal(userPath("out.json", "import-file"), "/somewhere/else/out.json");
            assert.equal(userPath("out.json", "preview"), path.resolve("out.json"));
        } finally {
            process.env = saved;
        }
    });

    it("names a missing plan file and a revision git cannot read, with git's reason", () => {
        assert.throws(
            () => loadBase("missing-plan.json", "dev", PROJECT_ROOT),
            /--diff: .*missing-plan\.json does not exist/,
        );
        const notRepo = fs.mkdtempSync(path.join(os.tmpdir(), "logistics-not-git-"));
        assert.throws(
            () => loadBase("main", "dev", notRepo),
            /--diff: "main" is neither a plan file nor a git revision of .* \(git: fatal: not a git repository/,
        );
        fs.rmSync(notRepo, { recursive: true, force: true });
    });
});

describe("bad input to the commands (exit codes, files, signals)", () => {
    const tracked = () =>
        spawnSync("git", ["status", "--porcelain", "--untracked-files=all"], {
            cwd: PROJECT_ROOT,
            encoding: "utf8",
        }).stdout;
    let before = "";
    before = tracked();

    it("import-file never overwrites a file it did not write, and exits 2 on write errors", async () => {
        const dir = project({
            "Pulumi.prod.yaml": fs
                .readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8")
                .replace(/replace-me-logistics-prod/g, "acme-logistics-prod"),
        });
        spawnSync("git", ["init", "-q"], { cwd: dir });
        spawnSync("git", ["add", "Pulumi.dev.yaml"], { cwd: dir });
        fs.writeFileSync(path.join(dir, "notes.json"), '{"mine": true}\n');
        const cli = (...args: string[]) =>
            runInProcess(importMain, ["--stack", "prod", ...args], { cwd: dir });
        const cases: [string[], number, RegExp][] = [
            [
                ["--out", "Pulumi.prod.yaml"],
                2,
                /--out .*Pulumi\.prod\.yaml: exists and was not written by this command.*--force/,
            ],
            [["--out", "Pulumi.dev.yaml"], 2, /--out .*Pulumi\.dev\.yaml: is tracked by git/],
            [
                ["--out", "notes.json"],
                2,
                /--out .*notes\.json: exists and was not written by this command/,
            ],
            [["--out", "."], 2, /--out .*: is a directory/],
            [
                ["--out", "no/such/folder/import.json"],
                2,
                /--out .*no\/such\/folder\/import\.json: cannot write it: its folder .* does not exist/,
            ],
        ];
        const stackFile = fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8");
        for (const [args, code, message] of cases) {
            const r = await cli(...args);
            assert.equal(r.status, code, `${args.join(" ")}: ${r.stderr}`);
            assert.match(r.stderr, message, args.join(" "));
            assert.doesNotMatch(r.stderr, /\n\s+at |failed while building the stack/);
        }
        assert.equal(fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8"), stackFile);
        // Its own earlier output is rewritten; --force overwrites anything.
        assert.equal((await cli("--out", "import.json")).status, 0);
        assert.equal((await cli("--out", "import.json")).status, 0);
        const forced = await cli("--out", "notes.json", "--force");
        assert.equal(forced.status, 0, forced.stderr);
        const stray = fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"));
        assert.deepEqual(stray, [], "no temporary file left");
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("every command answers --help with its usage and exit 0, and README lists its flags", async () => {
        const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
        const longFlags = (text: string) =>
            [...new Set([...text.matchAll(/--([a-z][a-z-]+)/g)].map((m) => m[1]!))]
                .filter((f) => f !== "help")
                .sort();
        const inProcess = {
            preview: previewMain,
            policy: policyMain,
            "import-file": importMain,
            ops: opsMain,
            bench: benchMain,
            iam: iamMain,
            matrix: matrixMain,
        };
        for (const tool of [...Object.keys(inProcess), "inventory"]) {
            const main = inProcess[tool as keyof typeof inProcess];
            // inventory's --help is its one run as a process (its smoke test): a real run would
            // rewrite test/inventories.
            const r: { status: number | null; stdout: string; stderr: string } = main
                ? await runInProcess(main, ["--help"], {
                      ...(tool === "ops" ? { report: reportOpsFailure } : {}),
                  })
                : await inventoryHelp;
            assert.equal(r.status, 0, `${tool}: ${r.stderr}`);
            assert.match(r.stdout, new RegExp(`^Usage: npm run ${tool}`), tool);
            // The README's "Commands and their flags" row names exactly the flags of the usage.
            const row = new RegExp(`^\\| \`npm run ${tool}\` +\\|(.*)\\|$`, "m").exec(readme);
            assert.ok(row, `README lists npm run ${tool}`);
            const usageFlags = r.stdout
                .split("\n")
                .filter((l) => /^\s+--/.test(l))
                .join("\n");
            assert.deepEqual(longFlags(row[1]!), longFlags(usageFlags), tool);
        }
    });

    // A process by nature: what npm itself does with a flag before "--".
    it("npm run preview --stack prod (without --) says how to pass the flag, exit 2", async () => {
        const r = await npmWithoutDashes;
        assert.equal(r.status, 2, r.stderr);
        assert.match(
            r.stderr,
            /error: --stack prod: npm took this flag for itself, so npm run preview never saw it\. Pass a command's flags after "--": npm run preview -- --stack prod/,
        );
    });

    // A process by nature: Ctrl-C is a signal to the process, whose handler removes the base.
    it("an interrupted --diff removes its extracted base", async function () {
        const { extracted, code, left } = await interruptedDiff;
        assert.equal(extracted, 1, "the base was extracted");
        assert.equal(code, 130);
        assert.equal(left, 0, "the extracted base is gone");
    });

    it("leaves no changed tracked file and no stray temporary file in the project", () => {
        assert.equal(tracked(), before);
        const temps = spawnSync("git", ["ls-files", "--others", "--exclude-standard"], {
            cwd: PROJECT_ROOT,
            encoding: "utf8",
        })
            .stdout.split("\n")
            .filter((f) => /\.tmp$|^import-.*\.json$/.test(f));
        assert.deepEqual(temps, []);
        const cache = path.join(PROJECT_ROOT, ".cache", "preview-base");
        assert.deepEqual(fs.existsSync(cache) ? fs.readdirSync(cache) : [], []);
    });
});

// Stack config: table-driven bad-config cases with their exact messages, and a property test.
import { strict as assert } from "assert";
import fc from "fast-check";
import {
    CONFIG_SCHEMA,
    ConfigError,
    GCP_REGIONS,
    parseStackConfig,
    REQUIRED_KEYS,
} from "../stacks/config";
import { configProblems, stackConfig, withChanges } from "./harness";

const PROJECT_ID =
    "a GCP project id: 6-30 lowercase letters, digits or '-', starting with a letter";
const LABEL_VALUE = "a label value: at most 63 lowercase letters, digits, '_' or '-'";
const LABEL_KEY = "a label key: 1-63 lowercase letters, digits, '_' or '-', starting with a letter";
const PREFIX = "2-8 lowercase letters or digits, starting with a letter (e.g. lgx)";
const ENVIRONMENT = "2-10 lowercase letters or digits, starting with a letter (e.g. dev, prod)";
const TOP_KEYS =
    "logistics:environment, logistics:prefix, logistics:labels, logistics:protectStatefulResources, logistics:api, logistics:composer, logistics:dataLake, logistics:backups, logistics:warehouse, logistics:restores, logistics:alerting, logistics:ci, logistics:names, logistics:oncall, logistics:estimates, logistics:budget, logistics:production, logistics:acknowledge, logistics:failover";
const LABELS = { team: "data-platform", costCenter: "cc-data-1001" };
const IMAGE = "logistics-api:0.1.0";

function problems(changes: Record<string, unknown>, allowPlaceholderProject = true): string[] {
    return configProblems(changes, { allowPlaceholderProject });
}

const cases: [string, Record<string, unknown>, string[]][] = [
    [
        "missing project",
        { "gcp:project": undefined },
        [`gcp:project: is required but missing. Expected ${PROJECT_ID}.`],
    ],
    [
        "missing region",
        { "gcp:region": undefined },
        [
            `gcp:region: is required but missing. Expected a GCP region, one of ${GCP_REGIONS.join(", ")}.`,
        ],
    ],
    [
        "missing environment",
        { "logistics:environment": undefined },
        [`logistics:environment: is required but missing. Expected ${ENVIRONMENT}.`],
    ],
    [
        "missing prefix",
        { "logistics:prefix": undefined },
        [`logistics:prefix: is required but missing. Expected ${PREFIX}.`],
    ],
    [
        "missing labels",
        { "logistics:labels": undefined },
        [
            "logistics:labels: is required but missing. Expected an object with keys team, costCenter and optionally extra.",
        ],
    ],
    [
        "project id with capitals",
        { "gcp:project": "My-Project" },
        [`gcp:project: got "My-Project". Expected ${PROJECT_ID}.`],
    ],
    [
        "project id too short",
        { "gcp:project": "abc" },
        [`gcp:project: got "abc". Expected ${PROJECT_ID}.`],
    ],
    [
        "unknown region",
        { "gcp:region": "us-central9" },
        [`gcp:region: got "us-central9". Expected a GCP region, one of ${GCP_REGIONS.join(", ")}.`],
    ],
    [
        "region of the wrong type",
        { "gcp:region": "5" },
        [`gcp:region: got 5. Expected a GCP region, one of ${GCP_REGIONS.join(", ")}.`],
    ],
    [
        "environment with capitals",
        { "logistics:environment": "Prod" },
        [`logistics:environment: got "Prod". Expected ${ENVIRONMENT}.`],
    ],
    [
        "prefix too long",
        { "logistics:prefix": "logisticsx" },
        [`logistics:prefix: got "logisticsx". Expected ${PREFIX}.`],
    ],
    [
        "prefix starting with a digit",
        { "logistics:prefix": "1x" },
        [`logistics:prefix: got "1x". Expected ${PREFIX}.`],
    ],
    [
        "labels given as a string",
        { "logistics:labels": "data-platform" },
        [
            'logistics:labels: got "data-platform". Expected an object with keys team, costCenter and optionally extra.',
        ],
    ],
    [
        "team label with capitals and spaces",
        { "logistics:labels": { ...LABELS, team: "Data Platform" } },
        [`logistics:labels.team: got "Data Platform". Expected ${LABEL_VALUE}.`],
    ],
    [
        "empty team label",
        { "logistics:labels": { ...LABELS, team: "" } },
        ["logistics:labels.team: is empty. Expected the owning team's name."],
    ],
    [
        "cost center missing",
        { "logistics:labels": { team: "data-platform" } },
        [`logistics:labels.costCenter: is required but missing. Expected ${LABEL_VALUE}.`],
    ],
    [
        "typo in a labels key",
        { "logistics:labels": { team: "data-platform", costCentre: "cc-1" } },
        [
            `logistics:labels.costCenter: is required but missing. Expected ${LABEL_VALUE}.`,
            "logistics:labels.costCentre: unknown key. Did you mean costCenter? Known keys: team, costCenter, extra.",
        ],
    ],
    [
        "extra label key with capitals",
        { "logistics:labels": { ...LABELS, extra: { Owner: "alice" } } },
        [`logistics:labels.extra.Owner: invalid key "Owner". Expected ${LABEL_KEY}.`],
    ],
    [
        "extra label value with spaces",
        { "logistics:labels": { ...LABELS, extra: { owner: "Alice Smith" } } },
        [`logistics:labels.extra.owner: got "Alice Smith". Expected ${LABEL_VALUE}.`],
    ],
    [
        "extra label redefining a standard one",
        { "logistics:labels": { ...LABELS, extra: { environment: "staging" } } },
        [
            "logistics:labels.extra.environment: redefines a standard label. Remove it; the platform sets environment, team, cost-center, managed-by, component, dataset, purpose itself.",
        ],
    ],
    [
        "too many labels",
        {
            "logistics:labels": {
                ...LABELS,
                extra: Object.fromEntries(Array.from({ length: 58 }, (_, i) => [`k${i}`, "v"])),
            },
        },
        [
            "logistics:labels.extra: makes up to 65 labels on one resource (7 set by the platform + 58 extra). GCP accepts at most 64 per resource: keep extra to 57.",
        ],
    ],
    [
        "typo in a top-level key",
        { "logistics:protectStatefullResources": "true" },
        [
            `logistics:protectStatefullResources: unknown config key. Did you mean logistics:protectStatefulResources? Known keys: ${TOP_KEYS}.`,
        ],
    ],
    [
        "unknown top-level key with no close match",
        { "logistics:dashboardTheme": "dark" },
        [`logistics:dashboardTheme: unknown config key. Known keys: ${TOP_KEYS}.`],
    ],
    [
        "protection flag that is not a boolean",
        { "logistics:protectStatefulResources": "yes" },
        ['logistics:protectStatefulResources: got "yes". Expected true or false.'],
    ],
    [
        "negative min instances",
        { "logistics:api": { image: IMAGE, minInstances: -1, maxInstances: 5 } },
        [
            "logistics:api.minInstances: got -1. Expected an integer from 0 to 1000 (Cloud Run's limit is 1000).",
        ],
    ],
    [
        "max instances above Cloud Run's limit",
        { "logistics:api": { image: IMAGE, minInstances: 0, maxInstances: 1001 } },
        [
            "logistics:api.maxInstances: got 1001. Expected an integer from 1 to 1000 (Cloud Run's limit is 1000).",
        ],
    ],
    [
        "fractional max instances",
        { "logistics:api": { image: IMAGE, maxInstances: 1.5 } },
        [
            "logistics:api.maxInstances: got 1.5. Expected an integer from 1 to 1000 (Cloud Run's limit is 1000).",
        ],
    ],
    [
        "min instances given as words",
        { "logistics:api": { image: IMAGE, minInstances: "two" } },
        [
            'logistics:api.minInstances: got "two". Expected an integer from 0 to 1000 (Cloud Run\'s limit is 1000).',
        ],
    ],
    [
        "min instances above max",
        { "logistics:api": { image: IMAGE, minInstances: 2, maxInstances: 1 } },
        [
            "logistics:api.maxInstances: got 1, below minInstances (2). Expected maxInstances ≥ minInstances.",
        ],
    ],
    [
        "typo in an api key",
        { "logistics:api": { image: IMAGE, minInstances: 2, maxInstance: 20 } },
        [
            "logistics:api.maxInstance: unknown key. Did you mean maxInstances? Known keys: image, minInstances, maxInstances, cpu, memory, concurrency, timeoutSeconds, port, healthPath, ingress, publicInvoker, invokers, keepImages.",
        ],
    ],
    [
        "unknown Composer size",
        { "logistics:composer": { environmentSize: "HUGE" } },
        [
            'logistics:composer.environmentSize: got "HUGE". Expected one of ENVIRONMENT_SIZE_SMALL, ENVIRONMENT_SIZE_MEDIUM, ENVIRONMENT_SIZE_LARGE.',
        ],
    ],
    [
        "no scheduler",
        { "logistics:composer": { schedulerCount: 0 } },
        [
            "logistics:composer.schedulerCount: got 0. Expected an integer from 1 to 3 (Composer 3 runs 1 to 3 schedulers).",
        ],
    ],
    [
        "worker min above max",
        { "logistics:composer": { workers: { minCount: 4, maxCount: 2 } } },
        [
            "logistics:composer.workers.maxCount: got 2, below minCount (4). Expected maxCount ≥ minCount.",
        ],
    ],
    [
        "workers given as a list",
        { "logistics:composer": { workers: [1, 3] } },
        [
            "logistics:composer.workers: got a list ([1,3]). Expected an object with optional keys minCount, maxCount, resources.",
        ],
    ],
    [
        "sections given as text: what each accepts, read from its shape",
        {
            "logistics:alerting": { channels: { ops: "ops@example.com" } },
            "logistics:restores": { "r-1": "packages" },
            "logistics:composer": { schedulerResources: "small" },
            "logistics:failover": "us-east1",
        },
        [
            'logistics:composer.schedulerResources: got "small". Expected an object with optional keys cpu, memoryGb, storageGb (for the schedulers).',
            'logistics:restores.r-1: got "packages". Expected an object with keys table, requestedAt and optionally backupDate, timestamp, snapshot, targetTable, replace (exactly one of backupDate, timestamp and snapshot; targetTable or replace).',
            'logistics:alerting.channels.ops: got "ops@example.com". Expected an object with key level and optionally email, pagerdutyServiceKey (exactly one of email and pagerdutyServiceKey).',
            "logistics:alerting.routes: is required but missing. Expected an object with keys high, medium, low.",
            'logistics:failover: got "us-east1". Expected an object with key region.',
        ],
    ],
    [
        "placeholder project outside the offline preview",
        { __placeholderCheck: true },
        [
            'gcp:project: got "replace-me-logistics-dev", the placeholder shipped in the stack file. Set your project: npm run pulumi -- config set gcp:project <your-project-id> --stack <name>.',
        ],
    ],
];

describe("stack config", () => {
    it("loads both shipped stack files", () => {
        const dev = parseStackConfig(stackConfig("dev"), { allowPlaceholderProject: true });
        const prod = parseStackConfig(stackConfig("prod"), { allowPlaceholderProject: true });
        assert.equal(dev.environment, "dev");
        assert.deepEqual([prod.api.minInstances, prod.api.maxInstances], [2, 20]);
        assert.equal(prod.protectStatefulResources, true);
        assert.equal(dev.protectStatefulResources, false);
    });

    it("writes each default once: an absent section is the section given {}", () => {
        // A section's own default is `.prefault({})`: the field defaults, never a second copy.
        const checked: string[] = [];
        for (const [key, schema] of Object.entries(CONFIG_SCHEMA)) {
            const absent = schema.safeParse(undefined);
            const empty = schema.safeParse({});
            if (!absent.success || !empty.success || absent.data === undefined) continue;
            assert.deepEqual(absent.data, empty.data, key);
            checked.push(key);
        }
        for (const key of [
            "logistics:composer",
            "logistics:dataLake",
            "logistics:backups",
            "logistics:warehouse",
            "logistics:oncall",
        ])
            assert.ok(checked.includes(key), `${key} has no default`);
    });

    it("applies defaults for optional keys", () => {
        const config = parseStackConfig(
            withChanges("dev", {
                "logistics:api": { image: IMAGE },
                "logistics:composer": undefined,
                "logistics:protectStatefulResources": undefined,
            }),
            { allowPlaceholderProject: true },
        );
        // The defaults stated here, not read back from the constant the schema uses: changing a
        // default has to change this test.
        assert.deepEqual(config.api, {
            image: IMAGE,
            minInstances: 0,
            maxInstances: 10,
            cpu: "1",
            memory: "512Mi",
            concurrency: 80,
            timeoutSeconds: 60,
            port: 8080,
            healthPath: "/healthz",
            ingress: "INGRESS_TRAFFIC_ALL",
            publicInvoker: false,
            invokers: [],
            keepImages: 10,
        });
        assert.deepEqual(config.composer, {
            imageVersion: "composer-3-airflow-2.10.5",
            environmentSize: "ENVIRONMENT_SIZE_SMALL",
            resilienceMode: "STANDARD_RESILIENCE",
            schedulerCount: 1,
            workers: { minCount: 1, maxCount: 3 },
            pypiPackages: {},
            airflowConfigOverrides: {},
            envVariables: {},
            maintenanceWindow: {
                start: "00:00",
                hours: 4,
                days: ["MO", "TU", "WE", "TH", "FR", "SA", "SU"],
            },
            snapshotTime: "04:30",
        });
        assert.equal(
            config.protectStatefulResources,
            true,
            "protection is on unless a stack turns it off",
        );
        assert.deepEqual(config.labels.extra, {});
    });

    it("knows which keys every stack must set", () => {
        assert.deepEqual([...REQUIRED_KEYS].sort(), [
            "gcp:project",
            "gcp:region",
            "logistics:alerting",
            "logistics:api",
            "logistics:environment",
            "logistics:labels",
            "logistics:prefix",
        ]);
    });

    it(`rejects bad config with exact, key-qualified messages (${cases.length} cases)`, () => {
        for (const [title, changes, expected] of cases) {
            const placeholder = "__placeholderCheck" in changes;
            const got = problems(placeholder ? {} : changes, !placeholder);
            assert.deepEqual(got, expected, `case "${title}"`);
        }
    });

    it("reports every problem at once", () => {
        const got = problems({
            "gcp:project": undefined,
            "logistics:prefix": "X",
            "logistics:api": { image: IMAGE, minInstances: 3, maxInstances: 2 },
            "logistics:composer": { workers: { minCount: 0 } },
        });
        assert.equal(got.length, 4, got.join("\n"));
        assert.deepEqual(
            got.map((p) => p.split(":").slice(0, 2).join(":").split(" ")[0]),
            [
                "gcp:project",
                "logistics:prefix",
                "logistics:api.maxInstances",
                "logistics:composer.workers.minCount",
            ],
        );
    });

    it("renders the problems as one message naming each key", () => {
        assert.throws(
            () =>
                parseStackConfig(
                    withChanges("dev", { "logistics:prefix": "X", "gcp:region": "mars" }),
                ),
            (err: unknown) =>
                err instanceof ConfigError &&
                err.message.startsWith(
                    'Invalid stack configuration (2 problems):\n  - gcp:region: got "mars"',
                ) &&
                err.message.includes('\n  - logistics:prefix: got "X"'),
        );
    });

    it("either loads or fails with a ConfigError for any config (property)", () => {
        const keys = [...Object.keys(CONFIG_SCHEMA), "logistics:extraKey", "gcp:zone"];
        const value = fc.oneof(
            fc.jsonValue({ maxDepth: 3 }),
            fc.constantFrom("", "dev", "true", "2", "{", "[]", "null"),
            fc.record({
                minInstances: fc.integer({ min: -5, max: 1200 }),
                maxInstances: fc.integer({ min: -5, max: 1200 }),
            }),
        );
        fc.assert(
            fc.property(
                fc.dictionary(fc.constantFrom(...keys), fc.option(value, { nil: undefined })),
                (changes) => {
                    const raw = withChanges("dev", changes);
                    try {
                        parseStackConfig(raw, { allowPlaceholderProject: true });
                    } catch (err) {
                        if (!(err instanceof ConfigError)) throw err;
                        assert.ok(err.problems.length > 0);
                        for (const p of err.problems)
                            assert.ok(
                                keys.some((k) => p.startsWith(`${k}: `) || p.startsWith(`${k}.`)),
                                `problem not qualified by its key: ${p}`,
                            );
                    }
                },
            ),
            { numRuns: 500 },
        );
    });
});

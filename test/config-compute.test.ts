// Bad config for logistics-api and Composer: exact, key-qualified messages.
import { strict as assert } from "assert";
import { configProblems } from "./harness";
import { cpuMemoryProblem } from "../components/apiService.schema";

const I = { image: "logistics-api:1" };
const REGISTRY = "us-central1-docker.pkg.dev/replace-me-logistics-dev/lgx-dev-containers";

const cases: [string, Record<string, unknown>, string[]][] = [
    [
        "Composer 2 image",
        { "logistics:composer": { imageVersion: "composer-2.5.0-airflow-2.6.3" } },
        [
            'logistics:composer.imageVersion: got "composer-2.5.0-airflow-2.6.3". Expected a Composer 3 image such as composer-3-airflow-2.10.5 or composer-3-airflow-2.10.5-build.7.',
        ],
    ],
    [
        "maintenance slot under 4 hours",
        { "logistics:composer": { maintenanceWindow: { hours: 3 } } },
        [
            "logistics:composer.maintenanceWindow.hours: got 3. Expected at least 4: Composer needs maintenance slots of at least 4 hours.",
            `logistics:composer.maintenanceWindow.start: "00:00" for 3 h on MO, TU, WE, TH, FR, SA, SU does not contain the runbook's weekly Sunday 02:00-04:00, monthly first Sunday 00:00-04:00 windows. Expected slots that contain 00:00-04:00 on each of those days (a slot may start the evening before and run past midnight).`,
        ],
    ],
    [
        "maintenance only at weekends",
        { "logistics:composer": { maintenanceWindow: { days: ["SA", "SU"] } } },
        [
            "logistics:composer.maintenanceWindow.days: give 8 hours a week (2 × 4 h). Expected at least 12: Composer needs 12 hours of maintenance a week; add days or hours.",
            `logistics:composer.maintenanceWindow.start: "00:00" for 4 h on SA, SU does not contain the runbook's daily 02:00-03:00 on MO, TU, WE, TH, FR window. Expected slots that contain 02:00-03:00 on each of those days (a slot may start the evening before and run past midnight).`,
        ],
    ],
    [
        "maintenance window outside the runbook's",
        { "logistics:composer": { maintenanceWindow: { start: "05:00" } } },
        [
            `logistics:composer.maintenanceWindow.start: "05:00" for 4 h on MO, TU, WE, TH, FR, SA, SU does not contain the runbook's daily 02:00-03:00, weekly Sunday 02:00-04:00, monthly first Sunday 00:00-04:00 windows. Expected slots that contain 00:00-04:00 on each of those days (a slot may start the evening before and run past midnight).`,
        ],
    ],
    [
        "a slot from the evening before that ends too early for Sunday's window",
        {
            "logistics:composer": {
                maintenanceWindow: { start: "22:00", hours: 5 },
                snapshotTime: "05:00",
            },
        },
        [
            `logistics:composer.maintenanceWindow.start: "22:00" for 5 h on MO, TU, WE, TH, FR, SA, SU does not contain the runbook's weekly Sunday 02:00-04:00, monthly first Sunday 00:00-04:00 windows. Expected slots that contain 00:00-04:00 on each of those days (a slot may start the evening before and run past midnight).`,
        ],
    ],
    [
        "unknown weekday",
        { "logistics:composer": { maintenanceWindow: { days: ["XX"] } } },
        [
            'logistics:composer.maintenanceWindow.days[0]: got "XX". Expected a weekday, one of MO, TU, WE, TH, FR, SA, SU.',
        ],
    ],
    [
        "snapshot inside the maintenance window (the shipped 02:30 before the fix)",
        { "logistics:composer": { snapshotTime: "02:30" } },
        [
            'logistics:composer.snapshotTime: got "02:30", inside the maintenance window ("00:00" for 4 h) on MO, TU, WE, TH, FR, SA, SU. Expected a time outside every maintenance slot, e.g. 04:00: Composer may not run environment operations such as snapshots during maintenance.',
        ],
    ],
    [
        "snapshot inside a slot that started the evening before",
        {
            "logistics:composer": {
                maintenanceWindow: { start: "22:00", hours: 8, days: ["SA", "SU"] },
                snapshotTime: "03:00",
            },
        },
        [
            `logistics:composer.maintenanceWindow.start: "22:00" for 8 h on SA, SU does not contain the runbook's daily 02:00-03:00 on TU, WE, TH, FR, SA window. Expected slots that contain 02:00-03:00 on each of those days (a slot may start the evening before and run past midnight).`,
            'logistics:composer.snapshotTime: got "03:00", inside the maintenance window ("22:00" for 8 h) on MO, SU. Expected a time outside every maintenance slot, e.g. 06:00: Composer may not run environment operations such as snapshots during maintenance.',
        ],
    ],
    [
        "unpinned PyPI package",
        { "logistics:composer": { pypiPackages: { "dbt-bigquery": ">=1.9" } } },
        [
            'logistics:composer.pypiPackages.dbt-bigquery: got ">=1.9". Expected a pinned version such as "==1.9.1".',
        ],
    ],
    [
        "AIRFLOW__ environment variable",
        { "logistics:composer": { envVariables: { AIRFLOW__CORE__X: "1" } } },
        [
            "logistics:composer.envVariables.AIRFLOW__CORE__X: invalid key \"AIRFLOW__CORE__X\". Expected a variable name (letters, digits, '_'; not starting with AIRFLOW__).",
        ],
    ],
    [
        "Airflow override without its section",
        { "logistics:composer": { airflowConfigOverrides: { parallelism: "1" } } },
        [
            'logistics:composer.airflowConfigOverrides.parallelism: invalid key "parallelism". Expected an override key "<section>-<key>", e.g. "core-parallelism".',
        ],
    ],
    [
        "worker CPU beyond Composer's",
        { "logistics:composer": { workers: { resources: { cpu: 64 } } } },
        ["logistics:composer.workers.resources.cpu: got 64. Expected 0.5 to 32 vCPUs."],
    ],
    [
        "image from Container Registry",
        { "logistics:api": { image: "gcr.io/replace-me-logistics-dev/logistics-api:latest" } },
        [
            `logistics:api.image: got "gcr.io/replace-me-logistics-dev/logistics-api:latest", an image outside the project's registry. Expected an image pushed to ${REGISTRY}/, written as <name>:<tag> or <name>@sha256:<digest> (or the full path under ${REGISTRY}/).`,
        ],
    ],
    [
        "image from another project's registry",
        {
            "logistics:api": {
                image: "us-central1-docker.pkg.dev/other-project/lgx-dev-containers/logistics-api:1",
            },
        },
        [
            `logistics:api.image: got "us-central1-docker.pkg.dev/other-project/lgx-dev-containers/logistics-api:1", an image outside the project's registry. Expected an image pushed to ${REGISTRY}/, written as <name>:<tag> or <name>@sha256:<digest> (or the full path under ${REGISTRY}/).`,
        ],
    ],
    [
        "image without tag or digest",
        { "logistics:api": { image: "logistics-api" } },
        [
            'logistics:api.image: got "logistics-api". Expected an image such as logistics-api:1.4.2 or logistics-api@sha256:<digest>.',
        ],
    ],
    [
        "no image at all",
        { "logistics:api": { minInstances: 1 } },
        [
            "logistics:api.image: is required but missing. Expected an image such as logistics-api:1.4.2 or logistics-api@sha256:<digest>.",
        ],
    ],
    [
        "memory below Cloud Run's minimum",
        { "logistics:api": { ...I, memory: "64Mi" } },
        [
            'logistics:api.memory: got "64Mi". Expected memory such as 512Mi or 2Gi, from 128Mi to 32Gi.',
        ],
    ],
    [
        "CPU count Cloud Run does not offer",
        { "logistics:api": { ...I, cpu: "3" } },
        ['logistics:api.cpu: got "3". Expected a Cloud Run CPU count, one of 1, 2, 4, 6, 8.'],
    ],
    [
        "more memory than the CPU count allows",
        { "logistics:api": { ...I, cpu: 2, memory: "9Gi" } },
        [
            'logistics:api.memory: got "9Gi" with cpu "2". Expected cpu of at least 4 for more than 8Gi (Cloud Run\'s rule), or less memory.',
        ],
    ],
    [
        "too little memory for the CPU count",
        { "logistics:api": { ...I, cpu: "8", memory: "2048Mi" } },
        [
            'logistics:api.memory: got "2048Mi" with cpu "8". Expected at least 4Gi for 8 vCPUs (Cloud Run\'s rule), or fewer vCPUs.',
        ],
    ],
    [
        "public access through the invoker list",
        { "logistics:api": { ...I, invokers: ["allUsers"] } },
        [
            'logistics:api.invokers[0]: got "allUsers". Expected an IAM member such as group:support@example.com or serviceAccount:<email> (public access is publicInvoker).',
        ],
    ],
    [
        "relative health path",
        { "logistics:api": { ...I, healthPath: "healthz" } },
        ['logistics:api.healthPath: got "healthz". Expected an absolute path such as /healthz.'],
    ],
];

describe("compute config", () => {
    it(`rejects bad logistics-api and Composer config with exact messages (${cases.length} cases)`, () => {
        for (const [title, changes, expected] of cases)
            assert.deepEqual(configProblems(changes), expected, `case "${title}"`);
    });

    it("accepts windows that wrap midnight and a snapshot outside them", () => {
        const accepted: Record<string, unknown>[] = [
            // 22:00 for 8 h: Sunday 22:00 runs into Monday, Saturday's slot holds Sunday 00:00-04:00.
            { maintenanceWindow: { start: "22:00", hours: 8 }, snapshotTime: "12:00" },
            { maintenanceWindow: { start: "23:00", hours: 6 }, snapshotTime: "05:00" },
            { maintenanceWindow: { start: "00:00", hours: 4 }, snapshotTime: "04:00" },
            { maintenanceWindow: { start: "00:00", hours: 4 }, snapshotTime: "23:59" },
        ];
        for (const composer of accepted)
            assert.deepEqual(
                configProblems({ "logistics:composer": composer }),
                [],
                JSON.stringify(composer),
            );
    });

    it("pairs vCPUs and memory as Cloud Run does, at each boundary", () => {
        const accepted: [string, string][] = [
            ["1", "4Gi"],
            ["1", "4096Mi"],
            ["2", "8Gi"],
            ["4", "16Gi"],
            ["6", "24Gi"],
            ["8", "32Gi"],
            ["4", "2Gi"],
            ["6", "4Gi"],
            ["8", "4Gi"],
        ];
        const refused: [string, string][] = [
            ["1", "4097Mi"],
            ["1", "5Gi"],
            ["2", "9Gi"],
            ["4", "17Gi"],
            ["6", "25Gi"],
            ["4", "2047Mi"],
            ["6", "3Gi"],
            ["8", "512Mi"],
        ];
        for (const [cpu, memory] of accepted)
            assert.equal(cpuMemoryProblem(cpu, memory), undefined, `${cpu} vCPU, ${memory}`);
        for (const [cpu, memory] of refused)
            assert.ok(cpuMemoryProblem(cpu, memory), `${cpu} vCPU, ${memory} should be refused`);
    });

    it("accepts the full path of an image in the project's registry, and a CPU count written as a number", () => {
        assert.deepEqual(
            configProblems({ "logistics:api": { image: `${REGISTRY}/logistics-api:1`, cpu: 2 } }),
            [],
        );
    });
});

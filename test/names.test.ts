// logistics:names: a stack adopts the names an existing platform uses. Every named resource takes
// the override, everything that refers to it follows (SQL, alert filters, grants, outputs), the
// Pulumi URNs stay the same, and a bad override is named with what is accepted.
import { strict as assert } from "assert";
import { loadPolicyConfig, runPolicies } from "../tools/offline/policy";
import { configProblems, planFor, resource, resourcesOfType } from "./harness";

const ADOPTED = {
    dataBucket: "acme-logistics-data",
    snapshotsBucket: "acme-composer-snapshots",
    datasets: { raw: "logistics_raw", marts: "logistics_marts" },
    composerEnvironment: "logistics-prod",
    apiService: "logistics-api-v1",
    imageRepository: "logistics",
    apiKeySecret: "logistics-api-key",
    slotReservation: "default",
    serviceAccounts: { composer: "composer-worker", deployer: "terraform-ci" },
    workloadIdentityPool: "github-actions",
};

/** What a bucket override accepts, as every bucket-name error ends. */
const BUCKET =
    "a bucket name: 3-63 lowercase letters, digits, '-', '_' or '.', starting and ending with a letter or digit; " +
    "a dotted name is a domain name (up to 222 characters, each dot-separated part up to 63) whose domain " +
    "Google must have verified as yours; not starting with goog, not containing google or a misspelling of it, " +
    "not an IP address";

/** Cloud Storage's naming rules, one broken per case (https://cloud.google.com/storage/docs/buckets#naming). */
const bucketCases: [string, string][] = [
    ["ab", "2 characters long"],
    ["a".repeat(64), "64 characters long"],
    [
        `${"a".repeat(63)}.${"b".repeat(64)}`,
        "with a dot-separated part that is empty or longer than 63 characters",
    ],
    ["data..example.com", "with a dot-separated part that is empty or longer than 63 characters"],
    [`${"a.".repeat(111)}bc`, "224 characters long (a dotted name may have 222)"],
    ["-data", "which does not start and end with a letter or digit"],
    ["data_", "which does not start and end with a letter or digit"],
    ["data bucket", "which has characters other than lowercase letters, digits, '-', '_' and '.'"],
    ["192.168.5.4", "an IP address in dotted-decimal notation"],
    ["goog-data", 'which starts with "goog"'],
    ["acme-google-data", 'which contains "google"'],
    ["acme-g00gle-data", 'which contains "g00gle", too close to "google"'],
    ["acme-gogle-data", 'which contains "gogle", too close to "google"'],
    ["acme-googgle", 'which contains "googgle", too close to "google"'],
];

describe("adopted names (logistics:names)", () => {
    it("names every resource it lists as the existing platform does", async () => {
        const plan = await planFor("prod", {
            "logistics:names": ADOPTED,
            "logistics:warehouse": {
                location: "US",
                reservation: { edition: "ENTERPRISE", baselineSlots: 50, maxSlots: 100 },
            },
        });
        // [type, logical name, input, adopted name]
        const expected: [string, string, string, string][] = [
            ["gcp:storage/bucket:Bucket", "lgx-prod-lake-bucket", "name", "acme-logistics-data"],
            // The runbook's $BUCKET-backups follows the data bucket.
            [
                "gcp:storage/bucket:Bucket",
                "lgx-prod-backups-bucket",
                "name",
                "acme-logistics-data-backups",
            ],
            [
                "gcp:storage/bucket:Bucket",
                "lgx-prod-backups-snapshots",
                "name",
                "acme-composer-snapshots",
            ],
            [
                "gcp:bigquery/dataset:Dataset",
                "lgx-prod-warehouse-raw",
                "datasetId",
                "logistics_raw",
            ],
            ["gcp:bigquery/dataset:Dataset", "lgx-prod-warehouse-staging", "datasetId", "staging"],
            [
                "gcp:bigquery/dataset:Dataset",
                "lgx-prod-warehouse-marts",
                "datasetId",
                "logistics_marts",
            ],
            [
                "gcp:composer/environment:Environment",
                "lgx-prod-composer-environment",
                "name",
                "logistics-prod",
            ],
            ["gcp:cloudrunv2/service:Service", "lgx-prod-api-service", "name", "logistics-api-v1"],
            [
                "gcp:artifactregistry/repository:Repository",
                "lgx-prod-api-images",
                "repositoryId",
                "logistics",
            ],
            [
                "gcp:secretmanager/secret:Secret",
                "lgx-prod-api-key-secret",
                "secretId",
                "logistics-api-key",
            ],
            ["gcp:bigquery/reservation:Reservation", "lgx-prod-warehouse-slots", "name", "default"],
            [
                "gcp:iam/workloadIdentityPool:WorkloadIdentityPool",
                "lgx-prod-ci-pool",
                "workloadIdentityPoolId",
                "github-actions",
            ],
        ];
        for (const [type, name, key, value] of expected)
            assert.equal(resource(plan, type, name).inputs[key], value, `${name}.${key}`);
        assert.ok(
            resourcesOfType(plan, "gcp:bigquery/table:Table").every(
                (t) => t.inputs["datasetId"] === "logistics_raw",
            ),
        );
        const accounts = resourcesOfType(plan, "gcp:serviceaccount/account:Account").map(
            (a) => a.inputs["accountId"],
        );
        assert.deepEqual(accounts.sort(), [
            "composer-worker",
            "lgx-prod-api",
            "lgx-prod-jobs",
            "terraform-ci",
        ]);
    });

    it("points everything that refers to a renamed resource at its adopted name", async () => {
        const plan = await planFor("prod", { "logistics:names": ADOPTED });
        const text = JSON.stringify(plan.resources.map((r) => r.inputs));
        // SQL reads the adopted raw dataset; no statement names the default one.
        const queries = resourcesOfType(
            plan,
            "gcp:bigquery/dataTransferConfig:DataTransferConfig",
        ).map((t) => (t.inputs["params"] as { query: string }).query);
        assert.ok(queries.length > 0);
        for (const q of queries) {
            assert.match(q, /`replace-me-logistics-prod\.logistics_raw\./);
            assert.doesNotMatch(q, /\.raw\./);
        }
        // Alert filters and the uptime check name the adopted service and environment.
        assert.match(text, /resource\.labels\.service_name = \\"logistics-api-v1\\"/);
        assert.match(text, /resource\.labels\.environment_name = \\"logistics-prod\\"/);
        assert.doesNotMatch(text, /lgx-prod-composer\\"/);
        // Grants name the adopted accounts.
        assert.match(
            text,
            /serviceAccount:composer-worker@replace-me-logistics-prod\.iam\.gserviceaccount\.com/,
        );
        assert.equal(
            (plan.outputs["serviceAccounts"] as Record<string, string>)["deployer"],
            "terraform-ci@replace-me-logistics-prod.iam.gserviceaccount.com",
        );
        assert.equal(
            plan.outputs["ciServiceAccount"],
            "terraform-ci@replace-me-logistics-prod.iam.gserviceaccount.com",
        );
    });

    it("keeps every URN but those of grants to adopted accounts (a grant's name names its member)", async () => {
        const urns = async (changes?: Record<string, unknown>) =>
            new Set((await planFor("prod", changes)).resources.map((r) => r.urn));
        const adopted = await urns({ "logistics:names": ADOPTED });
        const standard = await urns();
        const changed = [...standard].filter((u) => !adopted.has(u));
        assert.ok(changed.length > 0);
        // The replica's job records are named after their job ids, which derive from the raw
        // dataset's name: an adopted dataset name names them anew (components/datasetReplica.ts).
        const grants = changed.filter((u) => !/DatasetReplica\$gcp:bigquery\/job:Job::/.test(u));
        for (const urn of grants) assert.match(urn, /IamMember|IAMMember/, urn);
        for (const urn of grants) assert.match(urn, /lgx-prod-(composer|deployer)$/, urn);
        assert.equal(adopted.size, standard.size);
    });

    it("keeps the raw-table policies working on an adopted raw dataset", async () => {
        const plan = structuredClone(
            await planFor("prod", { "logistics:names": { datasets: { raw: "landing" } } }),
        );
        const messages = async () =>
            (await runPolicies(plan, loadPolicyConfig("prod")))
                .filter((v) => v.enforcementLevel === "mandatory")
                .map((v) => v.message);
        assert.deepEqual(await messages(), []);
        // Without the packages backup, the policy names the adopted table.
        plan.resources = plan.resources.filter(
            (r) => r.name !== "lgx-prod-backup-schedule-packages",
        );
        assert.deepEqual(await messages(), [
            "Raw table landing.packages must have a scheduled backup (an enabled EXPORT DATA scheduled query of the whole table into the backups bucket).",
        ]);
    });

    it("accepts images from the adopted repository only", () => {
        const api = (image: string) => ({
            "logistics:names": { imageRepository: "logistics" },
            "logistics:api": { image, invokers: ["group:a@example.com"] },
        });
        assert.deepEqual(
            configProblems(
                api("us-central1-docker.pkg.dev/replace-me-logistics-dev/logistics/api:1"),
            ),
            [],
        );
        assert.deepEqual(
            configProblems(
                api("us-central1-docker.pkg.dev/replace-me-logistics-dev/lgx-dev-containers/api:1"),
            ),
            [
                'logistics:api.image: got "us-central1-docker.pkg.dev/replace-me-logistics-dev/lgx-dev-containers/api:1", an image outside the project\'s registry. Expected an image pushed to us-central1-docker.pkg.dev/replace-me-logistics-dev/logistics/, written as <name>:<tag> or <name>@sha256:<digest> (or the full path under us-central1-docker.pkg.dev/replace-me-logistics-dev/logistics/).',
            ],
        );
    });

    it("names an unknown resource and a malformed name, with what is accepted", () => {
        const cases: [Record<string, unknown>, string[]][] = [
            [
                { dataBuckett: "x-data" },
                [
                    "logistics:names.dataBuckett: unknown key. Did you mean dataBucket? Known keys: dataBucket, backupsBucket, snapshotsBucket, datasets, composerEnvironment, apiService, imageRepository, apiKeySecret, slotReservation, serviceAccounts, workloadIdentityPool, workloadIdentityProvider, jobErrorMetric.",
                ],
            ],
            [
                { datasets: { curated: "c" } },
                ["logistics:names.datasets.curated: unknown key. Known keys: raw, staging, marts."],
            ],
            [
                { dataBucket: "Acme_Data" },
                [
                    `logistics:names.dataBucket: got "Acme_Data", which has characters other than lowercase letters, digits, '-', '_' and '.'. Expected ${BUCKET}.`,
                ],
            ],
            ...bucketCases.map(([name, why]): [Record<string, unknown>, string[]] => [
                { snapshotsBucket: name },
                [
                    `logistics:names.snapshotsBucket: got ${JSON.stringify(name)}, ${why}. Expected ${BUCKET}.`,
                ],
            ]),
            [
                { datasets: { raw: "logistics-raw" } },
                [
                    "logistics:names.datasets.raw: got \"logistics-raw\". Expected a dataset id: letters, digits and '_' (e.g. logistics_raw).",
                ],
            ],
            [
                { serviceAccounts: { api: "api" } },
                [
                    "logistics:names.serviceAccounts.api: got \"api\". Expected a service account id: 6-30 lowercase letters, digits or '-', starting with a letter.",
                ],
            ],
            [
                { workloadIdentityPool: "gcp-github" },
                [
                    "logistics:names.workloadIdentityPool: got \"gcp-github\". Expected a workload identity pool id: 4-32 lowercase letters, digits or '-', not starting with gcp-.",
                ],
            ],
            [
                { dataBucket: "d".repeat(60) },
                [
                    `logistics:names.dataBucket: makes the default backups bucket "${"d".repeat(60)}-backups" 68 characters long. Expected at most 63: set logistics:names.backupsBucket to the backups bucket's name.`,
                ],
            ],
        ];
        // Names GCS accepts: dotted (a verified domain), 63 per part, 222 in all, digits first.
        for (const name of [
            "3ab",
            "a".repeat(63),
            `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(30)}`,
            "data.example.com",
            "acme_logistics-data",
            "1.2.3.4.5",
        ])
            assert.deepEqual(
                configProblems({
                    "logistics:names": { dataBucket: name, backupsBucket: "acme-bk" },
                }),
                [],
                name,
            );
        for (const [names, expected] of cases)
            assert.deepEqual(
                configProblems({ "logistics:names": names }),
                expected,
                JSON.stringify(names),
            );
    });
});

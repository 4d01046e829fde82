// Hardening and residency policies: Composer exposure and floors, default service accounts,
// registry images, every location; exact messages, and the shipped stacks' own resources.
import { strict as assert } from "assert";
import { allPolicies } from "../policies/all";
import { imageProblem, parseImage } from "../policies/hardening";
import type { Plan, PlannedResource } from "../tools/offline/engine";
import { loadPolicyConfig, runPolicies } from "../tools/offline/policy";
import { planFor, handMadeResource } from "./harness";

const P = "proj-1";

const fake = handMadeResource;

const REPO = fake(
    "gcp:artifactregistry/repository:Repository",
    {
        project: P,
        location: "us-central1",
        repositoryId: "images",
        format: "DOCKER",
        mode: "STANDARD_REPOSITORY",
    },
    "repo",
);

async function messages(
    policy: string,
    resources: PlannedResource[],
    params: Record<string, unknown> = {},
): Promise<string[]> {
    const plan: Plan = {
        project: "logistics",
        stack: "prod",
        resources,
        outputs: {},
        secrets: [],
        warnings: [],
    };
    const p = allPolicies.filter((x) => x.name === policy);
    assert.equal(p.length, 1, policy);
    return (
        await runPolicies(
            plan,
            { [policy]: { enforcementLevel: "mandatory", ...params } } as never,
            p,
        )
    ).map((v) => v.message);
}

const COMPOSER = "gcp:composer/environment:Environment";
const GOOD_COMPOSER = {
    region: "us-central1",
    config: {
        enablePrivateEnvironment: true,
        resilienceMode: "HIGH_RESILIENCE",
        webServerNetworkAccessControl: { allowedIpRanges: [{ value: "203.0.113.0/24" }] },
        workloadsConfig: { scheduler: { count: 2 }, worker: { minCount: 2, maxCount: 6 } },
        nodeConfig: { serviceAccount: `composer@${P}.iam.gserviceaccount.com` },
    },
};

describe("Composer hardening", () => {
    const composer = (config: Record<string, unknown>) =>
        fake(COMPOSER, { ...GOOD_COMPOSER, config: { ...GOOD_COMPOSER.config, ...config } });

    it("composer-private-environment", async () => {
        assert.deepEqual(await messages("composer-private-environment", [composer({})]), []);
        assert.deepEqual(
            await messages("composer-private-environment", [
                composer({
                    enablePrivateEnvironment: false,
                    webServerNetworkAccessControl: undefined,
                }),
            ]),
            [
                "Composer environment must be private (config.enablePrivateEnvironment: true).",
                "Composer web server access is not restricted: without webServerNetworkAccessControl.allowedIpRanges it admits every address.",
            ],
        );
        assert.deepEqual(
            await messages("composer-private-environment", [
                composer({
                    webServerNetworkAccessControl: {
                        allowedIpRanges: [{ value: "203.0.113.0/24" }, { value: "0.0.0.0/0" }],
                    },
                }),
            ]),
            ["Composer web server must not admit 0.0.0.0/0."],
        );
    });

    it("an exception waives only the finding it names", async () => {
        const r = composer({
            enablePrivateEnvironment: false,
            webServerNetworkAccessControl: { allowedIpRanges: [{ value: "::/0" }] },
        });
        assert.deepEqual(
            await messages("composer-private-environment", [r], {
                exceptions: [
                    { urn: r.urn, finding: "must be private", reason: "no NAT network yet" },
                ],
            }),
            ["Composer web server must not admit ::/0."],
        );
    });

    it("composer-resilience-floors", async () => {
        const floors = { resilienceMode: "HIGH_RESILIENCE", minSchedulers: 2, minWorkers: 2 };
        assert.deepEqual(await messages("composer-resilience-floors", [composer({})], floors), []);
        assert.deepEqual(
            await messages(
                "composer-resilience-floors",
                [
                    composer({
                        resilienceMode: undefined,
                        workloadsConfig: { scheduler: { count: 1 } },
                    }),
                ],
                floors,
            ),
            [
                "Composer environment must run in HIGH_RESILIENCE mode, got STANDARD_RESILIENCE.",
                "Composer environment must run at least 2 schedulers, got 1.",
                "Composer environment must keep at least 2 workers, got GCP's default.",
            ],
        );
        assert.deepEqual(
            await messages("composer-resilience-floors", [composer({ workloadsConfig: {} })]),
            [],
        );
    });
});

describe("default service accounts", () => {
    const cases: [string, PlannedResource, string[]][] = [
        [
            "Cloud Run with its own account",
            fake("gcp:cloudrunv2/service:Service", {
                template: { serviceAccount: `api@${P}.iam.gserviceaccount.com` },
            }),
            [],
        ],
        [
            "Cloud Run without an account",
            fake("gcp:cloudrunv2/service:Service", { template: {} }),
            [
                "template.serviceAccount is not set: GCP would run the workload as the default compute service account.",
            ],
        ],
        [
            "a Cloud Run job as the default compute account",
            fake("gcp:cloudrunv2/job:Job", {
                template: {
                    template: { serviceAccount: "42-compute@developer.gserviceaccount.com" },
                },
            }),
            ["template.template.serviceAccount names a default service account."],
        ],
        [
            "a grant to App Engine's default account",
            fake("gcp:projects/iAMMember:IAMMember", {
                role: "roles/x",
                member: "serviceAccount:proj-1@appspot.gserviceaccount.com",
            }),
            ["member names a default service account."],
        ],
        [
            "Composer without a node account",
            fake(COMPOSER, { config: {} }),
            [
                "config.nodeConfig.serviceAccount is not set: GCP would run the workload as the default compute service account.",
            ],
        ],
        [
            "an instance with a service account block and no email",
            fake("gcp:compute/instance:Instance", {
                serviceAccount: { scopes: ["cloud-platform"] },
            }),
            [
                "serviceAccount.email is not set: the instance would run as the default compute service account.",
            ],
        ],
        [
            "an account created by the stack (known after deploy)",
            fake("gcp:cloudfunctionsv2/function:Function", {
                serviceConfig: { serviceAccountEmail: "(known after deploy)" },
            }),
            [],
        ],
    ];
    for (const [title, r, expected] of cases)
        it(title, async () =>
            assert.deepEqual(await messages("iam-no-default-service-account", [r]), expected),
        );
});

describe("images", () => {
    const allowed = new Set([`us-central1-docker.pkg.dev/${P}/images`]);
    const cases: [string, string | undefined][] = [
        [`us-central1-docker.pkg.dev/${P}/images/api:1.2.3`, undefined],
        [`us-central1-docker.pkg.dev/${P}/images/api@sha256:${"a".repeat(64)}`, undefined],
        [
            `us-central1-docker.pkg.dev/${P}/images/api:latest`,
            `us-central1-docker.pkg.dev/${P}/images/api:latest uses :latest: the running version would change without a reviewed change.`,
        ],
        [
            `us-central1-docker.pkg.dev/${P}/images/api`,
            `us-central1-docker.pkg.dev/${P}/images/api has no tag: it runs whatever :latest is at deploy.`,
        ],
        [
            "nginx:1.27",
            `nginx:1.27 is not from the project's Artifact Registry (us-central1-docker.pkg.dev/${P}/images).`,
        ],
        [
            `europe-west1-docker.pkg.dev/${P}/images/api:1`,
            `europe-west1-docker.pkg.dev/${P}/images/api:1 is not from the project's Artifact Registry (us-central1-docker.pkg.dev/${P}/images).`,
        ],
        [
            `us-central1-docker.pkg.dev/other/images/api:1`,
            `us-central1-docker.pkg.dev/other/images/api:1 is not from the project's Artifact Registry (us-central1-docker.pkg.dev/${P}/images).`,
        ],
    ];
    for (const [image, expected] of cases)
        it(image, () => assert.equal(imageProblem(image, allowed), expected));

    it("parses references", () => {
        assert.deepEqual(parseImage("ghcr.io/o/r:1"), {
            host: "ghcr.io",
            path: ["o", "r"],
            tag: "1",
        });
        assert.equal(parseImage("busybox"), undefined);
    });

    it("judges Cloud Run images against the plan's own repositories", async () => {
        const svc = (image: string) =>
            fake(
                "gcp:cloudrunv2/service:Service",
                { project: P, template: { containers: [{ image }] } },
                "svc",
            );
        assert.deepEqual(
            await messages("cloudrun-images-from-registry", [
                REPO,
                svc(`us-central1-docker.pkg.dev/${P}/images/api:1`),
            ]),
            [],
        );
        assert.deepEqual(
            await messages("cloudrun-images-from-registry", [REPO, svc("(known after deploy)")]),
            [
                "template.containers[0].image is known only after deploy: the image's origin cannot be judged.",
            ],
        );
    });
});

describe("regions-every-resource", () => {
    const allowed = { allowed: ["US", "us-central1"] };
    const cases: [string, PlannedResource, string[]][] = [
        [
            "a zone of an allowed region",
            fake("gcp:compute/instance:Instance", { zone: "us-central1-b" }),
            [],
        ],
        [
            "a dataset in the EU",
            fake("gcp:bigquery/dataset:Dataset", { location: "EU" }),
            ["location must be an allowed location (US, us-central1), got EU."],
        ],
        [
            "a dual-region placement",
            fake("gcp:storage/bucket:Bucket", {
                location: "US",
                customPlacementConfig: { dataLocations: ["US-CENTRAL1", "EUROPE-WEST1"] },
            }),
            [
                "customPlacementConfig.dataLocations[1] must be an allowed location (US, us-central1), got EUROPE-WEST1.",
            ],
        ],
        [
            "an explicit provider's region",
            fake("pulumi:providers:gcp", { region: "asia-east1" }),
            ["region must be an allowed location (US, us-central1), got asia-east1."],
        ],
        [
            "secret replicas",
            fake("gcp:secretmanager/secret:Secret", {
                replication: {
                    userManaged: {
                        replicas: [{ location: "us-central1" }, { location: "europe-west4" }],
                    },
                },
            }),
            [
                "replication.userManaged.replicas[1].location must be an allowed location (US, us-central1), got europe-west4.",
            ],
        ],
        [
            "a topic stored outside",
            fake("gcp:pubsub/topic:Topic", {
                messageStoragePolicy: { allowedPersistenceRegions: ["us-central1", "asia-east1"] },
            }),
            [
                "messageStoragePolicy.allowedPersistenceRegions[1] must be an allowed location (US, us-central1), got asia-east1.",
            ],
        ],
        [
            "automatic secret replication",
            fake("gcp:secretmanager/secret:Secret", { replication: { auto: {} } }),
            [
                "replication.auto stores the secret in any region: use userManaged replicas in allowed locations.",
            ],
        ],
        [
            "a monitored resource's label is not a placement",
            fake("gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig", {
                monitoredResource: { labels: { location: "europe-west1" } },
            }),
            [],
        ],
        [
            "a disk snapshot stored in another multi-region",
            fake("gcp:compute/snapshot:Snapshot", {
                sourceDisk: "d",
                zone: "us-central1-a",
                storageLocations: ["asia"],
            }),
            ["storageLocations[0] must be an allowed location (US, us-central1), got asia."],
        ],
        [
            "a linked dataset replicated outside",
            fake("gcp:bigqueryanalyticshub/listingSubscription:ListingSubscription", {
                location: "US",
                destinationDataset: { location: "US", replicaLocations: ["asia-east1"] },
            }),
            [
                "destinationDataset.replicaLocations[0] must be an allowed location (US, us-central1), got asia-east1.",
            ],
        ],
        [
            "a regional disk with a replica zone outside",
            fake("gcp:compute/regionDisk:RegionDisk", {
                region: "us-central1",
                replicaZones: ["us-central1-a", "europe-west1-b"],
            }),
            ["replicaZones[1] must be an allowed location (US, us-central1), got europe-west1-b."],
        ],
        [
            "a location known only after deploy",
            fake("gcp:bigquery/dataset:Dataset", { location: "(known after deploy)" }),
            ["location is known only after deploy: the resource's location cannot be judged."],
        ],
    ];
    for (const [title, r, expected] of cases)
        it(title, async () =>
            assert.deepEqual(await messages("regions-every-resource", [r], allowed), expected),
        );

    it("prod's allowed list is regions-allowed's", () => {
        const c = loadPolicyConfig("prod") as Record<string, { allowed?: string[] }>;
        assert.deepEqual(c["regions-every-resource"]!.allowed, c["regions-allowed"]!.allowed);
    });
});

describe("regions-every-resource: where jobs, scheduled queries and transfers copy data", () => {
    const allowed = { allowed: ["US", "us-east4"] };
    const BUCKET = fake("gcp:storage/bucket:Bucket", { name: "lake-backups", location: "US" }, "b");
    const RAW = fake(
        "gcp:bigquery/dataset:Dataset",
        { project: P, datasetId: "raw", location: "US" },
        "d",
    );
    const job = (query: string) =>
        fake(
            "gcp:bigquery/job:Job",
            { project: P, location: "US", jobId: "j", query: { query } },
            "j",
        );
    const replica = (options: string) =>
        job(`ALTER SCHEMA \`${P}.raw\` ADD REPLICA \`r\` ${options}`);
    const exportTo = (uri: string) =>
        `EXPORT DATA OPTIONS (uri = '${uri}', format = 'PARQUET') AS SELECT * FROM \`${P}.raw.packages\``;
    const cases: [string, PlannedResource, string[]][] = [
        ["a replica in an allowed location", replica("OPTIONS (location = 'us-east4')"), []],
        [
            "a replica in another location, the statement's keywords in lower case",
            job(
                `alter schema if exists ${P}.raw add replica eu options (replica_kms_key = 'k', location = "EU")`,
            ),
            [
                `query.query adds a replica of ${P}.raw in EU: must be an allowed location (US, us-east4).`,
            ],
        ],
        [
            "a replica in a script after a harmless statement",
            job(`SELECT 1; ALTER SCHEMA raw ADD REPLICA \`x\` OPTIONS (location = 'asia-east1');`),
            [
                "query.query adds a replica of raw in asia-east1: must be an allowed location (US, us-east4).",
            ],
        ],
        [
            "a replica whose location is computed",
            replica("OPTIONS (location = CONCAT('us-', 'east4'))"),
            [
                `query.query adds a replica of ${P}.raw (ADD REPLICA r) whose location cannot be read: its location is CONCAT('us-', 'east4'), not a string literal. Expected OPTIONS (location = '<allowed location>').`,
            ],
        ],
        [
            "a replica whose location is a query parameter",
            replica("OPTIONS (location = @where)"),
            [
                `query.query adds a replica of ${P}.raw (ADD REPLICA r) whose location cannot be read: its location is @where, not a string literal. Expected OPTIONS (location = '<allowed location>').`,
            ],
        ],
        [
            "a replica without OPTIONS",
            replica(""),
            [
                `query.query adds a replica of ${P}.raw (ADD REPLICA r) whose location cannot be read: it has no OPTIONS (location = …). Expected OPTIONS (location = '<allowed location>').`,
            ],
        ],
        [
            "a replica statement that goes on after its options",
            replica("OPTIONS (location = 'us-east4') AS x"),
            [
                `query.query adds a replica of ${P}.raw (ADD REPLICA r) whose location cannot be read: it goes on after OPTIONS (…) with AS. Expected OPTIONS (location = '<allowed location>').`,
            ],
        ],
        [
            "a replica inside EXECUTE IMMEDIATE: the statement does not parse",
            job(
                `EXECUTE IMMEDIATE "ALTER SCHEMA raw ADD REPLICA x OPTIONS (location = 'asia-east1')"`,
            ),
            [
                'query.query: SQL does not parse as BigQuery SQL (Syntax Error: Unexpected "ADD"), so what it does cannot be judged, nor where it copies data.',
            ],
        ],
        [
            "SQL with an unterminated string",
            job("SELECT 'x"),
            [
                "query.query: SQL does not parse as BigQuery SQL (unterminated string at offset 7), so what it does cannot be judged, nor where it copies data.",
            ],
        ],
        [
            "an export into a bucket of the stack",
            job(exportTo("gs://lake-backups/p_*.parquet")),
            [],
        ],
        [
            "an export into a bucket outside the stack",
            job(exportTo("gs://elsewhere/p_*.parquet")),
            [
                "query.query exports data to gs://elsewhere/, a bucket not in the stack: its location cannot be judged. Write into a bucket the stack declares.",
            ],
        ],
        [
            "an export built at run time",
            job(`EXECUTE IMMEDIATE CONCAT("${exportTo("gs://lake-backups/")}", @suffix)`),
            [
                "query.query: EXECUTE IMMEDIATE runs a statement built at run time, so what it does cannot be judged, nor where it copies data.",
            ],
        ],
        [
            "a scheduled query exporting outside the stack",
            fake("gcp:bigquery/dataTransferConfig:DataTransferConfig", {
                location: "US",
                dataSourceId: "scheduled_query",
                params: { query: exportTo("gs://elsewhere/p_*.parquet") },
            }),
            [
                "params.query exports data to gs://elsewhere/, a bucket not in the stack: its location cannot be judged. Write into a bucket the stack declares.",
            ],
        ],
        [
            "a procedure exporting outside Cloud Storage",
            fake("gcp:bigquery/routine:Routine", {
                routineType: "PROCEDURE",
                definitionBody: exportTo("s3://bucket/p_*.parquet"),
            }),
            [
                "definitionBody exports data to s3://bucket/p_*.parquet, not a Cloud Storage bucket of the stack: the data leaves the stack's locations. Write into a bucket the stack declares.",
            ],
        ],
        [
            "a routine whose type is known only after deploy, exporting like a procedure",
            fake("gcp:bigquery/routine:Routine", {
                routineType: "(known after deploy)",
                definitionBody: exportTo("s3://bucket/p_*.parquet"),
            }),
            [
                "definitionBody exports data to s3://bucket/p_*.parquet, not a Cloud Storage bucket of the stack: the data leaves the stack's locations. Write into a bucket the stack declares.",
            ],
        ],
        [
            "a dataset copy into the stack's dataset",
            fake("gcp:bigquery/dataTransferConfig:DataTransferConfig", {
                location: "US",
                dataSourceId: "cross_region_copy",
                destinationDatasetId: "raw",
                params: { source_project_id: "other", source_dataset_id: "inbox" },
            }),
            [],
        ],
        [
            "a dataset copy into a dataset outside the stack",
            fake("gcp:bigquery/dataTransferConfig:DataTransferConfig", {
                location: "US",
                dataSourceId: "cross_region_copy",
                destinationDatasetId: "raw_copy",
                params: { source_project_id: P, source_dataset_id: "raw" },
            }),
            [
                "destinationDatasetId writes into the dataset raw_copy, not in the stack: its location cannot be judged. Write into a dataset the stack declares.",
            ],
        ],
        [
            "an extract job to a bucket outside the stack",
            fake("gcp:bigquery/job:Job", {
                location: "US",
                jobId: "x",
                extract: { destinationUris: ["gs://lake-backups/a_*", "gs://elsewhere/b_*"] },
            }),
            [
                "extract.destinationUris[1] extracts a table to gs://elsewhere/, a bucket not in the stack: its location cannot be judged. Write into a bucket the stack declares.",
            ],
        ],
        [
            "a copy job into the stack's dataset",
            fake("gcp:bigquery/job:Job", {
                location: "US",
                jobId: "c",
                copy: { destinationTable: { projectId: P, datasetId: "raw", tableId: "t2" } },
            }),
            [],
        ],
        [
            "a copy job into a dataset outside the stack",
            fake("gcp:bigquery/job:Job", {
                location: "US",
                jobId: "c",
                copy: { destinationTable: { projectId: "other", datasetId: "raw", tableId: "t" } },
            }),
            [
                "copy.destinationTable writes into the dataset other.raw, not in the stack: its location cannot be judged. Write into a dataset the stack declares.",
            ],
        ],
        [
            "a copy job whose full tableId names another project",
            fake("gcp:bigquery/job:Job", {
                project: P,
                location: "US",
                jobId: "c2",
                copy: {
                    destinationTable: {
                        datasetId: "raw",
                        tableId: "projects/evil/datasets/leak/tables/t",
                    },
                },
            }),
            [
                "copy.destinationTable writes into the dataset evil.leak, not in the stack: its location cannot be judged. Write into a dataset the stack declares.",
            ],
        ],
        [
            "a query job whose results go to a table in another project",
            fake("gcp:bigquery/job:Job", {
                project: P,
                location: "US",
                jobId: "q",
                query: {
                    query: "SELECT 1",
                    destinationTable: { projectId: "evil", datasetId: "leak", tableId: "t" },
                },
            }),
            [
                "query.destinationTable writes into the dataset evil.leak, not in the stack: its location cannot be judged. Write into a dataset the stack declares.",
            ],
        ],
        [
            "a load job into a dataset of the job's other project",
            fake("gcp:bigquery/job:Job", {
                project: "evil",
                location: "US",
                jobId: "l",
                load: {
                    sourceUris: ["gs://lake-backups/x/*"],
                    destinationTable: { datasetId: "raw", tableId: "t" },
                },
            }),
            [
                "load.destinationTable writes into the dataset evil.raw, not in the stack: its location cannot be judged. Write into a dataset the stack declares.",
            ],
        ],
        [
            "a dataset copy into a dataset of the same id in another project",
            fake("gcp:bigquery/dataTransferConfig:DataTransferConfig", {
                project: "evil",
                location: "US",
                displayName: "copy",
                dataSourceId: "cross_region_copy",
                destinationDatasetId: "raw",
                params: { source_dataset_id: "raw", source_project_id: P },
            }),
            [
                "destinationDatasetId writes into the dataset evil.raw, not in the stack: its location cannot be judged. Write into a dataset the stack declares.",
            ],
        ],
        [
            "a storage transfer to a bucket outside the stack",
            fake("gcp:storage/transferJob:TransferJob", {
                transferSpec: {
                    gcsDataSource: { bucketName: "lake-backups" },
                    gcsDataSink: { bucketName: "elsewhere" },
                },
            }),
            [
                "transferSpec.gcsDataSink.bucketName copies objects to gs://elsewhere/, a bucket not in the stack: its location cannot be judged. Write into a bucket the stack declares.",
            ],
        ],
        [
            "a storage transfer to a file system",
            fake("gcp:storage/transferJob:TransferJob", {
                transferSpec: {
                    gcsDataSource: { bucketName: "lake-backups" },
                    posixDataSink: { rootDirectory: "/mnt" },
                },
            }),
            [
                "transferSpec.posixDataSink copies objects to a file system outside Google Cloud: the data leaves the stack's locations.",
            ],
        ],
        [
            "a log sink into a bucket outside the stack",
            fake("gcp:logging/projectSink:ProjectSink", {
                name: "s",
                destination: "storage.googleapis.com/elsewhere",
            }),
            [
                "destination routes logs to gs://elsewhere/, a bucket not in the stack: its location cannot be judged. Write into a bucket the stack declares.",
            ],
        ],
        [
            "a log sink into the stack's bucket",
            fake("gcp:logging/projectSink:ProjectSink", {
                name: "s",
                destination: "storage.googleapis.com/lake-backups",
            }),
            [],
        ],
        [
            "a log sink into another project's dataset",
            fake("gcp:logging/organizationSink:OrganizationSink", {
                name: "s",
                orgId: "1",
                destination: "bigquery.googleapis.com/projects/evil/datasets/raw",
            }),
            [
                "destination routes logs into the dataset evil.raw, not in the stack: its location cannot be judged. Route into a dataset the stack declares.",
            ],
        ],
        [
            "a log sink into a log bucket in another region",
            fake("gcp:logging/projectSink:ProjectSink", {
                name: "s",
                destination: `logging.googleapis.com/projects/${P}/locations/asia-east1/buckets/b`,
            }),
            [
                "destination routes logs to a log bucket in asia-east1: must be an allowed location (US, us-east4).",
            ],
        ],
        [
            "a subscription writing messages to a bucket and a table outside the stack",
            fake("gcp:pubsub/subscription:Subscription", {
                topic: "t",
                cloudStorageConfig: { bucket: "elsewhere" },
                bigqueryConfig: { table: "evil.leak.t" },
            }),
            [
                "cloudStorageConfig.bucket writes messages to gs://elsewhere/, a bucket not in the stack: its location cannot be judged. Write into a bucket the stack declares.",
                "bigqueryConfig.table writes messages into evil.leak.t, not a dataset of the stack: its location cannot be judged. Write into a dataset the stack declares.",
            ],
        ],
        [
            "a job query known only after deploy",
            job("(known after deploy)"),
            ["query.query is known only after deploy: where its SQL copies data cannot be judged."],
        ],
    ];
    for (const [title, r, expected] of cases)
        it(title, async () =>
            assert.deepEqual(
                await messages("regions-every-resource", [BUCKET, RAW, r], allowed),
                expected,
            ),
        );

    it("a transfer config without a location is in the provider's default US", async () => {
        const config = fake("gcp:bigquery/dataTransferConfig:DataTransferConfig", {
            dataSourceId: "scheduled_query",
            params: { query: "SELECT 1" },
        });
        assert.deepEqual(
            await messages("regions-every-resource", [config], { allowed: ["europe-west1"] }),
            [
                "location is not set, so the provider's default US applies: must be an allowed location (europe-west1).",
            ],
        );
        assert.deepEqual(await messages("regions-every-resource", [config], allowed), []);
    });
});

describe("stateful-identity-kept", () => {
    const bucket = (
        labels: Record<string, string> | undefined,
        chain = "logistics:storage:BackupStore$",
    ) => ({
        ...fake("gcp:storage/bucket:Bucket", { labels }, "lgx-prod-backups-bucket"),
        urn: `urn:pulumi:prod::logistics::logistics:stack:Platform$${chain}gcp:storage/bucket:Bucket::lgx-prod-backups-bucket`,
    });
    it("keeps the label the backups bucket is found by", async () => {
        assert.deepEqual(
            await messages("stateful-identity-kept", [bucket({ purpose: "backups" })]),
            [],
        );
        assert.deepEqual(
            await messages("stateful-identity-kept", [bucket({ purpose: "archive" })]),
            [
                'The backups-bucket must keep the label purpose: backups, got "archive": checks that find it by that label would skip it.',
            ],
        );
        assert.deepEqual(await messages("stateful-identity-kept", [bucket(undefined)]), [
            "The backups-bucket must keep the label purpose: backups, got null: checks that find it by that label would skip it.",
        ]);
    });
    it("does not judge a bucket outside the component", async () => {
        assert.deepEqual(await messages("stateful-identity-kept", [bucket({}, "")]), []);
    });
});

describe("the shipped stacks", () => {
    for (const stack of ["dev", "prod"])
        it(`${stack}: no mandatory finding of the hardening, residency, secrets and IAM policies`, async () => {
            const mine = allPolicies.filter((p) =>
                /^(iam|secrets|regions-every|cloudrun|composer|stack-exceptions|stateful-identity)/.test(
                    p.name,
                ),
            );
            const violations = await runPolicies(
                await planFor(stack),
                loadPolicyConfig(stack),
                mine,
            );
            assert.deepEqual(
                violations.filter((v) => v.enforcementLevel === "mandatory"),
                [],
            );
        });

    it("prod shows each accepted exception with its reason", async () => {
        const v = await runPolicies(await planFor("prod"), loadPolicyConfig("prod"));
        const shown = v.filter((x) => x.policy === "stack-exceptions-applied");
        // The Composer environment (private, web server) and the API key secret's replication.
        assert.equal(shown.length, 3);
        assert.ok(
            shown.every(
                (x) =>
                    x.enforcementLevel === "advisory" &&
                    /^exception to [a-z-]+( \("[^"]+"\))?: .{10,}/.test(x.message),
            ),
        );
    });
});

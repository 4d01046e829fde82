// The platform's root component: composes one component per logical entity from the stack config.
//
// Wiring rules: every component waits for the APIs its resources call, and for no other; grants
// to workload identities are made by the component that owns the resource (bucket, dataset,
// secret), from the IAM shape; service-account members are computed from the naming rules, so a
// grant never waits on a lookup.
import * as pulumi from "@pulumi/pulumi";
import { Alerting } from "../components/alerting";
import { ApiService } from "../components/apiService";
import { PipelineDashboard } from "../components/dashboard";
import { FreshnessChecks } from "../components/freshnessChecks";
import { GithubFederation } from "../components/githubFederation";
import { BackupStore } from "../components/backupStore";
import { mergeIam } from "../components/common";
import { DataLake } from "../components/dataLake";
import { Identities, serviceAccountEmail, WORKLOADS } from "../components/identities";
import { ONCALL_PROJECT_ROLES, ONCALL_RAW_ROLE, OnCallAccess } from "../components/onCall";
import { Orchestration } from "../components/orchestration";
import { ProjectServices, requiredServices } from "../components/projectServices";
import { Restores } from "../components/restores";
import { BACKUP_WRITER_ROLE, ScheduledBackups } from "../components/scheduledBackups";
import { SNAPSHOTS_DATASET, TableSnapshots } from "../components/tableSnapshots";
import { DatasetReplica } from "../components/datasetReplica";
import { RAW_TABLES, Warehouse, type SchemaField } from "../components/warehouse";
import type { StackConfig } from "./config";
import { freshnessHours } from "../components/alerting.schema";
import { deployerSubjects } from "../components/githubFederation.schema";
import { RAW_TABLE_NAMES } from "../components/rawTables";
import { registryPath } from "./names";
import { naming as namingFor } from "./naming";

export interface PlatformArgs {
    /** The validated stack config. */
    config: StackConfig;
    /** The raw tables' schemas (read and checked before the platform is built). */
    schemas: Record<string, SchemaField[]>;
}

export class Platform extends pulumi.ComponentResource {
    /** Stack outputs: what operators, DAGs and CI read after `pulumi up`. */
    public readonly outputs: Record<string, pulumi.Input<unknown>>;

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        // The cost policy prices the plan inside `pulumi preview --policy-pack`, where only the
        // resources are visible: the usage assumptions and the budget travel with this component,
        // as inputs (the offline plan) and outputs (what the engine hands stack policies).
        const costInputs = { estimates: args.config.estimates, budget: args.config.budget };
        super("logistics:stack:Platform", name, costInputs, opts);
        const config = args.config;
        const naming = namingFor(config);
        // Physical names: the naming rules' defaults, or names adopted with logistics:names.
        const names = config.names;
        // Stateful resources get protect, retainOnDelete and GCP deletion protection from this.
        const protect = config.protectStatefulResources;
        const project = config.project;

        const services = new ProjectServices(
            naming.name("apis"),
            {
                project,
                services: requiredServices({
                    reservation: config.warehouse.reservation !== undefined,
                    federation: config.ci !== undefined,
                }),
            },
            { parent: this },
        );
        // Each component waits for the APIs its resources call, and only for those: waiting for
        // every API put the data layer behind Composer's API and lengthened a full rebuild
        // (`npm run preview -- --timeline`). An optional feature's API the stack does not enable
        // (the reservation's) is not waited for; a name no feature enables is a mistake.
        const everyApi = requiredServices({ reservation: true, federation: true });
        const afterApis = (...apis: string[]) => ({
            parent: this,
            dependsOn: apis.flatMap((a) => {
                const api = `${a}.googleapis.com`;
                if (!everyApi.includes(api))
                    throw new Error(`afterApis: ${api} is not an API the stack enables`);
                const service = services.services[api];
                return service ? [service] : [];
            }),
        });

        const identities = new Identities(
            naming.name("identities"),
            {
                project,
                accountIds: names.serviceAccounts,
            },
            afterApis("iam", "cloudresourcemanager"),
        );
        const sa = identities.members;
        // The runbook's level 1: what `npm run ops` needs, on the project (the raw dataset's read
        // is the warehouse's grant, below).
        if (config.oncall.members.length)
            new OnCallAccess(
                naming.name("oncall"),
                { project, members: config.oncall.members, roles: ONCALL_PROJECT_ROLES },
                afterApis("cloudresourcemanager"),
            );
        // Grants to the workload accounts wait for the accounts (components take them as `accounts`).
        const accounts = identities.accounts;

        const lake = new DataLake(
            naming.name("lake"),
            {
                bucketName: names.dataBucket,
                location: config.locations.lake.location,
                settings: config.dataLake,
                labels: naming.labels({ component: "data-lake" }),
                protect,
                // Ingestion reads raw/ and writes and deletes under staging/.
                iam: { "roles/storage.objectAdmin": [sa.composer] },
                accounts,
            },
            afterApis("storage"),
        );
        const backups = new BackupStore(
            naming.name("backups"),
            {
                // The runbook's "$BUCKET-backups".
                bucketName: names.backupsBucket,
                snapshotBucketName: names.snapshotsBucket,
                settings: config.backups,
                placement: config.locations.backups,
                snapshotPlacement: config.locations.snapshots,
                labels: naming.labels({ component: "backups" }),
                protect,
                // What BigQuery's export needs on its destination (scheduledBackups.ts).
                iam: { [BACKUP_WRITER_ROLE]: [sa.jobs] },
                snapshotIam: { "roles/storage.objectAdmin": [sa.composer] },
                accounts,
            },
            afterApis("storage"),
        );
        const warehouse = new Warehouse(
            naming.name("warehouse"),
            {
                project,
                location: config.locations.warehouse,
                settings: config.warehouse,
                labels: naming.labels({ component: "warehouse" }),
                protect,
                reservationName: names.slotReservation,
                reservationAfter: afterApis("bigqueryreservation").dependsOn,
                datasetIds: names.datasets,
                schemas: args.schemas,
                iam: {
                    raw: mergeIam(
                        {
                            "roles/bigquery.dataEditor": [sa.composer],
                            "roles/bigquery.dataViewer": [sa.jobs],
                        },
                        { [ONCALL_RAW_ROLE]: config.oncall.members },
                    ),
                    staging: { "roles/bigquery.dataEditor": [sa.composer] },
                    marts: {
                        "roles/bigquery.dataEditor": [sa.composer],
                        "roles/bigquery.dataViewer": [sa.api],
                    },
                },
                accounts,
            },
            afterApis("bigquery"),
        );
        const bqLocation = config.locations.warehouse;

        // The runbook's "restore from backup" needs backups: one daily export per raw table.
        const scheduledBackups = new ScheduledBackups(
            naming.name("backup-schedule"),
            {
                project,
                rawDataset: names.datasets.raw,
                location: bqLocation,
                tables: RAW_TABLE_NAMES,
                bucket: backups.bucketName,
                time: config.backups.exportTime,
                serviceAccountEmail: identities.emails.jobs,
                serviceAccountName: identities.accountNames.jobs,
                accounts,
            },
            {
                parent: this,
                dependsOn: [
                    ...afterApis("bigquerydatatransfer", "bigquery", "iam").dependsOn,
                    warehouse,
                ],
            },
        );
        // The ladder's snapshot tier (docs/runbook.md, "Recovery ladder"): runs as the jobs
        // account, whose token the transfer agent may mint once the backups' grant exists.
        const snapshotSettings = config.warehouse.snapshots;
        const snapshots = snapshotSettings
            ? new TableSnapshots(
                  naming.name("snapshots"),
                  {
                      project,
                      rawDataset: names.datasets.raw,
                      location: bqLocation,
                      tables: RAW_TABLE_NAMES,
                      expirationDays: snapshotSettings.expirationDays,
                      time: snapshotSettings.time,
                      serviceAccountEmail: identities.emails.jobs,
                      serviceAccountMember: sa.jobs,
                      readers: config.oncall.members,
                      labels: naming.labels({ component: "snapshots" }),
                      protect,
                      accounts,
                      // The dataset is data layer (BigQuery only); the schedules need the
                      // transfer API, the raw tables and the agent's grant (scheduledBackups').
                      schedulesAfter: [
                          ...afterApis("bigquerydatatransfer", "iam").dependsOn,
                          warehouse,
                          scheduledBackups,
                      ],
                  },
                  afterApis("bigquery"),
              )
            : undefined;
        // The ladder's top rung for the loss of the data location: a replica elsewhere.
        const replicaLocation = config.warehouse.replicaLocation;
        const replica = replicaLocation
            ? new DatasetReplica(
                  naming.name("raw-replica"),
                  {
                      project,
                      dataset: names.datasets.raw,
                      location: bqLocation,
                      replicaLocation,
                      // Managed DR: the config holds secondaryLocation to replicaLocation.
                      ...(config.warehouse.reservation?.secondaryLocation
                          ? {
                                failoverReservation: names.slotReservation,
                                attachAfter: warehouse.reservationResource
                                    ? [warehouse.reservationResource]
                                    : [],
                            }
                          : {}),
                      labels: naming.labels({ component: "warehouse" }),
                  },
                  { parent: this, dependsOn: [...afterApis("bigquery").dependsOn, warehouse] },
              )
            : undefined;
        const restores = new Restores(
            naming.name("restores"),
            {
                project,
                rawDataset: names.datasets.raw,
                location: bqLocation,
                backupsBucket: backups.bucketName,
                snapshotsDataset: SNAPSHOTS_DATASET,
                restores: config.restores,
                // A restored table gets the declared schema, partitioning and clustering.
                layouts: Object.fromEntries(
                    RAW_TABLE_NAMES.map((t) => [
                        t,
                        { ...RAW_TABLES[t], columns: args.schemas[t]! },
                    ]),
                ),
                labels: naming.labels({ component: "restores" }),
            },
            {
                parent: this,
                dependsOn: [
                    ...afterApis("bigquery").dependsOn,
                    warehouse,
                    backups,
                    ...(snapshots ? [snapshots] : []),
                ],
            },
        );

        const composer = new Orchestration(
            naming.name("composer"),
            {
                project,
                environmentName: names.composerEnvironment,
                // Compute follows logistics:failover; data stays where its sections put it.
                region: config.computeRegion,
                settings: config.composer,
                serviceAccountEmail: identities.emails.composer,
                serviceAccountName: identities.accountNames.composer,
                snapshotLocation: backups.snapshotUrl,
                dagEnvironment: {
                    // The runbook's $BUCKET, and what the DAGs need to address BigQuery.
                    BUCKET: lake.bucketName,
                    BACKUPS_BUCKET: backups.bucketName,
                    LOGISTICS_PROJECT: project,
                    LOGISTICS_ENVIRONMENT: config.environment,
                    BQ_LOCATION: bqLocation,
                    RAW_DATASET: warehouse.datasets.raw,
                    STAGING_DATASET: warehouse.datasets.staging,
                    MARTS_DATASET: warehouse.datasets.marts,
                },
                labels: naming.labels({ component: "composer" }),
                protect,
            },
            afterApis("composer", "iam"),
        );

        const apiService = new ApiService(
            naming.name("api"),
            {
                project,
                region: config.computeRegion,
                registry: {
                    repositoryId: names.imageRepository,
                    path: registryPath(config.computeRegion, project, names.imageRepository),
                },
                serviceName: names.apiService,
                secretId: names.apiKeySecret,
                settings: config.api,
                serviceAccountEmail: identities.emails.api,
                environment: {
                    PROJECT_ID: project,
                    BQ_LOCATION: bqLocation,
                    MARTS_DATASET: warehouse.datasets.marts,
                },
                labels: naming.labels({ component: "api" }),
                protect,
            },
            afterApis("artifactregistry", "secretmanager", "run", "monitoring"),
        );

        // The runbook's freshness query, run on a schedule inside GCP; the freshness alert watches it.
        const maxAgeHours = Object.fromEntries(
            RAW_TABLE_NAMES.map((t) => [t, freshnessHours(config.alerting, t)]),
        );
        new FreshnessChecks(
            naming.name("freshness"),
            {
                project,
                rawDataset: names.datasets.raw,
                location: bqLocation,
                maxAgeHours,
                everyMinutes: config.alerting.freshnessCheckMinutes,
                graceHours: config.alerting.freshnessGraceHours,
                serviceAccountEmail: identities.emails.jobs,
            },
            {
                parent: this,
                dependsOn: [
                    ...afterApis("bigquerydatatransfer").dependsOn,
                    warehouse,
                    scheduledBackups,
                ],
            },
        );
        const alerting = new Alerting(
            naming.name("alerting"),
            {
                project,
                settings: config.alerting,
                targets: {
                    project,
                    composerEnvironment: names.composerEnvironment,
                    serviceName: names.apiService,
                    dataBucket: lake.bucketName,
                    freshnessHours: maxAgeHours,
                    rawDataset: names.datasets.raw,
                    // Computed from the naming rules, as grants are: never a value GCP may leave empty.
                    platformAccounts: WORKLOADS.map((w) =>
                        serviceAccountEmail(names.serviceAccounts[w], project),
                    ),
                    freshnessAccount: serviceAccountEmail(names.serviceAccounts.jobs, project),
                    healthPath: config.api.healthPath,
                    uptimeCheckId: apiService.uptimeCheckId,
                },
                metricNames: {
                    jobErrors: names.jobErrorMetric,
                    freshnessFailures: naming.name("freshness-failures"),
                },
                // The job errors metric was the dashboard's child before the alert counted it.
                jobErrorMetricAliases: [
                    {
                        name: `${naming.name("dashboard")}-bigquery-job-errors`,
                        parent: pulumi.createUrn(
                            naming.name("dashboard"),
                            "logistics:monitoring:PipelineDashboard",
                            this,
                        ),
                    },
                ],
                labels: naming.labels({ component: "alerting" }),
            },
            // Its log-based metrics are Cloud Logging resources.
            afterApis("logging", "monitoring"),
        );

        new PipelineDashboard(
            naming.name("dashboard"),
            {
                project,
                title: `Logistics platform (${config.environment}): weekly pipeline review`,
                targets: {
                    composerEnvironment: names.composerEnvironment,
                    serviceName: names.apiService,
                },
                jobErrorMetric: alerting.jobErrorMetric,
            },
            afterApis("logging", "monitoring"),
        );

        // CI: GitHub Actions act as the deployer through workload identity federation.
        const federation = config.ci
            ? new GithubFederation(
                  naming.name("ci"),
                  {
                      project,
                      poolId: names.workloadIdentityPool,
                      providerId: names.workloadIdentityProvider,
                      repository: config.ci.repository,
                      subjects: deployerSubjects(config.ci, config.environment),
                      deployer: {
                          accountName: identities.accountNames.deployer,
                          email: identities.emails.deployer,
                      },
                      accounts,
                      stateBucket: config.ci.stateBucket,
                      secretsKey: config.ci.secretsKey,
                      protect,
                  },
                  afterApis("iam", "storage"),
              )
            : undefined;

        this.outputs = {
            project,
            region: config.computeRegion,
            environment: config.environment,
            dataBucket: lake.bucketName,
            rawPrefix: lake.rawPrefix,
            stagingPrefix: lake.stagingPrefix,
            backupsBucket: backups.bucketName,
            composerSnapshotUrl: backups.snapshotUrl,
            datasets: warehouse.datasets,
            rawTables: warehouse.rawTables,
            ...(warehouse.reservation ? { slotReservation: warehouse.reservation } : {}),
            airflowUri: composer.airflowUri,
            dagGcsPrefix: composer.dagGcsPrefix,
            composerBucket: composer.environmentBucket,
            apiUrl: apiService.url,
            imageRepository: apiService.imageRepository,
            apiKeySecret: apiService.apiKeySecretId,
            serviceAccounts: identities.emails,
            backupSchedules: scheduledBackups.transferConfigs,
            ...(snapshots
                ? {
                      snapshotsDataset: snapshots.dataset,
                      snapshotSchedules: snapshots.transferConfigs,
                  }
                : {}),
            ...(replica ? { rawReplicaJob: replica.jobId } : {}),
            ...(replica?.attachJobId ? { rawFailoverAttachJob: replica.attachJobId } : {}),
            restoreJobs: restores.jobs,
            alertPolicies: alerting.policies,
            ...(federation
                ? {
                      ciWorkloadIdentityProvider: federation.workloadIdentityProvider,
                      ciServiceAccount: federation.serviceAccount,
                  }
                : {}),
        };
        this.registerOutputs({ ...this.outputs, ...costInputs });
    }
}

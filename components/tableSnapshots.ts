// Daily table snapshots: a snapshots dataset whose tables expire, and one scheduled query per raw
// table taking `CREATE SNAPSHOT TABLE <table>_<YYYYMMDD> CLONE raw.<table>` at a fixed time.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import {
    childOptions,
    deletionPolicy,
    dependencies,
    grantKey,
    iamGrants,
    grantOptions,
    statefulOptions,
    usableAfter,
} from "./common";
import { dailySchedule } from "./scheduledBackups";
import { snapshotSql } from "./sql";

/** The snapshots dataset's id (one project per environment, as the raw dataset's). */
export const SNAPSHOTS_DATASET = "snapshots";

/**
 * The jobs account's role on the snapshots dataset: a snapshot needs bigquery.tables.create and
 * bigquery.tables.updateData on the dataset that receives it
 * (https://cloud.google.com/bigquery/docs/table-snapshots-create#permissions); dataEditor is the
 * narrowest predefined role with both. On the source it needs bigquery.tables.createSnapshot,
 * which the jobs account's dataViewer on raw holds.
 */
export const SNAPSHOT_WRITER_ROLE = "roles/bigquery.dataEditor";

/** The readers' role on the snapshots dataset: tables.get and tables.getData, nothing that writes. */
export const SNAPSHOT_READER_ROLE = "roles/bigquery.dataViewer";

export interface TableSnapshotsArgs {
    project: string;
    /** The raw dataset's id: its tables are snapshotted. */
    rawDataset: string;
    /** BigQuery location of the raw dataset: a snapshot lives in its source's location. */
    location: string;
    /** The raw tables to snapshot. */
    tables: readonly string[];
    /** Days a snapshot is kept (the dataset's default table expiration). */
    expirationDays: number;
    /** UTC time of the daily snapshot, `HH:MM`. */
    time: string;
    /** Email of the account the scheduled queries run as (the transfer agent may act as it). */
    serviceAccountEmail: pulumi.Input<string>;
    /** That account as an IAM member (`serviceAccount:<email>`), granted writes on the dataset. */
    serviceAccountMember: string;
    /** IAM members who read the snapshots (`npm run ops`: restore-plan, verify-restore). Default none. */
    readers?: readonly string[];
    labels: Record<string, string>;
    /** Protect the dataset (protect, retainOnDelete, deletion protection). */
    protect: boolean;
    /** The service accounts, for the grant to wait for. */
    accounts?: readonly pulumi.Resource[];
    /**
     * What the scheduled queries wait for beyond the component's dependencies (the transfer API,
     * the transfer agent's grant on the account); the dataset does not wait for them.
     */
    schedulesAfter?: readonly pulumi.Input<pulumi.Resource>[];
}

export class TableSnapshots extends pulumi.ComponentResource {
    /** The snapshots dataset's id, once the jobs account may write into it. */
    public readonly dataset: pulumi.Output<string>;
    /** Scheduled query (transfer config) names by table. */
    public readonly transferConfigs: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: TableSnapshotsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("logistics:backup:TableSnapshots", name, {}, opts);
        const child = childOptions(this, opts);
        const dataset = new gcp.bigquery.Dataset(
            `${name}-dataset`,
            {
                project: args.project,
                datasetId: SNAPSHOTS_DATASET,
                location: args.location,
                description: `Daily snapshots of the ${args.rawDataset} tables, kept ${args.expirationDays} days.`,
                defaultTableExpirationMs: args.expirationDays * 86_400_000,
                // Never true: dropping the dataset must never drop the snapshots.
                deleteContentsOnDestroy: false,
                labels: { ...args.labels, dataset: SNAPSHOTS_DATASET },
                deletionPolicy: deletionPolicy(args.protect),
            },
            statefulOptions(this, args.protect, opts),
        );
        const grant = new gcp.bigquery.DatasetIamMember(
            `${name}-${grantKey(SNAPSHOT_WRITER_ROLE, args.serviceAccountMember)}`,
            {
                project: args.project,
                datasetId: dataset.datasetId,
                role: SNAPSHOT_WRITER_ROLE,
                member: args.serviceAccountMember,
            },
            grantOptions(this, opts, args.accounts),
        );
        // A member listed twice is granted once.
        const readerGrants = iamGrants({ [SNAPSHOT_READER_ROLE]: [...(args.readers ?? [])] }).map(
            ({ key, member }) =>
                new gcp.bigquery.DatasetIamMember(
                    `${name}-${key}`,
                    {
                        project: args.project,
                        datasetId: dataset.datasetId,
                        role: SNAPSHOT_READER_ROLE,
                        member,
                    },
                    grantOptions(this, opts, args.accounts),
                ),
        );
        this.transferConfigs = {};
        for (const table of args.tables) {
            const config = new gcp.bigquery.DataTransferConfig(
                `${name}-${table}`,
                {
                    project: args.project,
                    displayName: `snapshot raw.${table}`,
                    location: args.location,
                    dataSourceId: "scheduled_query",
                    schedule: dailySchedule(args.time),
                    serviceAccountName: args.serviceAccountEmail,
                    params: {
                        query: snapshotSql(
                            { project: args.project, dataset: args.rawDataset },
                            { project: args.project, dataset: SNAPSHOTS_DATASET },
                            table,
                        ),
                    },
                },
                {
                    ...child,
                    dependsOn: [...dependencies(opts), ...(args.schedulesAfter ?? []), grant],
                },
            );
            this.transferConfigs[table] = config.name;
        }
        this.dataset = usableAfter(dataset.datasetId, [grant, ...readerGrants]);
        this.registerOutputs({ dataset: this.dataset, transferConfigs: this.transferConfigs });
    }
}

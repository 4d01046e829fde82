// Daily backups: one scheduled query per raw table exports it as Parquet into the backups bucket,
// inside the runbook's daily maintenance window, as `<table>_<YYYYMMDD>_*.parquet`.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { childOptions, dependencies, grantOptions } from "./common";
import { serviceAgentMember } from "./identities";
import { backupExportSql } from "./sql";

/**
 * The backups bucket's role for the account the exports run as. BigQuery's export writes with
 * storage.objects.create and storage.objects.delete on the destination
 * (https://cloud.google.com/bigquery/docs/exporting-data#required_permissions): objectCreator
 * lacks delete. storage.objectUser is the narrowest predefined role with both that is not a
 * legacy (ACL-mirroring) role; it adds object reads and updates, no IAM and no retention
 * changes. A locked retention policy (prod) still keeps every backup for its period.
 */
export const BACKUP_WRITER_ROLE = "roles/storage.objectUser";

export interface ScheduledBackupsArgs {
    project: string;
    /** The raw dataset's id: its tables are exported. */
    rawDataset: string;
    /** BigQuery location of the raw dataset; scheduled queries run there. */
    location: string;
    /** The raw tables to back up. */
    tables: readonly string[];
    /** The backups bucket's name. */
    bucket: pulumi.Input<string>;
    /** UTC time of the daily run, `HH:MM`. */
    time: string;
    /** Email of the account the queries run as (reads raw, writes new objects to the bucket). */
    serviceAccountEmail: pulumi.Input<string>;
    /** Full resource name of that account, for the transfer service agent's grant on it. */
    serviceAccountName: pulumi.Input<string>;
    /** The service accounts, for the grant to wait for. */
    accounts?: readonly pulumi.Resource[];
}

/** App Engine cron syntax, UTC, as the BigQuery Data Transfer Service takes it. */
export function dailySchedule(time: string): string {
    return `every day ${time}`;
}

export class ScheduledBackups extends pulumi.ComponentResource {
    /** Scheduled query (transfer config) names by table. */
    public readonly transferConfigs: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: ScheduledBackupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("logistics:backup:ScheduledBackups", name, {}, opts);
        const child = childOptions(this, opts);
        // The transfer service runs the queries as the jobs account: its service agent must be
        // allowed to mint tokens for that account (granted on the account, not the project)
        // (https://cloud.google.com/bigquery/docs/scheduling-queries#using_a_service_account).
        // The ServiceIdentity makes GCP create the agent; its address comes from the project's
        // number, since the provider may leave the resource's `member` empty.
        const agent = new gcp.projects.ServiceIdentity(
            `${name}-agent`,
            { project: args.project, service: "bigquerydatatransfer.googleapis.com" },
            child,
        );
        const agentGrant = new gcp.serviceaccount.IAMMember(
            `${name}-agent-token-creator`,
            {
                serviceAccountId: args.serviceAccountName,
                role: "roles/iam.serviceAccountTokenCreator",
                member: serviceAgentMember(args.project, "transfer", this),
            },
            grantOptions(this, opts, [...(args.accounts ?? []), agent]),
        );
        this.transferConfigs = {};
        for (const table of args.tables) {
            const config = new gcp.bigquery.DataTransferConfig(
                `${name}-${table}`,
                {
                    project: args.project,
                    displayName: `backup raw.${table}`,
                    location: args.location,
                    dataSourceId: "scheduled_query",
                    schedule: dailySchedule(args.time),
                    serviceAccountName: args.serviceAccountEmail,
                    params: {
                        query: pulumi
                            .output(args.bucket)
                            .apply((b) =>
                                backupExportSql(
                                    { project: args.project, dataset: args.rawDataset },
                                    table,
                                    b,
                                ),
                            ),
                    },
                },
                { ...child, dependsOn: [...dependencies(opts), agentGrant] },
            );
            this.transferConfigs[table] = config.name;
        }
        this.registerOutputs({ transferConfigs: this.transferConfigs });
    }
}

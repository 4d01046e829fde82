// Freshness checks: for each raw table, a scheduled query (the runbook's MAX(_loaded_at) check)
// that fails when the table is stale; the data freshness alert watches those failures.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "./common";
import { freshnessCheckSql } from "./sql";

export interface FreshnessChecksArgs {
    project: string;
    /** The raw dataset's id, whose tables are checked. */
    rawDataset: string;
    /** BigQuery location of the raw dataset. */
    location: string;
    /** Threshold in hours by raw table. */
    maxAgeHours: Readonly<Record<string, number>>;
    /** Minutes between runs. */
    everyMinutes: number;
    /** Email of the account the checks run as (reads raw). */
    serviceAccountEmail: pulumi.Input<string>;
}

export class FreshnessChecks extends pulumi.ComponentResource {
    /** Transfer config ids (the last part of their names) by table, for the alert's log filter. */
    public readonly configIds: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: FreshnessChecksArgs, opts?: pulumi.ComponentResourceOptions) {
        super("logistics:monitoring:FreshnessChecks", name, {}, opts);
        this.configIds = {};
        for (const [table, hours] of Object.entries(args.maxAgeHours)) {
            const check = new gcp.bigquery.DataTransferConfig(
                `${name}-${table}`,
                {
                    project: args.project,
                    displayName: `freshness raw.${table} (${hours} h)`,
                    location: args.location,
                    dataSourceId: "scheduled_query",
                    schedule: `every ${args.everyMinutes} minutes`,
                    serviceAccountName: args.serviceAccountEmail,
                    params: {
                        query: freshnessCheckSql(
                            { project: args.project, dataset: args.rawDataset },
                            table,
                            hours,
                        ),
                    },
                },
                childOptions(this, opts),
            );
            this.configIds[table] = check.name.apply((n) => n.split("/").pop()!);
        }
        this.registerOutputs({ configIds: this.configIds });
    }
}

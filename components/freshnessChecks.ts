// Freshness checks: for each raw table, a scheduled query (the runbook's MAX(_loaded_at) check)
// that fails when the table is stale (after a grace period for a new, never-loaded table); the
// data freshness alert counts those failures.
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
    /** Hours after a table's creation during which a never-loaded (empty) table is not stale. */
    graceHours: number;
    /** Email of the account the checks run as (reads raw). */
    serviceAccountEmail: pulumi.Input<string>;
}

export class FreshnessChecks extends pulumi.ComponentResource {
    constructor(name: string, args: FreshnessChecksArgs, opts?: pulumi.ComponentResourceOptions) {
        super("logistics:monitoring:FreshnessChecks", name, {}, opts);
        for (const [table, hours] of Object.entries(args.maxAgeHours)) {
            new gcp.bigquery.DataTransferConfig(
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
                            args.graceHours,
                        ),
                    },
                },
                childOptions(this, opts),
            );
        }
        this.registerOutputs({});
    }
}

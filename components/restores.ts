// Restores as config: each entry of logistics:restores becomes one BigQuery job, a script that
// loads a daily Parquet backup, clones a daily table snapshot or reads the table back in time; a table it creates gets the raw
// table's declared schema (types and REQUIRED modes), partitioning and clustering. Job ids derive from the entry, so re-running
// `pulumi up` neither re-runs nor fails a restore; removing the entry removes nothing in BigQuery.
//
// A job is the record of one run: BigQuery never takes the same job id twice, and nothing about a
// job can change. So the resource's name carries the job id's hash (a changed entry is a new
// resource, created from the program) and every other input is ignored once the job exists: a
// later change to the SQL or load settings this program generates leaves run restores alone,
// instead of replacing them with a job whose id BigQuery refuses (409 Already Exists).
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { restoreJobId, type RestoreConfig } from "./restores.schema";
import { childOptions } from "./common";
import {
    backupRestoreSql,
    snapshotRestoreSql,
    timeTravelRestoreSql,
    type TableLayout,
} from "./sql";

/** Inputs of a restore job that never change it once it exists (see the header). */
export const JOB_RECORD_INPUTS = ["query", "load", "labels", "location"] as const;

export interface RestoresArgs {
    project: string;
    /** The raw dataset's id: restores read from and write into it. */
    rawDataset: string;
    /** BigQuery location of the raw dataset. */
    location: string;
    /** The backups bucket's name. */
    backupsBucket: pulumi.Input<string>;
    /** The table snapshots' dataset id (`snapshot:` entries restore from it). */
    snapshotsDataset: string;
    restores: Readonly<Record<string, RestoreConfig>>;
    /** Schema, partitioning and clustering of each raw table, which restored tables keep. */
    layouts: Readonly<Record<string, TableLayout>>;
    labels: Record<string, string>;
}

export class Restores extends pulumi.ComponentResource {
    /** Job ids by restore id; `bq show -j <id>` tells how each went. */
    public readonly jobs: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: RestoresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("logistics:backup:Restores", name, {}, opts);
        this.jobs = {};
        for (const [id, r] of Object.entries(args.restores)) {
            const layout = args.layouts[r.table]!;
            const raw = { project: args.project, dataset: args.rawDataset };
            const jobId = restoreJobId(id, r);
            const job = new gcp.bigquery.Job(
                `${name}-${id}-${jobId.slice(-12)}`,
                {
                    project: args.project,
                    location: args.location,
                    jobId,
                    labels: { ...args.labels, purpose: "restore" },
                    // Scripts: no destination table, the statements create or fill it.
                    query: {
                        query:
                            r.snapshot !== undefined
                                ? // A snapshot restores by clone into a new table, or in place.
                                  snapshotRestoreSql(
                                      raw,
                                      { project: args.project, dataset: args.snapshotsDataset },
                                      r.table,
                                      r.snapshot.replace(/-/g, ""),
                                      r.replace ? "replace" : { newTable: r.targetTable! },
                                  )
                                : r.backupDate !== undefined
                                  ? // Backups load into a new table only (config rule): compare, then swap.
                                    pulumi
                                        .output(args.backupsBucket)
                                        .apply((b) =>
                                            backupRestoreSql(
                                                raw,
                                                b,
                                                r.table,
                                                r.backupDate!.replace(/-/g, ""),
                                                layout,
                                                r.targetTable!,
                                            ),
                                        )
                                  : timeTravelRestoreSql(
                                        raw,
                                        r.table,
                                        r.timestamp!,
                                        layout,
                                        r.replace ? "replace" : { newTable: r.targetTable! },
                                    ),
                        useLegacySql: false,
                        // DDL/DML scripts take no dispositions; empty unsets the provider's defaults.
                        createDisposition: "",
                        writeDisposition: "",
                    },
                },
                // A job cannot be deleted, only forgotten: removing the entry leaves it in BigQuery.
                {
                    ...childOptions(this, opts),
                    retainOnDelete: true,
                    ignoreChanges: [...JOB_RECORD_INPUTS],
                },
            );
            this.jobs[id] = job.jobId;
        }
        this.registerOutputs({ jobs: this.jobs });
    }
}

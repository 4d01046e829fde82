// A cross-region replica of the raw dataset: one `ALTER SCHEMA … ADD REPLICA` job, a record that
// runs once (as a restore's job: the id derives from the replica, every input is ignored after).
import { createHash } from "crypto";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "./common";
import { JOB_RECORD_INPUTS } from "./restores";
import { addReplicaSql } from "./sql";

export interface DatasetReplicaArgs {
    project: string;
    /** The dataset to replicate (the raw one). */
    dataset: string;
    /** The dataset's (primary) location: the job runs there. */
    location: string;
    /** The replica's location, another region or multi-region. */
    replicaLocation: string;
    labels: Record<string, string>;
}

/** The job id of adding a replica: the same dataset and location give the same id. */
export function replicaJobId(dataset: string, location: string): string {
    const hash = createHash("sha256").update(`${dataset}@${location}`).digest("hex").slice(0, 12);
    return `replica_${dataset}_${location.replace(/-/g, "_").toLowerCase()}_${hash}`;
}

export class DatasetReplica extends pulumi.ComponentResource {
    /** The job that added the replica; `bq show -j <id>` tells how it went. */
    public readonly jobId: pulumi.Output<string>;

    constructor(name: string, args: DatasetReplicaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("logistics:bigquery:DatasetReplica", name, {}, opts);
        const jobId = replicaJobId(args.dataset, args.replicaLocation);
        const job = new gcp.bigquery.Job(
            `${name}-${jobId.slice(-12)}`,
            {
                project: args.project,
                location: args.location,
                jobId,
                labels: { ...args.labels, purpose: "replica" },
                query: {
                    query: addReplicaSql(
                        { project: args.project, dataset: args.dataset },
                        args.replicaLocation,
                    ),
                    useLegacySql: false,
                    createDisposition: "",
                    writeDisposition: "",
                },
            },
            // Removing the config leaves the replica (drop it with ALTER SCHEMA … DROP REPLICA).
            {
                ...childOptions(this, opts),
                retainOnDelete: true,
                ignoreChanges: [...JOB_RECORD_INPUTS],
            },
        );
        this.jobId = job.jobId;
        this.registerOutputs({ jobId: this.jobId });
    }
}

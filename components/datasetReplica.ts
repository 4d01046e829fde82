// A cross-region replica of the raw dataset: one `ALTER SCHEMA … ADD REPLICA` job, a record that
// runs once (as a restore's job: the id derives from the replica, every input is ignored after).
// With managed disaster recovery, a second such job attaches the dataset to the failover
// reservation (`ALTER SCHEMA … SET OPTIONS (failover_reservation = …)`).
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
    /**
     * Managed disaster recovery: the Enterprise Plus reservation (its name, in `project`) whose
     * secondary location is `replicaLocation`; the dataset is attached to it as its failover
     * reservation. Absent: a plain replica.
     */
    failoverReservation?: string;
    /** What the attach job waits for (the reservation). */
    attachAfter?: pulumi.Input<pulumi.Resource>[];
    labels: Record<string, string>;
}

/**
 * The locations a failover reservation may use, by the group a pair must stay within; from
 * "Locations" in https://cloud.google.com/bigquery/docs/managed-disaster-recovery (lower case).
 */
export const MANAGED_DR_LOCATIONS: Readonly<Record<string, readonly string[]>> = {
    ASIA: ["asia-east1", "asia-southeast1"],
    AU: ["australia-southeast1", "australia-southeast2"],
    CA: ["northamerica-northeast1", "northamerica-northeast2"],
    DE: ["europe-west3", "europe-west10"],
    EU: [
        "eu",
        "europe-central2",
        "europe-north1",
        "europe-southwest1",
        "europe-west1",
        "europe-west3",
        "europe-west4",
        "europe-west8",
        "europe-west9",
    ],
    IN: ["asia-south1", "asia-south2"],
    US: [
        "us",
        "us-central1",
        "us-east1",
        "us-east4",
        "us-east5",
        "us-south1",
        "us-west1",
        "us-west2",
        "us-west3",
        "us-west4",
    ],
};

/**
 * Pairs BigQuery refuses with a multi-region dataset, the multi-region keeping its data in that
 * region (Google's page writes eu-west1 and eu-west4 for europe-west1 and europe-west4; "Locations" in https://cloud.google.com/bigquery/docs/managed-disaster-recovery, and the
 * limitations of https://cloud.google.com/bigquery/docs/data-replication).
 */
const MULTI_REGION_EXCLUDED: Readonly<Record<string, readonly string[]>> = {
    us: ["us-central1", "us-west1"],
    eu: ["europe-west1", "europe-west4"],
};

/**
 * Why BigQuery would refuse `primary` → `secondary` as a managed disaster recovery pair, or
 * undefined when the documented rules allow it.
 */
export function managedDrPairProblem(primary: string, secondary: string): string | undefined {
    const [p, s] = [primary.toLowerCase(), secondary.toLowerCase()];
    // A location may be in two groups (europe-west3: DE and EU): a pair is allowed when one group
    // holds both.
    const groupsOf = (l: string) =>
        Object.entries(MANAGED_DR_LOCATIONS)
            .filter(([, ls]) => ls.includes(l))
            .map(([g]) => g);
    const [gps, gss] = [groupsOf(p), groupsOf(s)];
    const source = "(https://cloud.google.com/bigquery/docs/managed-disaster-recovery#locations)";
    if (gps.length === 0 || gss.length === 0)
        return `${gps.length ? `"${secondary}"` : `"${primary}"`} is not a location BigQuery offers for a failover reservation. Expected one of ${[...new Set(Object.values(MANAGED_DR_LOCATIONS).flat())].join(", ")} ${source}`;
    const gp = gps.find((g) => gss.includes(g));
    if (!gp)
        return `"${primary}" (${gps.join(", ")}) and "${secondary}" (${gss.join(", ")}) lie in different groups. Expected a pair within one of ${Object.keys(MANAGED_DR_LOCATIONS).join(", ")} ${source}`;
    const excluded = [
        ...(MULTI_REGION_EXCLUDED[p]?.includes(s) ? [[p, s]] : []),
        ...(MULTI_REGION_EXCLUDED[s]?.includes(p) ? [[s, p]] : []),
    ][0];
    if (excluded)
        return `BigQuery refuses the pair ${excluded[1]} - ${excluded[0].toUpperCase()} multi-region, whose data may be in ${excluded[1]}. Expected another region of ${gp}, e.g. ${MANAGED_DR_LOCATIONS[
            gp
        ]!.filter((l) => l !== p && l !== s && !MULTI_REGION_EXCLUDED[excluded[0]]!.includes(l))
            .slice(0, 2)
            .join(" or ")} ${source}`;
    return undefined;
}

/** The job id of adding a replica: the same dataset and location give the same id. */
export function replicaJobId(dataset: string, location: string): string {
    const hash = createHash("sha256").update(`${dataset}@${location}`).digest("hex").slice(0, 12);
    return `replica_${dataset}_${location.replace(/-/g, "_").toLowerCase()}_${hash}`;
}

/** The job id of attaching the dataset to its failover reservation: one per (dataset, reservation, location). */
export function failoverAttachJobId(
    dataset: string,
    reservation: string,
    location: string,
): string {
    const hash = createHash("sha256")
        .update(`${dataset}>${reservation}@${location}`)
        .digest("hex")
        .slice(0, 12);
    return `failover_${dataset}_${hash}`;
}

/**
 * Attaches a dataset to a failover reservation (managed disaster recovery). BigQuery attaches
 * only a backfilled replica with the reservation's primary and secondary locations:
 * https://cloud.google.com/bigquery/docs/managed-disaster-recovery#attach_a_dataset_to_a_reservation
 */
export function attachFailoverReservationSql(
    project: string,
    dataset: string,
    reservation: string,
): string {
    return `ALTER SCHEMA \`${project}.${dataset}\` SET OPTIONS (failover_reservation = '${project}.${reservation}')`;
}

export class DatasetReplica extends pulumi.ComponentResource {
    /** The job that added the replica; `bq show -j <id>` tells how it went. */
    public readonly jobId: pulumi.Output<string>;
    /** The job that attached the dataset to its failover reservation, with managed DR. */
    public readonly attachJobId?: pulumi.Output<string>;

    constructor(name: string, args: DatasetReplicaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("logistics:bigquery:DatasetReplica", name, {}, opts);
        const jobId = replicaJobId(args.dataset, args.replicaLocation);
        // Removing the config leaves the replica (drop it with ALTER SCHEMA … DROP REPLICA).
        const record = {
            ...childOptions(this, opts),
            retainOnDelete: true,
            ignoreChanges: [...JOB_RECORD_INPUTS],
        };
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
            record,
        );
        this.jobId = job.jobId;
        if (args.failoverReservation) {
            const attachId = failoverAttachJobId(
                args.dataset,
                args.failoverReservation,
                args.replicaLocation,
            );
            // Removing managed DR leaves the attachment: detach with failover_reservation = NULL.
            const attach = new gcp.bigquery.Job(
                `${name}-${attachId.slice(-12)}`,
                {
                    project: args.project,
                    location: args.location,
                    jobId: attachId,
                    labels: { ...args.labels, purpose: "failover" },
                    query: {
                        query: attachFailoverReservationSql(
                            args.project,
                            args.dataset,
                            args.failoverReservation,
                        ),
                        useLegacySql: false,
                        createDisposition: "",
                        writeDisposition: "",
                    },
                },
                { ...record, dependsOn: [job, ...(args.attachAfter ?? [])] },
            );
            this.attachJobId = attach.jobId;
        }
        this.registerOutputs({ jobId: this.jobId, attachJobId: this.attachJobId });
    }
}

// BigQuery policies: time travel for restores, tables and datasets that keep their data.
import type { PolicyResource } from "@pulumi/policy";
import {
    BQ_JOB,
    componentType,
    DATASET,
    get,
    resourcePolicy,
    RESTORES,
    SCHEDULED_BACKUPS,
    stackPolicy,
    stateful,
    TRANSFER,
} from "./lib";
import { scheduleMinutes } from "./monitoring";
import { analyseSql } from "./sql";

export const bigqueryTimeTravelFloor = resourcePolicy<{ minHours: number }>({
    name: "bigquery-time-travel-floor",
    unknown: "fail",
    description:
        "Checks whether datasets keep at least the configured time-travel window (the runbook's FOR SYSTEM_TIME AS OF restores).",
    remediationSteps: "Raise logistics:warehouse.timeTravelHours (48 to 168, steps of 24).",
    types: [DATASET],
    configSchema: {
        properties: { minHours: { type: "integer", default: 168, minimum: 48, maximum: 168 } },
    },
    check: (p, _a, report, { minHours }) => {
        const hours = p.maxTimeTravelHours === undefined ? 168 : Number(p.maxTimeTravelHours);
        if (hours < minHours)
            report(`Dataset must keep at least ${minHours} h of time travel, got ${hours} h.`);
    },
});

export const bigqueryRawTablesDeletionProtected = stackPolicy({
    name: "bigquery-raw-tables-deletion-protected",
    description: "Checks whether tables in the raw dataset have deletion protection.",
    remediationSteps: "Set logistics:protectStatefulResources: true for the stack.",
    check: (resources, report, _cfg, each) => {
        for (const t of stateful(resources).rawTables)
            each(t, "deletionProtection", () => {
                // The provider defaults deletionProtection to true; only an explicit false is a violation.
                if (t.props["deletionProtection"] === false)
                    report("Raw table must have deletionProtection: true.", t.urn);
            });
    },
});

/**
 * Table expiry, partition expiry and a dataset's default expirations delete rows or whole tables
 * when they run out (https://cloud.google.com/bigquery/docs/managing-tables#updating_a_tables_expiration_time,
 * https://cloud.google.com/bigquery/docs/managing-partitioned-tables#partition-expiration).
 */
export const bigqueryRawDataNoExpiry = stackPolicy({
    name: "bigquery-raw-data-no-expiry",
    description:
        "Checks whether raw tables and datasets expire data: table expirationTime, partition expiration, " +
        "dataset default table or partition expiration.",
    remediationSteps:
        "Remove the expiration from the raw table or dataset; raw data is kept, and dropped only by a reviewed change.",
    check: (resources, report, _cfg, each) => {
        const s = stateful(resources);
        const expiries = (t: PolicyResource) =>
            [
                t.props["expirationTime"] !== undefined && "expirationTime",
                get(t.props, "timePartitioning.expirationMs") !== undefined &&
                    "timePartitioning.expirationMs",
            ].filter((x): x is string => typeof x === "string");
        for (const t of s.rawTables)
            each(t, "the expiration", () => {
                for (const e of expiries(t))
                    report(`Raw table must not expire its data (${e} is set).`, t.urn);
            });
        for (const t of s.unknownDatasetTables)
            each(t, "the expiration", () => {
                for (const e of expiries(t))
                    report(
                        `Table sets ${e} and its dataset is known only after deploy: it may be a raw table, whose data must not expire.`,
                        t.urn,
                    );
            });
        for (const d of s.rawDatasets)
            each(d, "the default expirations", () => {
                for (const k of ["defaultTableExpirationMs", "defaultPartitionExpirationMs"])
                    if (d.props[k] !== undefined)
                        report(`Raw dataset must not expire its tables (${k} is set).`, d.urn);
            });
    },
});

const ROUTINE = "gcp:bigquery/routine:Routine";

/** Whether a value is the literal `true` (scheduled query params arrive as strings). */
function isTrue(v: unknown): boolean {
    return v === true || String(v).toLowerCase() === "true";
}

/**
 * Write dispositions that keep a destination's rows: append, or write only into an empty table
 * (https://cloud.google.com/bigquery/docs/reference/rest/v2/Job#JobConfigurationQuery: WRITE_APPEND,
 * WRITE_EMPTY; https://cloud.google.com/bigquery/docs/cloud-storage-transfer: APPEND, where MIRROR
 * overwrites the table). Anything else (WRITE_TRUNCATE, WRITE_TRUNCATE_DATA, MIRROR, a value known
 * only after deploy) may replace it.
 */
const KEEPING_DISPOSITIONS = ["WRITE_APPEND", "WRITE_EMPTY", "APPEND"];

function overwrites(disposition: unknown): boolean {
    if (disposition === undefined || disposition === null || disposition === "") return false;
    return !KEEPING_DISPOSITIONS.includes(String(disposition).toUpperCase());
}

/**
 * The DatasetReplica component's statements: ADD REPLICA
 * (https://cloud.google.com/bigquery/docs/data-replication) and attaching the failover
 * reservation (https://cloud.google.com/bigquery/docs/managed-disaster-recovery), which the SQL
 * parser cannot read (no ADD REPLICA) or reads as a change to the schema.
 */
const REPLICA = "logistics:bigquery:DatasetReplica";
const REPLICA_SQL =
    /^ALTER SCHEMA `[a-z0-9.:-]+\.[A-Za-z0-9_]+` (ADD REPLICA `[A-Za-z0-9-]+` OPTIONS \(location = '[A-Za-z0-9-]+'\)|SET OPTIONS \(failover_reservation = '[a-z0-9.:-]+\.[a-z0-9-]+'\))$/;

export const bigqueryScheduledSqlKeepsRawData = stackPolicy({
    name: "bigquery-scheduled-sql-keeps-raw-data",
    description:
        "Checks whether SQL the stack schedules or runs (transfer configs, jobs other than restores) deletes, " +
        "updates, replaces or drops raw data, judged by parsing it as BigQuery SQL.",
    remediationSteps:
        "Change raw data only through a restore (logistics:restores); write scheduled results to staging or marts.",
    check: (resources, report, _cfg, each) => {
        const raw = stateful(resources).rawDatasetIds;
        const inRaw = (dataset: unknown) => typeof dataset !== "string" || raw.has(dataset);
        for (const c of resources.filter((r) => r.type === TRANSFER))
            each(c, "the scheduled SQL", () => {
                const source = c.props["dataSourceId"];
                if (source === "scheduled_query") {
                    const query = get(c.props, "params.query");
                    if (typeof query !== "string")
                        return report("Scheduled query must have its SQL in params.query.", c.urn);
                    for (const p of analyseSql(query, raw).problems)
                        report(`Scheduled query must not change raw data: ${p}.`, c.urn);
                }
                // A destination written with anything but an append (WRITE_TRUNCATE, a Cloud
                // Storage transfer's MIRROR, an unknown value) or an overwrite replaces the table.
                const truncates =
                    overwrites(get(c.props, "params.write_disposition")) ||
                    isTrue(get(c.props, "params.overwrite_destination_table"));
                if (
                    c.props["destinationDatasetId"] !== undefined &&
                    truncates &&
                    inRaw(c.props["destinationDatasetId"])
                )
                    report(
                        `Transfer config must not overwrite tables in the raw dataset ${String(c.props["destinationDatasetId"])}.`,
                        c.urn,
                    );
            });
        // A stored procedure runs whatever its body says whenever something calls it.
        for (const r of resources.filter((x) => x.type === ROUTINE))
            each(r, "the procedure", () => {
                if (r.props["routineType"] !== "PROCEDURE") return;
                const body = r.props["definitionBody"];
                if (typeof body !== "string")
                    return report("Procedure must have its SQL in definitionBody.", r.urn);
                for (const p of analyseSql(body, raw).problems)
                    report(`Procedure must not change raw data: ${p}.`, r.urn);
            });
        // Restore jobs (the Restores component) are the one sanctioned way to rewrite raw data.
        for (const j of resources.filter(
            (r) => r.type === BQ_JOB && componentType(r.urn) !== RESTORES,
        ))
            each(j, "the job", () => {
                const query = get(j.props, "query.query");
                // The replica's two statements (components/datasetReplica.ts) place the dataset
                // and name its failover reservation; they change no row. Only these exact forms.
                if (
                    componentType(j.urn) === REPLICA &&
                    typeof query === "string" &&
                    REPLICA_SQL.test(query)
                )
                    return;
                if (typeof query === "string")
                    for (const p of analyseSql(query, raw).problems)
                        report(`BigQuery job must not change raw data: ${p}.`, j.urn);
                for (const kind of ["query", "load", "copy"]) {
                    const dest = get(j.props, `${kind}.destinationTable`);
                    if (dest === undefined) continue;
                    const disposition = get(j.props, `${kind}.writeDisposition`);
                    if (overwrites(disposition) && inRaw(get(dest, "datasetId")))
                        report(
                            `BigQuery job must not overwrite a raw table (${kind} into ${String(get(dest, "datasetId"))}.${String(get(dest, "tableId"))} with ${String(disposition)}).`,
                            j.urn,
                        );
                }
            });
    },
});

export const bigqueryBackupsExportToBackupsBucket = stackPolicy({
    name: "bigquery-backups-export-to-backups-bucket",
    description:
        "Checks whether the scheduled backups run (not disabled, not unscheduled) and every scheduled " +
        "EXPORT DATA of raw data writes into the backups bucket.",
    remediationSteps:
        "Keep the scheduled backups enabled and exporting to the backups bucket (logistics:backups).",
    check: (resources, report, _cfg, each) => {
        const s = stateful(resources);
        const buckets = [...s.backupsBucketNames];
        for (const c of resources.filter((r) => r.type === TRANSFER))
            each(c, "the backup schedule", () => {
                const isBackup = componentType(c.urn) === SCHEDULED_BACKUPS;
                const query = get(c.props, "params.query");
                const exports =
                    typeof query === "string" ? analyseSql(query, s.rawDatasetIds).exports : [];
                const readsRaw = exports.some((e) =>
                    e.reads.some((parts) => s.rawDatasetIds.has(parts[parts.length - 2] ?? "")),
                );
                if (!isBackup && !readsRaw) return;
                if (c.props["disabled"] === true)
                    report("Backup transfer config must not be disabled.", c.urn);
                if (get(c.props, "scheduleOptions.disableAutoScheduling") === true)
                    report(
                        "Backup transfer config must run on its schedule (disableAutoScheduling is set).",
                        c.urn,
                    );
                if (get(c.props, "scheduleOptions.endTime") !== undefined)
                    report(
                        "Backup transfer config must not end (scheduleOptions.endTime is set).",
                        c.urn,
                    );
                if (get(c.props, "scheduleOptions.startTime") !== undefined)
                    report(
                        "Backup transfer config must not be deferred (scheduleOptions.startTime is set).",
                        c.urn,
                    );
                const every = scheduleMinutes(c.props["schedule"]);
                if (isBackup && (every === undefined || every > 24 * 60))
                    report(
                        `Backup transfer config must run at least daily, got ${JSON.stringify(c.props["schedule"])}.`,
                        c.urn,
                    );
                if (isBackup && exports.length === 0)
                    report("Backup transfer config must export with EXPORT DATA.", c.urn);
                for (const e of exports)
                    if (!buckets.some((b) => e.uri?.startsWith(`gs://${b}/`)))
                        report(
                            `Scheduled export of raw data must write into the backups bucket (${buckets.map((b) => `gs://${b}/`).join(", ") || "none in the stack"}), got ${e.uri ?? "a URI built at run time"}.`,
                            c.urn,
                        );
            });
    },
});

export const bigqueryNoDeleteContentsOnDestroy = resourcePolicy({
    name: "bigquery-no-delete-contents-on-destroy",
    unknown: "fail",
    description:
        "Checks whether datasets would drop their tables when deleted (deleteContentsOnDestroy).",
    remediationSteps: "Remove deleteContentsOnDestroy from the dataset.",
    types: [DATASET],
    check: (p, _a, report) => {
        if (p.deleteContentsOnDestroy === true)
            report(
                "Dataset must not set deleteContentsOnDestroy: deleting it would drop its tables.",
            );
    },
});

export const bigqueryPolicies = [
    bigqueryTimeTravelFloor,
    bigqueryRawTablesDeletionProtected,
    bigqueryNoDeleteContentsOnDestroy,
    bigqueryRawDataNoExpiry,
    bigqueryScheduledSqlKeepsRawData,
    bigqueryBackupsExportToBackupsBucket,
];

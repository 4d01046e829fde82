// The SQL the stack deploys or runs, in one place: the scheduled backups and the restores. The
// ops command reuses these builders, so what it dry-runs is what the stack deploys.

/** A dataset by project and id: the raw layer's, whose tables the SQL reads and restores. */
export interface DatasetRef {
    project: string;
    dataset: string;
}

/** `project.dataset.table`, quoted for BigQuery standard SQL. */
export function tableRef(at: DatasetRef, table: string): string {
    return `\`${at.project}.${at.dataset}.${table}\``;
}

/**
 * A backup's objects: the runbook's `<table>_<YYYYMMDD>` shape, with the `*` EXPORT DATA needs to
 * split large tables into several files (`gs://<bucket>/packages_20240101_000000000000.parquet`, …).
 */
export function backupUri(bucket: string, table: string, yyyymmdd: string): string {
    return `gs://${bucket}/${table}_${yyyymmdd}_*.parquet`;
}

/**
 * The daily backup of one raw table as a scheduled query. EXPORT DATA takes its URI as a literal,
 * so the statement is built per run with the run's date (`@run_date`, set by the scheduler), and
 * `overwrite = false` means a re-run of the same day fails instead of overwriting a backup.
 */
export function backupExportSql(raw: DatasetRef, table: string, bucket: string): string {
    const uri = backupUri(bucket, table, "%s");
    return [
        "EXECUTE IMMEDIATE FORMAT(",
        `  """EXPORT DATA OPTIONS (uri = '${uri}', format = 'PARQUET', overwrite = false)`,
        `  AS SELECT * FROM ${tableRef(raw, table)}""",`,
        "  FORMAT_DATE('%Y%m%d', @run_date)",
        ")",
    ].join("\n");
}

/** The runbook's time-travel read. */
export function timeTravelSql(raw: DatasetRef, table: string, timestamp: string): string {
    return `SELECT * FROM ${tableRef(raw, table)} FOR SYSTEM_TIME AS OF TIMESTAMP '${timestamp}'`;
}

export interface TableLayout {
    /** Day-partitioned on `_loaded_at`. */
    partitioned: boolean;
    clusterings: readonly string[];
}

/**
 * A time-travel restore as a script, so the restored table keeps the table's partitioning and
 * clustering (a query job's destination table cannot declare them): into a new table with
 * CREATE TABLE … AS, or in place with TRUNCATE + INSERT (the read is of the past, so it sees the
 * rows the TRUNCATE removes).
 */
export function timeTravelRestoreSql(
    raw: DatasetRef,
    table: string,
    timestamp: string,
    layout: TableLayout,
    target: { newTable: string } | "replace",
): string {
    const read = timeTravelSql(raw, table, timestamp);
    if (target === "replace") {
        const live = tableRef(raw, table);
        return `TRUNCATE TABLE ${live};\nINSERT INTO ${live}\n${read};`;
    }
    return [
        `CREATE TABLE ${tableRef(raw, target.newTable)}`,
        ...(layout.partitioned ? ["PARTITION BY TIMESTAMP_TRUNC(_loaded_at, DAY)"] : []),
        ...(layout.clusterings.length ? [`CLUSTER BY ${layout.clusterings.join(", ")}`] : []),
        `AS ${read};`,
    ].join("\n");
}

/**
 * The runbook's freshness query as a check: the scheduled run fails (and the freshness alert
 * fires) when the newest `_loaded_at` of a raw table is older than `maxAgeHours`, or the table is
 * empty (ASSERT fails on NULL too).
 */
/** Text every freshness check's failure message carries; alert filters key on it. */
export const FRESHNESS_MARKER = "is stale: no row loaded";

export function freshnessCheckSql(raw: DatasetRef, table: string, maxAgeHours: number): string {
    return [
        `ASSERT (`,
        `  SELECT TIMESTAMP_DIFF(CURRENT_TIMESTAMP(), MAX(_loaded_at), MINUTE) <= ${maxAgeHours * 60}`,
        `  FROM ${tableRef(raw, table)}`,
        `) AS '${raw.dataset}.${table} ${FRESHNESS_MARKER} in the last ${maxAgeHours} h (MAX(_loaded_at))'`,
    ].join("\n");
}

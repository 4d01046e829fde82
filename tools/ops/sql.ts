// The runbook's queries that only `npm run ops` runs: the data checks (freshness, nulls,
// duplicates, orphans) and the restore comparisons of verify-restore and the drill. The SQL the
// stack deploys is in components/sql.ts; the freshness report shares its age expression.
import {
    AGE_MINUTES,
    RAW_KEYS,
    RAW_REFERENCES,
    tableRef,
    type DatasetRef,
} from "../../components/sql";

/** The runbook's freshness query, every raw table at once: newest load and its age. */
export function freshnessReportSql(raw: DatasetRef, tables: readonly string[]): string {
    return tables
        .map(
            (t) =>
                `SELECT '${t}' AS table_name, MAX(_loaded_at) AS last_load, ${AGE_MINUTES} AS age_minutes\nFROM ${tableRef(raw, t)}`,
        )
        .join("\nUNION ALL\n");
}

/**
 * The runbook's "unexpected null values" query, as NULL counts for the given columns (those the
 * platform declares REQUIRED that a table nonetheless lets NULL into).
 */
export function nullsSql(
    raw: DatasetRef,
    columns: readonly { table: string; column: string }[],
): string {
    return columns
        .map(
            ({ table, column }) =>
                `SELECT '${table}' AS table_name, '${column}' AS column_name, COUNTIF(${column} IS NULL) AS null_rows, COUNT(*) AS total_rows\nFROM ${tableRef(raw, table)}`,
        )
        .join("\nUNION ALL\n");
}

/** The runbook's duplicate-records query: keys loaded more than once, with a few examples. */
export function duplicatesSql(raw: DatasetRef, tables: readonly string[]): string {
    return tables
        .filter((t) => RAW_KEYS[t])
        .map((t) => {
            const key = RAW_KEYS[t]!;
            return [
                `SELECT '${t}' AS table_name, '${key}' AS key_column, COUNT(*) AS duplicate_keys, IFNULL(SUM(cnt), 0) AS duplicate_rows,`,
                `  ARRAY_AGG(${key} ORDER BY cnt DESC LIMIT 5) AS examples`,
                `FROM (SELECT ${key}, COUNT(*) AS cnt FROM ${tableRef(raw, t)} WHERE ${key} IS NOT NULL GROUP BY ${key} HAVING cnt > 1)`,
            ].join("\n");
        })
        .join("\nUNION ALL\n");
}

/** The runbook's referential-integrity query: references to keys that do not exist. */
export function orphansSql(raw: DatasetRef): string {
    return RAW_REFERENCES.map(({ table, column, references }) =>
        [
            `SELECT '${table}.${column}' AS reference, '${references.table}.${references.column}' AS target,`,
            `  COUNT(DISTINCT r.${column}) AS orphan_keys, ARRAY_AGG(DISTINCT r.${column} LIMIT 5) AS examples`,
            `FROM ${tableRef(raw, table)} AS r`,
            `LEFT JOIN ${tableRef(raw, references.table)} AS t ON r.${column} = t.${references.column}`,
            `WHERE r.${column} IS NOT NULL AND t.${references.column} IS NULL`,
        ].join("\n"),
    ).join("\nUNION ALL\n");
}

/**
 * One side of a restore comparison: a raw table, read as of a point in time (time travel) and/or
 * only the rows loaded by a point (`_loaded_at`, set at load: the raw tables are append-only).
 */
export interface RestoreSide {
    table: string;
    /** The side's dataset, when not the raw one (a table snapshot). */
    dataset?: string;
    asOf?: string;
    loadedBy?: string;
    /** One day partition only (YYYY-MM-DD, the tables are day-partitioned on `_loaded_at`): the restore drill's. */
    partition?: string;
}

/** A side's key column as `k`, from the table at its point, filtered to its loads. */
function sideKeys(raw: DatasetRef, side: RestoreSide, key: string): string {
    return [
        `SELECT ${key} AS k FROM ${tableRef({ ...raw, dataset: side.dataset ?? raw.dataset }, side.table)}`,
        side.asOf ? ` FOR SYSTEM_TIME AS OF TIMESTAMP '${side.asOf}'` : "",
        sideFilter(side),
    ].join("");
}

/** A side's WHERE clause: its loads by a point and/or one day partition. */
function sideFilter(side: RestoreSide): string {
    const conditions = [
        ...(side.loadedBy ? [`_loaded_at <= TIMESTAMP '${side.loadedBy}'`] : []),
        ...(side.partition
            ? [`TIMESTAMP_TRUNC(_loaded_at, DAY) = TIMESTAMP '${side.partition}'`]
            : []),
    ];
    return conditions.length ? ` WHERE ${conditions.join(" AND ")}` : "";
}

/**
 * A restored table against its source, two different tables: row counts, distinct keys, and the
 * keys each side lacks. (One table at two points in time cannot be read by one statement: see
 * restoreSideSql.)
 */
export function verifyRestoreSql(
    raw: DatasetRef,
    source: RestoreSide,
    restored: RestoreSide,
    key: string,
): string {
    if (source.table === restored.table && source.dataset === restored.dataset)
        throw new Error(
            `verifyRestoreSql: ${source.table} on both sides; compare one table at two points with restoreSideSql`,
        );
    return [
        `WITH s AS (${sideKeys(raw, source, key)}), d AS (${sideKeys(raw, restored, key)})`,
        `SELECT`,
        `  (SELECT COUNT(*) FROM s) AS source_rows,`,
        `  (SELECT COUNT(*) FROM d) AS restored_rows,`,
        `  (SELECT COUNT(DISTINCT k) FROM s) AS source_keys,`,
        `  (SELECT COUNT(DISTINCT k) FROM d) AS restored_keys,`,
        `  (SELECT COUNT(DISTINCT k) FROM s WHERE k NOT IN (SELECT k FROM d WHERE k IS NOT NULL)) AS missing_keys,`,
        `  (SELECT COUNT(DISTINCT k) FROM d WHERE k NOT IN (SELECT k FROM s WHERE k IS NOT NULL)) AS extra_keys`,
    ].join("\n");
}

/**
 * One side of an in-place restore's comparison, as a summary another query's can be compared
 * with: rows, distinct keys, and a fingerprint of the key set (XOR of each distinct key's
 * FARM_FINGERPRINT, as a string: INT64 does not survive a JavaScript number).
 */
export function restoreSideSql(raw: DatasetRef, side: RestoreSide, key: string): string {
    return [
        `SELECT COUNT(*) AS row_count, COUNT(DISTINCT k) AS key_count,`,
        `  CAST(BIT_XOR(DISTINCT FARM_FINGERPRINT(k)) AS STRING) AS key_fingerprint`,
        `FROM (${sideKeys(raw, side, key)})`,
    ].join("\n");
}

/**
 * Rows an in-place restore to `point` should have removed and the table still holds: loaded
 * after the point and by the restore's start (`startedAt`). Read as the table is now.
 */
export function leftoverAfterRestoreSql(
    raw: DatasetRef,
    table: string,
    point: string,
    startedAt: string,
): string {
    return [
        `SELECT COUNT(*) AS leftover_rows FROM ${tableRef(raw, table)}`,
        `WHERE _loaded_at > TIMESTAMP '${point}' AND _loaded_at <= TIMESTAMP '${startedAt}'`,
    ].join("\n");
}

/**
 * What an in-place restore to `point` dropped: the rows the table held when the restore started
 * (`startedAt`, read with time travel) that were loaded after the point, and a few of their files.
 */
export function droppedByRestoreSql(
    raw: DatasetRef,
    table: string,
    point: string,
    startedAt: string,
    files: number,
): string {
    return [
        `SELECT COUNT(*) AS dropped_rows, ARRAY_AGG(DISTINCT _source_file IGNORE NULLS LIMIT ${files}) AS source_files`,
        `FROM ${tableRef(raw, table)} FOR SYSTEM_TIME AS OF TIMESTAMP '${startedAt}'`,
        `WHERE _loaded_at > TIMESTAMP '${point}'`,
    ].join("\n");
}

// The SQL the stack deploys: the scheduled backups and snapshots, the restores, the freshness
// checks (and how `npm run ops -- dry-run` reads the statements they build). The runbook's queries
// that only `npm run ops` runs are in tools/ops/sql.ts; its freshness report shares AGE_MINUTES
// with the scheduled check, so the two cannot disagree.

import { perRawTable, RAW_TABLE_NAMES, RAW_TABLE_REGISTRY, type RawTableName } from "./rawTables";

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
        `  ${RUN_DAY}`,
        ")",
    ].join("\n");
}

/** The backup file's date, from the scheduled run's `@run_date`. */
const RUN_DAY = "FORMAT_DATE('%Y%m%d', @run_date)";

/**
 * The EXPORT DATA statement a backupExportSql statement runs on `runDate` (YYYY-MM-DD), built as
 * BigQuery's FORMAT would: a dry run of EXECUTE IMMEDIATE checks only the FORMAT call, not the
 * statement it builds. Undefined for SQL of another shape.
 */
export function backupExportStatement(sql: string, runDate: string): string | undefined {
    const m = sql.match(/^EXECUTE IMMEDIATE FORMAT\(\n {2}"""([\s\S]*?)""",\n {2}(.*)\n\)$/);
    if (!m || m[2] !== RUN_DAY || m[1]!.split("%s").length !== 2) return undefined;
    return m[1]!.replace("%s", runDate.replace(/-/g, ""));
}

/** A raw table's daily snapshot: `<table>_<YYYYMMDD>` in the snapshots dataset. */
export function snapshotTableName(table: string, yyyymmdd: string): string {
    return `${table}_${yyyymmdd}`;
}

/** The snapshot's point in time, from the scheduled run's `@run_time` (its scheduled time, UTC). */
const RUN_TIME = "FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%SZ', @run_time, 'UTC')";

/**
 * The daily snapshot of one raw table as a scheduled query: a snapshot as of the run's scheduled
 * time (`@run_time`), named by its date (`@run_date`). CREATE SNAPSHOT TABLE takes literal names,
 * hence EXECUTE IMMEDIATE; without IF NOT EXISTS a re-run of the same day fails instead of
 * replacing a snapshot. No expiration option: the snapshots dataset's default table expiration
 * expires it (https://cloud.google.com/bigquery/docs/table-snapshots-create).
 */
export function snapshotSql(raw: DatasetRef, snapshots: DatasetRef, table: string): string {
    return [
        "EXECUTE IMMEDIATE FORMAT(",
        `  """CREATE SNAPSHOT TABLE ${tableRef(snapshots, snapshotTableName(table, "%s"))}`,
        `  CLONE ${tableRef(raw, table)} FOR SYSTEM_TIME AS OF TIMESTAMP '%s'""",`,
        `  ${RUN_DAY},`,
        `  ${RUN_TIME}`,
        ")",
    ].join("\n");
}

/**
 * The CREATE SNAPSHOT TABLE statement a snapshotSql statement runs at `runTime` (ISO 8601, UTC),
 * built as BigQuery's FORMAT would (a dry run checks only the FORMAT call). Undefined for SQL of
 * another shape.
 */
export function snapshotStatement(sql: string, runTime: string): string | undefined {
    const m = sql.match(
        /^EXECUTE IMMEDIATE FORMAT\(\n {2}"""([\s\S]*?)""",\n {2}(.*),\n {2}(.*)\n\)$/,
    );
    if (!m || m[2] !== RUN_DAY || m[3] !== RUN_TIME || m[1]!.split("%s").length !== 3)
        return undefined;
    const time = new Date(runTime).toISOString().replace(/\.\d{3}Z$/, "Z");
    return m[1]!.replace("%s", time.slice(0, 10).replace(/-/g, "")).replace("%s", time);
}

/**
 * A restore from a table snapshot. Into a new table: a clone of the snapshot, which keeps its
 * schema, partitioning and clustering and copies no bytes at first
 * (https://cloud.google.com/bigquery/docs/table-snapshots-restore). In place: the live table is
 * kept (its IAM, labels and the stack's record of it; CREATE OR REPLACE … CLONE would recreate
 * it) and its contents swapped in one transaction, as the time-travel restore does.
 */
export function snapshotRestoreSql(
    raw: DatasetRef,
    snapshots: DatasetRef,
    table: string,
    yyyymmdd: string,
    target: { newTable: string } | "replace",
): string {
    const snapshot = tableRef(snapshots, snapshotTableName(table, yyyymmdd));
    if (target !== "replace")
        return `CREATE TABLE ${tableRef(raw, target.newTable)}\nCLONE ${snapshot};`;
    const live = tableRef(raw, table);
    return [
        "BEGIN TRANSACTION;",
        `TRUNCATE TABLE ${live};`,
        `INSERT INTO ${live}`,
        `SELECT * FROM ${snapshot};`,
        "COMMIT TRANSACTION;",
    ].join("\n");
}

/**
 * Adds a cross-region replica of a dataset: BigQuery backfills it, then replicates the primary's
 * writes to it asynchronously (https://cloud.google.com/bigquery/docs/data-replication). The SQL
 * parser the tests use has no ADD REPLICA: test/regionLoss.test.ts compares the statement exactly.
 */
export function addReplicaSql(dataset: DatasetRef, location: string): string {
    return `ALTER SCHEMA \`${dataset.project}.${dataset.dataset}\` ADD REPLICA \`${location}\` OPTIONS (location = '${location}')`;
}

/** The runbook's time-travel read. */
export function timeTravelSql(raw: DatasetRef, table: string, timestamp: string): string {
    return `SELECT * FROM ${tableRef(raw, table)} FOR SYSTEM_TIME AS OF TIMESTAMP '${timestamp}'`;
}

/** A column of a raw table's declared schema (components/schemas/raw). */
export interface Column {
    name: string;
    type: string;
    mode?: "NULLABLE" | "REQUIRED" | "REPEATED";
}

export interface TableLayout {
    /** Day-partitioned on `_loaded_at`. */
    partitioned: boolean;
    clusterings: readonly string[];
    /** The declared schema: a table a restore creates gets its columns' types and modes. */
    columns: readonly Column[];
}

/** Legacy type names a schema file may use, as GoogleSQL DDL spells them. */
const DDL_TYPES: Readonly<Record<string, string>> = {
    INTEGER: "INT64",
    FLOAT: "FLOAT64",
    BOOLEAN: "BOOL",
};

/**
 * The declared schema as GoogleSQL column definitions: REQUIRED is NOT NULL, REPEATED an ARRAY
 * (https://cloud.google.com/bigquery/docs/reference/standard-sql/data-definition-language#column_name_and_column_schema).
 * Nested RECORD columns would need their fields, which the schema files do not declare.
 */
export function columnDefinitions(columns: readonly Column[]): string[] {
    return columns.map((c) => {
        const type = DDL_TYPES[c.type.toUpperCase()] ?? c.type.toUpperCase();
        if (type === "RECORD" || type === "STRUCT")
            throw new Error(
                `columnDefinitions: ${c.name} is a ${type}, whose fields the schema does not declare`,
            );
        if (c.mode === "REPEATED") return `${c.name} ARRAY<${type}>`;
        return `${c.name} ${type}${c.mode === "REQUIRED" ? " NOT NULL" : ""}`;
    });
}

/** A created table's columns, partitioning and clustering, as DDL clauses. */
function tableDefinition(layout: TableLayout): string[] {
    return [
        "(",
        columnDefinitions(layout.columns)
            .map((d) => `  ${d}`)
            .join(",\n"),
        ")",
        ...(layout.partitioned ? ["PARTITION BY TIMESTAMP_TRUNC(_loaded_at, DAY)"] : []),
        ...(layout.clusterings.length ? [`CLUSTER BY ${layout.clusterings.join(", ")}`] : []),
    ];
}

/** Assertion text of a backup restore whose target table already exists. */
export const NEW_TABLE_ONLY = "exists: a backup restores into a new table only";

/**
 * A restore from a daily Parquet backup into a new table, as a script. A load job cannot declare
 * a schema or clustering (the provider's `bigquery.Job` load takes neither), and a Parquet load
 * into a new table infers every column NULLABLE; LOAD DATA with a column list creates the table
 * with the declared types and modes, its partitioning and clustering
 * (https://cloud.google.com/bigquery/docs/reference/standard-sql/load-statements). Given the
 * schema, BigQuery loads files whose columns are optional into REQUIRED columns and rejects a NULL
 * in one (without it, the load fails on the mode: googleapis/python-bigquery#1981). LOAD DATA INTO
 * appends to a table that exists, so the script first asserts the table is new (a load job's
 * WRITE_EMPTY did that); if the load fails, no table is left behind.
 */
export function backupRestoreSql(
    raw: DatasetRef,
    bucket: string,
    table: string,
    yyyymmdd: string,
    layout: TableLayout,
    newTable: string,
): string {
    return [
        `ASSERT NOT EXISTS (SELECT 1 FROM \`${raw.project}\`.${raw.dataset}.INFORMATION_SCHEMA.TABLES WHERE table_name = '${newTable}')`,
        `  AS '${raw.dataset}.${newTable} ${NEW_TABLE_ONLY}';`,
        `LOAD DATA INTO ${tableRef(raw, newTable)}`,
        ...tableDefinition(layout),
        `FROM FILES (format = 'PARQUET', uris = ['${backupUri(bucket, table, yyyymmdd)}']);`,
    ].join("\n");
}

/** The temporary table an in-place restore copies the past into. */
export const RESTORE_POINT_TABLE = "restore_point";

/**
 * A time-travel restore as a script, so the restored table keeps the table's partitioning and
 * clustering (a query job's destination table cannot declare them): into a new table with
 * CREATE TABLE … AS, its column list declaring the types and modes (a query's result columns are
 * all NULLABLE, so without it REQUIRED would be lost), or in place. One BigQuery statement may not read a table at two points in
 * time, and an INSERT reads its target as it is now, so the in-place restore first copies the
 * past into a temporary table, then swaps the contents in one transaction: readers see the old
 * rows or the restored ones, never an empty table, and a failure leaves the table as it was.
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
        return [
            `CREATE TEMP TABLE ${RESTORE_POINT_TABLE} AS`,
            `${read};`,
            "BEGIN TRANSACTION;",
            `TRUNCATE TABLE ${live};`,
            `INSERT INTO ${live}`,
            `SELECT * FROM ${RESTORE_POINT_TABLE};`,
            "COMMIT TRANSACTION;",
        ].join("\n");
    }
    const columns = layout.columns.map((c) => c.name).join(", ");
    return [
        `CREATE TABLE ${tableRef(raw, target.newTable)}`,
        ...tableDefinition(layout),
        `AS SELECT ${columns} FROM ${tableRef(raw, table)} FOR SYSTEM_TIME AS OF TIMESTAMP '${timestamp}';`,
    ].join("\n");
}

/**
 * What a dry run can check of a restore script, statement by statement: BigQuery's dry run of a
 * script stops after its first DDL statement, and does not take CREATE TEMP TABLE at all. For an
 * in-place restore, its time-travel read and its TRUNCATE; a time-travel restore into a new table
 * is one CREATE TABLE … AS statement, checked whole; of a backup restore, its new-table check (the
 * LOAD DATA reads the backup's files only when it runs). Undefined for SQL of another shape.
 */
export function restoreDryRunStatements(
    sql: string,
): { part?: string; sql: string; creates?: string }[] | undefined {
    // A restore into a new table: `creates` names it (`project.dataset.table`).
    const created = /^CREATE TABLE `([^`]+)`[^;]*;$/.exec(sql);
    if (created) return [{ sql, creates: created[1]! }];
    const loaded = /^(ASSERT NOT EXISTS [^;]*);\nLOAD DATA INTO `([^`]+)`[^;]*;$/.exec(sql);
    if (loaded) return [{ part: "its new-table check", sql: loaded[1]!, creates: loaded[2]! }];
    const fromSnapshot =
        /^BEGIN TRANSACTION;\n(TRUNCATE TABLE `[^`]+`);\nINSERT INTO `[^`]+`\n(SELECT \* FROM `[^`]+`);\nCOMMIT TRANSACTION;$/.exec(
            sql,
        );
    if (fromSnapshot)
        return [
            { part: "its snapshot read", sql: fromSnapshot[2]! },
            { part: "its TRUNCATE", sql: fromSnapshot[1]! },
        ];
    const m = new RegExp(
        `^CREATE TEMP TABLE ${RESTORE_POINT_TABLE} AS\\n(SELECT [^;]+);\\nBEGIN TRANSACTION;\\n(TRUNCATE TABLE \`[^\`]+\`);\\n`,
    ).exec(sql);
    return m
        ? [
              { part: "its time-travel read", sql: m[1]! },
              { part: "its TRUNCATE", sql: m[2]! },
          ]
        : undefined;
}

/** Text every freshness check's failure message carries; alert filters key on it. */
export const FRESHNESS_MARKER = "is stale: no row loaded";

/** Minutes since a raw table's newest load: NULL when the table is empty. */
export const AGE_MINUTES = "TIMESTAMP_DIFF(CURRENT_TIMESTAMP(), MAX(_loaded_at), MINUTE)";

/**
 * The runbook's freshness query as a check: the scheduled run fails (and the freshness alert
 * fires) when the newest `_loaded_at` of a raw table is older than `maxAgeHours`, or the table is
 * empty (ASSERT fails on NULL too) — except during `graceHours` after the table's creation while
 * it has never been loaded, so a new environment does not alert every run until its first load.
 * The creation time comes from INFORMATION_SCHEMA.TABLES, which needs bigquery.tables.get and
 * bigquery.tables.list on the dataset (https://cloud.google.com/bigquery/docs/information-schema-tables);
 * roles/bigquery.dataViewer on raw has both.
 */
export function freshnessCheckSql(
    raw: DatasetRef,
    table: string,
    maxAgeHours: number,
    graceHours: number,
): string {
    const created =
        `(SELECT creation_time FROM \`${raw.project}\`.${raw.dataset}.INFORMATION_SCHEMA.TABLES ` +
        `WHERE table_name = '${table}')`;
    return [
        `ASSERT (`,
        `  SELECT IFNULL(${AGE_MINUTES} <= ${maxAgeHours * 60},`,
        `    ${created} > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL ${graceHours} HOUR))`,
        `  FROM ${tableRef(raw, table)}`,
        `) AS '${raw.dataset}.${table} ${FRESHNESS_MARKER} in the last ${maxAgeHours} h (MAX(_loaded_at))'`,
    ].join("\n");
}

/**
 * Each raw table's key, from RAW_TABLE_REGISTRY: one row per key is what the runbook's duplicate
 * check expects. Keyed by string: callers look up names that may not be raw tables at all.
 */
export const RAW_KEYS: Readonly<Record<string, string>> = perRawTable((spec) => spec.key);

/** A reference from one raw table's column to another's key. */
export interface RawReference {
    table: RawTableName;
    column: string;
    references: { table: RawTableName; column: string };
}

/**
 * The raw tables' references (the runbook's referential-integrity check), from RAW_TABLE_REGISTRY,
 * table by table in RAW_TABLE_NAMES order.
 */
export const RAW_REFERENCES: readonly RawReference[] = RAW_TABLE_NAMES.flatMap((table) =>
    RAW_TABLE_REGISTRY[table].references.map((r) => ({ table, ...r })),
);

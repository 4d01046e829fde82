// The runbook's data checks as code. Each check builds its SQL from components/sql.ts (the same
// builders the stack deploys with), runs it through a `Warehouse` (BigQuery, or a test double),
// and judges the rows: a result with the rows to show and whether everything was in order.
import {
    droppedByRestoreSql,
    snapshotTableName,
    duplicatesSql,
    leftoverAfterRestoreSql,
    freshnessReportSql,
    nullsSql,
    orphansSql,
    RAW_KEYS,
    restoreSideSql,
    verifyRestoreSql,
    type DatasetRef,
    type RestoreSide,
} from "../../components/sql";
import {
    backupPoint,
    restoreJobId,
    snapshotPoint,
    type RestoreConfig,
} from "../../stacks/sections";
import { UsageError } from "../offline/stackfile";
import { runDrill, type DrillSettings } from "./drill";
import { restorePlan } from "./restorePlan";

/** What the checks need from BigQuery. */
export interface Warehouse {
    /** Runs a query and returns its rows as plain values. */
    query(sql: string): Promise<Record<string, unknown>[]>;
    /** Validates a statement without running it; resolves to the bytes it would process. */
    dryRun(sql: string, params?: QueryParam[]): Promise<number>;
    /** The columns of `dataset.table` and their modes; undefined when there is no such table. */
    tableColumns(dataset: string, table: string): Promise<Column[] | undefined>;
    /** A job in the stack's location; undefined when there is no such job. */
    job(jobId: string): Promise<JobStatus | undefined>;
    /** A table's size and creation time (tables.get); undefined when there is no such table. */
    tableInfo(dataset: string, table: string): Promise<TableInfo | undefined>;
}

export interface TableInfo {
    numBytes: number;
    numRows: number;
    /** ISO 8601. */
    creationTime: string;
}

export interface JobStatus {
    /** PENDING, RUNNING or DONE. */
    state: string;
    /** Why a DONE job failed. */
    error?: string;
    /** When it started (ISO 8601), once it has. */
    startTime?: string;
}

export interface Column {
    name: string;
    /** NULLABLE, REQUIRED or REPEATED. */
    mode: string;
}

export interface QueryParam {
    name: string;
    type: string;
    value: string;
}

/** A check that could not run (missing table, query error, no credentials): exit code 3. */
export class OpsError extends Error {}

export interface CheckResult {
    check: string;
    ok: boolean;
    /** One line: what was checked and what was found. */
    summary: string;
    columns: string[];
    rows: Record<string, unknown>[];
    notes: string[];
}

/** A statement the stack deploys, for `dry-run`. */
export interface Statement {
    name: string;
    sql: string;
    params?: QueryParam[];
    /** The restore the statement belongs to: its resource name and BigQuery job (once the job exists, the restore has run). */
    restore?: { name: string; job: string };
    /** The table a restore creates (`project.dataset.table`): if it exists, the restore has run. */
    createsTable?: string;
}

export interface CheckContext {
    raw: DatasetRef;
    tables: readonly string[];
    /** The columns the platform declares for each raw table (components/schemas/raw). */
    declaredColumns: Readonly<Record<string, readonly Column[]>>;
    /** Freshness threshold per raw table, in hours. */
    freshnessHours: Readonly<Record<string, number>>;
    /** Restore entries of the stack config, for `verify-restore --restore <id>`. */
    restores: Readonly<Record<string, RestoreConfig>>;
    /** Daily backup time, HH:MM UTC: a backup's restore point. */
    exportTime: string;
    /** The table snapshots' dataset, daily time (HH:MM UTC) and expiration, when the stack takes them. */
    snapshots?: { dataset: string; time: string; expirationDays: number };
    /** Where the raw dataset's replica is (logistics:warehouse.replicaLocation), if it has one. */
    replicaLocation?: string;
    /** The failover reservation the replica is attached to (managed disaster recovery), if any. */
    failoverReservation?: string;
    /** Days a daily backup is kept (logistics:backups.deleteAfterDays). */
    backupHorizonDays: number;
    /** The config's problems with one more restore entry (restore-plan checks what it prints). */
    validateRestore?: (id: string, entry: RestoreConfig) => string[];
    timeTravelHours: number;
    /** The restore drill's location, backups bucket and layouts (`drill`). */
    drill?: DrillSettings;
    /** Every statement the stack deploys; built lazily (it runs the program offline). */
    statements: () => Promise<Statement[]>;
    now: Date;
}

export interface CheckOptions {
    restore?: string;
    source?: string;
    restored?: string;
    /** restore-plan: the raw table and the point to restore it to. */
    table?: string;
    to?: string;
}

export type Progress = (step: string) => void;

/** The runbook's counting checks: a query, its columns, and the column whose count is a problem. */
interface CountCheck {
    tables: (all: readonly string[]) => string[];
    progress: (tables: number) => string;
    sql: (raw: DatasetRef, tables: readonly string[]) => string;
    /** Output column and the query column it comes from. */
    columns: [string, string][];
    count: string;
    label: (row: Record<string, unknown>) => string;
    clean: (rows: number) => string;
    found: string;
}

const COUNT_CHECKS: Record<"duplicates" | "orphans", CountCheck> = {
    duplicates: {
        tables: (all) => all.filter((t) => RAW_KEYS[t]),
        progress: (n) => `looking for keys loaded more than once in ${n} tables`,
        sql: duplicatesSql,
        columns: [
            ["table", "table_name"],
            ["key", "key_column"],
            ["duplicate_keys", "duplicate_keys"],
            ["duplicate_rows", "duplicate_rows"],
            ["examples", "examples"],
        ],
        count: "duplicate_keys",
        label: (r) => String(r["table"]),
        clean: (n) => `every key appears once in ${n} tables`,
        found: "duplicate keys in",
    },
    orphans: {
        tables: (all) => [...all],
        progress: () => "joining references to their keys",
        sql: (raw) => orphansSql(raw),
        columns: [
            ["reference", "reference"],
            ["target", "target"],
            ["orphan_keys", "orphan_keys"],
            ["examples", "examples"],
        ],
        count: "orphan_keys",
        label: (r) => String(r["reference"]),
        clean: (n) => `every reference resolves (${n} references)`,
        found: "orphaned references in",
    },
};

export const CHECKS = [
    "freshness",
    "nulls",
    "duplicates",
    "orphans",
    "verify-restore",
    "dry-run",
    "restore-plan",
    "drill",
] as const;
export type CheckName = (typeof CHECKS)[number];

const noSuchTable = (raw: DatasetRef, t: string) =>
    new OpsError(
        `table ${raw.project}.${raw.dataset}.${t} does not exist. Check the stack (--stack) and that the platform is deployed; ` +
            `a restored table exists once its restore has run.`,
    );

async function requireTables(wh: Warehouse, raw: DatasetRef, tables: readonly string[]) {
    for (const t of tables) if (!(await wh.tableColumns(raw.dataset, t))) throw noSuchTable(raw, t);
}

/**
 * The runbook's null check, on what can be NULL: the columns the platform declares REQUIRED. A
 * table whose column is REQUIRED cannot hold a NULL (BigQuery refuses the load), so only columns
 * a table has let go NULLABLE (a relaxed column, a table recreated from files) are counted; a
 * declared column the table lacks is reported too. Columns NULLABLE by design are not unexpected.
 */
async function nullsCheck(
    wh: Warehouse,
    ctx: CheckContext,
    progress: Progress,
): Promise<CheckResult> {
    const { raw, tables } = ctx;
    progress(`reading the schemas of ${tables.length} tables`);
    const rows: Record<string, unknown>[] = [];
    for (const table of tables) {
        const live = await wh.tableColumns(raw.dataset, table);
        if (!live) throw noSuchTable(raw, table);
        for (const declared of ctx.declaredColumns[table]!.filter((c) => c.mode === "REQUIRED")) {
            // BigQuery column names are case-insensitive.
            const mode =
                live.find((c) => c.name.toLowerCase() === declared.name.toLowerCase())?.mode ??
                "missing";
            rows.push({ table, column: declared.name, mode, null_rows: null, total_rows: null });
        }
    }
    const nullable = rows.filter((r) => r["mode"] === "NULLABLE");
    if (nullable.length) {
        progress(`counting NULLs in ${nullable.length} columns the tables let NULL into`);
        const counts = await wh.query(
            nullsSql(
                raw,
                nullable.map((r) => ({ table: String(r["table"]), column: String(r["column"]) })),
            ),
        );
        for (const c of counts) {
            const row = nullable.find(
                (r) => r["table"] === c["table_name"] && r["column"] === c["column_name"],
            );
            if (row)
                Object.assign(row, {
                    null_rows: num(c["null_rows"]),
                    total_rows: num(c["total_rows"]),
                });
        }
    }
    for (const r of rows)
        r["status"] =
            r["mode"] === "REQUIRED"
                ? "ok: REQUIRED, cannot hold NULL"
                : r["mode"] === "missing"
                  ? "column missing from the table"
                  : r["mode"] !== "NULLABLE"
                    ? `column is ${String(r["mode"])}, not REQUIRED`
                    : r["null_rows"] === 0
                      ? "ok: no NULL, but the table allows them"
                      : `${String(r["null_rows"])} NULLs`;
    const bad = rows.filter((r) => !String(r["status"]).startsWith("ok"));
    const enforced = rows.filter((r) => r["mode"] === "REQUIRED").length;
    return {
        check: "nulls",
        ok: bad.length === 0,
        summary:
            bad.length === 0
                ? `no NULL in ${rows.length} REQUIRED columns (${enforced} enforced by the tables' schemas, ${nullable.length} counted)`
                : `unexpected in ${bad.map((r) => `${String(r["table"])}.${String(r["column"])} (${String(r["status"])})`).join(", ")}`,
        columns: ["table", "column", "mode", "null_rows", "total_rows", "status"],
        rows,
        notes: nullable.length
            ? [
                  `${nullable.length} columns the platform declares REQUIRED (components/schemas/raw) are NULLABLE in the tables: ` +
                      `their schema has drifted from the stack's`,
              ]
            : [],
    };
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export async function runCheck(
    name: CheckName,
    wh: Warehouse,
    ctx: CheckContext,
    options: CheckOptions,
    progress: Progress,
): Promise<CheckResult> {
    const { raw, tables } = ctx;
    switch (name) {
        case "freshness": {
            await requireTables(wh, raw, tables);
            progress(`querying the newest load of ${tables.length} tables`);
            const rows = (await wh.query(freshnessReportSql(raw, tables))).map((r) => {
                const table = String(r["table_name"]);
                const age = num(r["age_minutes"]);
                const hours = ctx.freshnessHours[table]!;
                return {
                    table,
                    last_load: r["last_load"] ?? null,
                    age_minutes: age,
                    threshold_hours: hours,
                    status: age === null ? "empty" : age <= hours * 60 ? "ok" : "stale",
                };
            });
            const bad = rows.filter((r) => r.status !== "ok");
            return {
                check: name,
                ok: bad.length === 0,
                summary:
                    bad.length === 0
                        ? `all ${rows.length} raw tables loaded within their thresholds`
                        : `${bad.length} of ${rows.length} raw tables stale or empty: ${bad.map((r) => r.table).join(", ")}`,
                columns: ["table", "last_load", "age_minutes", "threshold_hours", "status"],
                rows,
                notes: [],
            };
        }
        case "nulls":
            return nullsCheck(wh, ctx, progress);
        case "duplicates":
        case "orphans": {
            const spec = COUNT_CHECKS[name];
            const checked = spec.tables(tables);
            await requireTables(wh, raw, checked);
            progress(spec.progress(checked.length));
            const rows = (await wh.query(spec.sql(raw, checked))).map((r) =>
                Object.fromEntries(
                    spec.columns.map(([column, from]) => {
                        const v = r[from];
                        const value = Array.isArray(v)
                            ? v.join(", ")
                            : column === spec.count || column.endsWith("_rows")
                              ? num(v)
                              : String(v ?? "");
                        return [column, value];
                    }),
                ),
            );
            const bad = rows.filter((r) => ((r[spec.count] as number | null) ?? 0) > 0);
            return {
                check: name,
                ok: bad.length === 0,
                summary:
                    bad.length === 0
                        ? spec.clean(rows.length)
                        : `${spec.found} ${bad.map((r) => `${spec.label(r)} (${String(r[spec.count])})`).join(", ")}`,
                columns: spec.columns.map(([c]) => c),
                rows,
                notes: [],
            };
        }
        case "verify-restore":
            return verifyRestore(wh, ctx, options, progress);
        case "drill":
            return runDrill(wh, ctx, ctx.drill, progress);
        case "restore-plan":
            return restorePlan(wh, ctx, options, progress);
        case "dry-run": {
            progress("building the stack offline to collect its SQL");
            const statements = await ctx.statements();
            const rows: Record<string, unknown>[] = [];
            const jobs = new Map<string, Promise<string | undefined>>();
            for (const [i, s] of statements.entries()) {
                progress(`dry-running ${i + 1}/${statements.length}: ${s.name}`);
                if (s.restore) {
                    // A restore's job runs once: after that its statements are history, shown
                    // as one row for the restore.
                    const { name: restore, job: jobId } = s.restore;
                    if (!jobs.has(jobId)) jobs.set(jobId, restoreStatus(wh, jobId, s.createsTable));
                    const status = await jobs.get(jobId)!;
                    if (status) {
                        if (!rows.some((r) => r["statement"] === restore))
                            rows.push({ statement: restore, bytes_processed: null, status });
                        continue;
                    }
                }
                try {
                    const bytes = await wh.dryRun(s.sql, s.params);
                    rows.push({ statement: s.name, bytes_processed: bytes, status: "ok" });
                } catch (err) {
                    if (err instanceof OpsError) throw err;
                    rows.push({
                        statement: s.name,
                        bytes_processed: null,
                        status: `error: ${(err as Error).message}`,
                    });
                }
            }
            const bad = rows.filter((r) => String(r["status"]).startsWith("error"));
            const skipped = rows.filter((r) => String(r["status"]).startsWith("skipped")).length;
            return {
                check: name,
                ok: bad.length === 0,
                summary:
                    bad.length === 0
                        ? `all ${rows.length - skipped} statements the stack deploys are valid` +
                          (skipped ? ` (${skipped} restores already with BigQuery, skipped)` : "")
                        : `${bad.length} of ${rows.length} statements rejected by BigQuery`,
                columns: ["statement", "bytes_processed", "status"],
                rows,
                notes: [],
            };
        }
    }
}

/**
 * A restore's status for dry-run once it has gone to BigQuery, or undefined while its statements
 * are still to be checked. Its job says; if BigQuery no longer lists the job, a restore into a new
 * table has run when the table exists.
 */
async function restoreStatus(
    wh: Warehouse,
    jobId: string,
    createsTable: string | undefined,
): Promise<string | undefined> {
    const job = await wh.job(jobId);
    if (job?.error) return `error: the restore's job ${jobId} failed: ${job.error}`;
    if (job?.state === "DONE") return `skipped: the restore has run (job ${jobId})`;
    if (job) return `skipped: the restore's job ${jobId} is ${job.state}`;
    const [, dataset, table] = createsTable?.split(".") ?? [];
    if (dataset && table && (await wh.tableColumns(dataset, table)))
        return `skipped: the restore has run (${table} exists)`;
    return undefined;
}

/** What verify-restore compares: two sides, and why they are read as they are. */
interface Comparison {
    source: RestoreSide;
    restored: RestoreSide;
    notes: string[];
    /** For `--restore <id>`: the restore's job, and the point an in-place restore went back to. */
    job?: { id: string; status: JobStatus };
    inPlacePoint?: string;
    /** The raw table compared, when the source is not it (a snapshot). */
    rawTable?: string;
}

/** The restore's BigQuery job, which must have finished before its table can be compared. */
async function finishedJob(wh: Warehouse, id: string, entry: RestoreConfig) {
    const jobId = restoreJobId(id, entry);
    const status = await wh.job(jobId);
    if (!status)
        throw new OpsError(
            `--restore ${id} has not run: there is no BigQuery job ${jobId} (BigQuery keeps jobs for six months). ` +
                `\`pulumi up\` submits it; verify once it is done.`,
        );
    if (status.state !== "DONE")
        throw new OpsError(
            `--restore ${id}: its job ${jobId} is ${status.state}. Wait for it (bq show -j ${jobId}), then verify.`,
        );
    return { id: jobId, status };
}

/** The sides of `--restore <id>`: each read as of, or loaded by, the restore point. */
async function restoreComparison(
    wh: Warehouse,
    ctx: CheckContext,
    id: string,
): Promise<Comparison> {
    const entry = ctx.restores[id];
    if (!entry)
        throw new UsageError(
            `--restore ${id}: the stack has no such restore. Known: ${Object.keys(ctx.restores).join(", ") || "none (logistics:restores is empty)"}.`,
        );
    const job = await finishedJob(wh, id, entry);
    const restoredTable = entry.replace ? entry.table : entry.targetTable!;
    // A failed restore changed nothing: its failure is the finding, whatever the window.
    if (job.status.error)
        return {
            source: { table: entry.table },
            restored: { table: restoredTable },
            notes: [],
            job,
        };
    if (entry.snapshot !== undefined) return snapshotComparison(wh, ctx, id, entry, job);
    const point = new Date(
        Date.parse(entry.timestamp ?? backupPoint(entry.backupDate!, ctx.exportTime)),
    ).toISOString();
    const inWindow = Date.parse(point) >= timeTravelHorizon(ctx);
    // Rows loaded after the point are not the restore's: an in-place restored table has taken
    // new loads since, and a backup may hold rows loaded while its export was running.
    const restored = { table: restoredTable, loadedBy: point };
    const inPlacePoint = entry.replace ? point : undefined;
    if (inWindow)
        return {
            source: { table: entry.table, asOf: point },
            restored,
            notes: [],
            job,
            ...(inPlacePoint ? { inPlacePoint } : {}),
        };
    if (entry.replace)
        throw new OpsError(
            `--restore ${id} replaced ${entry.table} in place as of ${point}, which is past BigQuery's ` +
                `${ctx.timeTravelHours} h time-travel window: the table as it was then can no longer be read, ` +
                `so there is nothing to compare the restored contents with.`,
        );
    return {
        source: { table: entry.table, loadedBy: point },
        restored,
        notes: [
            `the restore point ${point} is past the ${ctx.timeTravelHours} h time-travel window: the source is ` +
                `read as it is now, rows loaded by then only, so rows it lost or changed since (what a restore ` +
                `repairs) show as differences`,
        ],
        job,
    };
}

/**
 * The sides of a snapshot restore: the snapshot itself is the source (it is the table as of its
 * point, and readable until it expires, whatever the time-travel window); the restored table is
 * read for the rows loaded by that point (an in-place restored table has taken loads since).
 */
async function snapshotComparison(
    wh: Warehouse,
    ctx: CheckContext,
    id: string,
    entry: RestoreConfig,
    job: { id: string; status: JobStatus },
): Promise<Comparison> {
    if (!ctx.snapshots)
        throw new UsageError(
            `--restore ${id}: restores snapshot ${entry.snapshot}, but the stack takes no table snapshots ` +
                `(logistics:warehouse.snapshots).`,
        );
    const point = new Date(
        Date.parse(snapshotPoint(entry.snapshot!, ctx.snapshots.time)),
    ).toISOString();
    const snapshot = snapshotTableName(entry.table, entry.snapshot!.replace(/-/g, ""));
    if (!(await wh.tableColumns(ctx.snapshots.dataset, snapshot)))
        throw new OpsError(
            `--restore ${id}: the snapshot ${ctx.raw.project}.${ctx.snapshots.dataset}.${snapshot} no longer exists ` +
                `(snapshots expire); there is nothing to compare the restored table with.`,
        );
    return {
        source: { table: snapshot, dataset: ctx.snapshots.dataset },
        restored: { table: entry.replace ? entry.table : entry.targetTable!, loadedBy: point },
        notes: [],
        job,
        rawTable: entry.table,
        ...(entry.replace ? { inPlacePoint: point } : {}),
    };
}

/** The oldest time BigQuery's time travel can still read. */
const timeTravelHorizon = (ctx: CheckContext) =>
    ctx.now.getTime() - ctx.timeTravelHours * 3_600_000;

/** Files listed in the note on what an in-place restore dropped. */
const DROPPED_FILES_SHOWN = 10;

const sideLabel = (s: RestoreSide) =>
    `${s.table}${s.asOf ? ` @ ${s.asOf}` : s.loadedBy ? ` (loaded by ${s.loadedBy})` : ""}`;

async function verifyRestore(
    wh: Warehouse,
    ctx: CheckContext,
    options: CheckOptions,
    progress: Progress,
): Promise<CheckResult> {
    const { raw } = ctx;
    let comparison: Comparison;
    if (options.restore !== undefined)
        comparison = await restoreComparison(wh, ctx, options.restore);
    else if (options.source && options.restored && options.source !== options.restored)
        comparison = {
            source: { table: options.source },
            restored: { table: options.restored },
            notes: [],
        };
    // The CLI's argument parsing refuses the rest; this guards other callers.
    else throw new UsageError("verify-restore: --restore <id>, or two different tables.");
    const { source, restored, notes, job } = comparison;
    if (job?.status.error)
        return {
            check: "verify-restore",
            ok: false,
            summary: `the restore's job ${job.id} failed: ${job.status.error}`,
            columns: ["source", "restored", "job", "error"],
            rows: [
                {
                    source: source.table,
                    restored: restored.table,
                    job: job.id,
                    error: job.status.error,
                },
            ],
            notes: [`bq show -j ${job.id} tells more; fix the entry and run pulumi up again`],
        };
    // The raw table the comparison is about: a snapshot source is named by its date.
    const rawTable = comparison.rawTable ?? source.table;
    const key = RAW_KEYS[rawTable];
    if (!key)
        throw new UsageError(
            `verify-restore: ${rawTable} is not a raw table with a key. Known: ${Object.keys(RAW_KEYS).join(", ")}.`,
        );
    // A snapshot side was looked up where it lives; the raw sides here.
    await requireTables(wh, raw, [
        ...new Set([source, restored].filter((s) => !s.dataset).map((s) => s.table)),
    ]);
    progress(`comparing ${sideLabel(restored)} with ${sideLabel(source)}`);
    let row: Record<string, unknown> & {
        source_rows: number | null;
        restored_rows: number | null;
    };
    let sameKeys: boolean;
    if (source.table !== restored.table || source.dataset !== restored.dataset) {
        const [r] = await wh.query(verifyRestoreSql(raw, source, restored, key));
        row = {
            source: sideLabel(source),
            restored: sideLabel(restored),
            source_rows: num(r?.["source_rows"]),
            restored_rows: num(r?.["restored_rows"]),
            missing_keys: num(r?.["missing_keys"]),
            extra_keys: num(r?.["extra_keys"]),
        };
        sameKeys = row["missing_keys"] === 0 && row["extra_keys"] === 0;
    } else {
        // One statement cannot read a table at two points in time: two summaries, compared here.
        const [s] = await wh.query(restoreSideSql(raw, source, key));
        const [d] = await wh.query(restoreSideSql(raw, restored, key));
        row = {
            source: sideLabel(source),
            restored: sideLabel(restored),
            source_rows: num(s?.["row_count"]),
            restored_rows: num(d?.["row_count"]),
            missing_keys: null,
            extra_keys: null,
        };
        sameKeys =
            num(s?.["key_count"]) === num(d?.["key_count"]) &&
            (s?.["key_fingerprint"] ?? null) === (d?.["key_fingerprint"] ?? null);
        notes.push(
            "an in-place restore compares the table with itself at the restore point: one query cannot read both, " +
                "so the key sets are compared by count and fingerprint, and differing keys are not listed",
        );
    }
    // What an in-place restore should have removed (rows loaded after its point, up to its
    // start) must be gone: the comparison above reads rows loaded by the point only.
    let leftover = 0;
    if (comparison.inPlacePoint && job?.status.startTime) {
        progress("looking for rows the restore should have removed");
        const [l] = await wh.query(
            leftoverAfterRestoreSql(
                raw,
                restored.table,
                comparison.inPlacePoint,
                job.status.startTime,
            ),
        );
        leftover = num(l?.["leftover_rows"]) ?? 0;
    }
    const ok =
        row.restored_rows !== null &&
        row.restored_rows > 0 &&
        row.source_rows === row.restored_rows &&
        sameKeys &&
        leftover === 0;
    const keys =
        row["missing_keys"] === null
            ? sameKeys
                ? "same keys"
                : "different keys"
            : `${String(row["missing_keys"])} keys missing, ${String(row["extra_keys"])} extra`;
    // An in-place restore drops what was loaded after its point: say how much, and from which
    // files, while time travel can still read the table as it was when the restore started.
    const started = job?.status.startTime;
    if (comparison.inPlacePoint && started && Date.parse(started) >= timeTravelHorizon(ctx)) {
        progress(`counting the rows the restore dropped`);
        const [d] = await wh.query(
            droppedByRestoreSql(
                raw,
                restored.table,
                comparison.inPlacePoint,
                started,
                DROPPED_FILES_SHOWN + 1,
            ),
        );
        const dropped = num(d?.["dropped_rows"]) ?? 0;
        const files = Array.isArray(d?.["source_files"]) ? (d["source_files"] as unknown[]) : [];
        const more = files.length > DROPPED_FILES_SHOWN;
        notes.push(
            dropped === 0
                ? `no rows were loaded between ${comparison.inPlacePoint} and the restore's start (${started}); ` +
                      `any loaded while it ran were dropped too`
                : `the restore dropped at least ${dropped} rows: those loaded between ${comparison.inPlacePoint} and its start (${started})` +
                      (files.length
                          ? `, from ${files.slice(0, DROPPED_FILES_SHOWN).join(", ")}${more ? ", …" : ""}`
                          : "") +
                      `, and any loaded while it ran: reload the files that were good`,
        );
    }
    return {
        check: "verify-restore",
        ok,
        summary: ok
            ? `${row.restored as string} holds every row and key of ${row.source as string} (${row.restored_rows} rows)`
            : leftover > 0
              ? `${restored.table} still holds ${leftover} rows loaded between ${comparison.inPlacePoint} and the restore's start (${job?.status.startTime}): the restore did not replace its contents`
              : !row.restored_rows && !row.source_rows
                ? `nothing to compare: ${row.restored as string} and ${row.source as string} have no rows`
                : `${row.restored as string} differs from ${row.source as string}: ${row.restored_rows} vs ${row.source_rows} rows, ${keys}`,
        columns: [
            "source",
            "restored",
            "source_rows",
            "restored_rows",
            "missing_keys",
            "extra_keys",
        ],
        rows: [row],
        notes,
    };
}

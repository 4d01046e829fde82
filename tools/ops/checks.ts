// The runbook's data checks as code. Each check builds its SQL from components/sql.ts (the same
// builders the stack deploys with), runs it through a `Warehouse` (BigQuery, or a test double),
// and judges the rows: a result with the rows to show and whether everything was in order.
import {
    duplicatesSql,
    freshnessReportSql,
    nullsSql,
    orphansSql,
    RAW_KEYS,
    verifyRestoreSql,
    type DatasetRef,
} from "../../components/sql";

/** What the checks need from BigQuery. */
export interface Warehouse {
    /** Runs a query and returns its rows as plain values. */
    query(sql: string): Promise<Record<string, unknown>[]>;
    /** Validates a statement without running it; resolves to the bytes it would process. */
    dryRun(sql: string, params?: QueryParam[]): Promise<number>;
    /** Whether `dataset.table` exists. */
    tableExists(dataset: string, table: string): Promise<boolean>;
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
}

export interface CheckContext {
    raw: DatasetRef;
    tables: readonly string[];
    /** Freshness threshold per raw table, in hours. */
    freshnessHours: Readonly<Record<string, number>>;
    /** Restore entries of the stack config, for `verify-restore --restore <id>`. */
    restores: Readonly<
        Record<
            string,
            {
                table: string;
                requestedAt: string;
                backupDate?: string;
                timestamp?: string;
                targetTable?: string;
                replace?: boolean;
            }
        >
    >;
    /** Daily backup time, HH:MM UTC: a backup's restore point. */
    exportTime: string;
    timeTravelHours: number;
    /** Every statement the stack deploys; built lazily (it runs the program offline). */
    statements: () => Promise<Statement[]>;
    now: Date;
}

export interface CheckOptions {
    restore?: string;
    source?: string;
    restored?: string;
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

const COUNT_CHECKS: Record<"nulls" | "duplicates" | "orphans", CountCheck> = {
    nulls: {
        tables: (all) => [...all],
        progress: (n) => `counting NULL keys in ${n} tables`,
        sql: nullsSql,
        columns: [
            ["table", "table_name"],
            ["column", "column_name"],
            ["null_rows", "null_rows"],
            ["total_rows", "total_rows"],
        ],
        count: "null_rows",
        label: (r) => `${String(r["table"])}.${String(r["column"])}`,
        clean: (n) => `no NULL in ${n} key columns`,
        found: "NULLs in",
    },
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
] as const;
export type CheckName = (typeof CHECKS)[number];

async function requireTables(wh: Warehouse, raw: DatasetRef, tables: readonly string[]) {
    for (const t of tables)
        if (!(await wh.tableExists(raw.dataset, t)))
            throw new OpsError(
                `table ${raw.project}.${raw.dataset}.${t} does not exist. Check the stack (--stack) and that the platform is deployed; ` +
                    `a restored table exists once its restore has run.`,
            );
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
        case "dry-run": {
            progress("building the stack offline to collect its SQL");
            const statements = await ctx.statements();
            const rows: Record<string, unknown>[] = [];
            for (const [i, s] of statements.entries()) {
                progress(`dry-running ${i + 1}/${statements.length}: ${s.name}`);
                try {
                    const bytes = await wh.dryRun(s.sql, s.params);
                    rows.push({ statement: s.name, bytes_processed: bytes, status: "ok" });
                } catch (err) {
                    if (err instanceof OpsError && /credentials/.test(err.message)) throw err;
                    rows.push({
                        statement: s.name,
                        bytes_processed: null,
                        status: `error: ${(err as Error).message}`,
                    });
                }
            }
            const bad = rows.filter((r) => r["status"] !== "ok");
            return {
                check: name,
                ok: bad.length === 0,
                summary:
                    bad.length === 0
                        ? `all ${rows.length} statements the stack deploys are valid`
                        : `${bad.length} of ${rows.length} statements rejected by BigQuery`,
                columns: ["statement", "bytes_processed", "status"],
                rows,
                notes: [],
            };
        }
    }
}

async function verifyRestore(
    wh: Warehouse,
    ctx: CheckContext,
    options: CheckOptions,
    progress: Progress,
): Promise<CheckResult> {
    const { raw } = ctx;
    let source: string;
    let restored: string;
    let asOf: string | undefined;
    const notes: string[] = [];
    if (options.restore !== undefined) {
        const entry = ctx.restores[options.restore];
        if (!entry)
            throw new OpsError(
                `--restore ${options.restore}: the stack has no such restore. Known: ${Object.keys(ctx.restores).join(", ") || "none (logistics:restores is empty)"}.`,
            );
        source = entry.table;
        restored = entry.replace ? entry.table : entry.targetTable!;
        const point = entry.timestamp ?? `${entry.backupDate}T${ctx.exportTime}:00Z`;
        const horizon = ctx.now.getTime() - ctx.timeTravelHours * 3_600_000;
        if (Date.parse(point) >= horizon) asOf = new Date(Date.parse(point)).toISOString();
        else
            notes.push(
                `the restore point ${point} is past the ${ctx.timeTravelHours} h time-travel window: the source is read as it is now, so rows loaded since may show as missing`,
            );
    } else if (options.source && options.restored) {
        source = options.source;
        restored = options.restored;
    } else
        throw new OpsError(
            "verify-restore needs --restore <id> (an entry of logistics:restores) or both --source <table> and --restored <table>.",
        );
    const key = RAW_KEYS[source];
    if (!key)
        throw new OpsError(
            `verify-restore: ${source} is not a raw table with a key. Known: ${Object.keys(RAW_KEYS).join(", ")}.`,
        );
    await requireTables(wh, raw, [...new Set([source, restored])]);
    progress(`comparing ${restored} with ${source}${asOf ? ` as of ${asOf}` : ""}`);
    const [r] = await wh.query(verifyRestoreSql(raw, source, restored, key, asOf));
    const row = {
        source: `${source}${asOf ? ` @ ${asOf}` : ""}`,
        restored,
        source_rows: num(r?.["source_rows"]),
        restored_rows: num(r?.["restored_rows"]),
        missing_keys: num(r?.["missing_keys"]),
        extra_keys: num(r?.["extra_keys"]),
    };
    const ok =
        row.restored_rows !== null &&
        row.restored_rows > 0 &&
        row.source_rows === row.restored_rows &&
        row.missing_keys === 0 &&
        row.extra_keys === 0;
    return {
        check: "verify-restore",
        ok,
        summary: ok
            ? `${restored} holds every row and key of ${row.source} (${row.restored_rows} rows)`
            : `${restored} differs from ${row.source}: ${row.restored_rows} vs ${row.source_rows} rows, ${row.missing_keys} keys missing, ${row.extra_keys} extra`,
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

// `drill`: restores one day partition of every raw table from every tier of the recovery ladder
// (time travel, table snapshot, daily Parquet backup) into a scratch dataset, compares each with
// its source as verify-restore does, times it, and fails when a restore took longer than the
// recovery matrix expects. Its tables are dropped at the end; the dataset's default expiration
// removes any a failed run leaves behind.
import {
    backupRestoreSql,
    RAW_KEYS,
    snapshotRestoreSql,
    snapshotTableName,
    tableRef,
    type DatasetRef,
} from "../../components/sql";
import { verifyRestoreSql, type RestoreSide } from "./sql";
import { backupPoint } from "../../components/backupStore.schema";
import { snapshotPoint } from "../../components/warehouse.schema";
import { UsageError } from "../offline/stackfile";
import {
    OpsError,
    statusOf,
    type CheckContext,
    type CheckResult,
    type DrillSettings,
    type Progress,
    type Warehouse,
} from "./checks/check";
import { dailyPointAtOrBefore, duration, estimateSeconds, RESTORE_RATES } from "./restorePlan";

/** The scratch dataset's id: never the raw or snapshots dataset (the drill checks). */
export const DRILL_DATASET = "restore_drill";

/**
 * Hours after which BigQuery deletes a table of the scratch dataset that the drill did not drop.
 * `default_table_expiration_days` is a FLOAT64, so a fraction of a day is accepted
 * (https://cloud.google.com/bigquery/docs/reference/standard-sql/data-definition-language#schema_option_list),
 * and the shortest BigQuery takes is one hour (`defaultTableExpirationMs`:
 * https://cloud.google.com/bigquery/docs/reference/rest/v2/datasets).
 */
export const DRILL_EXPIRATION_HOURS = 6;

export const TIERS = ["time travel", "snapshot", "backup"] as const;
export type Tier = (typeof TIERS)[number];

/** The matrix's estimate kind of each tier (tools/offline/recoveryMatrix.ts uses the same). */
const KIND: Record<Tier, "copy" | "clone" | "load"> = {
    "time travel": "copy",
    snapshot: "clone",
    backup: "load",
};

/** The scratch dataset, with a default table expiration so nothing it holds outlives the drill by long. */
export function drillDatasetSql(scratch: DatasetRef, location: string): string {
    const days = DRILL_EXPIRATION_HOURS / 24;
    return [
        `CREATE SCHEMA IF NOT EXISTS \`${scratch.project}.${scratch.dataset}\``,
        `OPTIONS (location = '${location}', default_table_expiration_days = ${days},`,
        `  description = 'Restore drill scratch tables (npm run ops -- drill); expire after ${DRILL_EXPIRATION_HOURS} h')`,
    ].join("\n");
}

/**
 * A time-travel restore of one day partition into the scratch dataset. timeTravelRestoreSql
 * restores the whole table into the raw dataset; the drill reads one partition, elsewhere.
 */
export function drillTimeTravelSql(
    raw: DatasetRef,
    scratch: DatasetRef,
    table: string,
    timestamp: string,
    partition: string,
    newTable: string,
): string {
    return [
        `CREATE TABLE ${tableRef(scratch, newTable)} AS`,
        `SELECT * FROM ${tableRef(raw, table)} FOR SYSTEM_TIME AS OF TIMESTAMP '${timestamp}'`,
        `WHERE TIMESTAMP_TRUNC(_loaded_at, DAY) = TIMESTAMP '${partition}'`,
    ].join("\n");
}

/** Drops one of the drill's own tables: only names it made, only in the scratch dataset. */
export function drillDropSql(scratch: DatasetRef, table: string): string {
    return `DROP TABLE IF EXISTS ${tableRef(scratch, table)}`;
}

/** The scratch table of one restore: `<table>_<tier>_<yyyymmddhhmmss>`, unique per run. */
export function drillTableName(table: string, tier: Tier, now: Date): string {
    const stamp = now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
    return `${table}_${tier.replace(" ", "_")}_${stamp}`;
}

const dayBefore = (day: string) =>
    new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

interface Restore {
    table: string;
    tier: Tier;
    /** The source's point in time, and the partition restored (the day before it). */
    point: string;
    partition: string;
    scratchTable: string;
    sql: string;
    source: RestoreSide;
    restored: RestoreSide;
    /** Why the restore cannot run (its source is missing). */
    missing?: string;
}

export async function runDrill(
    wh: Warehouse,
    ctx: CheckContext,
    settings: DrillSettings | undefined,
    progress: Progress,
): Promise<CheckResult> {
    if (!settings)
        throw new UsageError("drill: the stack's backups bucket and layouts are missing.");
    const clock = settings.clock ?? Date.now;
    const { raw } = ctx;
    const scratch = { project: raw.project, dataset: settings.scratch ?? DRILL_DATASET };
    const own = [
        raw.dataset,
        ...(ctx.snapshots ? [ctx.snapshots.dataset] : []),
        ...(settings.stackDatasets ?? []),
    ];
    if (own.includes(scratch.dataset))
        throw new UsageError(
            `drill: the scratch dataset ${scratch.dataset} is one of the stack's datasets (${[...new Set(own)].join(", ")}). The drill restores into a dataset of its own.`,
        );
    const now = ctx.now;
    const backup = dailyPointAtOrBefore(now, ctx.exportTime, (d) => backupPoint(d, ctx.exportTime));
    const snap = ctx.snapshots
        ? dailyPointAtOrBefore(now, ctx.snapshots.time, (d) =>
              snapshotPoint(d, ctx.snapshots!.time),
          )
        : undefined;
    const iso = (d: Date) => d.toISOString().replace(/\.000Z$/, "Z");

    const restores: Restore[] = [];
    for (const table of ctx.tables) {
        const key = RAW_KEYS[table];
        const layout = settings.layouts[table];
        if (!key || !layout)
            throw new OpsError(
                `drill: ${table} has no key or layout to restore and compare it by.`,
            );
        const name = (tier: Tier) => drillTableName(table, tier, now);
        const backupDay = backup.day;
        // Time travel, read as of the backup's point, so the two tiers restore the same data.
        const ttPartition = dayBefore(backupDay);
        restores.push({
            table,
            tier: "time travel",
            point: iso(backup.at),
            partition: ttPartition,
            scratchTable: name("time travel"),
            sql: drillTimeTravelSql(
                raw,
                scratch,
                table,
                iso(backup.at),
                ttPartition,
                name("time travel"),
            ),
            source: { table, asOf: iso(backup.at), partition: ttPartition },
            restored: {
                table: name("time travel"),
                dataset: scratch.dataset,
                partition: ttPartition,
            },
        });
        if (snap) {
            const snapshot = snapshotTableName(table, snap.day.replace(/-/g, ""));
            const snapshots = { project: raw.project, dataset: ctx.snapshots!.dataset };
            const partition = dayBefore(snap.day);
            const exists = await wh.tableColumns(snapshots.dataset, snapshot);
            restores.push({
                table,
                tier: "snapshot",
                point: iso(snap.at),
                partition,
                scratchTable: name("snapshot"),
                // A snapshot restores by clone (no bytes copied): the whole snapshot, compared by partition.
                sql: snapshotRestoreSql(scratch, snapshots, table, snap.day.replace(/-/g, ""), {
                    newTable: name("snapshot"),
                }),
                source: { table: snapshot, dataset: snapshots.dataset, partition },
                restored: { table: name("snapshot"), dataset: scratch.dataset, partition },
                ...(exists
                    ? {}
                    : {
                          missing: `no snapshot ${snapshots.dataset}.${snapshot}: did the daily snapshot run?`,
                      }),
            });
        }
        // A backup is one export of the whole table: it loads whole, and is compared by partition.
        const point = iso(backup.at);
        restores.push({
            table,
            tier: "backup",
            point,
            partition: ttPartition,
            scratchTable: name("backup"),
            sql: backupRestoreSql(
                scratch,
                settings.backupsBucket,
                table,
                backupDay.replace(/-/g, ""),
                layout,
                name("backup"),
            ),
            // Rows loaded while the export ran may be in it: both sides count loads by its point.
            source: { table, asOf: point, loadedBy: point, partition: ttPartition },
            restored: {
                table: name("backup"),
                dataset: scratch.dataset,
                loadedBy: point,
                partition: ttPartition,
            },
        });
    }

    progress(`creating ${scratch.dataset} (tables expire after ${DRILL_EXPIRATION_HOURS} h)`);
    await wh.query(drillDatasetSql(scratch, settings.location));
    const rows: Record<string, unknown>[] = [];
    const created: string[] = [];
    const undropped: string[] = [];
    try {
        for (const r of restores) {
            const row: Record<string, unknown> = {
                table: r.table,
                tier: r.tier,
                point: r.point,
                partition: r.partition,
                seconds: null,
                expected_seconds: null,
                bytes: null,
                source_rows: null,
                restored_rows: null,
                result: "",
            };
            rows.push(row);
            if (r.missing) {
                row["result"] = `FAILED: ${r.missing}`;
                continue;
            }
            progress(
                `restoring ${r.table} from ${r.tier} into ${scratch.dataset}.${r.scratchTable}`,
            );
            created.push(r.scratchTable);
            const started = clock();
            try {
                await wh.query(r.sql);
            } catch (err) {
                row["result"] = `FAILED: the restore: ${(err as Error).message}`;
                continue;
            }
            const seconds = (clock() - started) / 1000;
            row["seconds"] = Math.round(seconds * 10) / 10;
            const info = await wh.tableInfo(scratch.dataset, r.scratchTable);
            if (!info) {
                row["result"] =
                    `FAILED: the restore left no table ${scratch.dataset}.${r.scratchTable}`;
                continue;
            }
            const expected = estimateSeconds(KIND[r.tier], info.numBytes);
            row["bytes"] = info.numBytes;
            row["expected_seconds"] = expected;
            progress(`comparing ${scratch.dataset}.${r.scratchTable} with its source`);
            const [v] = await wh.query(
                verifyRestoreSql(raw, r.source, r.restored, RAW_KEYS[r.table]!),
            );
            const source = num(v?.["source_rows"]);
            const restored = num(v?.["restored_rows"]);
            row["source_rows"] = source;
            row["restored_rows"] = restored;
            const same =
                source === restored &&
                num(v?.["missing_keys"]) === 0 &&
                num(v?.["extra_keys"]) === 0;
            row["result"] = !same
                ? `FAILED: differs from its source: ${restored} vs ${source} rows, ${num(v?.["missing_keys"])} keys missing, ${num(v?.["extra_keys"])} extra`
                : seconds > expected
                  ? `FAILED: took ${duration(seconds * 1000)}, the matrix expects at most ${duration(expected * 1000)}`
                  : "OK";
        }
    } finally {
        // Only the tables this run made, in the scratch dataset; never the dataset itself. A drop
        // that fails leaves a table the dataset's default expiration removes: said, not fatal.
        for (const t of created) {
            progress(`dropping ${scratch.dataset}.${t}`);
            try {
                await wh.query(drillDropSql(scratch, t));
            } catch (err) {
                undropped.push(`${t} (${(err as Error).message})`);
            }
        }
    }
    const failed = rows.filter((r) => r["result"] !== "OK");
    const empty = rows.filter((r) => r["result"] === "OK" && r["source_rows"] === 0);
    return {
        check: "drill",
        status: statusOf(failed.length === 0),
        summary:
            failed.length === 0
                ? `${rows.length} restores (${ctx.tables.length} tables × ${rows.length / ctx.tables.length} tiers) matched their sources within the matrix's times`
                : `${failed.length} of ${rows.length} restores failed: ${failed.map((r) => `${String(r["table"])} from ${String(r["tier"])}`).join(", ")}`,
        columns: [
            "table",
            "tier",
            "point",
            "partition",
            "seconds",
            "expected_seconds",
            "bytes",
            "source_rows",
            "restored_rows",
            "result",
        ],
        rows,
        notes: [
            `expected times are the recovery matrix's estimates for the restored bytes: ${RESTORE_RATES.basis}`,
            "a backup is one export of the whole table and loads whole; the other tiers restore the partition only",
            "measured: the restore statement's wall time from this machine, submission to completion (the client polls for the result), so a little more than BigQuery's job time",
            ...(ctx.snapshots
                ? []
                : ["the stack takes no table snapshots: that tier was not drilled"]),
            ...(undropped.length
                ? [
                      `could not drop ${undropped.join(", ")}: BigQuery deletes them within ${DRILL_EXPIRATION_HOURS} h (the dataset's default table expiration)`,
                  ]
                : []),
            ...(empty.length
                ? [
                      `no rows in the partition for ${empty.map((r) => `${String(r["table"])} (${String(r["tier"])})`).join(", ")}: the restore ran, but compared nothing`,
                  ]
                : []),
        ],
    };
}

/**
 * The drill's `--json` output as a GitHub job summary (Markdown): the measured and expected time
 * of every restore, or the error that stopped the drill.
 */
export function drillMarkdown(json: unknown, stack: string): string {
    const j = (json ?? {}) as Partial<CheckResult> & {
        ok?: boolean;
        error?: string;
        exitCode?: number;
    };
    if (j.error !== undefined || !Array.isArray(j.rows))
        return `## Restore drill (${stack}): could not run\n\n${j.error ?? "no result (see the job's log)"}\n`;
    const esc = (v: unknown) =>
        (v === null || v === undefined ? "-" : String(v)).replace(/\|/g, "\\|").replace(/\n/g, " ");
    const columns = [
        ["table", "table"],
        ["tier", "tier"],
        ["partition", "partition"],
        ["seconds", "measured (s)"],
        ["expected_seconds", "expected (s)"],
        ["bytes", "bytes"],
        ["restored_rows", "rows"],
        ["result", "result"],
    ] as const;
    return [
        `## Restore drill (${stack}): ${j.ok ? "OK" : "FAILED"}`,
        "",
        esc(j.summary),
        "",
        `| ${columns.map(([, h]) => h).join(" | ")} |`,
        `| ${columns.map(() => "---").join(" | ")} |`,
        ...j.rows.map((r) => `| ${columns.map(([k]) => esc(r[k])).join(" | ")} |`),
        "",
        ...(j.notes ?? []).map((n) => `- ${esc(n)}`),
        "",
    ].join("\n");
}

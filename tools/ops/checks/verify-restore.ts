// `verify-restore`: a restored table against its source, rows and key coverage; with
// --restore <id>, an entry of logistics:restores once its job is done, each side read as of (or
// loaded by) the restore point.
import { RAW_KEYS, snapshotTableName } from "../../../components/sql";
import { backupPoint } from "../../../components/backupStore.schema";
import { restoreJobId, type RestoreConfig } from "../../../components/restores.schema";
import { snapshotPoint } from "../../../components/warehouse.schema";
import { UsageError } from "../../offline/stackfile";
import {
    droppedByRestoreSql,
    leftoverAfterRestoreSql,
    restoreSideSql,
    verifyRestoreSql,
    type RestoreSide,
} from "../sql";
import {
    OpsError,
    statusOf,
    type Check,
    type CheckContext,
    type CheckInput,
    type CheckResult,
    type JobStatus,
    type Warehouse,
} from "./check";
import { num, requireTables } from "./common";

export const verifyRestore: Check<"verify-restore"> = {
    name: "verify-restore",
    usage: `  verify-restore  a restored table against its source: rows and key coverage
                  --restore <id>   an entry of logistics:restores, once its job is done (source read
                                   as of the restore point)
                  --source <table> --restored <table>   two raw tables, compared as they are now`,
    run: runVerifyRestore,
};

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

async function runVerifyRestore({
    warehouse: wh,
    context: ctx,
    options,
    progress,
}: CheckInput): Promise<CheckResult> {
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
            status: "findings",
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
        status: statusOf(ok),
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

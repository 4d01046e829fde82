// `restore-plan`: which source of the recovery ladder restores a raw table to a point in time
// (time travel, a table snapshot, a daily backup, a replica), what it loses (RPO), how long it
// should take from the table's size, and the logistics:restores entry that runs it.
import { snapshotTableName } from "../../components/sql";
import { backupPoint } from "../../components/backupStore.schema";
import type { RestoreConfig } from "../../components/restores.schema";
import { snapshotPoint } from "../../components/warehouse.schema";
import { UsageError } from "../offline/stackfile";
import {
    OpsError,
    type CheckContext,
    type CheckResult,
    type Progress,
    type Warehouse,
} from "./checks/check";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const MB = 1_000_000;

/**
 * How fast each kind of restore moves data. None of these is published by Google, nor measured
 * here yet: they are assumptions, stated as such wherever an estimate is shown. A clone copies no
 * data ("a lightweight, writable copy": https://cloud.google.com/bigquery/docs/table-clones-intro),
 * so its time is the job's alone, also assumed.
 */
export const RESTORE_RATES = {
    /** Submitting the job (`pulumi up`) and BigQuery scheduling it, per restore. */
    jobOverheadSeconds: 60,
    /** CREATE TABLE … AS / INSERT … SELECT (time travel, a snapshot restored in place). */
    queryCopyBytesPerSecond: 200 * MB,
    /** LOAD DATA of Parquet files from Cloud Storage (a daily backup). */
    parquetLoadBytesPerSecond: 100 * MB,
    basis:
        "assumed (not measured, no Google-published figure): job overhead 60 s, query copy 200 MB/s, " +
        "Parquet load 100 MB/s; a snapshot clone copies no data (documented: " +
        "https://cloud.google.com/bigquery/docs/table-clones-intro)",
} as const;

export type Source = "time travel" | "snapshot" | "backup" | "replica";

export interface Candidate {
    source: Source;
    /** The point the source restores (ISO 8601), when it has one. */
    point?: string;
    /** Milliseconds between the point asked for and the source's point. */
    rpoMs?: number;
    /** Estimated seconds, when the table's size is known. */
    seconds?: number;
    /** Why the source cannot restore the point; undefined when it can. */
    invalid?: string;
    /** The entry's source key and value. */
    entry?: Pick<RestoreConfig, "timestamp" | "snapshot" | "backupDate">;
}

/** Seconds to restore `bytes` by `kind`, from RESTORE_RATES. */
export function estimateSeconds(kind: "copy" | "load" | "clone", bytes: number): number {
    const r = RESTORE_RATES;
    const moving =
        kind === "clone"
            ? 0
            : bytes / (kind === "copy" ? r.queryCopyBytesPerSecond : r.parquetLoadBytesPerSecond);
    return Math.ceil(r.jobOverheadSeconds + moving);
}

/** The newest daily point (`HH:MM` UTC each day) at or before `to`. */
export function dailyPointAtOrBefore(to: Date, time: string, point: (d: string) => string) {
    for (const back of [0, 1]) {
        const day = new Date(to.getTime() - back * DAY_MS).toISOString().slice(0, 10);
        const at = new Date(point(day));
        if (at.getTime() <= to.getTime()) return { day, at };
    }
    throw new Error(
        `dailyPointAtOrBefore: no daily ${time} point within a day of ${to.toISOString()}`,
    );
}

/** `1 d 2 h`, `3 h 5 min`, `40 s`: a duration for people. */
export function duration(ms: number): string {
    const s = Math.round(ms / 1000);
    if (s < 60) return `${s} s`;
    const m = Math.round(s / 60);
    if (m < 60) return `${m} min`;
    const h = Math.floor(m / 60);
    if (h < 24) return `${h} h${m % 60 ? ` ${m % 60} min` : ""}`;
    return `${Math.floor(h / 24)} d${h % 24 ? ` ${h % 24} h` : ""}`;
}

export interface PlanOptions {
    table?: string;
    to?: string;
}

/** The ladder's candidates for `table` at `to`, best first: least data lost, then fastest. */
export async function restoreCandidates(
    wh: Warehouse,
    ctx: CheckContext,
    table: string,
    to: Date,
    progress: Progress,
): Promise<{ candidates: Candidate[]; bytes?: number; rows?: number; created?: string }> {
    const now = ctx.now.getTime();
    progress(`reading the size and age of ${ctx.raw.dataset}.${table}`);
    const info = await wh.tableInfo(ctx.raw.dataset, table);
    const bytes = info?.numBytes;
    const created = info ? Date.parse(info.creationTime) : undefined;
    const beforeCreation = (at: number) =>
        created !== undefined && at < created
            ? `the point is before the table was created (${new Date(created).toISOString()})`
            : undefined;
    const rpo = (at: Date) => to.getTime() - at.getTime();
    const estimate = (kind: "copy" | "load" | "clone") =>
        bytes === undefined ? undefined : estimateSeconds(kind, bytes);
    const candidates: Candidate[] = [];

    // Time travel: any point inside the window, of a table that still exists.
    candidates.push({
        source: "time travel",
        point: to.toISOString(),
        rpoMs: 0,
        ...(estimate("copy") !== undefined ? { seconds: estimate("copy")! } : {}),
        entry: { timestamp: to.toISOString().replace(/\.000Z$/, "Z") },
        invalid: !info
            ? `${ctx.raw.dataset}.${table} does not exist: time travel reads a live table (a dropped one comes back ` +
              `with bq cp ${ctx.raw.dataset}.${table}@<ms since epoch> within the window)`
            : now - to.getTime() > ctx.timeTravelHours * HOUR_MS
              ? `the point is past the ${ctx.timeTravelHours} h time-travel window (logistics:warehouse.timeTravelHours)`
              : beforeCreation(to.getTime()),
    });

    // A table snapshot: the newest daily one at or before the point, while it has not expired.
    if (ctx.snapshots) {
        const { day, at } = dailyPointAtOrBefore(to, ctx.snapshots.time, (d) =>
            snapshotPoint(d, ctx.snapshots!.time),
        );
        const name = snapshotTableName(table, day.replace(/-/g, ""));
        progress(`looking for the snapshot ${ctx.snapshots.dataset}.${name}`);
        const snapshot = await wh.tableInfo(ctx.snapshots.dataset, name);
        const snapshotBytes = snapshot?.numBytes ?? bytes;
        candidates.push({
            source: "snapshot",
            point: at.toISOString(),
            rpoMs: rpo(at),
            // Into a new table: a clone, whatever the size.
            seconds: estimateSeconds("clone", snapshotBytes ?? 0),
            entry: { snapshot: day },
            invalid: snapshot
                ? undefined
                : `no snapshot ${ctx.snapshots.dataset}.${name} (expired after ${ctx.snapshots.expirationDays} days, ` +
                  `or taken before the tier was deployed)`,
        });
    } else
        candidates.push({
            source: "snapshot",
            invalid: "the stack takes no table snapshots (logistics:warehouse.snapshots)",
        });

    // A daily backup: the newest export at or before the point, inside the backups' horizon.
    const { day, at } = dailyPointAtOrBefore(to, ctx.exportTime, (d) =>
        backupPoint(d, ctx.exportTime),
    );
    candidates.push({
        source: "backup",
        point: at.toISOString(),
        rpoMs: rpo(at),
        ...(estimate("load") !== undefined ? { seconds: estimate("load")! } : {}),
        entry: { backupDate: day },
        invalid:
            now - at.getTime() > ctx.backupHorizonDays * DAY_MS
                ? `the backup of ${day} is past the backups' ${ctx.backupHorizonDays}-day horizon (logistics:backups.deleteAfterDays)`
                : beforeCreation(at.getTime()),
    });

    candidates.push({
        source: "replica",
        invalid: ctx.replicaLocation
            ? `the replica in ${ctx.replicaLocation} holds the table as it is now, not as of a past point: it serves the loss of the data location ` +
              (ctx.failoverReservation
                  ? `by a failover of the reservation ${ctx.failoverReservation} (managed disaster recovery; docs/runbook.md, "Loss of the data location")`
                  : `(read-only: BigQuery promotes it only while the primary's region is up; docs/runbook.md, recovery matrix)`)
            : "the stack has no replica of the raw dataset (logistics:warehouse.replicaLocation)",
    });

    const rank = (c: Candidate) => [c.invalid ? 1 : 0, c.rpoMs ?? Infinity, c.seconds ?? Infinity];
    candidates.sort((a, b) => {
        const [x, y] = [rank(a), rank(b)];
        for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
        return 0;
    });
    return {
        candidates,
        ...(info ? { bytes: info.numBytes, rows: info.numRows, created: info.creationTime } : {}),
    };
}

/** The logistics:restores entry for a candidate, as YAML lines under the stack file's config. */
export function restoreEntry(
    table: string,
    to: Date,
    candidate: Candidate,
    requestedAt: Date,
): { id: string; entry: RestoreConfig; yaml: string } {
    const stamp = to.toISOString().slice(0, 16).replace(/[-:]/g, "").toLowerCase();
    const id = `${table.replace(/_/g, "-")}-${stamp}`;
    const entry = {
        table,
        requestedAt: requestedAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
        ...candidate.entry,
        targetTable: `${table}_restored_${stamp.replace("t", "_")}`,
    } as RestoreConfig;
    const yaml = [
        "  logistics:restores:",
        `    ${id}:`,
        ...Object.entries(entry).map(
            ([k, v]) =>
                `      ${k}: ${k === "table" || k === "targetTable" ? v : JSON.stringify(v)}`,
        ),
    ].join("\n");
    return { id, entry, yaml };
}

export async function restorePlan(
    wh: Warehouse,
    ctx: CheckContext,
    options: PlanOptions,
    progress: Progress,
): Promise<CheckResult> {
    const table = options.table!;
    if (!ctx.tables.includes(table))
        throw new UsageError(
            `--table: got "${table}". Expected a raw table, one of ${ctx.tables.join(", ")}.`,
        );
    const to = new Date(options.to!);
    if (
        !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?Z$/.test(options.to!) ||
        Number.isNaN(to.getTime())
    )
        throw new UsageError(
            `--to: got "${options.to}". Expected a UTC timestamp such as 2026-11-26T09:30:00Z.`,
        );
    if (to.getTime() >= ctx.now.getTime())
        throw new UsageError(
            `--to: got "${options.to}", not in the past. Expected the time to restore the table to.`,
        );
    const { candidates, bytes, rows, created } = await restoreCandidates(
        wh,
        ctx,
        table,
        to,
        progress,
    );
    const best = candidates.find((c) => !c.invalid);
    const rowsOut = candidates.map((c) => ({
        source: c.source,
        point: c.point ?? null,
        rpo: c.rpoMs === undefined ? null : duration(c.rpoMs),
        estimated_restore: c.seconds === undefined ? null : duration(c.seconds * 1000),
        status: c === best ? "chosen" : c.invalid ? `not valid: ${c.invalid}` : "valid",
    }));
    const notes = [
        bytes === undefined
            ? `${ctx.raw.dataset}.${table} does not exist: no size to estimate from`
            : `${ctx.raw.dataset}.${table}: ${bytes} bytes, ${rows} rows, created ${created}`,
        `throughput: ${RESTORE_RATES.basis}`,
        "chosen: the valid source losing least (RPO), then the fastest",
    ];
    if (candidates.some((c) => c.source === "backup" && !c.invalid))
        notes.push(
            "a backup's files are not looked up (this command reads BigQuery only): gsutil ls gs://<backupsBucket>/<table>_<YYYYMMDD>_*",
        );
    if (!best)
        return {
            check: "restore-plan",
            status: "findings",
            summary: `no source restores ${table} to ${to.toISOString()}`,
            columns: ["source", "point", "rpo", "estimated_restore", "status"],
            rows: rowsOut,
            notes,
        };
    const { id, entry, yaml } = restoreEntry(table, to, best, ctx.now);
    const problems = ctx.validateRestore?.(id, entry) ?? [];
    if (problems.length)
        throw new OpsError(
            `restore-plan built an entry the config refuses: ${problems.join("; ")}`,
        );
    notes.push(
        `add to Pulumi.<stack>.yaml under config (or merge into an existing logistics:restores), then pulumi up; ` +
            `verify with npm run ops -- verify-restore --stack <stack> --restore ${id}:\n${yaml}`,
    );
    return {
        check: "restore-plan",
        status: "ok",
        summary:
            `${best.source} restores ${table} to ${best.point} (RPO ${duration(best.rpoMs!)}` +
            `${best.seconds !== undefined ? `, about ${duration(best.seconds * 1000)}` : ""})`,
        columns: ["source", "point", "rpo", "estimated_restore", "status"],
        rows: rowsOut,
        notes,
    };
}

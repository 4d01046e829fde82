// Config section of restores (components/restores.ts). Composed into CONFIG_SCHEMA as
// logistics:restores (stacks/config.ts); the checks against backups, time travel and snapshots,
// which compare with other sections, are in stacks/config.ts and stacks/snapshots.ts.
import { createHash } from "crypto";
import { z } from "zod";
import { bool, calendarDate, map, oneOf, pattern, section, utcTimestamp } from "../lib/schema";
import { isRawTableName, RAW_TABLE_NAMES } from "./rawTables";

const isoTimestamp = utcTimestamp("2026-11-26T09:30:00Z");

/**
 * A restore: which raw table, from a backup date or a time-travel timestamp, into a new table or
 * in place. `requestedAt` anchors the checks, so re-running `pulumi up` later neither fails nor
 * re-runs it.
 */
const restore = section(
    {
        /** The raw table to restore. */
        table: oneOf(RAW_TABLE_NAMES, "a raw table, one of"),
        /** When the restore was asked for (UTC); the source must be before it. */
        requestedAt: isoTimestamp,
        /** Restore the daily backup of this date (`<table>_<YYYYMMDD>` objects). */
        backupDate: calendarDate("2026-11-20").optional(),
        /** Restore the table as it was at this time (BigQuery time travel). */
        timestamp: isoTimestamp.optional(),
        /** Restore the daily table snapshot of this date (logistics:warehouse.snapshots). */
        snapshot: calendarDate("2026-11-20").optional(),
        /** Write into this new table of the raw dataset. */
        targetTable: pattern(
            /^[A-Za-z_][A-Za-z0-9_]{0,1023}$/,
            "a table name (letters, digits, '_')",
        ).optional(),
        /** Replace the table's contents instead. */
        replace: bool().optional(),
    },
    "exactly one of backupDate, timestamp and snapshot; targetTable or replace",
).superRefine((r, ctx) => {
    const sources = RESTORE_SOURCES.filter((k) => r[k] !== undefined);
    if (sources.length !== 1)
        ctx.addIssue({
            code: "custom",
            path: [],
            message: `sets ${sources.length === 0 ? "none" : sources.join(" and ")} of backupDate, timestamp and snapshot. Expected exactly one: backupDate (a daily backup), timestamp (time travel) or snapshot (a daily table snapshot)`,
        });
    if ((r.targetTable === undefined) === (r.replace !== true))
        ctx.addIssue({
            code: "custom",
            path: [],
            message: `sets ${r.targetTable === undefined ? "neither" : "both"} of targetTable and replace. Expected exactly one: targetTable (a new table in raw) or replace: true`,
        });
    if (r.backupDate !== undefined && r.replace === true)
        ctx.addIssue({
            code: "custom",
            path: ["replace"],
            message:
                "is true for a backup restore. Expected targetTable: a backup loads into a new table; compare it with the live one, then swap (docs/runbook.md)",
        });
    if (r.targetTable !== undefined && isRawTableName(r.targetTable))
        ctx.addIssue({
            code: "custom",
            path: ["targetTable"],
            message: `got ${JSON.stringify(r.targetTable)}, an existing raw table. Expected a new table name, or replace: true`,
        });
});

/** A restore's sources; an entry names exactly one. */
const RESTORE_SOURCES = ["backupDate", "timestamp", "snapshot"] as const;

export const restores = map(
    pattern(
        /^[a-z][a-z0-9-]{0,40}$/,
        "a restore id: lowercase letters, digits and '-', e.g. packages-2026-11-20",
    ),
    restore,
    "a map of restore ids to restores",
).default({});
export type RestoreConfig = z.output<typeof restore>;

/**
 * A restore's BigQuery job id, from the entry: the same entry gives the same id (so `pulumi up`
 * never runs it twice), any change a new job. The ops command finds the job by it.
 */
export function restoreJobId(id: string, r: RestoreConfig): string {
    const canonical = JSON.stringify(
        // Keys in code-point order, whatever the locale: an id must never change under a deploy.
        Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    );
    const hash = createHash("sha256").update(canonical).digest("hex").slice(0, 12);
    return `restore_${id.replace(/-/g, "_")}_${hash}`;
}

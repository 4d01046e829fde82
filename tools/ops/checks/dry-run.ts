// `dry-run`: every SQL statement the stack deploys, validated by BigQuery without running.
import { OpsError, statusOf, type Check, type Warehouse } from "./check";

export const dryRun: Check<"dry-run"> = {
    name: "dry-run",
    usage: "  dry-run         every SQL statement the stack deploys, validated by BigQuery without running",
    async run({ warehouse: wh, context: ctx, progress }) {
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
            check: "dry-run",
            status: statusOf(bad.length === 0),
            summary:
                bad.length === 0
                    ? `all ${rows.length - skipped} statements the stack deploys are valid` +
                      (skipped ? ` (${skipped} restores already with BigQuery, skipped)` : "")
                    : `${bad.length} of ${rows.length} statements rejected by BigQuery`,
            columns: ["statement", "bytes_processed", "status"],
            rows,
            notes: [],
        };
    },
};

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

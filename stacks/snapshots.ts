// The table-snapshot tier's config rules: when the daily snapshots run, and which restores they serve.
import { maintenanceSlots, WEEKDAYS, type WindowConfig } from "../components/orchestration.schema";
import { snapshotPoint, type WarehouseConfig } from "../components/warehouse.schema";

const DAY_MS = 86_400_000;

/**
 * The snapshot time against Composer's maintenance window: during maintenance Airflow's
 * components restart and the ingestion DAGs' loads may stop part-way
 * (https://cloud.google.com/composer/docs/specify-maintenance-windows), so a snapshot taken then
 * may hold one table's load and not the next. Outside every slot, as Composer's own snapshot is.
 */
export function snapshotTimeProblems(
    warehouse: WarehouseConfig,
    composer: { maintenanceWindow: WindowConfig },
): string[] {
    const time = warehouse.snapshots?.time;
    if (time === undefined) return [];
    const minute = Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
    const w = composer.maintenanceWindow;
    const slots = maintenanceSlots(w);
    const week = 7 * 24 * 60;
    const hit = WEEKDAYS.filter((_, i) =>
        slots.some(([s, e]) => {
            const at = i * 24 * 60 + minute;
            const offset = (((at - s) % week) + week) % week;
            return offset < e - s;
        }),
    );
    if (hit.length === 0) return [];
    return [
        `logistics:warehouse.snapshots.time: got "${time}", inside Composer's maintenance window ` +
            `(logistics:composer.maintenanceWindow: "${w.start}" for ${w.hours} h) on ${hit.join(", ")}. ` +
            `Expected a time outside every maintenance slot: loads may stop part-way during maintenance.`,
    ];
}

/** A restore from the snapshot of `date`: the tier is on, the snapshot was taken before the request and has not expired. */
export function snapshotRestoreProblems(
    v: { "logistics:warehouse": WarehouseConfig },
    key: string,
    date: string,
    requested: number,
): string[] {
    const snapshots = v["logistics:warehouse"].snapshots;
    if (!snapshots)
        return [
            `${key}.snapshot: got "${date}", but the stack takes no table snapshots. ` +
                `Expected logistics:warehouse.snapshots set, or restore with backupDate or timestamp.`,
        ];
    const point = Date.parse(snapshotPoint(date, snapshots.time));
    if (Number.isNaN(point) || point >= requested)
        return [
            `${key}.snapshot: got "${date}", no snapshot of which was taken before requestedAt ` +
                `(snapshots run daily at ${snapshots.time} UTC). Expected the date of an earlier daily snapshot.`,
        ];
    if (requested - point > snapshots.expirationDays * DAY_MS)
        return [
            `${key}.snapshot: got "${date}", older than the snapshots' ${snapshots.expirationDays}-day expiration ` +
                `(logistics:warehouse.snapshots.expirationDays) at requestedAt. Expected a date within ` +
                `${snapshots.expirationDays} days before it, or restore a backup (backupDate).`,
        ];
    return [];
}

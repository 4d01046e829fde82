// Composer policies: a maintenance window GCP accepts, and snapshots for recovery.
import { COMPOSER, get, resourcePolicy } from "./lib";

/** Hours per slot and slots per week of a Composer window, or undefined when unknown. */
export function windowHours(w: unknown): { slot: number; days: number } | undefined {
    const start = Date.parse(get(w, "startTime"));
    const end = Date.parse(get(w, "endTime"));
    const rrule = get(w, "recurrence");
    if (Number.isNaN(start) || Number.isNaN(end) || typeof rrule !== "string") return undefined;
    const byday = /BYDAY=([A-Z,]+)/.exec(rrule)?.[1];
    const days = /FREQ=DAILY/.test(rrule) ? 7 : byday ? new Set(byday.split(",")).size : 1;
    return { slot: (end - start) / 3_600_000, days };
}

export const composerMaintenanceWindowAccepted = resourcePolicy({
    name: "composer-maintenance-window-accepted",
    description:
        "Checks whether the Composer maintenance window gives at least 12 h a week in slots of at least 4 h (GCP's rule).",
    remediationSteps: "Widen logistics:composer.maintenanceWindow (hours ≥ 4, hours × days ≥ 12).",
    types: [COMPOSER],
    check: (p, _a, report) => {
        const w = get(p, "config.maintenanceWindow");
        if (w === undefined) return; // Composer's default window is accepted.
        const h = windowHours(w);
        if (!h)
            return report(
                "Composer maintenance window must have RFC 3339 start/end times and an RRULE recurrence.",
            );
        if (h.slot < 4)
            report(`Composer maintenance slots must last at least 4 h, got ${h.slot} h.`);
        if (h.slot * h.days < 12)
            report(
                `Composer maintenance must total at least 12 h a week, got ${h.slot * h.days} h.`,
            );
    },
});

export const composerSnapshotsEnabled = resourcePolicy({
    name: "composer-snapshots-enabled",
    description: "Checks whether the Composer environment takes scheduled snapshots.",
    remediationSteps:
        "The orchestration component enables them; keep config.recoveryConfig.scheduledSnapshotsConfig.enabled true.",
    types: [COMPOSER],
    check: (p, _a, report) => {
        if (get(p, "config.recoveryConfig.scheduledSnapshotsConfig.enabled") !== true)
            report(
                "Composer environment must take scheduled snapshots (recoveryConfig.scheduledSnapshotsConfig.enabled).",
            );
    },
});

export const composerPolicies = [composerMaintenanceWindowAccepted, composerSnapshotsEnabled];

// Composer policies: a maintenance window GCP accepts, snapshots for recovery, a private
// environment with a restricted web server, and the stack's resilience floors.
import {
    COMPOSER,
    EXCEPTIONS_SCHEMA,
    get,
    resourcePolicy,
    waived,
    type PolicyException,
} from "./lib";

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

/** Ranges that admit every address. */
const ANYWHERE = ["0.0.0.0/0", "::/0", "0.0.0.0", "*"];

export const composerPrivateEnvironment = resourcePolicy<{ exceptions: PolicyException[] }>({
    name: "composer-private-environment",
    description:
        "Checks whether the Composer environment is private (no public IPs) and its Airflow web server admits only listed IP ranges, never 0.0.0.0/0.",
    remediationSteps:
        "Set config.enablePrivateEnvironment (Composer 3) and webServerNetworkAccessControl.allowedIpRanges to the office or VPN ranges; an accepted gap is an exception with its reason in the policy config.",
    types: [COMPOSER],
    configSchema: { properties: { exceptions: EXCEPTIONS_SCHEMA as never } },
    check: (p, args, report, { exceptions }) => {
        const found = (m: string) => {
            if (!waived("composer-private-environment", exceptions, args.urn, m)) report(m);
        };
        // Composer 3: enablePrivateEnvironment; Composer 2: privateEnvironmentConfig.enablePrivateEndpoint.
        // https://cloud.google.com/composer/docs/composer-3/configure-private-ip
        const private3 = get(p, "config.enablePrivateEnvironment") === true;
        const private2 = get(p, "config.privateEnvironmentConfig.enablePrivateEndpoint") === true;
        if (!private3 && !private2)
            found("Composer environment must be private (config.enablePrivateEnvironment: true).");
        // Without an access control, the web server admits every address.
        // https://cloud.google.com/composer/docs/composer-3/restrict-web-server-access
        const ranges = get(p, "config.webServerNetworkAccessControl.allowedIpRanges");
        if (!Array.isArray(ranges) || ranges.length === 0)
            found(
                "Composer web server access is not restricted: without webServerNetworkAccessControl.allowedIpRanges it admits every address.",
            );
        else
            for (const r of ranges)
                if (ANYWHERE.includes(String(get(r, "value")).trim()))
                    found(`Composer web server must not admit ${String(get(r, "value"))}.`);
    },
});

export const composerResilienceFloors = resourcePolicy<{
    resilienceMode?: string;
    minSchedulers: number;
    minWorkers: number;
}>({
    name: "composer-resilience-floors",
    description:
        "Checks whether the Composer environment keeps the stack's floors: resilience mode, schedulers and minimum workers.",
    remediationSteps:
        "Set logistics:composer.resilienceMode, schedulerCount and workers.minCount to at least the policy's floors.",
    types: [COMPOSER],
    configSchema: {
        properties: {
            resilienceMode: { type: "string", enum: ["STANDARD_RESILIENCE", "HIGH_RESILIENCE"] },
            minSchedulers: { type: "integer", minimum: 0, maximum: 10, default: 0 },
            minWorkers: { type: "integer", minimum: 0, maximum: 100, default: 0 },
        },
    },
    check: (p, _a, report, { resilienceMode, minSchedulers, minWorkers }) => {
        const mode = get(p, "config.resilienceMode") ?? "STANDARD_RESILIENCE";
        if (resilienceMode === "HIGH_RESILIENCE" && mode !== "HIGH_RESILIENCE")
            report(`Composer environment must run in HIGH_RESILIENCE mode, got ${String(mode)}.`);
        // Unset counts are GCP's per-size defaults: not a floor the stack can rely on.
        const schedulers = get(p, "config.workloadsConfig.scheduler.count");
        if (minSchedulers > 0 && !(typeof schedulers === "number" && schedulers >= minSchedulers))
            report(
                `Composer environment must run at least ${minSchedulers} schedulers, got ${schedulers ?? "GCP's default"}.`,
            );
        const workers = get(p, "config.workloadsConfig.worker.minCount");
        if (minWorkers > 0 && !(typeof workers === "number" && workers >= minWorkers))
            report(
                `Composer environment must keep at least ${minWorkers} workers, got ${workers ?? "GCP's default"}.`,
            );
    },
});

export const composerPolicies = [
    composerMaintenanceWindowAccepted,
    composerSnapshotsEnabled,
    composerPrivateEnvironment,
    composerResilienceFloors,
];

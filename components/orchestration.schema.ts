// Config section of Cloud Composer (components/orchestration.ts): image, size, workers, packages,
// maintenance window and snapshot time, with the maintenance-window rules. Composed into
// CONFIG_SCHEMA as logistics:composer (stacks/config.ts).
import { z } from "zod";
import { pypiPinProblems } from "./composerPackages";
import { int, map, num, oneOf, pattern, section } from "../lib/schema";

/** Composer 3 images: `composer-3-airflow-<version>[-build.<n>]`. */
export const COMPOSER_IMAGE_PATTERN = /^composer-3-airflow-([23])(\.\d+){0,2}(-build\.\d+)?$/;

export const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * The runbook's maintenance windows (UTC). Composer's window must contain them all: daily
 * 02:00–03:00, weekly Sunday 02:00–04:00, monthly first Sunday 00:00–04:00.
 */
export const RUNBOOK_WINDOWS: readonly {
    what: string;
    days: readonly Weekday[];
    start: number;
    end: number;
}[] = [
    { what: "daily 02:00-03:00", days: WEEKDAYS, start: 2, end: 3 },
    { what: "weekly Sunday 02:00-04:00", days: ["SU"], start: 2, end: 4 },
    { what: "monthly first Sunday 00:00-04:00", days: ["SU"], start: 0, end: 4 },
];

/** Composer's rule: at least 12 hours a week, in slots of at least 4 hours. */
export const MIN_WEEKLY_MAINTENANCE_HOURS = 12;
export const MIN_MAINTENANCE_SLOT_HOURS = 4;

const resources = (
    what: string,
    cpu: [number, number],
    memory: [number, number],
    storage: [number, number],
) =>
    section(
        {
            /** vCPUs. */
            cpu: num(cpu[0], cpu[1], "vCPUs").optional(),
            /** Memory in GB. */
            memoryGb: num(memory[0], memory[1], "GB").optional(),
            /** Disk in GB. */
            storageGb: num(storage[0], storage[1], "GB").optional(),
        },
        `for the ${what}`,
    );

export const composer = section({
    /** Composer 3 image. Default composer-3-airflow-2.10.5. */
    imageVersion: pattern(
        COMPOSER_IMAGE_PATTERN,
        "a Composer 3 image such as composer-3-airflow-2.10.5 or composer-3-airflow-2.10.5-build.7",
    ).default("composer-3-airflow-2.10.5"),
    /** Composer environment size. Default ENVIRONMENT_SIZE_SMALL. */
    environmentSize: oneOf([
        "ENVIRONMENT_SIZE_SMALL",
        "ENVIRONMENT_SIZE_MEDIUM",
        "ENVIRONMENT_SIZE_LARGE",
    ]).default("ENVIRONMENT_SIZE_SMALL"),
    /** STANDARD_RESILIENCE or HIGH_RESILIENCE (schedulers and database across zones). Default STANDARD_RESILIENCE. */
    resilienceMode: oneOf(["STANDARD_RESILIENCE", "HIGH_RESILIENCE"]).default(
        "STANDARD_RESILIENCE",
    ),
    /** Airflow schedulers. Default 1. */
    schedulerCount: int(1, 3, "Composer 3 runs 1 to 3 schedulers").default(1),
    /** Airflow workers: the autoscaling range ("scale workers" in the runbook). */
    workers: section({
        /** Default 1. */
        minCount: int(1, 100).default(1),
        /** Must be ≥ minCount. Default 3. */
        maxCount: int(1, 100).default(3),
        /** Worker resources; Composer's size presets apply when unset. */
        resources: resources("workers", [0.5, 32], [1, 128], [1, 100]).optional(),
    })
        .prefault({})
        .superRefine((w, ctx) => {
            if (w.maxCount < w.minCount)
                ctx.addIssue({
                    code: "custom",
                    path: ["maxCount"],
                    message: `got ${w.maxCount}, below minCount (${w.minCount}). Expected maxCount ≥ minCount`,
                });
        }),
    /** Scheduler resources; Composer's size presets apply when unset. */
    schedulerResources: resources("schedulers", [0.5, 32], [1, 128], [1, 100]).optional(),
    /** Extra PyPI packages, pinned: name → "==<version>". */
    pypiPackages: map(
        pattern(/^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?$/, "a PyPI package name"),
        pattern(/^==[0-9][A-Za-z0-9.+!-]*$/, 'a pinned version such as "==1.9.1"'),
        "a map of PyPI package names to pinned versions",
    ).default({}),
    /** Extra Airflow config overrides, "<section>-<key>" → value; merged over the platform's own. */
    airflowConfigOverrides: map(
        pattern(
            /^[a-z_]+-[A-Za-z0-9_]+$/,
            'an override key "<section>-<key>", e.g. "core-parallelism"',
        ),
        z.string({ error: () => "expected the override's value as text" }),
        "a map of Airflow config overrides",
    ).default({}),
    /** Extra environment variables for DAGs; merged over the platform's own (BUCKET, datasets, …). */
    envVariables: map(
        pattern(
            /^(?!AIRFLOW__)[A-Za-z_][A-Za-z0-9_]*$/,
            "a variable name (letters, digits, '_'; not starting with AIRFLOW__)",
        ),
        z.string({ error: () => "expected the variable's value as text" }),
        "a map of environment variables",
    ).default({}),
    /**
     * Composer's maintenance window: `hours` from `start` (UTC) on `days`. Composer needs at
     * least 12 h a week in slots of at least 4 h, and the window must contain the runbook's
     * windows, so the runbook's 02:00–03:00 daily window is widened. Default 00:00, 4 h, every day.
     */
    maintenanceWindow: section({
        start: pattern(/^([01][0-9]|2[0-3]):00$/, "a whole hour in UTC such as 00:00").default(
            "00:00",
        ),
        hours: int(1, 24).default(4),
        days: z
            .array(oneOf(WEEKDAYS, "a weekday, one of"), {
                error: () => `expected a list of weekdays (${WEEKDAYS.join(", ")})`,
            })
            .min(1, { error: () => "is empty. Expected at least one weekday" })
            .default([...WEEKDAYS]),
    }).prefault({}),
    /**
     * Time of the daily environment snapshot (UTC), outside every maintenance slot: Composer
     * may not run environment operations during maintenance. Default 04:30, after the
     * default 00:00–04:00 window.
     */
    snapshotTime: pattern(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, "a UTC time such as 04:30").default(
        "04:30",
    ),
})
    .prefault({})
    .superRefine((c, ctx) => {
        for (const p of pypiPinProblems(c.imageVersion, c.pypiPackages))
            ctx.addIssue({ code: "custom", path: ["pypiPackages", ...p.path], message: p.message });
        for (const problem of maintenanceWindowProblems(c.maintenanceWindow))
            ctx.addIssue({
                code: "custom",
                path: ["maintenanceWindow", problem.key],
                message: problem.message,
            });
        const snapshot = snapshotTimeProblem(c.snapshotTime, c.maintenanceWindow);
        if (snapshot) ctx.addIssue({ code: "custom", path: ["snapshotTime"], message: snapshot });
    });
export type ComposerConfig = z.output<typeof composer>;

/** A maintenance window config: `hours` from `start` (UTC) on each of `days`; a slot may run past midnight. */
export interface WindowConfig {
    start: string;
    hours: number;
    days: readonly Weekday[];
}

const WEEK_MINUTES = 7 * 24 * 60;
const hh = (h: number) => `${String(((h % 24) + 24) % 24).padStart(2, "0")}:00`;

/**
 * The window's slots as [start, end) minutes from Monday 00:00 UTC. A slot that runs past
 * midnight (22:00 for 8 h) continues into the next day, and Sunday's into Monday.
 */
export function maintenanceSlots(w: WindowConfig): [number, number][] {
    const start = Number(w.start.slice(0, 2)) * 60 + Number(w.start.slice(3, 5));
    return [...new Set(w.days)]
        .map((d) => WEEKDAYS.indexOf(d) * 24 * 60 + start)
        .map((s) => [s, s + w.hours * 60] as [number, number]);
}

/** Whether [from, to) minutes of the week lie inside one slot, wrapping at the week's end. */
function inSlot(slots: readonly [number, number][], from: number, to: number): boolean {
    return slots.some(([s, e]) => {
        const offset = (((from - s) % WEEK_MINUTES) + WEEK_MINUTES) % WEEK_MINUTES;
        return offset < e - s && offset + (to - from) <= e - s;
    });
}

/** Composer's maintenance rules and the runbook's windows, checked against a window config. */
export function maintenanceWindowProblems(w: WindowConfig) {
    const problems: { key: "hours" | "days" | "start"; message: string }[] = [];
    const days = [...new Set(w.days)];
    // https://cloud.google.com/composer/docs/specify-maintenance-windows: at least 12 hours a
    // week, each slot at least 4 hours.
    if (w.hours < MIN_MAINTENANCE_SLOT_HOURS)
        problems.push({
            key: "hours",
            message: `got ${w.hours}. Expected at least ${MIN_MAINTENANCE_SLOT_HOURS}: Composer needs maintenance slots of at least ${MIN_MAINTENANCE_SLOT_HOURS} hours`,
        });
    else if (w.hours * days.length < MIN_WEEKLY_MAINTENANCE_HOURS)
        problems.push({
            key: "days",
            message:
                `give ${w.hours * days.length} hours a week (${days.length} × ${w.hours} h). Expected at least ` +
                `${MIN_WEEKLY_MAINTENANCE_HOURS}: Composer needs ${MIN_WEEKLY_MAINTENANCE_HOURS} hours of maintenance a week; add days or hours`,
        });
    // Each runbook window, on each of its days, must lie inside one slot (a slot starting the
    // evening before counts: 22:00 for 8 h contains 02:00-03:00 of the next day).
    const slots = maintenanceSlots(w);
    const uncovered = RUNBOOK_WINDOWS.map((rb) => ({
        rb,
        days: rb.days.filter((d) => {
            const from = (WEEKDAYS.indexOf(d) * 24 + rb.start) * 60;
            return !inSlot(slots, from, from + (rb.end - rb.start) * 60);
        }),
    })).filter((u) => u.days.length > 0);
    if (uncovered.length > 0) {
        const from = Math.min(...uncovered.map((u) => u.rb.start));
        const until = Math.max(...uncovered.map((u) => u.rb.end));
        const onDays = (u: (typeof uncovered)[number]) =>
            u.days.length === u.rb.days.length ? "" : ` on ${u.days.join(", ")}`;
        problems.push({
            key: "start",
            message:
                `"${w.start}" for ${w.hours} h on ${days.join(", ")} does not contain the runbook's ` +
                `${uncovered.map((u) => `${u.rb.what}${onDays(u)}`).join(", ")} ` +
                `window${uncovered.length > 1 ? "s" : ""}. Expected slots that contain ${hh(from)}-${hh(until)} ` +
                `on each of those days (a slot may start the evening before and run past midnight)`,
        });
    }
    return problems;
}

/**
 * Why a daily snapshot at `time` (HH:MM UTC) is refused: it falls inside a maintenance slot on
 * some day. Composer may not run environment operations during maintenance ("you might not be
 * able to change some parameters of your environment"), and a snapshot is one:
 * https://cloud.google.com/composer/docs/specify-maintenance-windows
 */
export function snapshotTimeProblem(time: string, w: WindowConfig): string | undefined {
    const minute = Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
    const slots = maintenanceSlots(w);
    const hit = WEEKDAYS.filter((_, i) =>
        inSlot(slots, i * 24 * 60 + minute, i * 24 * 60 + minute),
    );
    if (hit.length === 0) return undefined;
    // Suggest the end of the slot it falls in, if that time is itself free.
    const startHour = Number(w.start.slice(0, 2));
    const end = `${hh(startHour + w.hours)}`;
    const endMinute = ((startHour + w.hours) % 24) * 60;
    const free = WEEKDAYS.every(
        (_, i) => !inSlot(slots, i * 1440 + endMinute, i * 1440 + endMinute),
    );
    return (
        `got "${time}", inside the maintenance window ("${w.start}" for ${w.hours} h) on ${hit.join(", ")}. ` +
        `Expected a time outside every maintenance slot${free ? `, e.g. ${end}` : ""}: Composer may not run ` +
        `environment operations such as snapshots during maintenance`
    );
}

/** The RRULE and RFC 3339 times Composer takes for a window config (the date only anchors the times). */
export function composerMaintenanceWindow(w: {
    start: string;
    hours: number;
    days: readonly Weekday[];
}) {
    const startHour = Number(w.start.slice(0, 2));
    // A slot past midnight ends the next day: endTime - startTime is the slot's length.
    const anchor = Date.UTC(2024, 0, 1, startHour);
    return {
        startTime: new Date(anchor).toISOString().replace(".000Z", "Z"),
        endTime: new Date(anchor + w.hours * 3_600_000).toISOString().replace(".000Z", "Z"),
        recurrence: `FREQ=WEEKLY;BYDAY=${WEEKDAYS.filter((d) => w.days.includes(d)).join(",")}`,
    };
}

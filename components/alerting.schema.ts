// Config section of alerting (components/alerting.ts, components/freshnessChecks.ts): notification
// channels for the runbook's escalation levels, routing by severity, re-notification, thresholds,
// and the freshness threshold of each raw table. Composed into CONFIG_SCHEMA as logistics:alerting
// (stacks/config.ts).
import { z } from "zod";
import { perRawTable, RAW_TABLE_NAMES, type RawTableName } from "./rawTables";
import { bool, int, map, pattern, section, sensitive, show } from "../lib/schema";

/** The runbook's severities. */
export const SEVERITIES = ["high", "medium", "low"] as const;
export type Severity = (typeof SEVERITIES)[number];

const channelId = pattern(
    /^[a-z][a-z0-9-]{0,30}$/,
    "a channel id: lowercase letters, digits and '-', e.g. l1-oncall",
);

const channel = section(
    {
        /** Escalation level: 1 on-call data engineer, 2 platform team lead. */
        level: int(1, 2, "level 3, GCP support, is a link in each alert's documentation"),
        /** Email address, for an email channel. */
        email: pattern(
            /^[^@\s]+@[^@\s]+\.[^@\s]+$/,
            "an email address such as oncall@example.com",
        ).optional(),
        /** PagerDuty integration key (set it with `pulumi config set --secret`), for a PagerDuty channel. */
        pagerdutyServiceKey: sensitive(
            z.string({
                error: (i) => `got ${show(i.input)}. Expected the integration key as text`,
            }),
        ).optional(),
    },
    "exactly one of email and pagerdutyServiceKey",
).superRefine((c, ctx) => {
    if ((c.email === undefined) === (c.pagerdutyServiceKey === undefined))
        ctx.addIssue({
            code: "custom",
            path: [],
            message: `sets ${c.email === undefined ? "neither" : "both"} of email and pagerdutyServiceKey. Expected exactly one: an email channel or a PagerDuty channel`,
        });
});
export type ChannelConfig = z.output<typeof channel>;

const duration = pattern(/^[1-9][0-9]*m$/, "minutes such as 30m").refine(
    (d) => Number(d.slice(0, -1)) >= 30,
    {
        error: (i) =>
            `got ${JSON.stringify(i.input)}. Expected at least 30m (Cloud Monitoring's minimum)`,
    },
);

export const ALERTING_DEFAULTS = {
    /** Per raw table, from RAW_TABLE_REGISTRY (components/rawTables.ts). */
    freshnessHours: perRawTable((spec) => spec.freshnessHours),
    freshnessCheckMinutes: 60,
    freshnessGraceHours: 48,
    apiLatencyP95Ms: 2000,
    storageQuotaGb: 5000,
} as const;

export const alerting = section({
    /** Notification channels by id. */
    channels: map(channelId, channel, "a map of channel ids to channels").refine(
        (c) => Object.keys(c).length > 0,
        {
            error: () => "is empty. Expected at least one channel (the on-call engineer)",
        },
    ),
    /** Channels each severity notifies. */
    routes: section(
        Object.fromEntries(
            SEVERITIES.map((s) => [
                s,
                z
                    .array(channelId, { error: () => "expected a list of channel ids" })
                    .min(1, { error: () => "is empty. Expected at least one channel id" }),
            ]),
        ) as Record<Severity, z.ZodArray<typeof channelId>>,
    ),
    /** Re-notify an open incident after this long, per severity (escalation); unset: no re-notification. */
    renotify: section(
        Object.fromEntries(SEVERITIES.map((s) => [s, duration.optional()])) as Record<
            Severity,
            z.ZodOptional<typeof duration>
        >,
    ).default({}),
    /** Close incidents whose condition has cleared for this long. Default 30m. */
    autoClose: duration.default("30m"),
    /** Hours after which a raw table without a new `_loaded_at` is stale. */
    freshnessHours: section(
        Object.fromEntries(
            RAW_TABLE_NAMES.map((t) => [t, int(1, 720, "hours").optional()]),
        ) as Record<RawTableName, z.ZodOptional<z.ZodNumber>>,
    ).default({}),
    /** How often the freshness checks run, in minutes (10 to 1440). Default 60. */
    freshnessCheckMinutes: int(10, 1440).default(ALERTING_DEFAULTS.freshnessCheckMinutes),
    /**
     * Hours after a raw table's creation during which a never-loaded (empty) table is not
     * stale, so a new environment waits for its first load (0 to 720). Default 48.
     */
    freshnessGraceHours: int(0, 720, "hours").default(ALERTING_DEFAULTS.freshnessGraceHours),
    /** API latency alert: p95 above this many milliseconds for 5 minutes. Default 2000. */
    apiLatencyP95Ms: int(1, 600000).default(ALERTING_DEFAULTS.apiLatencyP95Ms),
    /** Storage quota alert: the data lake above this many GB. Default 5000. */
    storageQuotaGb: int(1, 10_000_000).default(ALERTING_DEFAULTS.storageQuotaGb),
    /** Turn the alert policies on. Default true. */
    enabled: bool().default(true),
}).superRefine((a, ctx) => {
    for (const s of SEVERITIES)
        (a.routes[s] ?? []).forEach((id, i) => {
            if (!(id in a.channels))
                ctx.addIssue({
                    code: "custom",
                    path: ["routes", s, i],
                    message: `got ${JSON.stringify(id)}, not a channel. Expected one of ${Object.keys(a.channels).join(", ")}`,
                });
        });
});
export type AlertingConfig = z.output<typeof alerting>;

/** The freshness threshold of a table, config over default. */
export function freshnessHours(a: AlertingConfig, table: RawTableName): number {
    return a.freshnessHours[table] ?? ALERTING_DEFAULTS.freshnessHours[table];
}

// Monitoring and logging policies: every alert fires, reaches an allowed destination and says what
// to do; the runbook's alerts exist by what they watch; audit logs are neither excluded nor cut short.
import type { PolicyResource } from "@pulumi/policy";
import {
    ALERT_POLICY,
    API_SERVICE,
    CHANNEL,
    FRESHNESS_CHECKS,
    get,
    known,
    resourcePolicy,
    stackPolicy,
    stateful,
    TRANSFER,
    UNKNOWN,
} from "./lib";
import { FRESHNESS_MARKER } from "../components/sql";
import { analyseSql } from "./sql";

/** "300s" → 300; undefined for anything else. */
function seconds(d: unknown): number | undefined {
    const m = typeof d === "string" ? /^(\d+(?:\.\d+)?)s$/.exec(d) : null;
    return m ? Number(m[1]) : undefined;
}

export const monitoringAlertRoutedAndDocumented = stackPolicy<{ maxDelaySeconds: number }>({
    name: "monitoring-alert-routed-and-documented",
    description:
        "Checks whether every alert policy is enabled, notifies at least one channel the stack declares on opening, " +
        "and carries documentation (the runbook's response).",
    remediationSteps:
        "Enable the alert, route it to a notification channel of the alerting component and put the runbook's " +
        "response in documentation.content.",
    configSchema: {
        properties: { maxDelaySeconds: { type: "integer", minimum: 0, default: 3600 } },
    },
    check: (resources, report, cfg, each) => {
        for (const a of resources.filter((r) => r.type === ALERT_POLICY))
            each(a, "the alert's state and routing", () => {
                // GCP enables an alert policy when `enabled` is omitted.
                if (a.props["enabled"] === false)
                    report("Alert policy must be enabled (enabled: false silences it).", a.urn);
                const channels = a.props["notificationChannels"];
                if (!Array.isArray(channels) || channels.length === 0)
                    report(
                        "Alert policy must notify at least one channel (notificationChannels).",
                        a.urn,
                    );
                else {
                    // A channel id is known only after deploy when it comes from a channel the stack
                    // declares (checked by monitoring-channels-allowed): safe when the alert depends
                    // on such channels. A literal id names a channel nobody here can check.
                    // Index by index: the SDK's proxy throws on reading an unknown element.
                    const entries = Array.from({ length: channels.length }, (_x, i) =>
                        known(() => channels[i] as unknown),
                    );
                    const unknown = entries.filter((c) => c === UNKNOWN);
                    const literal = entries.filter((c) => c !== UNKNOWN);
                    const declared = a.dependencies.filter((d) => d.type === CHANNEL).length;
                    for (const c of literal)
                        report(
                            `Alert policy must notify channels the stack declares, got ${String(c)}: its destination cannot be checked.`,
                            a.urn,
                        );
                    if (unknown.length > 0 && declared === 0)
                        report(
                            "Alert policy's channels are known only after deploy and come from no notification channel of the stack, so their destination cannot be checked.",
                            a.urn,
                        );
                }
                const prompts = get(a.props, "alertStrategy.notificationPrompts");
                if (Array.isArray(prompts) && !prompts.includes("OPENED"))
                    report(
                        "Alert policy must notify when an incident opens (notificationPrompts lacks OPENED).",
                        a.urn,
                    );
                // A condition that must hold for a day, or notifications rate-limited to one a day,
                // delay the page past any response the runbook describes.
                const conditions: any[] = Array.isArray(a.props["conditions"])
                    ? a.props["conditions"]
                    : [];
                for (const c of conditions)
                    for (const k of ["conditionThreshold.duration", "conditionAbsent.duration"]) {
                        const d = get(c, k);
                        if (d !== undefined && !((seconds(d) ?? Infinity) <= cfg.maxDelaySeconds))
                            report(
                                `Alert policy must fire within ${cfg.maxDelaySeconds} s, got ${k.split(".")[0]} duration ${String(d)}.`,
                                a.urn,
                            );
                    }
                const rate = get(a.props, "alertStrategy.notificationRateLimit.period");
                if (rate !== undefined && !((seconds(rate) ?? Infinity) <= cfg.maxDelaySeconds))
                    report(
                        `Alert policy must notify at least every ${cfg.maxDelaySeconds} s, got notificationRateLimit ${String(rate)}.`,
                        a.urn,
                    );
                if (!get(a.props, "documentation.content"))
                    report(
                        "Alert policy must document the response (documentation.content).",
                        a.urn,
                    );
            });
    },
});

/** The domain of an email address, lower-cased. */
function domainOf(email: string): string {
    return email.slice(email.lastIndexOf("@") + 1).toLowerCase();
}

export const monitoringChannelsAllowed = resourcePolicy<{
    allowedEmailDomains: string[];
    allowedTypes: string[];
}>({
    name: "monitoring-channels-allowed",
    description:
        "Checks whether notification channels are enabled and go only to allowed email domains or PagerDuty with a secret key.",
    remediationSteps:
        "Use an address in an allowed domain (allowedEmailDomains in policies/config/<stack>.json), or PagerDuty " +
        "with its key in sensitiveLabels.serviceKey (a secret in the stack file).",
    types: [CHANNEL],
    unknown: "fail",
    configSchema: {
        properties: {
            allowedEmailDomains: { type: "array", items: { type: "string" }, default: [] },
            allowedTypes: {
                type: "array",
                items: { type: "string" },
                default: ["email", "pagerduty"],
            },
        },
    },
    check: (p, _a, report, { allowedEmailDomains, allowedTypes }) => {
        if (p.enabled === false)
            report(
                "Notification channel must be enabled (enabled: false drops every alert routed to it).",
            );
        if (!allowedTypes.includes(p.type))
            return report(
                `Notification channel must be of an allowed type (${allowedTypes.join(", ")}), got ${String(p.type)}.`,
            );
        if (p.type === "email") {
            const address = get(p, "labels.email_address");
            const ok = allowedEmailDomains.map((d) => d.toLowerCase());
            if (typeof address !== "string" || !ok.includes(domainOf(address)))
                report(
                    `Notification channel must email an allowed domain (${ok.join(", ") || "none configured"}), got ${String(address)}.`,
                );
        }
        if (p.type === "pagerduty") {
            // labels are stored and shown in clear; sensitiveLabels are write-only in the API.
            if (get(p, "labels.service_key") !== undefined)
                report(
                    "PagerDuty channel must not put its key in labels.service_key (kept in clear); use sensitiveLabels.serviceKey.",
                );
            if (get(p, "sensitiveLabels.serviceKey") === undefined)
                report("PagerDuty channel must take its key from sensitiveLabels.serviceKey.");
        }
    },
});

/** Each condition's filter (UNKNOWN when not known yet) with the condition it belongs to. */
function watchedConditions(
    a: PolicyResource,
): { filter: string | typeof UNKNOWN; condition: unknown }[] {
    const all = known(() => a.props["conditions"] as unknown);
    if (all === UNKNOWN) return [{ filter: UNKNOWN, condition: UNKNOWN }];
    const conditions: any[] = Array.isArray(all) ? all : [];
    return conditions.flatMap((_c, i) =>
        [
            "conditionThreshold",
            "conditionAbsent",
            "conditionMatchedLog",
            "conditionMonitoringQueryLanguage",
        ].map((k) => ({
            filter: known(() => {
                const f = get(conditions[i], `${k}.filter`) ?? get(conditions[i], `${k}.query`);
                return typeof f === "string" ? f : "";
            }),
            condition: conditions[i],
        })),
    );
}

/**
 * Why a runbook alert's threshold condition can never fire on what it watches, or undefined. Every
 * row of the runbook's table alerts on too much of something (failures, latency, bytes, failing
 * checks), so only COMPARISON_GT/GE can fire; a row that answers each event (a failed DAG run or
 * job) fires on the first one, so its bound must be below one event.
 * https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.alertPolicies#comparisontype
 */
export function cannotFire(condition: unknown, perEvent: boolean): string | undefined {
    const t = known(() => get(condition, "conditionThreshold"));
    if (t === undefined || t === null || t === UNKNOWN) return undefined;
    const comparison = known(() => get(t, "comparison"));
    const value = known(() => get(t, "thresholdValue")) ?? 0;
    if (comparison === UNKNOWN || value === UNKNOWN) return undefined;
    if (comparison !== "COMPARISON_GT" && comparison !== "COMPARISON_GE")
        return `its condition fires when the value is ${String(comparison)} ${String(value)}, never on too much of what it watches`;
    const bound = Number(value);
    if (perEvent && (comparison === "COMPARISON_GT" ? bound >= 1 : bound > 1))
        return `its condition needs ${comparison === "COMPARISON_GT" ? "more than" : "at least"} ${bound} events, the runbook answers the first one`;
    return undefined;
}

/** `metric.type = "<type>"` in a Monitoring filter, parsed as the filter's own comparison. */
function watchesMetric(f: string, metric: string): boolean {
    return new RegExp(`metric\\.type\\s*=\\s*"${metric.replace(/[.]/g, "\\.")}"`).test(f);
}

/** A log filter without its negated restrictions (`NOT <field>:"…"`), which exclude, not select. */
function positive(f: string): string {
    return f.replace(/\bNOT\s+[\w.]+\s*[:=]\s*"[^"]*"/g, "");
}

/** A log-based metric: an alert's threshold on it watches the metric's log filter. */
const LOG_METRIC = "gcp:logging/metric:Metric";

/** How each row of the runbook's alert table is recognised: by what the alert watches. */
export const RUNBOOK_ALERTS: readonly {
    row: string;
    matches: (f: string) => boolean;
    /** The runbook answers each event of this row (a failure), not a level crossed. */
    perEvent?: boolean;
    /** An unknown filter is this row when the alert depends on resources of this component. */
    watchesComponent?: string;
}[] = [
    {
        row: "DAG failure",
        perEvent: true,
        matches: (f) =>
            watchesMetric(f, "composer.googleapis.com/workflow/run_count") &&
            /state\s*=\s*"failed"/.test(f),
    },
    {
        row: "Data freshness",
        perEvent: true,
        // A failed scheduled run, or (as the platform counts it) a failed job whose query is the
        // freshness ASSERT, recognised by the ASSERT's message.
        matches: (f) =>
            (/bigquery_dts_config/.test(f) && /severity\s*>=\s*ERROR/.test(f)) ||
            (/jobStatus\.errorResult/.test(f) &&
                positive(f).includes(`queryConfig.query:"${FRESHNESS_MARKER}"`)),
        watchesComponent: FRESHNESS_CHECKS,
    },
    {
        row: "API latency",
        matches: (f) => watchesMetric(f, "run.googleapis.com/request_latencies"),
    },
    {
        row: "BigQuery errors",
        perEvent: true,
        // Any failed job of the platform's, not only those of one query (the freshness alert).
        matches: (f) =>
            /bigquery_project/.test(f) &&
            /jobStatus\.errorResult/.test(f) &&
            !/queryConfig\.query:/.test(positive(f)),
    },
    {
        row: "Storage quota",
        matches: (f) => watchesMetric(f, "storage.googleapis.com/storage/total_bytes"),
    },
    {
        row: "API down",
        // The uptime check's id is known only after deploy: an unknown filter counts when the
        // alert reads a resource of the API's component (its uptime check).
        matches: (f) => watchesMetric(f, "monitoring.googleapis.com/uptime_check/check_passed"),
        watchesComponent: API_SERVICE,
    },
];

export const stackRunbookAlertsExist = stackPolicy({
    name: "stack-runbook-alerts-exist",
    description:
        "Checks whether an enabled alert policy exists for every row of the runbook's alert table, recognised by " +
        "the metric or log it watches (not by its display name).",
    remediationSteps: "Add the missing alert to the alerting component.",
    check: (resources, report) => {
        const alerts = resources.filter(
            (r) => r.type === ALERT_POLICY && known(() => r.props["enabled"]) !== false,
        );
        // A threshold on a log-based metric watches what the metric counts: its log filter.
        const logMetrics = new Map<string, string>();
        for (const m of resources.filter((r) => r.type === LOG_METRIC)) {
            const name = known(() => m.props["name"]);
            const filter = known(() => m.props["filter"]);
            if (typeof name === "string" && typeof filter === "string")
                logMetrics.set(name, filter);
        }
        const watched = (f: string): string[] => {
            const m = /metric\.type\s*=\s*"logging\.googleapis\.com\/user\/([^"]+)"/.exec(f);
            const log = m ? logMetrics.get(m[1]!) : undefined;
            return log === undefined ? [f] : [f, log];
        };
        for (const { row, matches, watchesComponent, perEvent } of RUNBOOK_ALERTS) {
            const watching = alerts.flatMap((a) =>
                watchedConditions(a)
                    .filter(({ filter: f }) =>
                        f === UNKNOWN
                            ? watchesComponent !== undefined &&
                              a.dependencies.some((d) => d.parent?.type === watchesComponent)
                            : watched(f).some(matches),
                    )
                    .map(({ condition }) => ({ a, why: cannotFire(condition, perEvent === true) })),
            );
            if (watching.length === 0)
                report(
                    `An enabled alert policy for the runbook's "${row}" row must exist (none watches what it watches).`,
                );
            else if (watching.every((w) => w.why !== undefined))
                report(
                    `The runbook's "${row}" alert must be able to fire: ${watching[0]!.why}.`,
                    watching[0]!.a.urn,
                );
        }
    },
});

/**
 * The interval of a transfer schedule in minutes: "every 60 minutes", "every 2 hours", "every day
 * 02:15" (https://cloud.google.com/bigquery/docs/scheduling-queries#custom_schedules); undefined
 * for any other form, which the policies do not guess at.
 */
export function scheduleMinutes(schedule: unknown): number | undefined {
    if (typeof schedule !== "string") return undefined;
    if (/^every day \d{2}:\d{2}$/.test(schedule.trim())) return 24 * 60;
    const m = /^every (\d+) (minutes|hours)$/.exec(schedule.trim());
    if (!m) return undefined;
    return Number(m[1]) * (m[2] === "hours" ? 60 : 1);
}

export const monitoringFreshnessWithinMax = stackPolicy<{
    maxHours: Record<string, number>;
    defaultMaxHours: number;
    maxIntervalMinutes: number;
    maxGraceHours: number;
}>({
    name: "monitoring-freshness-within-max",
    description:
        "Checks whether every freshness check on a raw table runs at least every maxIntervalMinutes and alerts " +
        "within the configured maximum staleness of its table, a never-loaded table within maxGraceHours of its creation.",
    remediationSteps:
        "Keep logistics:alerting.freshnessHours at or below the policy's maxHours and logistics:alerting.freshnessGraceHours at or below its maxGraceHours (policies/config/<stack>.json).",
    configSchema: {
        properties: {
            maxHours: {
                type: "object",
                additionalProperties: { type: "number", exclusiveMinimum: 0 },
                default: {},
            },
            defaultMaxHours: { type: "number", exclusiveMinimum: 0, default: 24 },
            maxIntervalMinutes: { type: "integer", minimum: 1, default: 60 },
            maxGraceHours: { type: "number", minimum: 0, default: 48 },
        },
    },
    check: (resources, report, cfg, each) => {
        const raw = stateful(resources).rawDatasetIds;
        for (const c of resources.filter((r) => r.type === TRANSFER))
            each(c, "the freshness check", () => {
                const query = get(c.props, "params.query");
                if (typeof query !== "string") return;
                for (const a of analyseSql(query, raw).asserts) {
                    const table = a.reads.find((p) => raw.has(p[p.length - 2] ?? ""));
                    if (!table) continue;
                    const name = table[table.length - 1]!;
                    const max = cfg.maxHours[name] ?? cfg.defaultMaxHours;
                    const bound = Math.max(...a.minutes);
                    if (a.minutes.length === 0 || bound > max * 60)
                        report(
                            `Freshness check of ${name} must alert within ${max} h, got ${a.minutes.length ? `${bound / 60} h` : "no TIMESTAMP_DIFF(…, MINUTE) <= N bound"}.`,
                            c.urn,
                        );
                    for (const grace of a.graceHours)
                        if (grace > cfg.maxGraceHours)
                            report(
                                `Freshness check of ${name} must alert on a never-loaded table within ${cfg.maxGraceHours} h of its creation, got ${grace} h.`,
                                c.urn,
                            );
                    const every = scheduleMinutes(c.props["schedule"]);
                    if (every === undefined || every > cfg.maxIntervalMinutes)
                        report(
                            `Freshness check of ${name} must run at least every ${cfg.maxIntervalMinutes} minutes, got ${JSON.stringify(c.props["schedule"])}.`,
                            c.urn,
                        );
                    if (c.props["disabled"] === true)
                        report(`Freshness check of ${name} must not be disabled.`, c.urn);
                }
            });
    },
});

const EXCLUSIONS = [
    "gcp:logging/projectExclusion:ProjectExclusion",
    "gcp:logging/folderExclusion:FolderExclusion",
    "gcp:logging/organizationExclusion:OrganizationExclusion",
    "gcp:logging/billingAccountExclusion:BillingAccountExclusion",
];
const SINKS = [
    "gcp:logging/projectSink:ProjectSink",
    "gcp:logging/folderSink:FolderSink",
    "gcp:logging/organizationSink:OrganizationSink",
    "gcp:logging/billingAccountSink:BillingAccountSink",
];
const BUCKET_CONFIGS = [
    "gcp:logging/projectBucketConfig:ProjectBucketConfig",
    "gcp:logging/folderBucketConfig:FolderBucketConfig",
    "gcp:logging/organizationBucketConfig:OrganizationBucketConfig",
    "gcp:logging/billingAccountBucketConfig:BillingAccountBucketConfig",
];
const AUDIT_CONFIGS = [
    "gcp:projects/iAMAuditConfig:IAMAuditConfig",
    "gcp:folder/iamAuditConfig:IamAuditConfig",
    "gcp:organizations/iamAuditConfig:IamAuditConfig",
];
const SETTINGS = [
    "gcp:logging/folderSettings:FolderSettings",
    "gcp:logging/organizationSettings:OrganizationSettings",
];

/**
 * Audit logs: an exclusion drops matching entries before any bucket stores them, the _Default
 * sink routes them to storage, and the _Default bucket keeps them 30 days unless configured
 * (https://cloud.google.com/logging/docs/routing/overview#default-retention,
 * https://cloud.google.com/logging/docs/exclusions).
 */
export const loggingAuditLogsKept = resourcePolicy<{ minRetentionDays: number }>({
    name: "logging-audit-logs-kept",
    description:
        "Checks whether the stack excludes logs (exclusions, sink exclusions, a disabled sink or default sink), " +
        "changes audit-log configuration, or keeps logs for less than the default 30 days.",
    remediationSteps:
        "Remove the exclusion, audit config or retention change; an exception needs a reviewed entry with a reason in policies/config/<stack>.json.",
    types: [...EXCLUSIONS, ...SINKS, ...BUCKET_CONFIGS, ...AUDIT_CONFIGS, ...SETTINGS],
    unknown: "fail",
    configSchema: {
        properties: { minRetentionDays: { type: "integer", minimum: 1, default: 30 } },
    },
    check: (p, args, report, { minRetentionDays }) => {
        if (EXCLUSIONS.includes(args.type))
            return report(
                `Log exclusion must not exist: it drops matching entries, audit logs included (filter ${JSON.stringify(p.filter)}).`,
            );
        if (SINKS.includes(args.type)) {
            if (Array.isArray(p.exclusions) && p.exclusions.length > 0)
                report(
                    "Log sink must not carry exclusions: they drop matching entries, audit logs included.",
                );
            if (p.disabled === true) report("Log sink must not be disabled.");
        }
        if (BUCKET_CONFIGS.includes(args.type)) {
            const days = p.retentionDays === undefined ? 30 : Number(p.retentionDays);
            if (days < minRetentionDays)
                report(`Log bucket must keep logs at least ${minRetentionDays} days, got ${days}.`);
        }
        if (AUDIT_CONFIGS.includes(args.type))
            report(
                "Audit log configuration must not be changed by the stack (exempted members or log types hide who did what).",
            );
        if (SETTINGS.includes(args.type) && p.disableDefaultSink === true)
            report("Logging settings must not disable the _Default sink.");
    },
});

export const monitoringPolicies = [
    monitoringAlertRoutedAndDocumented,
    monitoringChannelsAllowed,
    monitoringFreshnessWithinMax,
    loggingAuditLogsKept,
];

// Detection: alerts that cannot fire or reach nobody, channels to outside addresses, runbook alerts
// recognised by what they watch, freshness bounds, and audit logs kept — each bad change to prod blocked.
import { strict as assert } from "assert";
import * as gcp from "@pulumi/gcp";
import type { Plan } from "../tools/offline/engine";
import { scheduleMinutes } from "../policies/monitoring";
import {
    judgePlan,
    reasonsFor,
    withEditedResource,
    withResources,
    withStackEdit,
    type Verdict,
} from "./mutations";

const CHANNELS = {
    "l1-oncall": { level: 1, email: "data-oncall@example.com" },
    "l2-lead": { level: 2, email: "data-platform-lead@example.com" },
};
const ALERTING = {
    channels: CHANNELS,
    routes: { high: ["l1-oncall", "l2-lead"], medium: ["l1-oncall"], low: ["l1-oncall"] },
    renotify: { high: "30m", medium: "120m" },
    freshnessHours: { packages: 6, tracking_events: 2, customers: 24 },
};

const STACK_EDITS: [string, Record<string, unknown>, RegExp][] = [
    [
        "the on-call channel emails an outside domain",
        {
            "logistics:alerting": {
                ...ALERTING,
                channels: {
                    ...CHANNELS,
                    "l1-oncall": { level: 1, email: "oncall@evil.example.net" },
                },
            },
        },
        /^monitoring-channels-allowed: Notification channel must email an allowed domain \(example\.com\), got oncall@evil\.example\.net\./,
    ],
    [
        "packages may be stale for two days before anyone hears",
        {
            "logistics:alerting": {
                ...ALERTING,
                freshnessHours: { ...ALERTING.freshnessHours, packages: 48 },
            },
        },
        /^monitoring-freshness-within-max: Freshness check of packages must alert within 6 h, got 48 h\./,
    ],
    [
        "a never-loaded table stays quiet for a month",
        { "logistics:alerting": { ...ALERTING, freshnessGraceHours: 720 } },
        /^monitoring-freshness-within-max: Freshness check of packages must alert on a never-loaded table within 48 h of its creation, got 720 h\./,
    ],
];

describe("detection in prod (mutations)", function () {
    this.timeout(600_000);

    for (const [what, changes, reason] of STACK_EDITS)
        it(`stack file: ${what}`, async () => {
            const v = await withStackEdit(changes);
            assert.ok(
                v.reasons.some((r) => reason.test(r)),
                `${what}: ${JSON.stringify(v.reasons, null, 1)}`,
            );
        });

    const EDITS: [string, string, (i: Record<string, any>) => void, RegExp][] = [
        [
            "alert disabled",
            "lgx-prod-alerting-dag-failure",
            (i) => (i["enabled"] = false),
            /^monitoring-alert-routed-and-documented: Alert policy must be enabled/,
        ],
        [
            "alert without notificationChannels",
            "lgx-prod-alerting-api-latency",
            (i) => delete i["notificationChannels"],
            /^monitoring-alert-routed-and-documented: Alert policy must notify at least one channel \(notificationChannels\)\./,
        ],
        [
            "alert with notificationChannels: []",
            "lgx-prod-alerting-storage-quota",
            (i) => (i["notificationChannels"] = []),
            /^monitoring-alert-routed-and-documented: Alert policy must notify at least one channel/,
        ],
        [
            "alert routed to a channel the stack does not declare",
            "lgx-prod-alerting-bigquery-errors",
            (i) => (i["notificationChannels"] = ["projects/other/notificationChannels/1"]),
            /must notify channels the stack declares, got projects\/other\/notificationChannels\/1/,
        ],
        [
            "alert that notifies only on close",
            "lgx-prod-alerting-dag-failure",
            (i) =>
                (i["alertStrategy"] = { ...i["alertStrategy"], notificationPrompts: ["CLOSED"] }),
            /notificationPrompts lacks OPENED/,
        ],
        [
            "DAG failure alert kept by name but watching something else",
            "lgx-prod-alerting-dag-failure",
            (i) =>
                (i["conditions"][0].conditionThreshold.filter =
                    'resource.type = "cloud_composer_workflow" AND metric.type = "composer.googleapis.com/workflow/run_count" AND metric.labels.state = "success"'),
            /^stack-runbook-alerts-exist: An enabled alert policy for the runbook's "DAG failure" row must exist/,
        ],
        [
            "storage quota alert disabled",
            "lgx-prod-alerting-storage-quota",
            (i) => (i["enabled"] = false),
            /"Storage quota" row must exist/,
        ],
        [
            "freshness check disabled",
            "lgx-prod-freshness-packages",
            (i) => (i["disabled"] = true),
            /^stack-raw-tables-freshness-checked: Raw table raw\.packages must have a scheduled freshness check/,
        ],
        [
            "freshness check whose bound decides nothing (… OR TRUE)",
            "lgx-prod-freshness-packages",
            (i) =>
                (i["params"].query = String(i["params"].query).replace("<= 360", "<= 360 OR TRUE")),
            /^monitoring-freshness-within-max: Freshness check of packages must alert within 6 h, got no TIMESTAMP_DIFF/,
        ],
        [
            "latency alert that must hold for a day before it fires",
            "lgx-prod-alerting-api-latency",
            (i) => (i["conditions"][0].conditionThreshold.duration = "86400s"),
            /^monitoring-alert-routed-and-documented: Alert policy must fire within 3600 s, got conditionThreshold duration 86400s\./,
        ],
        [
            "BigQuery errors that must last a day before they page",
            "lgx-prod-alerting-bigquery-errors",
            (i) => (i["conditions"][0].conditionThreshold.duration = "86400s"),
            /^monitoring-alert-routed-and-documented: Alert policy must fire within 3600 s, got conditionThreshold duration 86400s\./,
        ],
        [
            "freshness check run once a day",
            "lgx-prod-freshness-tracking_events",
            (i) => (i["schedule"] = "every 24 hours"),
            /must run at least every 60 minutes, got "every 24 hours"/,
        ],
        [
            "channel disabled",
            "lgx-prod-alerting-l1-oncall",
            (i) => (i["enabled"] = false),
            /^monitoring-channels-allowed: Notification channel must be enabled/,
        ],
    ];
    for (const [what, name, edit, reason] of EDITS)
        it(`edited component: ${what}`, async () => {
            const v = await withEditedResource(name, edit);
            assert.ok(
                v.reasons.some((r) => reason.test(r)),
                `${what}: ${JSON.stringify(v.reasons, null, 1)}`,
            );
        });

    it("recognises the runbook's alerts by what they watch: renamed alerts still count", async () => {
        const v = await withEditedResource("lgx-prod-alerting-storage-quota", (i) => {
            i["displayName"] = "Bucket size";
        });
        assert.deepEqual(v.reasons, []);
    });

    let plan: Plan;
    let verdict: Verdict;
    const ADDED: [string, RegExp][] = [
        ["x-exclusion", /^logging-audit-logs-kept: Log exclusion must not exist/],
        ["x-folder-exclusion", /^logging-audit-logs-kept: Log exclusion must not exist/],
        ["x-sink-exclusions", /Log sink must not carry exclusions/],
        ["x-default-sink-off", /Log sink must not be disabled\./],
        ["x-log-bucket", /Log bucket must keep logs at least 30 days, got 1\./],
        ["x-audit-config", /Audit log configuration must not be changed by the stack/],
        ["x-org-settings", /Logging settings must not disable the _Default sink\./],
        ["x-silent-alert", /Alert policy must notify at least one channel/],
        ["lgx-prod-alerting-x-disabled", /Alert policy must be enabled/],
        [
            "x-webhook",
            /Notification channel must be of an allowed type \(email, pagerduty\), got webhook_tokenauth\./,
        ],
        ["x-pagerduty-plain", /PagerDuty channel must not put its key in labels\.service_key/],
        [
            "x-stale-assert",
            /Freshness check of packages must alert within 6 h, got 1666\.6666666666667 h\./,
        ],
    ];
    before(async () => {
        plan = await withResources((inside) => {
            new gcp.logging.ProjectExclusion("x-exclusion", {
                filter: 'logName:"cloudaudit.googleapis.com"',
            });
            new gcp.logging.FolderExclusion("x-folder-exclusion", {
                folder: "folders/1",
                filter: "severity < ERROR",
            });
            new gcp.logging.ProjectSink("x-sink-exclusions", {
                destination: "storage.googleapis.com/x",
                exclusions: [{ name: "drop", filter: 'logName:"activity"' }],
            });
            new gcp.logging.ProjectSink("x-default-sink-off", {
                name: "_Default",
                destination: "logging.googleapis.com/projects/p/locations/global/buckets/_Default",
                disabled: true,
            });
            new gcp.logging.ProjectBucketConfig("x-log-bucket", {
                project: "p",
                location: "global",
                bucketId: "_Default",
                retentionDays: 1,
            });
            new gcp.projects.IAMAuditConfig("x-audit-config", {
                project: "p",
                service: "allServices",
                auditLogConfigs: [
                    { logType: "DATA_READ", exemptedMembers: ["user:a@evil.example.net"] },
                ],
            });
            new gcp.logging.OrganizationSettings("x-org-settings", {
                organization: "1",
                disableDefaultSink: true,
            });
            new gcp.monitoring.AlertPolicy("x-silent-alert", {
                displayName: "silent",
                combiner: "OR",
                conditions: [
                    {
                        displayName: "c",
                        conditionAbsent: { filter: 'metric.type = "x"', duration: "60s" },
                    },
                ],
                documentation: { content: "x" },
            });
            const alerting = inside("logistics:monitoring:Alerting", "lgx-prod-alerting");
            new gcp.monitoring.AlertPolicy(
                "lgx-prod-alerting-x-disabled",
                {
                    displayName: "d",
                    combiner: "OR",
                    enabled: false,
                    conditions: [
                        {
                            displayName: "c",
                            conditionAbsent: { filter: 'metric.type = "x"', duration: "60s" },
                        },
                    ],
                    notificationChannels: ["projects/p/notificationChannels/1"],
                    documentation: { content: "x" },
                },
                { parent: alerting },
            );
            new gcp.monitoring.NotificationChannel("x-webhook", {
                type: "webhook_tokenauth",
                labels: { url: "https://hooks.example.net/x" },
            });
            new gcp.monitoring.NotificationChannel("x-pagerduty-plain", {
                type: "pagerduty",
                labels: { service_key: "0123456789abcdef" },
            });
            new gcp.bigquery.DataTransferConfig("x-stale-assert", {
                dataSourceId: "scheduled_query",
                displayName: "x",
                location: "US",
                schedule: "every 60 minutes",
                params: {
                    query: "ASSERT (SELECT TIMESTAMP_DIFF(CURRENT_TIMESTAMP(), MAX(_loaded_at), MINUTE) <= 100000 FROM raw.packages) AS 'stale'",
                },
            });
        });
        verdict = await judgePlan(plan);
    });

    for (const [name, reason] of ADDED)
        it(`added resource: ${name}`, () => {
            const reasons = reasonsFor(verdict, plan, name);
            assert.ok(
                reasons.some((r) => reason.test(r)),
                `${name}: ${JSON.stringify(reasons, null, 1)}`,
            );
        });
});

describe("scheduleMinutes", () => {
    for (const [s, m] of [
        ["every 60 minutes", 60],
        ["every 2 hours", 120],
        ["every day 02:15", 1440],
        ["every monday 09:00", undefined],
        [42, undefined],
    ] as const)
        it(JSON.stringify(s), () => assert.equal(scheduleMinutes(s), m));
});

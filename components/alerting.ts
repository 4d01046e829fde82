// Alerting: the runbook's alert table as alert policies, each with the runbook's response as its
// documentation, routed by severity to the escalation levels' notification channels.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { AlertingConfig, Severity } from "../stacks/alerting";
import { childOptions } from "./common";
import { bigQueryJobErrorFilter } from "./dashboard";

/** Runbook severity → Cloud Monitoring severity. */
export const SEVERITY_LEVEL: Readonly<Record<Severity, "CRITICAL" | "ERROR" | "WARNING">> = {
    high: "CRITICAL",
    medium: "ERROR",
    low: "WARNING",
};

export const GCP_SUPPORT_URL = "https://console.cloud.google.com/support";

/** Names of what the alerts watch, filled into filters and documentation. */
export interface AlertTargets {
    project: string;
    composerEnvironment: string;
    serviceName: string;
    dataBucket: pulumi.Input<string>;
    /** Freshness check transfer config ids by raw table. */
    freshnessConfigIds: Record<string, pulumi.Input<string>>;
    /** Freshness thresholds by raw table, for the documentation. */
    freshnessHours: Record<string, number>;
    /** The raw dataset's id, for the documentation. */
    rawDataset: string;
}

export interface AlertDefinition {
    /** Logical key, the runbook's row. */
    key: string;
    /** Display name; starts with the runbook's row. */
    title: string;
    severity: Severity;
    /** The runbook's response, in markdown. */
    response: string;
    condition: pulumi.Input<gcp.types.input.monitoring.AlertPolicyCondition>;
    /** Log-based conditions need a notification rate limit. */
    logBased: boolean;
}

const minutes = (m: number) => `${m * 60}s`;

/** The runbook's alert table, plus DAG parse errors (a DAG that fails to import never fails a run). */
export function alertDefinitions(t: AlertTargets, c: AlertingConfig): AlertDefinition[] {
    const fiveMinutes = [
        {
            alignmentPeriod: "300s",
            perSeriesAligner: "ALIGN_SUM",
            crossSeriesReducer: "REDUCE_SUM",
        },
    ];
    const freshnessIds = pulumi
        .all(Object.values(t.freshnessConfigIds))
        .apply((ids) => ids.map((id) => `"${id}"`).join(" OR "));
    return [
        {
            key: "dag-failure",
            title: "DAG failure",
            severity: "high",
            response:
                "Check the task logs in the Airflow UI, then rerun or fix (docs/runbook.md, *Rerunning failed DAGs*).",
            condition: {
                displayName: "Failed DAG runs",
                conditionThreshold: {
                    filter:
                        `resource.type = "cloud_composer_workflow" AND resource.labels.environment_name = "${t.composerEnvironment}" ` +
                        `AND metric.type = "composer.googleapis.com/workflow/run_count" AND metric.labels.state = "failed"`,
                    aggregations: fiveMinutes,
                    comparison: "COMPARISON_GT",
                    thresholdValue: 0,
                    duration: "0s",
                },
            },
            logBased: false,
        },
        {
            key: "dag-parse-errors",
            title: "DAG failure: DAG files fail to import",
            severity: "high",
            response:
                "A DAG that fails to import never runs. Read the parse errors in the Airflow UI (DAG import errors), fix the file and re-upload it.",
            condition: {
                displayName: "DAG parse errors",
                conditionThreshold: {
                    filter:
                        `resource.type = "cloud_composer_environment" AND resource.labels.environment_name = "${t.composerEnvironment}" ` +
                        `AND metric.type = "composer.googleapis.com/environment/dag_processing/parse_error_count"`,
                    aggregations: [
                        {
                            alignmentPeriod: "300s",
                            perSeriesAligner: "ALIGN_MAX",
                            crossSeriesReducer: "REDUCE_MAX",
                        },
                    ],
                    comparison: "COMPARISON_GT",
                    thresholdValue: 0,
                    duration: "0s",
                },
            },
            logBased: false,
        },
        {
            key: "data-freshness",
            title: "Data freshness",
            severity: "medium",
            response:
                "A raw table has had no new load for longer than its threshold (" +
                Object.entries(t.freshnessHours)
                    .map(([table, h]) => `${t.rawDataset}.${table}: ${h} h`)
                    .join(", ") +
                "). Investigate ingestion: the source files under raw/, the ingestion DAG's logs (docs/runbook.md, *Data not loading*).",
            condition: {
                displayName: "A freshness check failed",
                conditionMatchedLog: {
                    filter: pulumi.interpolate`resource.type = "bigquery_dts_config" AND severity >= ERROR AND resource.labels.config_id = (${freshnessIds})`,
                },
            },
            logBased: true,
        },
        {
            key: "api-latency",
            title: "API latency",
            severity: "medium",
            response: `p95 latency of ${t.serviceName} is above ${c.apiLatencyP95Ms} ms. Scale instances (logistics:api.minInstances / maxInstances) and check BigQuery query performance (docs/runbook.md, *Slow response times*).`,
            condition: {
                displayName: `p95 latency above ${c.apiLatencyP95Ms} ms`,
                conditionThreshold: {
                    filter:
                        `resource.type = "cloud_run_revision" AND resource.labels.service_name = "${t.serviceName}" ` +
                        `AND metric.type = "run.googleapis.com/request_latencies"`,
                    aggregations: [
                        {
                            alignmentPeriod: "300s",
                            perSeriesAligner: "ALIGN_PERCENTILE_95",
                            crossSeriesReducer: "REDUCE_MAX",
                        },
                    ],
                    comparison: "COMPARISON_GT",
                    thresholdValue: c.apiLatencyP95Ms,
                    duration: "300s",
                },
            },
            logBased: false,
        },
        {
            key: "bigquery-errors",
            title: "BigQuery errors",
            severity: "high",
            response:
                "A BigQuery job failed. Check the query and the permissions of the account that ran it (the log entry names both).",
            condition: {
                displayName: "A BigQuery job ended with an error",
                conditionMatchedLog: {
                    filter: bigQueryJobErrorFilter(t.project),
                },
            },
            logBased: true,
        },
        {
            key: "storage-quota",
            title: "Storage quota",
            severity: "low",
            response: `The data lake holds more than ${c.storageQuotaGb} GB. Clean up old data: check the lifecycle rules (logistics:dataLake.stagingRetentionDays, rawTiering).`,
            condition: {
                displayName: `Data lake above ${c.storageQuotaGb} GB`,
                conditionThreshold: {
                    filter: pulumi.interpolate`resource.type = "gcs_bucket" AND resource.labels.bucket_name = "${t.dataBucket}" AND metric.type = "storage.googleapis.com/storage/total_bytes"`,
                    aggregations: [
                        {
                            alignmentPeriod: "3600s",
                            perSeriesAligner: "ALIGN_MEAN",
                            crossSeriesReducer: "REDUCE_SUM",
                        },
                    ],
                    comparison: "COMPARISON_GT",
                    thresholdValue: c.storageQuotaGb * 1e9,
                    duration: "0s",
                },
            },
            logBased: false,
        },
    ];
}

/** The documentation of an alert: the runbook's response, the resources, the escalation path. */
export function alertDocumentation(a: AlertDefinition, c: AlertingConfig): string {
    const levels = (n: number) =>
        Object.entries(c.channels)
            .filter(([, ch]) => ch.level === n)
            .map(([id]) => id)
            .join(", ") || "none configured";
    return [
        `## ${a.title} (${a.severity})`,
        "",
        `**Response:** ${a.response}`,
        "",
        "**Escalation:**",
        `1. Level 1, on-call data engineer: ${levels(1)}`,
        `2. Level 2, data platform team lead: ${levels(2)}`,
        `3. Level 3, GCP support for infrastructure issues: ${GCP_SUPPORT_URL}`,
    ].join("\n");
}

export interface AlertingArgs {
    project: string;
    settings: AlertingConfig;
    targets: AlertTargets;
    labels: Record<string, string>;
}

export class Alerting extends pulumi.ComponentResource {
    /** Alert policy names by key. */
    public readonly policies: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: AlertingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("logistics:monitoring:Alerting", name, {}, opts);
        const c = args.settings;
        const child = childOptions(this, opts);
        const channels: Record<string, gcp.monitoring.NotificationChannel> = {};
        for (const [id, ch] of Object.entries(c.channels))
            channels[id] = new gcp.monitoring.NotificationChannel(
                `${name}-${id}`,
                {
                    project: args.project,
                    displayName: `logistics L${ch.level} ${id}`,
                    userLabels: args.labels,
                    ...(ch.email !== undefined
                        ? { type: "email", labels: { email_address: ch.email } }
                        : {
                              type: "pagerduty",
                              // The key is a secret in the stack file; keep it one in state and inputs.
                              sensitiveLabels: {
                                  serviceKey: pulumi.secret(ch.pagerdutyServiceKey!),
                              },
                          }),
                },
                child,
            );

        this.policies = {};
        for (const a of alertDefinitions(args.targets, c)) {
            const route = c.routes[a.severity].map((id) => channels[id]!.name);
            const renotify = c.renotify[a.severity];
            const policy = new gcp.monitoring.AlertPolicy(
                `${name}-${a.key}`,
                {
                    project: args.project,
                    displayName: `${a.title} (${a.severity})`,
                    severity: SEVERITY_LEVEL[a.severity],
                    combiner: "OR",
                    conditions: [a.condition],
                    notificationChannels: route,
                    enabled: c.enabled,
                    userLabels: { ...args.labels, severity: a.severity },
                    documentation: {
                        content: alertDocumentation(a, c),
                        mimeType: "text/markdown",
                        subject: `[${a.severity}] ${a.title}`,
                    },
                    alertStrategy: {
                        autoClose: `${Number(c.autoClose.slice(0, -1)) * 60}s`,
                        ...(a.logBased ? { notificationRateLimit: { period: "300s" } } : {}),
                        ...(renotify
                            ? {
                                  notificationChannelStrategies: [
                                      {
                                          notificationChannelNames: route,
                                          renotifyInterval: minutes(Number(renotify.slice(0, -1))),
                                      },
                                  ],
                              }
                            : {}),
                    },
                },
                child,
            );
            this.policies[a.key] = policy.name;
        }
        this.registerOutputs({ policies: this.policies });
    }
}

// The runbook's alert table as data: each alert's condition, severity and response, and the
// signals they watch (log filters of the event metrics, the uptime check's series). The Alerting
// component (alerting.ts) turns them into policies.
import type * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { AlertingConfig, Severity } from "./alerting.schema";
import { FRESHNESS_MARKER } from "./sql";

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
    /** Freshness thresholds by raw table, for the documentation. */
    freshnessHours: Record<string, number>;
    /** The raw dataset's id, for the documentation. */
    rawDataset: string;
    /**
     * Emails of the platform's service accounts, computed from the naming rules (never read back
     * from GCP): the BigQuery errors alert watches only their jobs.
     */
    platformAccounts: readonly string[];
    /** Email of the account the freshness checks run as. */
    freshnessAccount: string;
    /** The API's health path, for the documentation. */
    healthPath: string;
    /** The API uptime check's id (`uptimeCheckId`), for the API down alert. */
    uptimeCheckId: pulumi.Input<string>;
    /** Log-based metric names (Cloud Logging user metrics), filled into the event alerts. */
    metrics: { jobErrors: pulumi.Input<string>; freshnessFailures: pulumi.Input<string> };
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
}

/** The audit log entry of a BigQuery job that ended with an error, in the project. */
function failedJobFilter(project: string): string {
    return (
        `resource.type = "bigquery_project" AND resource.labels.project_id = "${project}" ` +
        `AND protoPayload.metadata.jobChange.after = "DONE" AND protoPayload.metadata.jobChange.job.jobStatus.errorResult.code:*`
    );
}

/** Entries whose caller is one of `emails` (BigQuery audit logs name the job's principal). */
function callerIn(emails: readonly string[]): string {
    if (emails.length === 0) throw new Error("callerIn: no principal to watch");
    return `(${emails.map((e) => `protoPayload.authenticationInfo.principalEmail = "${e}"`).join(" OR ")})`;
}

/**
 * Failed BigQuery jobs of the platform's own accounts (an analyst's typo pages nobody), except
 * the freshness checks, whose failures are the Data freshness alert's. The log-based metric the
 * BigQuery errors alert and the dashboard count.
 */
export function bigQueryJobErrorFilter(project: string, accounts: readonly string[]): string {
    return (
        `${failedJobFilter(project)} AND ${callerIn(accounts)} ` +
        `AND NOT protoPayload.metadata.jobChange.job.jobConfig.queryConfig.query:"${FRESHNESS_MARKER}"`
    );
}

/** Failed freshness checks: jobs of the checks' account whose query carries the check's marker. */
export function freshnessFailureFilter(project: string, account: string): string {
    return (
        `${failedJobFilter(project)} AND ${callerIn([account])} ` +
        `AND protoPayload.metadata.jobChange.job.jobConfig.queryConfig.query:"${FRESHNESS_MARKER}"`
    );
}

/** An incident of the BigQuery errors alert stays open while a platform job failed in the last hour. */
export const JOB_ERROR_WINDOW_SECONDS = 3600;

/**
 * Cloud Monitoring's longest alignment period in an alert condition: 90,000 s (25 h),
 * https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.alertPolicies#aggregation
 */
export const MAX_ALERT_ALIGNMENT_SECONDS = 90_000;

/**
 * The window an event alert sums its log-based metric over: a freshness check fails once per run,
 * so the incident stays open (and re-notifies) until a run passes; a run interval plus 5 minutes
 * of slack for the scheduler's delay.
 */
export function freshnessWindowSeconds(checkMinutes: number): number {
    return Math.min((checkMinutes + 5) * 60, MAX_ALERT_ALIGNMENT_SECONDS);
}

/**
 * A threshold on a log-based counter: open while the metric counted anything in the last
 * `windowSeconds`; no data (nothing failed) counts as "not firing", so the incident closes.
 */
export function eventCondition(
    displayName: string,
    metric: pulumi.Input<string>,
    windowSeconds: number,
): gcp.types.input.monitoring.AlertPolicyCondition {
    return {
        displayName,
        conditionThreshold: {
            filter: pulumi.interpolate`metric.type = "logging.googleapis.com/user/${metric}"`,
            aggregations: [
                {
                    alignmentPeriod: `${windowSeconds}s`,
                    perSeriesAligner: "ALIGN_SUM",
                    crossSeriesReducer: "REDUCE_SUM",
                },
            ],
            comparison: "COMPARISON_GT",
            thresholdValue: 0,
            duration: "0s",
            evaluationMissingData: "EVALUATION_MISSING_DATA_INACTIVE",
        },
    };
}

/**
 * The uptime check's pass/fail series, for the API down alert. The check id is GCP's: an empty one
 * would silently watch nothing, so it stops the deploy instead.
 */
export function uptimeFilter(checkId: string): string {
    if (!checkId)
        throw new Error(
            "uptime check id: GCP returned none, so the API down alert would watch nothing. Re-run pulumi up, or refresh the uptime check's state",
        );
    return `metric.type = "monitoring.googleapis.com/uptime_check/check_passed" AND metric.labels.check_id = "${checkId}"`;
}

/** The runbook's alert table, plus DAG parse errors (a DAG that fails to import never fails a run). */
export function alertDefinitions(t: AlertTargets, c: AlertingConfig): AlertDefinition[] {
    const fiveMinutes = [
        {
            alignmentPeriod: "300s",
            perSeriesAligner: "ALIGN_SUM",
            crossSeriesReducer: "REDUCE_SUM",
        },
    ];
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
            condition: eventCondition(
                "A freshness check failed",
                t.metrics.freshnessFailures,
                freshnessWindowSeconds(c.freshnessCheckMinutes),
            ),
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
        },
        {
            key: "bigquery-errors",
            title: "BigQuery errors",
            severity: "high",
            response:
                "A BigQuery job of the platform's accounts failed. Check the query and the permissions of the account that ran it (the job's audit log entry names both: Logs Explorer, `protoPayload.metadata.jobChange`).",
            condition: eventCondition(
                "A platform BigQuery job ended with an error",
                t.metrics.jobErrors,
                JOB_ERROR_WINDOW_SECONDS,
            ),
        },
        {
            key: "api-down",
            title: "API down: uptime check failing",
            severity: "high",
            response: `${t.serviceName} fails its uptime check (${t.healthPath}) from more than one region. Read the service's logs and revisions; roll back with the previous logistics:api.image if a deploy caused it (docs/runbook.md, *500 internal server error*).`,
            condition: {
                displayName: `${t.serviceName} ${t.healthPath} failing`,
                // Google's uptime alert: count failing checker regions over 20 minutes, fire on more
                // than one for a minute (https://cloud.google.com/monitoring/uptime-checks/uptime-alerting-policies).
                conditionThreshold: {
                    filter: pulumi.output(t.uptimeCheckId).apply(uptimeFilter),
                    aggregations: [
                        {
                            alignmentPeriod: "1200s",
                            perSeriesAligner: "ALIGN_NEXT_OLDER",
                            crossSeriesReducer: "REDUCE_COUNT_FALSE",
                            groupByFields: ["resource.label.*"],
                        },
                    ],
                    comparison: "COMPARISON_GT",
                    thresholdValue: 1,
                    duration: "60s",
                },
            },
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

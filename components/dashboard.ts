// The dashboard for the runbook's weekly "review pipeline performance": DAG runs and durations,
// BigQuery slots and job errors, API latency and errors, bucket sizes.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "./common";

export interface DashboardTargets {
    composerEnvironment: string;
    serviceName: string;
    /** Name of the log-based metric counting BigQuery job errors. */
    jobErrorMetric: string;
}

interface Chart {
    title: string;
    filter: string;
    aligner: string;
    reducer: string;
    groupBy?: string[];
}

/** One chart per thing the weekly review looks at. */
export function dashboardCharts(t: DashboardTargets): Chart[] {
    const composer = `resource.labels.environment_name = "${t.composerEnvironment}"`;
    const run = `resource.type = "cloud_run_revision" AND resource.labels.service_name = "${t.serviceName}"`;
    return [
        {
            title: "DAG runs by state",
            filter: `resource.type = "cloud_composer_workflow" AND ${composer} AND metric.type = "composer.googleapis.com/workflow/run_count"`,
            aligner: "ALIGN_SUM",
            reducer: "REDUCE_SUM",
            groupBy: ["metric.label.state"],
        },
        {
            title: "DAG run duration by DAG",
            filter: `resource.type = "cloud_composer_workflow" AND ${composer} AND metric.type = "composer.googleapis.com/workflow/run_duration"`,
            aligner: "ALIGN_MEAN",
            reducer: "REDUCE_MEAN",
            groupBy: ["resource.label.workflow_name"],
        },
        {
            title: "BigQuery slots allocated",
            filter: `metric.type = "bigquery.googleapis.com/slots/allocated_for_project"`,
            aligner: "ALIGN_MEAN",
            reducer: "REDUCE_SUM",
        },
        {
            title: "BigQuery job errors",
            filter: `metric.type = "logging.googleapis.com/user/${t.jobErrorMetric}"`,
            aligner: "ALIGN_SUM",
            reducer: "REDUCE_SUM",
        },
        {
            title: `${t.serviceName} latency p95 (ms)`,
            filter: `${run} AND metric.type = "run.googleapis.com/request_latencies"`,
            aligner: "ALIGN_PERCENTILE_95",
            reducer: "REDUCE_MAX",
        },
        {
            title: `${t.serviceName} 5xx responses`,
            filter: `${run} AND metric.type = "run.googleapis.com/request_count" AND metric.labels.response_code_class = "5xx"`,
            aligner: "ALIGN_RATE",
            reducer: "REDUCE_SUM",
        },
        {
            title: "Bucket sizes",
            filter: `resource.type = "gcs_bucket" AND metric.type = "storage.googleapis.com/storage/total_bytes"`,
            aligner: "ALIGN_MEAN",
            reducer: "REDUCE_SUM",
            groupBy: ["resource.label.bucket_name"],
        },
    ];
}

/** The Cloud Monitoring dashboard JSON: a two-column mosaic of line charts. */
export function dashboardJson(title: string, charts: readonly Chart[]): string {
    return JSON.stringify({
        displayName: title,
        mosaicLayout: {
            columns: 12,
            tiles: charts.map((c, i) => ({
                xPos: (i % 2) * 6,
                yPos: Math.floor(i / 2) * 4,
                width: 6,
                height: 4,
                widget: {
                    title: c.title,
                    xyChart: {
                        dataSets: [
                            {
                                plotType: "LINE",
                                timeSeriesQuery: {
                                    timeSeriesFilter: {
                                        filter: c.filter,
                                        aggregation: {
                                            alignmentPeriod: "300s",
                                            perSeriesAligner: c.aligner,
                                            crossSeriesReducer: c.reducer,
                                            ...(c.groupBy ? { groupByFields: c.groupBy } : {}),
                                        },
                                    },
                                },
                            },
                        ],
                    },
                },
            })),
        },
    });
}

export interface PipelineDashboardArgs {
    project: string;
    title: string;
    targets: Omit<DashboardTargets, "jobErrorMetric">;
    /** The log-based metric counting the platform's failed BigQuery jobs (the alerting's). */
    jobErrorMetric: pulumi.Input<string>;
}

export class PipelineDashboard extends pulumi.ComponentResource {
    constructor(name: string, args: PipelineDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
        super("logistics:monitoring:PipelineDashboard", name, {}, opts);
        new gcp.monitoring.Dashboard(
            `${name}-dashboard`,
            {
                project: args.project,
                dashboardJson: pulumi
                    .output(args.jobErrorMetric)
                    .apply((m) =>
                        dashboardJson(
                            args.title,
                            dashboardCharts({ ...args.targets, jobErrorMetric: m }),
                        ),
                    ),
            },
            childOptions(this, opts),
        );
        this.registerOutputs({});
    }
}

// Component tests of monitoring: Alerting (with its alert table, components/alertDefinitions.ts)
// and PipelineDashboard, each built on its own offline (componentPlan), the alerting settings
// parsed by their own schema (components/alerting.schema.ts). Filters and documentation are written
// out here as Cloud Monitoring receives them. What the stack points them at: alerting.test.ts.
import { strict as assert } from "assert";
import * as gcp from "@pulumi/gcp";
import { Alerting } from "../components/alerting";
import { alerting } from "../components/alerting.schema";
import { PipelineDashboard } from "../components/dashboard";
import { componentPlan, resource, resourcesOfType } from "./harness";
import type { Plan, PlannedResource } from "../tools/offline/engine";

const METRIC = "gcp:logging/metric:Metric";
const CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel";
const POLICY = "gcp:monitoring/alertPolicy:AlertPolicy";
const DASHBOARD = "gcp:monitoring/dashboard:Dashboard";

const PROJECT = "acme-dev";
const LABELS = { team: "data-platform" };
const PAGER_KEY = "pd-key-0123456789";

/** Two escalation levels: the on-call by email and the lead on PagerDuty. */
const SETTINGS = {
    channels: {
        oncall: { level: 1, email: "oncall@example.com" },
        lead: { level: 2, pagerdutyServiceKey: PAGER_KEY },
    },
    routes: { high: ["oncall", "lead"], medium: ["oncall"], low: ["oncall"] },
};

const FAILED_JOB =
    'resource.type = "bigquery_project" AND resource.labels.project_id = "acme-dev" ' +
    'AND protoPayload.metadata.jobChange.after = "DONE" AND protoPayload.metadata.jobChange.job.jobStatus.errorResult.code:*';

type Json = Record<string, unknown>;

describe("component: Alerting", () => {
    const build = (settings: Json, uptimeCheckId = "check-123") =>
        componentPlan(() => {
            const a = new Alerting("alerting", {
                project: PROJECT,
                settings: alerting.parse({ ...SETTINGS, ...settings }),
                targets: {
                    project: PROJECT,
                    composerEnvironment: "acme-airflow",
                    serviceName: "logistics-api",
                    dataBucket: "acme-lake",
                    freshnessHours: { packages: 6, customers: 24 },
                    rawDataset: "raw",
                    platformAccounts: [
                        "composer@acme-dev.iam.gserviceaccount.com",
                        "jobs@acme-dev.iam.gserviceaccount.com",
                    ],
                    freshnessAccount: "jobs@acme-dev.iam.gserviceaccount.com",
                    healthPath: "/healthz",
                    uptimeCheckId,
                },
                metricNames: {
                    jobErrors: "acme-job-errors",
                    freshnessFailures: "acme-freshness-failures",
                },
                labels: LABELS,
            });
            return { jobErrorMetric: a.jobErrorMetric };
        });
    const policies = (plan: Plan) =>
        Object.fromEntries(
            resourcesOfType(plan, POLICY).map((p) => [p.name.replace(/^alerting-/, ""), p]),
        );
    const condition = (p: PlannedResource) =>
        ((p.inputs["conditions"] as Json[])[0]!["conditionThreshold"] ?? {}) as Json;

    it("counts the platform's failed jobs and the failed freshness checks in two log-based counters", async () => {
        const plan = await build({});
        const jobErrors = resource(plan, METRIC, "alerting-bigquery-job-errors").inputs;
        assert.equal(jobErrors["name"], "acme-job-errors");
        assert.deepEqual(jobErrors["metricDescriptor"], {
            metricKind: "DELTA",
            valueType: "INT64",
        });
        assert.equal(
            jobErrors["filter"],
            `${FAILED_JOB} AND (protoPayload.authenticationInfo.principalEmail = "composer@acme-dev.iam.gserviceaccount.com" ` +
                `OR protoPayload.authenticationInfo.principalEmail = "jobs@acme-dev.iam.gserviceaccount.com") ` +
                `AND NOT protoPayload.metadata.jobChange.job.jobConfig.queryConfig.query:"is stale: no row loaded"`,
        );
        const freshness = resource(plan, METRIC, "alerting-freshness-failures").inputs;
        assert.equal(freshness["name"], "acme-freshness-failures");
        assert.deepEqual(freshness["metricDescriptor"], {
            metricKind: "DELTA",
            valueType: "INT64",
        });
        assert.equal(
            freshness["filter"],
            `${FAILED_JOB} AND (protoPayload.authenticationInfo.principalEmail = "jobs@acme-dev.iam.gserviceaccount.com") ` +
                `AND protoPayload.metadata.jobChange.job.jobConfig.queryConfig.query:"is stale: no row loaded"`,
        );
        assert.deepEqual(plan.outputs, { jobErrorMetric: "acme-job-errors" });
    });

    it("makes an email channel and a PagerDuty channel whose key stays secret", async () => {
        const plan = await build({});
        const oncall = resource(plan, CHANNEL, "alerting-oncall").inputs;
        assert.equal(oncall["type"], "email");
        assert.equal(oncall["displayName"], "logistics L1 oncall");
        assert.deepEqual(oncall["labels"], { email_address: "oncall@example.com" });
        assert.deepEqual(oncall["userLabels"], LABELS);
        const lead = resource(plan, CHANNEL, "alerting-lead").inputs;
        assert.equal(lead["type"], "pagerduty");
        assert.equal(lead["displayName"], "logistics L2 lead");
        assert.deepEqual(lead["sensitiveLabels"], {
            serviceKey: { secret: true, value: "[secret]" },
        });
        assert.ok(!JSON.stringify(plan).includes(PAGER_KEY), "the key shows nowhere in the plan");
    });

    it("has one policy per runbook row, plus DAG parse errors and API down, each with its Cloud Monitoring severity", async () => {
        const plan = await build({});
        const got = Object.entries(policies(plan))
            .map(([key, p]) => [key, p.inputs["displayName"], p.inputs["severity"]])
            .sort();
        assert.deepEqual(got, [
            ["api-down", "API down: uptime check failing (high)", "CRITICAL"],
            ["api-latency", "API latency (medium)", "ERROR"],
            ["bigquery-errors", "BigQuery errors (high)", "CRITICAL"],
            ["dag-failure", "DAG failure (high)", "CRITICAL"],
            ["dag-parse-errors", "DAG failure: DAG files fail to import (high)", "CRITICAL"],
            ["data-freshness", "Data freshness (medium)", "ERROR"],
            ["storage-quota", "Storage quota (low)", "WARNING"],
        ]);
        for (const [key, p] of Object.entries(policies(plan))) {
            assert.equal(p.inputs["combiner"], "OR", key);
            assert.equal(p.inputs["enabled"], true, key);
            assert.equal((p.inputs["conditions"] as unknown[]).length, 1, key);
            const severity = String(p.inputs["displayName"]).match(/\((\w+)\)$/)![1];
            assert.deepEqual(p.inputs["userLabels"], { team: "data-platform", severity }, key);
        }
    });

    it("routes each severity to its channels: high to both levels, medium and low to the on-call only", async () => {
        const plan = await build({});
        const oncall = resource(plan, CHANNEL, "alerting-oncall").urn;
        const lead = resource(plan, CHANNEL, "alerting-lead").urn;
        for (const [key, p] of Object.entries(policies(plan))) {
            const high = String(p.inputs["displayName"]).endsWith("(high)");
            assert.equal((p.inputs["notificationChannels"] as unknown[]).length, high ? 2 : 1, key);
            assert.ok(p.dependencies.includes(oncall), `${key} notifies the on-call`);
            assert.equal(p.dependencies.includes(lead), high, `${key} notifies the lead: ${high}`);
        }
    });

    it("re-notifies only the severities given a renotify interval, and closes incidents after autoClose", async () => {
        const defaults = policies(await build({}));
        for (const [key, p] of Object.entries(defaults))
            assert.deepEqual(p.inputs["alertStrategy"], { autoClose: "1800s" }, key);
        const plan = await build({ renotify: { high: "30m", low: "120m" }, autoClose: "60m" });
        for (const [key, p] of Object.entries(policies(plan))) {
            const severity = String(p.inputs["displayName"]).match(/\((\w+)\)$/)![1];
            const strategy = p.inputs["alertStrategy"] as Json;
            assert.equal(strategy["autoClose"], "3600s", key);
            const strategies = strategy["notificationChannelStrategies"] as Json[] | undefined;
            const expected = { high: "1800s", medium: undefined, low: "7200s" }[severity!];
            assert.equal(strategies?.[0]?.["renotifyInterval"], expected, key);
            if (strategies)
                assert.deepEqual(
                    strategies[0]!["notificationChannelNames"],
                    p.inputs["notificationChannels"],
                    `${key} re-notifies the channels it notifies`,
                );
        }
    });

    it("turns every policy off with enabled: false", async () => {
        for (const [key, p] of Object.entries(policies(await build({ enabled: false }))))
            assert.equal(p.inputs["enabled"], false, key);
    });

    it("watches the targets it is given: the environment, the service, the bucket, the uptime check and its own counters", async () => {
        const p = policies(await build({}));
        assert.equal(
            condition(p["dag-failure"]!)["filter"],
            'resource.type = "cloud_composer_workflow" AND resource.labels.environment_name = "acme-airflow" ' +
                'AND metric.type = "composer.googleapis.com/workflow/run_count" AND metric.labels.state = "failed"',
        );
        assert.equal(
            condition(p["dag-parse-errors"]!)["filter"],
            'resource.type = "cloud_composer_environment" AND resource.labels.environment_name = "acme-airflow" ' +
                'AND metric.type = "composer.googleapis.com/environment/dag_processing/parse_error_count"',
        );
        assert.equal(
            condition(p["api-latency"]!)["filter"],
            'resource.type = "cloud_run_revision" AND resource.labels.service_name = "logistics-api" ' +
                'AND metric.type = "run.googleapis.com/request_latencies"',
        );
        assert.equal(
            condition(p["api-down"]!)["filter"],
            'metric.type = "monitoring.googleapis.com/uptime_check/check_passed" AND metric.labels.check_id = "check-123"',
        );
        assert.equal(
            condition(p["storage-quota"]!)["filter"],
            'resource.type = "gcs_bucket" AND resource.labels.bucket_name = "acme-lake" AND metric.type = "storage.googleapis.com/storage/total_bytes"',
        );
        assert.equal(
            condition(p["bigquery-errors"]!)["filter"],
            'metric.type = "logging.googleapis.com/user/acme-job-errors"',
        );
        assert.equal(
            condition(p["data-freshness"]!)["filter"],
            'metric.type = "logging.googleapis.com/user/acme-freshness-failures"',
        );
    });

    it("keeps an event incident open for its window: an hour for job errors, a check interval plus 5 minutes for freshness", async () => {
        const window = (p: PlannedResource) =>
            (condition(p)["aggregations"] as Json[])[0]!["alignmentPeriod"];
        const defaults = policies(await build({}));
        assert.equal(window(defaults["bigquery-errors"]!), "3600s");
        assert.equal(window(defaults["data-freshness"]!), "3900s"); // 60 + 5 minutes
        assert.deepEqual(condition(defaults["data-freshness"]!), {
            filter: 'metric.type = "logging.googleapis.com/user/acme-freshness-failures"',
            aggregations: [
                {
                    alignmentPeriod: "3900s",
                    perSeriesAligner: "ALIGN_SUM",
                    crossSeriesReducer: "REDUCE_SUM",
                },
            ],
            comparison: "COMPARISON_GT",
            thresholdValue: 0,
            duration: "0s",
            evaluationMissingData: "EVALUATION_MISSING_DATA_INACTIVE",
        });
        const often = policies(await build({ freshnessCheckMinutes: 15 }));
        assert.equal(window(often["data-freshness"]!), "1200s");
        assert.equal(window(often["bigquery-errors"]!), "3600s");
    });

    it("takes the latency and storage thresholds from the settings (defaults 2000 ms and 5000 GB)", async () => {
        const defaults = policies(await build({}));
        assert.equal(condition(defaults["api-latency"]!)["thresholdValue"], 2000);
        assert.equal(condition(defaults["storage-quota"]!)["thresholdValue"], 5e12);
        const p = policies(await build({ apiLatencyP95Ms: 1500, storageQuotaGb: 100 }));
        assert.equal(condition(p["api-latency"]!)["thresholdValue"], 1500);
        assert.equal(
            (p["api-latency"]!.inputs["conditions"] as Json[])[0]!["displayName"],
            "p95 latency above 1500 ms",
        );
        assert.equal(condition(p["storage-quota"]!)["thresholdValue"], 1e11);
        assert.equal(
            (p["storage-quota"]!.inputs["conditions"] as Json[])[0]!["displayName"],
            "Data lake above 100 GB",
        );
    });

    it("documents each alert with the runbook's response and the escalation path by level", async () => {
        const p = policies(await build({ storageQuotaGb: 100 }));
        assert.deepEqual(p["storage-quota"]!.inputs["documentation"], {
            content: [
                "## Storage quota (low)",
                "",
                "**Response:** The data lake holds more than 100 GB. Clean up old data: check the lifecycle rules (logistics:dataLake.stagingRetentionDays, rawTiering).",
                "",
                "**Escalation:**",
                "1. Level 1, on-call data engineer: oncall",
                "2. Level 2, data platform team lead: lead",
                "3. Level 3, GCP support for infrastructure issues: https://console.cloud.google.com/support",
            ].join("\n"),
            mimeType: "text/markdown",
            subject: "[low] Storage quota",
        });
        const freshness = (p["data-freshness"]!.inputs["documentation"] as Json)["content"];
        assert.match(String(freshness), /\(raw\.packages: 6 h, raw\.customers: 24 h\)/);
        // Without a level-2 channel the documentation says so instead of naming nobody.
        const single = policies(
            await build({
                channels: { oncall: { level: 1, email: "oncall@example.com" } },
                routes: { high: ["oncall"], medium: ["oncall"], low: ["oncall"] },
            }),
        );
        assert.match(
            String((single["dag-failure"]!.inputs["documentation"] as Json)["content"]),
            /\n2\. Level 2, data platform team lead: none configured\n/,
        );
    });

    it("refuses an empty uptime check id instead of an API down alert that watches nothing", async () => {
        await assert.rejects(build({}, ""), /uptime check id: GCP returned none/);
    });
});

describe("component: PipelineDashboard", () => {
    const build = () =>
        componentPlan(() => {
            // The metric's name is known once the alerting's metric is declared: an Output here.
            const metric = new gcp.logging.Metric("errors", {
                name: "acme-job-errors",
                filter: "severity>=ERROR",
                metricDescriptor: { metricKind: "DELTA", valueType: "INT64" },
            });
            new PipelineDashboard("dash", {
                project: PROJECT,
                title: "Logistics platform (dev): weekly pipeline review",
                targets: { composerEnvironment: "acme-airflow", serviceName: "logistics-api" },
                jobErrorMetric: metric.name,
            });
        });

    it("draws the weekly review's seven charts, two a row, on the targets it is given", async () => {
        const plan = await build();
        const d = resource(plan, DASHBOARD, "dash-dashboard");
        assert.equal(d.inputs["project"], PROJECT);
        const json = JSON.parse(d.inputs["dashboardJson"] as string) as {
            displayName: string;
            mosaicLayout: { columns: number; tiles: Json[] };
        };
        assert.equal(json.displayName, "Logistics platform (dev): weekly pipeline review");
        assert.equal(json.mosaicLayout.columns, 12);
        const tiles = json.mosaicLayout.tiles;
        assert.deepEqual(
            tiles.map((t) => [t["xPos"], t["yPos"], t["width"], t["height"]]),
            [
                [0, 0, 6, 4],
                [6, 0, 6, 4],
                [0, 4, 6, 4],
                [6, 4, 6, 4],
                [0, 8, 6, 4],
                [6, 8, 6, 4],
                [0, 12, 6, 4],
            ],
        );
        const charts = tiles.map((t) => {
            const w = t["widget"] as { title: string; xyChart: { dataSets: Json[] } };
            const filter = (w.xyChart.dataSets[0]!["timeSeriesQuery"] as Json)[
                "timeSeriesFilter"
            ] as {
                filter: string;
                aggregation: Json;
            };
            return [w.title, filter.filter];
        });
        assert.deepEqual(charts, [
            [
                "DAG runs by state",
                'resource.type = "cloud_composer_workflow" AND resource.labels.environment_name = "acme-airflow" AND metric.type = "composer.googleapis.com/workflow/run_count"',
            ],
            [
                "DAG run duration by DAG",
                'resource.type = "cloud_composer_workflow" AND resource.labels.environment_name = "acme-airflow" AND metric.type = "composer.googleapis.com/workflow/run_duration"',
            ],
            [
                "BigQuery slots allocated",
                'metric.type = "bigquery.googleapis.com/slots/allocated_for_project"',
            ],
            ["BigQuery job errors", 'metric.type = "logging.googleapis.com/user/acme-job-errors"'],
            [
                "logistics-api latency p95 (ms)",
                'resource.type = "cloud_run_revision" AND resource.labels.service_name = "logistics-api" AND metric.type = "run.googleapis.com/request_latencies"',
            ],
            [
                "logistics-api 5xx responses",
                'resource.type = "cloud_run_revision" AND resource.labels.service_name = "logistics-api" AND metric.type = "run.googleapis.com/request_count" AND metric.labels.response_code_class = "5xx"',
            ],
            [
                "Bucket sizes",
                'resource.type = "gcs_bucket" AND metric.type = "storage.googleapis.com/storage/total_bytes"',
            ],
        ]);
        // The job errors chart waits for the metric it charts.
        assert.ok(d.dependencies.includes(resourcesOfType(plan, METRIC)[0]!.urn));
    });
});

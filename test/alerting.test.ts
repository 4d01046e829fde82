// Alerting: one policy per row of the runbook's alert table, routed by severity, documented with
// the runbook's response; a freshness check per raw table.
import { strict as assert } from "assert";
import {
    bigQueryJobErrorFilter,
    freshnessFailureFilter,
    freshnessWindowSeconds,
    GCP_SUPPORT_URL,
    MAX_ALERT_ALIGNMENT_SECONDS,
    uptimeFilter,
} from "../components/alerting";
import { ignoredAlertSettings } from "../components/alertRules";
import { freshnessCheckSql } from "../components/sql";
import { diffPlans } from "../tools/offline/diff";
import type { Plan } from "../tools/offline/engine";
import { SECRET_PLACEHOLDER } from "../tools/offline/stackfile";
import { configProblems, planFor, resource, resourcesOfType, stackConfig } from "./harness";

const PROD_RAW = { project: "replace-me-logistics-prod", dataset: "raw" };
const P_RAW = { project: "p", dataset: "raw" };

const POLICY = "gcp:monitoring/alertPolicy:AlertPolicy";
const CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel";
const METRIC = "gcp:logging/metric:Metric";
const UPTIME = "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig";

/** Cloud Monitoring's severity for each of the runbook's levels, stated here, not read from the code. */
const GCP_SEVERITY = { high: "CRITICAL", medium: "ERROR", low: "WARNING" } as const;

/** The runbook's alert table: row → severity. */
const RUNBOOK = {
    "DAG failure": "high",
    "Data freshness": "medium",
    "API latency": "medium",
    "BigQuery errors": "high",
    "Storage quota": "low",
};

function channelUrn(plan: Plan, id: string): string {
    return resource(plan, CHANNEL, `lgx-prod-alerting-${id}`).urn;
}

describe("alerting", () => {
    it("has one policy per runbook row, with the runbook's severity, plus DAG parse errors and API down", async () => {
        const plan = await planFor("prod");
        const policies = resourcesOfType(plan, POLICY);
        assert.equal(policies.length, 7);
        for (const [row, severity] of Object.entries(RUNBOOK)) {
            const p = policies.find((p) => p.inputs["displayName"] === `${row} (${severity})`);
            assert.ok(p, `no alert policy for the runbook's "${row}" row`);
            assert.equal(p.inputs["severity"], GCP_SEVERITY[severity as keyof typeof GCP_SEVERITY]);
        }
        for (const key of ["dag-parse-errors", "api-down"])
            assert.equal(
                resource(plan, POLICY, `lgx-prod-alerting-${key}`).inputs["severity"],
                "CRITICAL",
            );
    });

    it("routes each severity to its escalation levels and re-notifies high ones every 30 minutes", async () => {
        const plan = await planFor("prod");
        const high = resource(plan, POLICY, "lgx-prod-alerting-dag-failure");
        const low = resource(plan, POLICY, "lgx-prod-alerting-storage-quota");
        // Channel names are computed by GCP; the plan shows the dependency on each routed channel.
        for (const id of ["l1-oncall", "l2-lead"])
            assert.ok(high.dependencies.includes(channelUrn(plan, id)), id);
        assert.ok(low.dependencies.includes(channelUrn(plan, "l1-oncall")));
        assert.ok(
            !low.dependencies.includes(channelUrn(plan, "l2-lead")),
            "low alerts do not page the lead",
        );
        assert.equal((high.inputs["notificationChannels"] as unknown[]).length, 2);
        assert.equal(
            (high.inputs["alertStrategy"] as any).notificationChannelStrategies[0].renotifyInterval,
            "1800s",
        );
        assert.equal((low.inputs["alertStrategy"] as any).notificationChannelStrategies, undefined);
        assert.equal((low.inputs["alertStrategy"] as any).autoClose, "1800s");
        const email = resource(plan, CHANNEL, "lgx-prod-alerting-l2-lead");
        assert.deepEqual(email.inputs["labels"], {
            email_address: "data-platform-lead@example.com",
        });
        assert.equal(email.inputs["type"], "email");
    });

    it("documents the runbook's response with the real resource names and the escalation path", async () => {
        const plan = await planFor("prod");
        const doc = (key: string) =>
            resource(plan, POLICY, `lgx-prod-alerting-${key}`).inputs["documentation"] as any;
        assert.equal(doc("dag-failure").mimeType, "text/markdown");
        assert.match(
            doc("dag-failure").content,
            /\*\*Response:\*\* Check the task logs in the Airflow UI, then rerun or fix/,
        );
        assert.match(
            doc("api-latency").content,
            /p95 latency of logistics-api is above 2000 ms\. Scale instances/,
        );
        assert.match(
            doc("data-freshness").content,
            /raw\.packages: 6 h, raw\.tracking_events: 2 h, raw\.customers: 24 h/,
        );
        for (const key of [
            "dag-failure",
            "data-freshness",
            "api-latency",
            "bigquery-errors",
            "storage-quota",
        ]) {
            assert.match(
                doc(key).content,
                /1\. Level 1, on-call data engineer: l1-oncall\n2\. Level 2, data platform team lead: l2-lead\n/,
            );
            assert.ok(doc(key).content.includes(GCP_SUPPORT_URL));
        }
    });

    it("watches the real resources", async () => {
        const plan = await planFor("prod");
        const cond = (key: string) =>
            resource(plan, POLICY, `lgx-prod-alerting-${key}`).inputs["conditions"] as any[];
        assert.match(
            cond("dag-failure")[0].conditionThreshold.filter,
            /environment_name = "lgx-prod-composer"/,
        );
        assert.match(
            cond("api-latency")[0].conditionThreshold.filter,
            /service_name = "logistics-api"/,
        );
        assert.equal(cond("api-latency")[0].conditionThreshold.thresholdValue, 2000);
        assert.match(
            cond("storage-quota")[0].conditionThreshold.filter,
            /bucket_name = "replace-me-logistics-prod-lgx-prod-lake"/,
        );
    });

    for (const stack of ["dev", "prod"])
        it(`${stack}: no policy is log-match or carries a notification setting GCP ignores, so High really repeats`, async () => {
            const plan = await planFor(stack);
            const renotify = stackConfig(stack)["logistics:alerting"]!.includes("renotify");
            for (const p of resourcesOfType(plan, POLICY)) {
                assert.deepEqual(ignoredAlertSettings(p.name, p.inputs), [], p.name);
                const strategy = p.inputs["alertStrategy"] as any;
                if (renotify && p.inputs["severity"] === "CRITICAL")
                    assert.equal(
                        strategy.notificationChannelStrategies[0].renotifyInterval,
                        "1800s",
                        p.name,
                    );
            }
            // The event alerts count log-based metrics with a threshold, which re-notifies.
            const bq = resource(plan, POLICY, `lgx-${stack}-alerting-bigquery-errors`);
            const threshold = (bq.inputs["conditions"] as any[])[0].conditionThreshold;
            assert.equal(
                threshold.filter,
                `metric.type = "logging.googleapis.com/user/lgx-${stack}-bigquery-job-errors"`,
            );
            assert.equal(threshold.evaluationMissingData, "EVALUATION_MISSING_DATA_INACTIVE");
            assert.ok(
                bq.dependencies.includes(
                    resource(plan, METRIC, `lgx-${stack}-alerting-bigquery-job-errors`).urn,
                ),
            );
        });

    const LOG_MATCH = { displayName: "x", conditionMatchedLog: { filter: "f" } };
    const THRESHOLD = { displayName: "y", conditionThreshold: { filter: "g" } };
    const RENOTIFY = { notificationChannelStrategies: [{ renotifyInterval: "1800s" }] };
    const RATE = { notificationRateLimit: { period: "300s" } };
    const settingCases: [string, object, string[]][] = [
        [
            "a metric policy that re-notifies",
            { conditions: [THRESHOLD], alertStrategy: RENOTIFY },
            [],
        ],
        [
            "a log-match policy with its rate limit",
            { conditions: [LOG_MATCH], alertStrategy: RATE },
            [],
        ],
        [
            "a log-match policy that re-notifies",
            { conditions: [LOG_MATCH], alertStrategy: { ...RATE, ...RENOTIFY } },
            [
                "p: a log-based policy sets renotifyInterval, which Cloud Monitoring never acts on (log-based incidents notify once). Expected a metric-based condition (a log-based metric and a threshold) for an alert that repeats",
            ],
        ],
        [
            "a log-match policy without a rate limit, beside another condition",
            { conditions: [LOG_MATCH, THRESHOLD], alertStrategy: {} },
            [
                "p: a log-match condition shares its policy with 1 other condition(s). Expected it alone in its policy",
                "p: a log-based policy has no alertStrategy.notificationRateLimit. Expected one (Cloud Monitoring requires it)",
            ],
        ],
        [
            "a log-match policy asking for CLOSED notifications",
            {
                conditions: [LOG_MATCH],
                alertStrategy: { ...RATE, notificationPrompts: ["OPENED", "CLOSED"] },
            },
            [
                "p: a log-based policy asks for CLOSED notifications, which Cloud Monitoring never sends for it. Expected notificationPrompts [OPENED] or none",
            ],
        ],
        [
            "a metric policy with a rate limit",
            { conditions: [THRESHOLD], alertStrategy: RATE },
            [
                "p: a metric-based policy sets notificationRateLimit, which Cloud Monitoring implements only for log-based policies. Expected none",
            ],
        ],
    ];

    it(`finds notification settings GCP ignores (${settingCases.length} cases)`, () => {
        for (const [title, policy, expected] of settingCases)
            assert.deepEqual(ignoredAlertSettings("p", policy), expected, title);
    });

    it("pages for the platform's own failed jobs only, and leaves failed freshness checks to their alert", async () => {
        const accounts = ["a@p.iam.gserviceaccount.com", "b@p.iam.gserviceaccount.com"];
        const base =
            'resource.type = "bigquery_project" AND resource.labels.project_id = "p" AND protoPayload.metadata.jobChange.after = "DONE" AND protoPayload.metadata.jobChange.job.jobStatus.errorResult.code:*';
        assert.equal(
            bigQueryJobErrorFilter("p", accounts),
            `${base} AND (protoPayload.authenticationInfo.principalEmail = "a@p.iam.gserviceaccount.com" OR protoPayload.authenticationInfo.principalEmail = "b@p.iam.gserviceaccount.com") ` +
                'AND NOT protoPayload.metadata.jobChange.job.jobConfig.queryConfig.query:"is stale: no row loaded"',
        );
        assert.equal(
            freshnessFailureFilter("p", accounts[0]!),
            `${base} AND (protoPayload.authenticationInfo.principalEmail = "a@p.iam.gserviceaccount.com") ` +
                'AND protoPayload.metadata.jobChange.job.jobConfig.queryConfig.query:"is stale: no row loaded"',
        );
        const plan = await planFor("prod");
        const filter = resource(plan, METRIC, "lgx-prod-alerting-bigquery-job-errors").inputs[
            "filter"
        ] as string;
        const principals = [...filter.matchAll(/principalEmail = "([^"]+)"/g)].map((m) => m[1]);
        assert.deepEqual(
            principals,
            ["composer", "api", "jobs", "deployer"].map(
                (w) => `lgx-prod-${w}@replace-me-logistics-prod.iam.gserviceaccount.com`,
            ),
        );
        const freshness = resource(plan, METRIC, "lgx-prod-alerting-freshness-failures").inputs[
            "filter"
        ] as string;
        assert.match(freshness, /principalEmail = "lgx-prod-jobs@replace-me-logistics-prod\.iam/);
    });

    it("watches the adopted accounts and metric name when a stack adopts them (logistics:names)", async () => {
        const plan = await planFor("prod", {
            "logistics:names": {
                serviceAccounts: { jobs: "legacy-etl" },
                jobErrorMetric: "legacy-bq-errors",
            },
        });
        const metric = resource(plan, METRIC, "lgx-prod-alerting-bigquery-job-errors");
        assert.equal(metric.inputs["name"], "legacy-bq-errors");
        assert.match(
            metric.inputs["filter"] as string,
            /principalEmail = "legacy-etl@replace-me-logistics-prod\.iam\.gserviceaccount\.com"/,
        );
        assert.match(
            resource(plan, METRIC, "lgx-prod-alerting-freshness-failures").inputs[
                "filter"
            ] as string,
            /principalEmail = "legacy-etl@replace-me-logistics-prod\.iam\.gserviceaccount\.com"/,
        );
        const bq = resource(plan, POLICY, "lgx-prod-alerting-bigquery-errors");
        assert.equal(
            (bq.inputs["conditions"] as any[])[0].conditionThreshold.filter,
            'metric.type = "logging.googleapis.com/user/legacy-bq-errors"',
        );
    });

    it("keeps a freshness incident open from one failed run to the next, within Cloud Monitoring's longest window", async () => {
        assert.equal(freshnessWindowSeconds(60), 3900);
        assert.equal(freshnessWindowSeconds(10), 900);
        assert.ok(freshnessWindowSeconds(1440) <= MAX_ALERT_ALIGNMENT_SECONDS);
        const plan = await planFor("prod", {
            "logistics:alerting": {
                ...JSON.parse(stackConfig("prod")["logistics:alerting"]!),
                freshnessCheckMinutes: 30,
            },
        });
        const c = (
            resource(plan, POLICY, "lgx-prod-alerting-data-freshness").inputs["conditions"] as any[]
        )[0];
        assert.equal(c.conditionThreshold.aggregations[0].alignmentPeriod, "2100s");
    });

    it("alerts on the API's uptime check, routed as High, and refuses an empty check id", async () => {
        const plan = await planFor("prod");
        const uptime = resource(plan, UPTIME, "lgx-prod-api-uptime");
        const alert = resource(plan, POLICY, "lgx-prod-alerting-api-down");
        assert.ok(alert.dependencies.includes(uptime.urn), "the alert reads the check's id");
        for (const id of ["l1-oncall", "l2-lead"])
            assert.ok(alert.dependencies.includes(channelUrn(plan, id)), id);
        const c = (alert.inputs["conditions"] as any[])[0].conditionThreshold;
        assert.equal(c.aggregations[0].crossSeriesReducer, "REDUCE_COUNT_FALSE");
        assert.match(
            (alert.inputs["documentation"] as any).content,
            /logistics-api fails its uptime check \(\/healthz\)/,
        );
        assert.equal(
            uptimeFilter("logistics-api-healthz-x1"),
            'metric.type = "monitoring.googleapis.com/uptime_check/check_passed" AND metric.labels.check_id = "logistics-api-healthz-x1"',
        );
        assert.throws(() => uptimeFilter(""), /^Error: uptime check id: GCP returned none/);
    });

    it("keeps the uptime check when GCP adds revision labels, and replaces it when the watched service changes", async () => {
        const plan = await planFor("prod");
        const withLabels = (labels: Record<string, string>): Plan => ({
            ...plan,
            resources: plan.resources.map((r) =>
                r.type !== UPTIME
                    ? r
                    : {
                          ...r,
                          inputs: {
                              ...r.inputs,
                              monitoredResource: {
                                  ...(r.inputs["monitoredResource"] as object),
                                  labels: {
                                      ...(r.inputs["monitoredResource"] as any).labels,
                                      ...labels,
                                  },
                              },
                          },
                      },
            ),
        });
        // What GCP stores for a cloud_run_revision check: the labels it adds.
        const stored = withLabels({ configuration_name: "", revision_name: "" });
        assert.deepEqual(
            diffPlans(stored, plan).changes.filter((c) => c.type === UPTIME),
            [],
        );
        const moved = diffPlans(withLabels({ service_name: "old-api" }), plan).changes.filter(
            (c) => c.type === UPTIME,
        );
        assert.equal(moved.length, 1);
        assert.deepEqual(
            moved[0]!.changes.map((c) => c.path),
            ["monitoredResource.labels.service_name"],
        );
    });

    it("checks the freshness of every raw table on a schedule, with its threshold", async () => {
        const plan = await planFor("prod");
        for (const [table, hours] of Object.entries({
            packages: 6,
            tracking_events: 2,
            customers: 24,
        })) {
            const check = resource(
                plan,
                "gcp:bigquery/dataTransferConfig:DataTransferConfig",
                `lgx-prod-freshness-${table}`,
            );
            assert.equal(
                (check.inputs["params"] as any).query,
                freshnessCheckSql(PROD_RAW, table, hours, 48),
            );
            assert.equal(check.inputs["schedule"], "every 60 minutes");
            assert.equal(
                check.inputs["serviceAccountName"],
                "lgx-prod-jobs@replace-me-logistics-prod.iam.gserviceaccount.com",
            );
        }
        // What the check does with the table is test/freshness.test.ts's.
        const sql = freshnessCheckSql(P_RAW, "packages", 6, 48);
        assert.match(
            sql,
            /^ASSERT \(\n {2}SELECT IFNULL\(TIMESTAMP_DIFF\(CURRENT_TIMESTAMP\(\), MAX\(_loaded_at\), MINUTE\) <= 360,/,
        );
        assert.match(sql, /\) AS 'raw\.packages is stale: no row loaded in the last 6 h/);
    });

    it("labels policies and channels with the standard set (as userLabels)", async () => {
        const plan = await planFor("prod");
        for (const r of [...resourcesOfType(plan, POLICY), ...resourcesOfType(plan, CHANNEL)])
            for (const key of ["environment", "team", "cost-center", "managed-by"])
                assert.ok(key in (r.inputs["userLabels"] as object), `${r.name} lacks ${key}`);
    });

    it("keeps a PagerDuty key secret", async () => {
        // A stack file holds the key encrypted (a plaintext one is refused); offline it arrives
        // as the placeholder, which must stay secret in the plan like the real key.
        const plan = await planFor("dev", {
            "logistics:alerting": {
                channels: { pager: { level: 1, pagerdutyServiceKey: SECRET_PLACEHOLDER } },
                routes: { high: ["pager"], medium: ["pager"], low: ["pager"] },
            },
        });
        const pager = resource(plan, CHANNEL, "lgx-dev-alerting-pager");
        assert.equal(pager.inputs["type"], "pagerduty");
        assert.deepEqual(pager.inputs["sensitiveLabels"], {
            serviceKey: { secret: true, value: "[secret]" },
        });
        assert.ok(!JSON.stringify(plan).includes(SECRET_PLACEHOLDER));
    });

    it("checks the API's health path every minute, as Cloud Monitoring's agent allowed to invoke it", async () => {
        const plan = await planFor("prod");
        const uptime = resource(
            plan,
            "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig",
            "lgx-prod-api-uptime",
        );
        assert.deepEqual(uptime.inputs["monitoredResource"], {
            type: "cloud_run_revision",
            labels: {
                project_id: "replace-me-logistics-prod",
                service_name: "logistics-api",
                location: "us-central1",
            },
        });
        assert.equal((uptime.inputs["httpCheck"] as any).path, "/healthz");
        assert.deepEqual((uptime.inputs["httpCheck"] as any).serviceAgentAuthentication, {
            type: "OIDC_TOKEN",
        });
        const grant = resource(
            plan,
            "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
            "lgx-prod-api-invoker-uptime-check",
        );
        assert.equal(grant.inputs["role"], "roles/run.invoker");
        assert.ok(uptime.dependencies.includes(grant.urn));
    });

    it("draws the weekly review's dashboard: DAG runs and durations, slots, job errors, API latency and errors, bucket sizes", async () => {
        const plan = await planFor("prod");
        const dash = resource(
            plan,
            "gcp:monitoring/dashboard:Dashboard",
            "lgx-prod-dashboard-dashboard",
        );
        const json = JSON.parse(dash.inputs["dashboardJson"] as string);
        assert.deepEqual(
            json.mosaicLayout.tiles.map((t: any) => t.widget.title),
            [
                "DAG runs by state",
                "DAG run duration by DAG",
                "BigQuery slots allocated",
                "BigQuery job errors",
                "logistics-api latency p95 (ms)",
                "logistics-api 5xx responses",
                "Bucket sizes",
            ],
        );
        const filters = json.mosaicLayout.tiles.map(
            (t: any) => t.widget.xyChart.dataSets[0].timeSeriesQuery.timeSeriesFilter.filter,
        );
        assert.ok(filters[0].includes('environment_name = "lgx-prod-composer"'));
        assert.equal(
            filters[3],
            'metric.type = "logging.googleapis.com/user/lgx-prod-bigquery-job-errors"',
        );
        // The chart counts the BigQuery errors alert's own metric.
        assert.ok(
            dash.dependencies.includes(
                resource(plan, METRIC, "lgx-prod-alerting-bigquery-job-errors").urn,
            ),
        );
    });

    const ROUTES = { high: ["l1"], medium: ["l1"], low: ["l1"] };
    const CHANNELS = { l1: { level: 1, email: "a@example.com" } };
    const cases: [string, Record<string, unknown>, string[]][] = [
        [
            "a route naming an unknown channel",
            { channels: CHANNELS, routes: { ...ROUTES, high: ["l1", "l2-lead"] } },
            [
                'logistics:alerting.routes.high[1]: got "l2-lead", not a channel. Expected one of l1.',
            ],
        ],
        [
            "a threshold of zero",
            { channels: CHANNELS, routes: ROUTES, apiLatencyP95Ms: 0 },
            ["logistics:alerting.apiLatencyP95Ms: got 0. Expected an integer from 1 to 600000."],
        ],
        [
            "a freshness threshold for a table that does not exist",
            { channels: CHANNELS, routes: ROUTES, freshnessHours: { parcels: 6 } },
            [
                "logistics:alerting.freshnessHours.parcels: unknown key. Known keys: packages, tracking_events, customers.",
            ],
        ],
        [
            "a negative freshness threshold",
            { channels: CHANNELS, routes: ROUTES, freshnessHours: { packages: -1 } },
            [
                "logistics:alerting.freshnessHours.packages: got -1. Expected an integer from 1 to 720 (hours).",
            ],
        ],
        [
            "an email that is not an email",
            { channels: { l1: { level: 1, email: "oncall" } }, routes: ROUTES },
            [
                'logistics:alerting.channels.l1.email: got "oncall". Expected an email address such as oncall@example.com.',
            ],
        ],
        [
            "a channel with no address",
            { channels: { l1: { level: 1 } }, routes: ROUTES },
            [
                "logistics:alerting.channels.l1: sets neither of email and pagerdutyServiceKey. Expected exactly one: an email channel or a PagerDuty channel.",
            ],
        ],
        [
            "escalation level 3 as a channel",
            { channels: { l1: { level: 3, email: "a@example.com" } }, routes: ROUTES },
            [
                "logistics:alerting.channels.l1.level: got 3. Expected an integer from 1 to 2 (level 3, GCP support, is a link in each alert's documentation).",
            ],
        ],
        [
            "a severity with no route",
            { channels: CHANNELS, routes: { high: ["l1"], medium: [], low: ["l1"] } },
            ["logistics:alerting.routes.medium: is empty. Expected at least one channel id."],
        ],
    ];

    it(`rejects bad alerting config with exact messages (${cases.length} cases)`, () => {
        for (const [title, alerting, expected] of cases)
            assert.deepEqual(configProblems({ "logistics:alerting": alerting }), expected, title);
    });
});

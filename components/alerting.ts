// Alerting: the runbook's alert table as alert policies, each with the runbook's response as its
// documentation, routed by severity to the escalation levels' notification channels.
//
// Every policy is metric-based. Cloud Monitoring never repeats a notification of a log-match
// policy (https://cloud.google.com/monitoring/alerts/policies-in-api), so events (failed jobs,
// failed freshness checks) are counted by log-based metrics and alerted on with a threshold: the
// runbook's "High repeats every 30 minutes" (logistics:alerting.renotify) then really happens.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { AlertingConfig } from "./alerting.schema";
import {
    alertDefinitions,
    alertDocumentation,
    bigQueryJobErrorFilter,
    freshnessFailureFilter,
    SEVERITY_LEVEL,
    type AlertTargets,
} from "./alertDefinitions";
import { ignoredAlertSettings } from "./alertRules";
import { childOptions } from "./common";

export * from "./alertDefinitions";

const minutes = (m: number) => `${m * 60}s`;

export interface AlertingArgs {
    project: string;
    settings: AlertingConfig;
    /** What the alerts watch; the log-based metrics are this component's own. */
    targets: Omit<AlertTargets, "metrics">;
    /** Names of the log-based metrics the event alerts count (Cloud Logging user metrics). */
    metricNames: { jobErrors: string; freshnessFailures: string };
    /** Earlier URNs of the job errors metric (it belonged to the dashboard), so it is not recreated. */
    jobErrorMetricAliases?: pulumi.Input<pulumi.URN | pulumi.Alias>[];
    labels: Record<string, string>;
}

export class Alerting extends pulumi.ComponentResource {
    /** Alert policy names by key. */
    public readonly policies: Record<string, pulumi.Output<string>>;
    /** The log-based metric counting the platform's failed BigQuery jobs (the dashboard charts it). */
    public readonly jobErrorMetric: pulumi.Output<string>;

    constructor(name: string, args: AlertingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("logistics:monitoring:Alerting", name, {}, opts);
        const c = args.settings;
        const t = args.targets;
        const child = childOptions(this, opts);
        const counter = { metricKind: "DELTA", valueType: "INT64" } as const;
        const jobErrors = new gcp.logging.Metric(
            `${name}-bigquery-job-errors`,
            {
                project: args.project,
                name: args.metricNames.jobErrors,
                description: "BigQuery jobs of the platform's accounts that ended with an error.",
                filter: bigQueryJobErrorFilter(t.project, t.platformAccounts),
                metricDescriptor: counter,
            },
            { ...child, aliases: args.jobErrorMetricAliases ?? [] },
        );
        const freshnessFailures = new gcp.logging.Metric(
            `${name}-freshness-failures`,
            {
                project: args.project,
                name: args.metricNames.freshnessFailures,
                description:
                    "Freshness checks of the raw tables that failed (a stale or empty table).",
                filter: freshnessFailureFilter(t.project, t.freshnessAccount),
                metricDescriptor: counter,
            },
            child,
        );
        this.jobErrorMetric = jobErrors.name;
        const targets: AlertTargets = {
            ...t,
            metrics: { jobErrors: jobErrors.name, freshnessFailures: freshnessFailures.name },
        };
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
        for (const a of alertDefinitions(targets, c)) {
            const route = c.routes[a.severity].map((id) => channels[id]!.name);
            const renotify = c.renotify[a.severity];
            const policyArgs: gcp.monitoring.AlertPolicyArgs = {
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
            };
            // Settings GCP would accept and ignore (a renotify on a log-match policy) never ship.
            const ignored = ignoredAlertSettings(a.key, policyArgs);
            if (ignored.length > 0) throw new Error(ignored.join("\n"));
            // The event alerts' filters read the metrics' names: each policy waits for its metric.
            const policy = new gcp.monitoring.AlertPolicy(`${name}-${a.key}`, policyArgs, child);
            this.policies[a.key] = policy.name;
        }
        this.registerOutputs({ policies: this.policies, jobErrorMetric: this.jobErrorMetric });
    }
}

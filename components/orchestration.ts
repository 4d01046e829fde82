// Cloud Composer 3: Airflow for the ingestion DAGs and dbt, sized and scaled from config, with a
// maintenance window that contains the runbook's windows and daily snapshots for recovery.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import {
    COMPOSER_IMAGE_PATTERN,
    composerMaintenanceWindow,
    type ComposerConfig,
} from "./orchestration.schema";
import { childOptions, deletionPolicy, dependencies, statefulOptions } from "./common";
import { serviceAgentMember } from "./identities";

export interface OrchestrationArgs {
    /** Physical environment name. */
    environmentName: string;
    region: string;
    settings: ComposerConfig;
    project: string;
    /** Email of the environment's service account (cannot change after creation). */
    serviceAccountEmail: pulumi.Input<string>;
    /** Full resource name of that account, for the Composer service agent's grant on it. */
    serviceAccountName: pulumi.Input<string>;
    /** Where scheduled snapshots go, `gs://<bucket>/<folder>`. */
    snapshotLocation: pulumi.Input<string>;
    /** Environment variables the DAGs need (data bucket, project, datasets). */
    dagEnvironment: Record<string, pulumi.Input<string>>;
    labels: Record<string, string>;
    protect: boolean;
}

/**
 * Airflow settings the runbook's troubleshooting relies on: zombie tasks ("DAG stuck in running
 * state") are detected and failed after 5 minutes, and new DAGs start paused so a deploy never
 * starts a backfill by surprise. Airflow 3 renamed the zombie threshold.
 */
export function platformAirflowOverrides(imageVersion: string): Record<string, string> {
    const airflowMajor = COMPOSER_IMAGE_PATTERN.exec(imageVersion)?.[1];
    return {
        "core-dags_are_paused_at_creation": "True",
        ...(airflowMajor === "3"
            ? { "scheduler-task_instance_heartbeat_timeout": "300" }
            : {
                  "scheduler-scheduler_zombie_task_threshold": "300",
                  "scheduler-zombie_detection_interval": "60",
              }),
    };
}

/** `"02:30"` → the cron line Composer's snapshot schedule takes. */
export function snapshotCron(time: string): string {
    const [h, m] = time.split(":").map(Number);
    return `${m} ${h} * * *`;
}

export class Orchestration extends pulumi.ComponentResource {
    /** The Airflow UI (the runbook's "Composer URL"). */
    public readonly airflowUri: pulumi.Output<string>;
    /** Where DAG files go: `gs://<environment bucket>/dags` (DAGs auto-sync from there). */
    public readonly dagGcsPrefix: pulumi.Output<string>;
    /** The environment's bucket. */
    public readonly environmentBucket: pulumi.Output<string>;

    constructor(name: string, args: OrchestrationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("logistics:composer:Orchestration", name, {}, opts);
        const s = args.settings;
        const child = childOptions(this, opts);
        // Composer 3 with a user-managed account: Composer's service agent needs the
        // ServiceAgentV2Ext role on that account (granted on the account, not the project)
        // (https://cloud.google.com/composer/docs/composer-3/access-control#service-agent).
        // The ServiceIdentity makes GCP create the agent; its address comes from the project's
        // number, since the provider may leave the resource's `member` empty.
        const agent = new gcp.projects.ServiceIdentity(
            `${name}-agent`,
            { project: args.project, service: "composer.googleapis.com" },
            child,
        );
        const agentGrant = new gcp.serviceaccount.IAMMember(
            `${name}-agent-ext`,
            {
                serviceAccountId: args.serviceAccountName,
                role: "roles/composer.ServiceAgentV2Ext",
                member: serviceAgentMember(args.project, "composer", this),
            },
            { ...child, dependsOn: [...dependencies(opts), agent] },
        );
        const env = new gcp.composer.Environment(
            `${name}-environment`,
            {
                project: args.project,
                name: args.environmentName,
                region: args.region,
                labels: args.labels,
                deletionPolicy: deletionPolicy(args.protect),
                config: {
                    environmentSize: s.environmentSize,
                    resilienceMode: s.resilienceMode,
                    softwareConfig: {
                        imageVersion: s.imageVersion,
                        pypiPackages: s.pypiPackages,
                        airflowConfigOverrides: {
                            ...platformAirflowOverrides(s.imageVersion),
                            ...s.airflowConfigOverrides,
                        },
                        envVariables: { ...args.dagEnvironment, ...s.envVariables },
                    },
                    workloadsConfig: {
                        scheduler: { count: s.schedulerCount, ...(s.schedulerResources ?? {}) },
                        worker: {
                            minCount: s.workers.minCount,
                            maxCount: s.workers.maxCount,
                            ...(s.workers.resources ?? {}),
                        },
                    },
                    nodeConfig: { serviceAccount: args.serviceAccountEmail },
                    maintenanceWindow: composerMaintenanceWindow(s.maintenanceWindow),
                    recoveryConfig: {
                        scheduledSnapshotsConfig: {
                            enabled: true,
                            snapshotLocation: args.snapshotLocation,
                            snapshotCreationSchedule: snapshotCron(s.snapshotTime),
                            timeZone: "UTC",
                        },
                    },
                },
            },
            // The environment holds Airflow's history (DAG runs, task logs): stateful.
            {
                ...statefulOptions(this, args.protect, opts),
                dependsOn: [...dependencies(opts), agentGrant],
            },
        );
        this.airflowUri = env.config.airflowUri;
        this.dagGcsPrefix = env.config.dagGcsPrefix;
        this.environmentBucket = env.config.dagGcsPrefix.apply(
            (p) => p.replace(/^gs:\/\//, "").split("/")[0]!,
        );
        this.registerOutputs({
            airflowUri: this.airflowUri,
            dagGcsPrefix: this.dagGcsPrefix,
            environmentBucket: this.environmentBucket,
        });
    }
}

// logistics-api: its Artifact Registry repository, its API key in Secret Manager, and the Cloud
// Run service. A deploy is `pulumi config set --path logistics:api.image <image>` + `pulumi up`;
// scaling is `logistics:api.minInstances` / `maxInstances`.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ApiConfig } from "./apiService.schema";
import {
    childOptions,
    deletionPolicy,
    dependencies,
    memberKey,
    statefulOptions,
    uniqueKeys,
} from "./common";
import { serviceAgentMember } from "./identities";

/** The environment variable that carries the API key, from Secret Manager. */
export const API_KEY_ENV = "API_KEY";

export interface ApiServiceArgs {
    project: string;
    region: string;
    /** Artifact Registry repository id and its push path (`<region>-docker.pkg.dev/<project>/<id>`). */
    registry: { repositoryId: string; path: string };
    /** The Cloud Run service's name (logistics-api unless a stack adopts another). */
    serviceName: string;
    /** Secret Manager secret id of the API key. */
    secretId: string;
    settings: ApiConfig;
    /** Email of the service's own service account. */
    serviceAccountEmail: pulumi.Input<string>;
    /** Plain environment variables (project, datasets); never secrets. */
    environment: Record<string, pulumi.Input<string>>;
    labels: Record<string, string>;
    protect: boolean;
}

/**
 * Labels GCP adds to a `cloud_run_revision` uptime check's monitored resource (the revision and
 * configuration), which the program cannot know: read back, they differ from the inputs, and
 * since any change of `monitoredResource` replaces the check, every `up` would recreate it
 * (https://github.com/hashicorp/terraform-provider-google/issues/19733; the `project_id` variant:
 * https://github.com/pulumi/pulumi-gcp/issues/946, https://github.com/GoogleCloudPlatform/magic-modules/pull/10694).
 * Only these keys are ignored: a change of the labels the program sets (service, region, project)
 * still replaces the check, so it never keeps watching a service that moved.
 */
export const UPTIME_LABELS_GCP_ADDS = [
    "monitoredResource.labels.configuration_name",
    "monitoredResource.labels.revision_name",
] as const;

/** The full image reference for a config value (short `name:tag` or already full). */
export function imageReference(image: string, registry: string): string {
    return image.includes("/") ? image : `${registry}/${image}`;
}

/** Cleanup: keep the newest `keep` versions of each image, delete the rest. */
export function cleanupPolicies(
    keep: number,
): gcp.types.input.artifactregistry.RepositoryCleanupPolicy[] {
    return [
        { id: "keep-newest", action: "KEEP", mostRecentVersions: { keepCount: keep } },
        { id: "delete-older", action: "DELETE", condition: { tagState: "ANY" } },
    ];
}

export class ApiService extends pulumi.ComponentResource {
    /** The service's URL. */
    public readonly url: pulumi.Output<string>;
    /** Where to push images: `<region>-docker.pkg.dev/<project>/<repository>`. */
    public readonly imageRepository: pulumi.Output<string>;
    /** The API key secret's id (the key itself is never an output). */
    public readonly apiKeySecretId: pulumi.Output<string>;
    /** The uptime check's id, for the alert on its results. */
    public readonly uptimeCheckId: pulumi.Output<string>;

    constructor(name: string, args: ApiServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("logistics:api:ApiService", name, {}, opts);
        const s = args.settings;
        const child = childOptions(this, opts);

        const repository = new gcp.artifactregistry.Repository(
            `${name}-images`,
            {
                project: args.project,
                location: args.region,
                repositoryId: args.registry.repositoryId,
                format: "DOCKER",
                mode: "STANDARD_REPOSITORY",
                description: `Images of ${args.serviceName}.`,
                cleanupPolicyDryRun: false,
                cleanupPolicies: cleanupPolicies(s.keepImages),
                labels: args.labels,
                deletionPolicy: deletionPolicy(args.protect),
            },
            statefulOptions(this, args.protect, opts),
        );

        // The key is generated here and lives only in Secret Manager and in the (encrypted) state.
        const key = new random.RandomPassword(`${name}-key`, { length: 48, special: false }, child);
        const secret = new gcp.secretmanager.Secret(
            `${name}-key-secret`,
            {
                project: args.project,
                secretId: args.secretId,
                replication: { auto: {} },
                deletionProtection: args.protect,
                labels: args.labels,
            },
            statefulOptions(this, args.protect, opts),
        );
        const version = new gcp.secretmanager.SecretVersion(
            `${name}-key-version`,
            { secret: secret.id, secretData: key.result },
            // The provider SDK already marks secretData as a secret output.
            child,
        );
        const accessor = new gcp.secretmanager.SecretIamMember(
            `${name}-key-accessor`,
            {
                project: args.project,
                secretId: secret.secretId,
                role: "roles/secretmanager.secretAccessor",
                member: pulumi.interpolate`serviceAccount:${args.serviceAccountEmail}`,
            },
            child,
        );

        const registry = args.registry.path;
        const probe = { httpGet: { path: s.healthPath, port: s.port } };
        const service = new gcp.cloudrunv2.Service(
            `${name}-service`,
            {
                project: args.project,
                name: args.serviceName,
                location: args.region,
                ingress: s.ingress,
                deletionProtection: args.protect,
                labels: args.labels,
                template: {
                    serviceAccount: args.serviceAccountEmail,
                    scaling: { minInstanceCount: s.minInstances, maxInstanceCount: s.maxInstances },
                    maxInstanceRequestConcurrency: s.concurrency,
                    timeout: `${s.timeoutSeconds}s`,
                    labels: args.labels,
                    containers: [
                        {
                            image: imageReference(s.image, registry),
                            ports: { containerPort: s.port },
                            resources: { limits: { cpu: s.cpu, memory: s.memory } },
                            startupProbe: {
                                ...probe,
                                periodSeconds: 5,
                                failureThreshold: 12,
                                timeoutSeconds: 3,
                            },
                            livenessProbe: {
                                ...probe,
                                periodSeconds: 30,
                                failureThreshold: 3,
                                timeoutSeconds: 3,
                            },
                            envs: [
                                ...Object.entries(args.environment)
                                    .sort(([a], [b]) => a.localeCompare(b))
                                    .map(([name, value]) => ({ name, value })),
                                {
                                    name: API_KEY_ENV,
                                    valueSource: {
                                        secretKeyRef: {
                                            secret: secret.secretId,
                                            version: version.version,
                                        },
                                    },
                                },
                            ],
                        },
                    ],
                },
            },
            // The revision can only start once its account may read the key and the image repo exists.
            { ...child, dependsOn: [...dependencies(opts), accessor, repository] },
        );

        const invokers = [...(s.publicInvoker ? ["allUsers"] : []), ...new Set(s.invokers)];
        const keys = uniqueKeys(invokers.map((m) => ({ key: memberKey(m), identity: m })));
        for (const [i, member] of invokers.entries())
            new gcp.cloudrunv2.ServiceIamMember(
                `${name}-invoker-${keys[i]}`,
                {
                    project: args.project,
                    location: args.region,
                    name: service.name,
                    role: "roles/run.invoker",
                    member,
                },
                child,
            );

        // Uptime check on the health path, authenticated as Cloud Monitoring's service agent (the
        // service is not public): the agent gets run.invoker on this service only
        // (https://cloud.google.com/monitoring/uptime-checks#create). The ServiceIdentity makes GCP
        // create the agent; its address comes from the project's number, since the provider may
        // leave the resource's `member` empty.
        const monitoringAgent = new gcp.projects.ServiceIdentity(
            `${name}-monitoring-agent`,
            { project: args.project, service: "monitoring.googleapis.com" },
            child,
        );
        const uptimeInvoker = new gcp.cloudrunv2.ServiceIamMember(
            `${name}-invoker-uptime-check`,
            {
                project: args.project,
                location: args.region,
                name: service.name,
                role: "roles/run.invoker",
                member: serviceAgentMember(args.project, "monitoring", this),
            },
            { ...child, dependsOn: [...dependencies(opts), monitoringAgent] },
        );
        const uptime = new gcp.monitoring.UptimeCheckConfig(
            `${name}-uptime`,
            {
                project: args.project,
                displayName: `${args.serviceName} ${s.healthPath}`,
                timeout: "10s",
                period: "60s",
                monitoredResource: {
                    type: "cloud_run_revision",
                    labels: {
                        project_id: args.project,
                        service_name: args.serviceName,
                        location: args.region,
                    },
                },
                httpCheck: {
                    path: s.healthPath,
                    port: 443,
                    useSsl: true,
                    validateSsl: true,
                    serviceAgentAuthentication: { type: "OIDC_TOKEN" },
                },
                userLabels: args.labels,
            },
            {
                ...child,
                dependsOn: [...dependencies(opts), uptimeInvoker],
                ignoreChanges: [...UPTIME_LABELS_GCP_ADDS],
            },
        );

        this.url = service.uri;
        this.imageRepository = pulumi.output(registry);
        this.apiKeySecretId = secret.secretId;
        this.uptimeCheckId = uptime.uptimeCheckId;
        this.registerOutputs({
            url: this.url,
            imageRepository: this.imageRepository,
            apiKeySecretId: this.apiKeySecretId,
        });
    }
}

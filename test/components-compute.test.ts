// Component tests of the compute layer, ApiService and Orchestration: each built on its own
// offline (componentPlan), with settings parsed by its own schema (components/apiService.schema.ts,
// components/orchestration.schema.ts). Which accounts, buckets and datasets the stack hands them is
// tested on whole plans (compute.test.ts, alerting.test.ts).
import { strict as assert } from "assert";
import * as gcp from "@pulumi/gcp";
import { ApiService } from "../components/apiService";
import { api } from "../components/apiService.schema";
import { Orchestration } from "../components/orchestration";
import { composer } from "../components/orchestration.schema";
import { componentPlan, resource, resourcesOfType } from "./harness";

const LABELS = { team: "data-platform" };
const PROJECT = "acme-dev";
const UNKNOWN = "(known after deploy)";

const REPOSITORY = "gcp:artifactregistry/repository:Repository";
const SECRET = "gcp:secretmanager/secret:Secret";
const SECRET_VERSION = "gcp:secretmanager/secretVersion:SecretVersion";
const SECRET_ACCESSOR = "gcp:secretmanager/secretIamMember:SecretIamMember";
const PASSWORD = "random:index/randomPassword:RandomPassword";
const SERVICE = "gcp:cloudrunv2/service:Service";
const INVOKER = "gcp:cloudrunv2/serviceIamMember:ServiceIamMember";
const UPTIME = "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig";
const SERVICE_IDENTITY = "gcp:projects/serviceIdentity:ServiceIdentity";
const ENVIRONMENT = "gcp:composer/environment:Environment";
const ACCOUNT_GRANT = "gcp:serviceaccount/iAMMember:IAMMember";
const PROJECT_SERVICE = "gcp:projects/service:Service";

type Json = Record<string, unknown>;
const at = (v: unknown, ...path: (string | number)[]): unknown =>
    path.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)?.[k], v);

describe("component: ApiService", () => {
    const service = (settings: Json, protect = false) =>
        componentPlan(() => {
            const s = new ApiService("api", {
                project: PROJECT,
                region: "us-central1",
                registry: {
                    repositoryId: "logistics",
                    path: "us-central1-docker.pkg.dev/acme-dev/logistics",
                },
                serviceName: "logistics-api",
                secretId: "logistics-api-key",
                settings: api.parse({ image: "logistics-api:1.4.2", ...settings }),
                serviceAccountEmail: "api@acme-dev.iam.gserviceaccount.com",
                environment: { PROJECT_ID: PROJECT, MARTS_DATASET: "marts" },
                labels: LABELS,
                protect,
            });
            return { imageRepository: s.imageRepository, apiKeySecretId: s.apiKeySecretId };
        });

    it("with its schema's defaults: the image from the registry, scale to zero up to 10, 1 vCPU, 512Mi, probes on /healthz", async () => {
        const plan = await service({});
        const svc = resource(plan, SERVICE, "api-service").inputs;
        assert.equal(svc["name"], "logistics-api");
        assert.equal(svc["location"], "us-central1");
        assert.equal(svc["ingress"], "INGRESS_TRAFFIC_ALL");
        const t = svc["template"] as Json;
        assert.equal(t["serviceAccount"], "api@acme-dev.iam.gserviceaccount.com");
        assert.deepEqual(t["scaling"], { minInstanceCount: 0, maxInstanceCount: 10 });
        assert.equal(t["maxInstanceRequestConcurrency"], 80);
        assert.equal(t["timeout"], "60s");
        const [c, ...others] = t["containers"] as Json[];
        assert.deepEqual(others, [], "one container");
        assert.equal(
            c!["image"],
            "us-central1-docker.pkg.dev/acme-dev/logistics/logistics-api:1.4.2",
        );
        assert.deepEqual(c!["ports"], { containerPort: 8080 });
        assert.deepEqual(c!["resources"], { limits: { cpu: "1", memory: "512Mi" } });
        const get = { path: "/healthz", port: 8080 };
        assert.deepEqual(c!["startupProbe"], {
            httpGet: get,
            periodSeconds: 5,
            failureThreshold: 12,
            timeoutSeconds: 3,
        });
        assert.deepEqual(c!["livenessProbe"], {
            httpGet: get,
            periodSeconds: 30,
            failureThreshold: 3,
            timeoutSeconds: 3,
        });
    });

    it("turns settings into the service: scaling, size, concurrency, timeout, port, health path, ingress", async () => {
        const plan = await service({
            minInstances: 2,
            maxInstances: 20,
            cpu: 2, // YAML's number: Cloud Run takes the count as text
            memory: "2Gi",
            concurrency: 40,
            timeoutSeconds: 300,
            port: 9000,
            healthPath: "/ready",
            ingress: "INGRESS_TRAFFIC_INTERNAL_ONLY",
        });
        const svc = resource(plan, SERVICE, "api-service").inputs;
        assert.equal(svc["ingress"], "INGRESS_TRAFFIC_INTERNAL_ONLY");
        assert.deepEqual(at(svc, "template", "scaling"), {
            minInstanceCount: 2,
            maxInstanceCount: 20,
        });
        assert.equal(at(svc, "template", "maxInstanceRequestConcurrency"), 40);
        assert.equal(at(svc, "template", "timeout"), "300s");
        const c = at(svc, "template", "containers", 0) as Json;
        assert.deepEqual(c["ports"], { containerPort: 9000 });
        assert.deepEqual(c["resources"], { limits: { cpu: "2", memory: "2Gi" } });
        assert.deepEqual(at(c, "startupProbe", "httpGet"), { path: "/ready", port: 9000 });
        assert.deepEqual(at(c, "livenessProbe", "httpGet"), { path: "/ready", port: 9000 });
        // The uptime check follows the health path; it calls the public HTTPS port.
        const uptime = resource(plan, UPTIME, "api-uptime").inputs;
        assert.equal(uptime["displayName"], "logistics-api /ready");
        assert.deepEqual(uptime["httpCheck"], {
            path: "/ready",
            port: 443,
            useSsl: true,
            validateSsl: true,
            serviceAgentAuthentication: { type: "OIDC_TOKEN" },
        });
    });

    it("takes a full image path as written, and a digest behind the registry", async () => {
        const full = "europe-docker.pkg.dev/other/images/logistics-api:2.0.0";
        const digest = `logistics-api@sha256:${"a".repeat(64)}`;
        for (const [image, expected] of [
            [full, full],
            [digest, `us-central1-docker.pkg.dev/acme-dev/logistics/${digest}`],
        ] as const) {
            const plan = await service({ image });
            assert.equal(
                at(
                    resource(plan, SERVICE, "api-service").inputs,
                    "template",
                    "containers",
                    0,
                    "image",
                ),
                expected,
            );
        }
    });

    it("passes the environment in name order and the API key only as a Secret Manager reference", async () => {
        const plan = await service({});
        const envs = at(
            resource(plan, SERVICE, "api-service").inputs,
            "template",
            "containers",
            0,
            "envs",
        );
        assert.deepEqual(envs, [
            { name: "MARTS_DATASET", value: "marts" },
            { name: "PROJECT_ID", value: PROJECT },
            {
                name: "API_KEY",
                // The version is the one the program wrote, known once it exists.
                valueSource: { secretKeyRef: { secret: "logistics-api-key", version: UNKNOWN } },
            },
        ]);
        const pw = resource(plan, PASSWORD, "api-key").inputs;
        assert.deepEqual(pw, { length: 48, special: false });
        const secret = resource(plan, SECRET, "api-key-secret").inputs;
        assert.equal(secret["secretId"], "logistics-api-key");
        assert.deepEqual(secret["replication"], { auto: {} });
        // The key's value is the generated password, and a secret: never shown in a plan or state.
        const version = resource(plan, SECRET_VERSION, "api-key-version");
        assert.deepEqual(version.inputs["secretData"], { secret: true, value: "[secret]" });
        assert.ok(version.dependencies.includes(resource(plan, PASSWORD, "api-key").urn));
        const accessor = resource(plan, SECRET_ACCESSOR, "api-key-accessor").inputs;
        assert.equal(accessor["secretId"], "logistics-api-key");
        assert.equal(accessor["role"], "roles/secretmanager.secretAccessor");
        assert.equal(accessor["member"], "serviceAccount:api@acme-dev.iam.gserviceaccount.com");
        assert.deepEqual(plan.outputs, {
            imageRepository: "us-central1-docker.pkg.dev/acme-dev/logistics",
            apiKeySecretId: "logistics-api-key",
        });
    });

    it("starts the service only once its account may read the key and the image repository exists", async () => {
        const plan = await service({});
        const deps = resource(plan, SERVICE, "api-service").dependencies;
        for (const [type, name] of [
            [SECRET_ACCESSOR, "api-key-accessor"],
            [REPOSITORY, "api-images"],
            [SECRET, "api-key-secret"],
        ] as const)
            assert.ok(deps.includes(resource(plan, type, name).urn), `waits for ${name}`);
    });

    it("keeps the newest images in a Docker repository (10 by default, as configured)", async () => {
        for (const [settings, keep] of [
            [{}, 10],
            [{ keepImages: 3 }, 3],
        ] as const) {
            const repo = resource(await service(settings), REPOSITORY, "api-images").inputs;
            assert.equal(repo["repositoryId"], "logistics");
            assert.equal(repo["location"], "us-central1");
            assert.equal(repo["format"], "DOCKER");
            assert.equal(repo["cleanupPolicyDryRun"], false);
            assert.deepEqual(repo["cleanupPolicies"], [
                { id: "keep-newest", action: "KEEP", mostRecentVersions: { keepCount: keep } },
                { id: "delete-older", action: "DELETE", condition: { tagState: "ANY" } },
            ]);
        }
    });

    it("protects the image repository and the key's secret only when asked; the service's deletion protection follows", async () => {
        for (const protect of [true, false]) {
            const plan = await service({}, protect);
            const repo = resource(plan, REPOSITORY, "api-images");
            assert.equal(repo.options.protect, protect);
            assert.equal(repo.options.retainOnDelete, protect);
            assert.equal(repo.inputs["deletionPolicy"], protect ? "PREVENT" : undefined);
            const secret = resource(plan, SECRET, "api-key-secret");
            assert.equal(secret.options.protect, protect);
            assert.equal(secret.options.retainOnDelete, protect);
            assert.equal(secret.inputs["deletionProtection"], protect);
            assert.equal(
                resource(plan, SERVICE, "api-service").inputs["deletionProtection"],
                protect,
            );
        }
    });

    it("grants run.invoker to the configured members once each, to allUsers only with publicInvoker", async () => {
        const invokers = async (settings: Json) =>
            resourcesOfType(await service(settings), INVOKER)
                .filter((g) => g.name !== "api-invoker-uptime-check")
                .map((g) => {
                    assert.equal(g.inputs["role"], "roles/run.invoker");
                    assert.equal(g.inputs["name"], "logistics-api");
                    return [g.name, g.inputs["member"]];
                })
                .sort();
        assert.deepEqual(await invokers({}), []);
        assert.deepEqual(
            await invokers({
                invokers: ["group:support@example.com", "group:support@example.com"],
            }),
            [["api-invoker-group-support@example.com", "group:support@example.com"]],
        );
        assert.deepEqual(await invokers({ publicInvoker: true }), [
            ["api-invoker-allUsers", "allUsers"],
        ]);
    });

    // memberKey maps every character outside [A-Za-z0-9_.@-] to "-" and a service account to its
    // id: user:ana+ops@example.com and user:ana-ops@example.com share a key, which once failed the
    // plan with a duplicate URN. Colliding keys get a hash of the member (common.ts uniqueKeys).
    it("grants two invokers whose names differ only in a character the name drops, each its own grant", async () => {
        const plan = await service({
            invokers: ["user:ana+ops@example.com", "user:ana-ops@example.com"],
        });
        const members = resourcesOfType(plan, INVOKER)
            .filter((g) => g.name !== "api-invoker-uptime-check")
            .map((g) => g.inputs["member"])
            .sort();
        assert.deepEqual(members, ["user:ana+ops@example.com", "user:ana-ops@example.com"]);
    });

    it("checks the health path every minute as Cloud Monitoring's agent, the only extra invoker", async () => {
        const plan = await service({});
        const agent = resource(plan, SERVICE_IDENTITY, "api-monitoring-agent").inputs;
        assert.deepEqual(agent, { project: PROJECT, service: "monitoring.googleapis.com" });
        const grant = resource(plan, INVOKER, "api-invoker-uptime-check");
        assert.equal(grant.inputs["role"], "roles/run.invoker");
        assert.equal(
            grant.inputs["member"],
            "serviceAccount:service-<project-number>@gcp-sa-monitoring-notification.iam.gserviceaccount.com",
        );
        assert.ok(
            grant.dependencies.includes(
                resource(plan, SERVICE_IDENTITY, "api-monitoring-agent").urn,
            ),
        );
        const uptime = resource(plan, UPTIME, "api-uptime");
        assert.equal(uptime.inputs["period"], "60s");
        assert.equal(uptime.inputs["timeout"], "10s");
        assert.deepEqual(uptime.inputs["monitoredResource"], {
            type: "cloud_run_revision",
            labels: { project_id: PROJECT, service_name: "logistics-api", location: "us-central1" },
        });
        // Only the labels GCP adds are ignored: a changed service, region or project still replaces it.
        assert.deepEqual(uptime.options.ignoreChanges, [
            "monitoredResource.labels.configuration_name",
            "monitoredResource.labels.revision_name",
        ]);
        assert.ok(uptime.dependencies.includes(grant.urn), "the check waits for its invoker grant");
    });
});

describe("component: Orchestration", () => {
    const SNAPSHOTS = "gs://acme-snapshots/snapshots";
    const environment = (settings: Json, protect = false, withApi = false) =>
        componentPlan(() => {
            const api = withApi
                ? new gcp.projects.Service("composer-api", {
                      project: PROJECT,
                      service: "composer.googleapis.com",
                  })
                : undefined;
            new Orchestration(
                "composer",
                {
                    environmentName: "acme-airflow",
                    region: "us-central1",
                    settings: composer.parse(settings),
                    project: PROJECT,
                    serviceAccountEmail: "composer@acme-dev.iam.gserviceaccount.com",
                    serviceAccountName:
                        "projects/acme-dev/serviceAccounts/composer@acme-dev.iam.gserviceaccount.com",
                    snapshotLocation: SNAPSHOTS,
                    dagEnvironment: { BUCKET: "acme-lake", RAW_DATASET: "raw" },
                    labels: LABELS,
                    protect,
                },
                api ? { dependsOn: [api] } : undefined,
            );
        });
    const config = (plan: Awaited<ReturnType<typeof environment>>) =>
        resource(plan, ENVIRONMENT, "composer-environment").inputs["config"] as Json;

    it("with its schema's defaults: a small Airflow 2 environment, 1 scheduler, 1-3 workers, daily 00:00-04:00 maintenance, snapshots at 04:30", async () => {
        const plan = await environment({});
        const env = resource(plan, ENVIRONMENT, "composer-environment").inputs;
        assert.equal(env["name"], "acme-airflow");
        assert.equal(env["region"], "us-central1");
        assert.deepEqual(env["labels"], LABELS);
        assert.deepEqual(env["config"], {
            environmentSize: "ENVIRONMENT_SIZE_SMALL",
            resilienceMode: "STANDARD_RESILIENCE",
            softwareConfig: {
                imageVersion: "composer-3-airflow-2.10.5",
                pypiPackages: {},
                airflowConfigOverrides: {
                    "core-dags_are_paused_at_creation": "True",
                    "scheduler-scheduler_zombie_task_threshold": "300",
                    "scheduler-zombie_detection_interval": "60",
                },
                envVariables: { BUCKET: "acme-lake", RAW_DATASET: "raw" },
            },
            workloadsConfig: { scheduler: { count: 1 }, worker: { minCount: 1, maxCount: 3 } },
            nodeConfig: { serviceAccount: "composer@acme-dev.iam.gserviceaccount.com" },
            maintenanceWindow: {
                startTime: "2024-01-01T00:00:00Z",
                endTime: "2024-01-01T04:00:00Z",
                recurrence: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU",
            },
            recoveryConfig: {
                scheduledSnapshotsConfig: {
                    enabled: true,
                    snapshotLocation: SNAPSHOTS,
                    snapshotCreationSchedule: "30 4 * * *",
                    timeZone: "UTC",
                },
            },
        });
    });

    it("turns settings into size, resilience, schedulers, workers and their resources", async () => {
        const c = config(
            await environment({
                environmentSize: "ENVIRONMENT_SIZE_MEDIUM",
                resilienceMode: "HIGH_RESILIENCE",
                schedulerCount: 2,
                schedulerResources: { cpu: 1, memoryGb: 4 },
                workers: {
                    minCount: 2,
                    maxCount: 6,
                    resources: { cpu: 2, memoryGb: 8, storageGb: 10 },
                },
                pypiPackages: { "dbt-bigquery": "==1.9.1" },
            }),
        );
        assert.equal(c["environmentSize"], "ENVIRONMENT_SIZE_MEDIUM");
        assert.equal(c["resilienceMode"], "HIGH_RESILIENCE");
        assert.deepEqual(c["workloadsConfig"], {
            scheduler: { count: 2, cpu: 1, memoryGb: 4 },
            worker: { minCount: 2, maxCount: 6, cpu: 2, memoryGb: 8, storageGb: 10 },
        });
        assert.deepEqual(at(c, "softwareConfig", "pypiPackages"), { "dbt-bigquery": "==1.9.1" });
    });

    it("names the zombie-task setting by the image's Airflow major version, and merges config overrides and variables over the platform's", async () => {
        const c = config(
            await environment({
                imageVersion: "composer-3-airflow-3.0.1",
                airflowConfigOverrides: {
                    "core-parallelism": "64",
                    "core-dags_are_paused_at_creation": "False",
                },
                envVariables: { BUCKET: "other-lake", EXTRA: "1" },
            }),
        );
        assert.equal(at(c, "softwareConfig", "imageVersion"), "composer-3-airflow-3.0.1");
        assert.deepEqual(at(c, "softwareConfig", "airflowConfigOverrides"), {
            // The stack's config has the last word over the platform's own setting.
            "core-dags_are_paused_at_creation": "False",
            "scheduler-task_instance_heartbeat_timeout": "300",
            "core-parallelism": "64",
        });
        assert.deepEqual(at(c, "softwareConfig", "envVariables"), {
            BUCKET: "other-lake",
            RAW_DATASET: "raw",
            EXTRA: "1",
        });
    });

    it("writes a maintenance window that runs past midnight as Composer takes it, and the snapshot's cron", async () => {
        const c = config(
            await environment({
                maintenanceWindow: { start: "22:00", hours: 6 },
                snapshotTime: "05:15",
            }),
        );
        assert.deepEqual(c["maintenanceWindow"], {
            startTime: "2024-01-01T22:00:00Z",
            endTime: "2024-01-02T04:00:00Z",
            recurrence: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU",
        });
        assert.equal(
            at(c, "recoveryConfig", "scheduledSnapshotsConfig", "snapshotCreationSchedule"),
            "15 5 * * *",
        );
    });

    it("protects the environment (Airflow's history) only when asked, in Pulumi and in GCP", async () => {
        for (const protect of [true, false]) {
            const env = resource(
                await environment({}, protect),
                ENVIRONMENT,
                "composer-environment",
            );
            assert.equal(env.options.protect, protect);
            assert.equal(env.options.retainOnDelete, protect);
            assert.equal(env.inputs["deletionPolicy"], protect ? "PREVENT" : undefined);
        }
    });

    it("grants Composer's service agent ServiceAgentV2Ext on the environment's account before creating the environment", async () => {
        const plan = await environment({});
        const agent = resource(plan, SERVICE_IDENTITY, "composer-agent");
        assert.deepEqual(agent.inputs, { project: PROJECT, service: "composer.googleapis.com" });
        const grant = resource(plan, ACCOUNT_GRANT, "composer-agent-ext");
        assert.deepEqual(grant.inputs, {
            serviceAccountId:
                "projects/acme-dev/serviceAccounts/composer@acme-dev.iam.gserviceaccount.com",
            role: "roles/composer.ServiceAgentV2Ext",
            member: "serviceAccount:service-<project-number>@cloudcomposer-accounts.iam.gserviceaccount.com",
        });
        assert.ok(grant.dependencies.includes(agent.urn), "the grant waits for the agent");
        const env = resource(plan, ENVIRONMENT, "composer-environment");
        assert.ok(env.dependencies.includes(grant.urn), "the environment waits for the grant");
    });

    it("passes the component's dependencies (its API) on to every child, the environment too", async () => {
        const plan = await environment({}, false, true);
        const api = resourcesOfType(plan, PROJECT_SERVICE)[0]!.urn;
        const children = plan.resources.filter((r) => r.custom && r.type !== PROJECT_SERVICE);
        assert.deepEqual(
            children.map((r) => r.type).sort(),
            [ENVIRONMENT, SERVICE_IDENTITY, ACCOUNT_GRANT].sort(),
        );
        for (const r of children)
            assert.ok(r.dependencies.includes(api), `${r.name} waits for the API`);
    });
});

// Composer, logistics-api and the identities: scaling from config, secrets, least privilege.
import { strict as assert } from "assert";
import { API_KEY_ENV, cleanupPolicies, imageReference } from "../components/apiService";
import { PROJECT_ROLES, WORKLOADS } from "../components/identities";
import { platformAirflowOverrides, snapshotCron } from "../components/orchestration";
import {
    composerMaintenanceWindow,
    maintenanceWindowProblems,
    WEEKDAYS,
} from "../components/orchestration.schema";
import type { Plan } from "../tools/offline/engine";
import { configProblems, planFor, resource, resourcesOfType } from "./harness";

const COMPOSER = "gcp:composer/environment:Environment";
const RUN = "gcp:cloudrunv2/service:Service";
const PRIMITIVE = ["roles/owner", "roles/editor", "roles/viewer"];
const SA = (stack: string, w: string) =>
    `serviceAccount:lgx-${stack}-${w}@replace-me-logistics-${stack}.iam.gserviceaccount.com`;

/** Every grant in a plan as `<role> on <resource type>:<target>`, by member. */
function grantsByMember(plan: Plan): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const r of plan.resources) {
        const { role, member } = r.inputs as { role?: string; member?: string };
        if (typeof role !== "string" || typeof member !== "string") continue;
        const target =
            r.inputs["bucket"] ??
            r.inputs["datasetId"] ??
            r.inputs["secretId"] ??
            r.inputs["name"] ??
            r.inputs["serviceAccountId"] ??
            r.inputs["project"];
        (out[member] ??= []).push(
            `${role} on ${r.type.split(":")[1]!.split("/")[0]}:${String(target)}`,
        );
    }
    for (const list of Object.values(out)) list.sort();
    return out;
}

describe("Composer", () => {
    it("is sized and scaled from config: the runbook's 'scale workers' is a config change", async () => {
        const env = resource(await planFor("prod"), COMPOSER, "lgx-prod-composer-environment");
        const c = env.inputs["config"] as Record<string, any>;
        assert.equal(env.inputs["name"], "lgx-prod-composer");
        assert.equal(c["softwareConfig"].imageVersion, "composer-3-airflow-2.10.5");
        assert.equal(c["environmentSize"], "ENVIRONMENT_SIZE_MEDIUM");
        assert.equal(c["resilienceMode"], "HIGH_RESILIENCE");
        assert.deepEqual(c["workloadsConfig"], {
            scheduler: { count: 2 },
            worker: { minCount: 2, maxCount: 10 },
        });
        const scaled = resource(
            await planFor("prod", {
                "logistics:composer": { workers: { minCount: 3, maxCount: 12 } },
            }),
            COMPOSER,
            "lgx-prod-composer-environment",
        );
        assert.deepEqual((scaled.inputs["config"] as any).workloadsConfig.worker, {
            minCount: 3,
            maxCount: 12,
        });
    });

    it("pins PyPI packages, sets the troubleshooting overrides and the DAGs' variables", async () => {
        const plan = await planFor("prod");
        const sw = (
            resource(plan, COMPOSER, "lgx-prod-composer-environment").inputs["config"] as any
        ).softwareConfig;
        for (const version of Object.values(sw.pypiPackages)) assert.match(String(version), /^==/);
        assert.ok("dbt-bigquery" in sw.pypiPackages && "great-expectations" in sw.pypiPackages);
        assert.equal(sw.airflowConfigOverrides["core-dags_are_paused_at_creation"], "True");
        assert.equal(sw.airflowConfigOverrides["scheduler-scheduler_zombie_task_threshold"], "300");
        assert.deepEqual(sw.envVariables, {
            BUCKET: plan.outputs["dataBucket"],
            BACKUPS_BUCKET: plan.outputs["backupsBucket"],
            LOGISTICS_PROJECT: "replace-me-logistics-prod",
            LOGISTICS_ENVIRONMENT: "prod",
            BQ_LOCATION: "US",
            RAW_DATASET: "raw",
            STAGING_DATASET: "staging",
            MARTS_DATASET: "marts",
        });
    });

    it("runs as its own account, keeps a maintenance window GCP accepts, snapshots daily at 04:30, after the window", async () => {
        const plan = await planFor("prod");
        const env = resource(plan, COMPOSER, "lgx-prod-composer-environment");
        const c = env.inputs["config"] as any;
        assert.equal(
            c.nodeConfig.serviceAccount,
            SA("prod", "composer").replace("serviceAccount:", ""),
        );
        assert.deepEqual(c.maintenanceWindow, {
            startTime: "2024-01-01T00:00:00Z",
            endTime: "2024-01-01T04:00:00Z",
            recurrence: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU",
        });
        assert.deepEqual(c.recoveryConfig.scheduledSnapshotsConfig, {
            enabled: true,
            snapshotLocation: "gs://replace-me-logistics-prod-lgx-prod-snapshots/snapshots",
            snapshotCreationSchedule: "30 4 * * *",
            timeZone: "UTC",
        });
        assert.equal(env.options.protect, true);
        assert.equal(plan.outputs["airflowUri"], "(known after deploy)");
    });

    it("starts only after the grants that make its bucket and datasets usable (outputs resolve after IAM)", async () => {
        const plan = await planFor("prod");
        const env = resource(plan, COMPOSER, "lgx-prod-composer-environment");
        const grants = plan.resources.filter(
            (r) =>
                (r.type === "gcp:storage/bucketIAMMember:BucketIAMMember" &&
                    r.name.startsWith("lgx-prod-lake-")) ||
                (r.type === "gcp:bigquery/datasetIamMember:DatasetIamMember" &&
                    r.inputs["member"] === SA("prod", "composer")),
        );
        assert.equal(grants.length, 4, "the lake grant and three dataset grants");
        for (const g of grants)
            assert.ok(env.dependencies.includes(g.urn), `${g.name} is not awaited`);
    });

    it("names the Airflow 3 zombie setting by its Airflow 3 name", () => {
        assert.deepEqual(platformAirflowOverrides("composer-3-airflow-3.1.0"), {
            "core-dags_are_paused_at_creation": "True",
            "scheduler-task_instance_heartbeat_timeout": "300",
        });
        assert.equal(snapshotCron("02:05"), "5 2 * * *");
    });
});

describe("maintenance window", () => {
    const every = [...WEEKDAYS];
    it("accepts the runbook's windows widened to 00:00-04:00 daily, and wider ones", () => {
        assert.deepEqual(maintenanceWindowProblems({ start: "00:00", hours: 4, days: every }), []);
        assert.deepEqual(maintenanceWindowProblems({ start: "00:00", hours: 6, days: every }), []);
    });

    it("rejects what Composer rejects and what leaves out the runbook's windows", () => {
        assert.deepEqual(maintenanceWindowProblems({ start: "00:00", hours: 3, days: every }), [
            {
                key: "hours",
                message:
                    "got 3. Expected at least 4: Composer needs maintenance slots of at least 4 hours",
            },
            {
                key: "start",
                message:
                    '"00:00" for 3 h on MO, TU, WE, TH, FR, SA, SU does not contain the runbook\'s weekly Sunday 02:00-04:00, monthly first Sunday 00:00-04:00 windows. Expected slots that contain 00:00-04:00 on each of those days (a slot may start the evening before and run past midnight)',
            },
        ]);
        assert.deepEqual(
            maintenanceWindowProblems({ start: "00:00", hours: 4, days: ["SA", "SU"] }).map(
                (p) => p.key,
            ),
            ["days", "start"],
        );
        assert.deepEqual(
            maintenanceWindowProblems({ start: "01:00", hours: 4, days: every }).map(
                (p) => p.message,
            ),
            [
                '"01:00" for 4 h on MO, TU, WE, TH, FR, SA, SU does not contain the runbook\'s monthly first Sunday 00:00-04:00 window. Expected slots that contain 00:00-04:00 on each of those days (a slot may start the evening before and run past midnight)',
            ],
        );
    });

    it("writes the window as Composer takes it, across midnight too", () => {
        assert.deepEqual(
            composerMaintenanceWindow({ start: "22:00", hours: 6, days: ["SA", "SU"] }),
            {
                startTime: "2024-01-01T22:00:00Z",
                endTime: "2024-01-02T04:00:00Z",
                recurrence: "FREQ=WEEKLY;BYDAY=SA,SU",
            },
        );
    });
});

describe("logistics-api", () => {
    it("scales 2 / 20 in prod and to zero in dev, from config", async () => {
        const prod = resource(await planFor("prod"), RUN, "lgx-prod-api-service");
        const dev = resource(await planFor("dev"), RUN, "lgx-dev-api-service");
        assert.deepEqual((prod.inputs["template"] as any).scaling, {
            minInstanceCount: 2,
            maxInstanceCount: 20,
        });
        assert.deepEqual((dev.inputs["template"] as any).scaling, {
            minInstanceCount: 0,
            maxInstanceCount: 5,
        });
        assert.equal(prod.inputs["name"], "logistics-api");
        assert.equal(prod.inputs["deletionProtection"], true);
        assert.equal(dev.inputs["deletionProtection"], false);
    });

    it("deploys the configured image from the project's registry, with probes on the health path", async () => {
        const plan = await planFor("prod", {
            "logistics:api": {
                image: "logistics-api:2.0.1",
                minInstances: 2,
                maxInstances: 20,
                healthPath: "/health",
            },
        });
        const t = resource(plan, RUN, "lgx-prod-api-service").inputs["template"] as any;
        const c = t.containers[0];
        assert.equal(
            c.image,
            "us-central1-docker.pkg.dev/replace-me-logistics-prod/lgx-prod-containers/logistics-api:2.0.1",
        );
        assert.equal(c.startupProbe.httpGet.path, "/health");
        assert.equal(c.livenessProbe.httpGet.path, "/health");
        assert.equal(t.serviceAccount, SA("prod", "api").replace("serviceAccount:", ""));
        assert.equal(
            plan.outputs["imageRepository"],
            "us-central1-docker.pkg.dev/replace-me-logistics-prod/lgx-prod-containers",
        );
        assert.equal(
            imageReference("x@sha256:" + "a".repeat(64), "r"),
            `r/x@sha256:${"a".repeat(64)}`,
        );
    });

    it("injects the API key only as a Secret Manager reference", async () => {
        const plan = await planFor("prod");
        const envs = (resource(plan, RUN, "lgx-prod-api-service").inputs["template"] as any)
            .containers[0].envs as any[];
        const key = envs.find((e) => e.name === API_KEY_ENV);
        assert.equal(key.value, undefined);
        assert.equal(key.valueSource.secretKeyRef.secret, "lgx-prod-api-key");
        for (const e of envs)
            assert.ok(!/KEY|SECRET|PASSWORD|TOKEN/.test(e.name) || e.value === undefined, e.name);
        const version = resource(
            plan,
            "gcp:secretmanager/secretVersion:SecretVersion",
            "lgx-prod-api-key-version",
        );
        assert.notEqual(
            typeof version.inputs["secretData"],
            "string",
            "the key is never a plain input",
        );
        assert.ok(version.options.additionalSecretOutputs.includes("secretData"));
        assert.ok(!("apiKey" in plan.outputs));
    });

    it("grants run.invoker to the configured members, and to allUsers only when publicInvoker is set", async () => {
        const invokers = (plan: Plan) =>
            resourcesOfType(plan, "gcp:cloudrunv2/serviceIamMember:ServiceIamMember")
                .filter((r) => !r.name.endsWith("-invoker-uptime-check"))
                .map((r) => r.inputs["member"]);
        assert.deepEqual(invokers(await planFor("prod")), [
            "group:logistics-api-clients@example.com",
        ]);
        const open = await planFor("dev", {
            "logistics:api": { image: "logistics-api:1", publicInvoker: true },
        });
        assert.deepEqual(invokers(open), ["allUsers"]);
    });

    it("keeps the newest images and deletes older ones", () => {
        assert.deepEqual(cleanupPolicies(10), [
            { id: "keep-newest", action: "KEEP", mostRecentVersions: { keepCount: 10 } },
            { id: "delete-older", action: "DELETE", condition: { tagState: "ANY" } },
        ]);
    });
});

describe("identities", () => {
    for (const stack of ["dev", "prod"])
        it(`grant each workload of ${stack} only its roles, on the narrowest resource`, async () => {
            const grants = grantsByMember(await planFor(stack));
            assert.deepEqual(grants[SA(stack, "composer")], [
                "roles/bigquery.dataEditor on bigquery:marts",
                "roles/bigquery.dataEditor on bigquery:raw",
                "roles/bigquery.dataEditor on bigquery:staging",
                `roles/bigquery.jobUser on projects:replace-me-logistics-${stack}`,
                `roles/composer.worker on projects:replace-me-logistics-${stack}`,
                `roles/storage.objectAdmin on storage:replace-me-logistics-${stack}-lgx-${stack}-lake`,
                `roles/storage.objectAdmin on storage:replace-me-logistics-${stack}-lgx-${stack}-snapshots`,
            ]);
            assert.deepEqual(grants[SA(stack, "api")], [
                "roles/bigquery.dataViewer on bigquery:marts",
                `roles/bigquery.jobUser on projects:replace-me-logistics-${stack}`,
                `roles/secretmanager.secretAccessor on secretmanager:lgx-${stack}-api-key`,
            ]);
            assert.deepEqual(grants[SA(stack, "jobs")], [
                // prod takes daily table snapshots (logistics:warehouse.snapshots).
                ...(stack === "prod" ? ["roles/bigquery.dataEditor on bigquery:snapshots"] : []),
                "roles/bigquery.dataViewer on bigquery:raw",
                `roles/bigquery.jobUser on projects:replace-me-logistics-${stack}`,
                // BigQuery's export creates and deletes objects on its destination.
                `roles/storage.objectUser on storage:replace-me-logistics-${stack}-lgx-${stack}-lake-backups`,
            ]);
            const deployer = grants[SA(stack, "deployer")]!;
            // Plus the federation's pool admin: the deployer reads the pool on every refresh.
            assert.equal(
                deployer.filter((g) => g.includes("on projects:")).length,
                PROJECT_ROLES.deployer.length + 1,
            );
            assert.ok(
                deployer.includes(
                    `roles/iam.workloadIdentityPoolAdmin on projects:replace-me-logistics-${stack}`,
                ),
            );
            assert.equal(
                deployer.filter((g) =>
                    g.startsWith("roles/iam.serviceAccountUser on serviceaccount:"),
                ).length,
                3,
            );
        });

    it("grants the on-call what npm run ops needs, read-only, and nothing without members", async () => {
        const oncall = "group:data-oncall@example.com";
        const grants = grantsByMember(
            await planFor("prod", { "logistics:oncall": { members: [oncall, oncall] } }),
        );
        assert.deepEqual(grants[oncall], [
            "roles/bigquery.dataViewer on bigquery:raw",
            // prod's table snapshots: restore-plan and verify-restore read them.
            "roles/bigquery.dataViewer on bigquery:snapshots",
            "roles/bigquery.jobUser on projects:replace-me-logistics-prod",
            "roles/bigquery.resourceViewer on projects:replace-me-logistics-prod",
        ]);
        const none = await planFor("prod");
        assert.equal(
            none.resources.filter((r) => r.type === "logistics:iam:OnCallAccess").length,
            0,
        );
        assert.deepEqual(
            configProblems({ "logistics:oncall": { members: ["data-oncall@example.com"] } }),
            [
                'logistics:oncall.members[0]: got "data-oncall@example.com". Expected an IAM member such as group:analysts@example.com or serviceAccount:<email> (allUsers and allAuthenticatedUsers are not allowed on data).',
            ],
        );
        assert.deepEqual(configProblems({ "logistics:oncall": { member: [oncall] } }), [
            "logistics:oncall.member: unknown key. Did you mean members? Known keys: members.",
        ]);
    });

    for (const stack of ["dev", "prod"])
        it(`has no primitive role, no service-account key and no plaintext secret in ${stack}`, async () => {
            const plan = await planFor(stack, {
                "logistics:api": { image: "logistics-api:1", publicInvoker: false },
            });
            const text = JSON.stringify(plan);
            for (const role of PRIMITIVE)
                assert.ok(!text.includes(`"${role}"`), `${role} appears in the plan`);
            assert.equal(resourcesOfType(plan, "gcp:serviceaccount/key:Key").length, 0);
            assert.equal(
                resourcesOfType(plan, "gcp:serviceaccount/account:Account").length,
                WORKLOADS.length,
            );
            for (const r of plan.resources)
                for (const [k, v] of Object.entries(r.inputs))
                    if (/secretData|password|apiKey/i.test(k))
                        assert.notEqual(typeof v, "string", `${r.urn} ${k} is plain text`);
        });

    it("enables the APIs the stack uses and never disables them on destroy", async () => {
        const plan = await planFor("prod");
        const services = resourcesOfType(plan, "gcp:projects/service:Service");
        assert.ok(services.some((s) => s.inputs["service"] === "composer.googleapis.com"));
        // Enabled only with a reservation: dev has none (prod reserves slots for managed DR).
        const dev = resourcesOfType(await planFor("dev"), "gcp:projects/service:Service");
        assert.ok(!dev.some((s) => s.inputs["service"] === "bigqueryreservation.googleapis.com"));
        assert.ok(
            services.some((s) => s.inputs["service"] === "bigqueryreservation.googleapis.com"),
        );
        for (const s of services) assert.equal(s.inputs["disableOnDestroy"], false);
        const withSlots = await planFor("prod", {
            "logistics:warehouse": {
                location: "US",
                reservation: { edition: "ENTERPRISE", baselineSlots: 0, maxSlots: 100 },
            },
        });
        assert.ok(
            resourcesOfType(withSlots, "gcp:projects/service:Service").some(
                (s) => s.inputs["service"] === "bigqueryreservation.googleapis.com",
            ),
        );
    });
});

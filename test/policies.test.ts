// The policy pack: a passing resource and each failing mutation per policy, both stacks clean of
// mandatory violations, and a deliberately bad program caught.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as gcp from "@pulumi/gcp";
import { allPolicies, resourcePolicies } from "../policies/all";
import { runOffline, type Plan, type PlannedResource } from "../tools/offline/engine";
import { loadPolicyConfig, runPolicies } from "../tools/offline/policy";
import { handMadeResource, planFor, stackConfig } from "./harness";

function fakeResource(
    type: string,
    inputs: Record<string, unknown>,
    protect = true,
): PlannedResource {
    return handMadeResource(type, inputs, "r", protect);
}

function planOf(resources: PlannedResource[]): Plan {
    return {
        project: "logistics",
        stack: "test",
        resources,
        outputs: {},
        secrets: [],
        warnings: [],
    };
}

/** The messages one policy reports for one resource. */
async function messages(
    policyName: string,
    type: string,
    inputs: Record<string, unknown>,
    protect = true,
    params = {},
) {
    const policy = allPolicies.find((p) => p.name === policyName)!;
    assert.ok(policy, `no policy ${policyName}`);
    const violations = await runPolicies(
        planOf([fakeResource(type, inputs, protect)]),
        { [policyName]: { enforcementLevel: "mandatory", ...params } },
        [policy],
    );
    return violations.map((v) => v.message);
}

const LABELS = { environment: "prod", team: "t", "cost-center": "c", "managed-by": "pulumi" };
const GOOD_BUCKET = {
    location: "US",
    uniformBucketLevelAccess: true,
    publicAccessPrevention: "enforced",
    labels: LABELS,
};
const RUN = {
    location: "us-central1",
    deletionProtection: true,
    labels: LABELS,
    template: {
        scaling: { minInstanceCount: 2, maxInstanceCount: 20 },
        containers: [
            {
                envs: [
                    {
                        name: "API_KEY",
                        valueSource: { secretKeyRef: { secret: "s", version: "1" } },
                    },
                ],
            },
        ],
    },
};
const COMPOSER = {
    region: "us-central1",
    labels: LABELS,
    config: {
        maintenanceWindow: {
            startTime: "2024-01-01T00:00:00Z",
            endTime: "2024-01-01T04:00:00Z",
            recurrence: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU",
        },
        recoveryConfig: { scheduledSnapshotsConfig: { enabled: true } },
    },
};

const T = {
    bucket: "gcp:storage/bucket:Bucket",
    dataset: "gcp:bigquery/dataset:Dataset",
    table: "gcp:bigquery/table:Table",
    run: "gcp:cloudrunv2/service:Service",
    invoker: "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
    composer: "gcp:composer/environment:Environment",
    projectIam: "gcp:projects/iAMMember:IAMMember",
    bucketIam: "gcp:storage/bucketIAMMember:BucketIAMMember",
    key: "gcp:serviceaccount/key:Key",
    alert: "gcp:monitoring/alertPolicy:AlertPolicy",
    wifProvider: "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider",
};

/** Per policy: the type, a passing resource, and mutations with the messages they must produce. */
const CASES: [
    string,
    string,
    Record<string, unknown>,
    [Record<string, unknown>, string[]][],
    boolean?,
][] = [
    [
        // Without allowedEmailDomains in config, no email domain is allowed (fail closed).
        "monitoring-channels-allowed",
        "gcp:monitoring/notificationChannel:NotificationChannel",
        { type: "pagerduty", sensitiveLabels: { serviceKey: "[secret]" } },
        [
            [
                { type: "email", labels: { email_address: "oncall@example.org" } },
                [
                    "Notification channel must email an allowed domain (none configured), got oncall@example.org.",
                ],
            ],
            [
                { enabled: false },
                [
                    "Notification channel must be enabled (enabled: false drops every alert routed to it).",
                ],
            ],
            [
                { type: "webhook_tokenauth", labels: { url: "https://hooks.example.net/x" } },
                [
                    "Notification channel must be of an allowed type (email, pagerduty), got webhook_tokenauth.",
                ],
            ],
            [
                { labels: { service_key: "abc" }, sensitiveLabels: undefined },
                [
                    "PagerDuty channel must not put its key in labels.service_key (kept in clear); use sensitiveLabels.serviceKey.",
                    "PagerDuty channel must take its key from sensitiveLabels.serviceKey.",
                ],
            ],
            [
                { type: "(known after deploy)" },
                [
                    "A value monitoring-channels-allowed checks is known only after deploy (string value at .type can't be known during preview), so it cannot be checked before it takes effect. Set it to a value known at preview time.",
                ],
            ],
        ],
    ],
    [
        "logging-audit-logs-kept",
        "gcp:logging/projectBucketConfig:ProjectBucketConfig",
        { bucketId: "_Default", location: "global", project: "p", retentionDays: 30 },
        [
            [{ retentionDays: 7 }, ["Log bucket must keep logs at least 30 days, got 7."]],
            [{ retentionDays: 400 }, []],
        ],
    ],
    [
        "gcs-uniform-access-required",
        T.bucket,
        GOOD_BUCKET,
        [
            [
                { uniformBucketLevelAccess: false },
                ["Bucket must use uniform bucket-level access (uniformBucketLevelAccess: true)."],
            ],
        ],
    ],
    [
        "gcs-public-access-prevented",
        T.bucket,
        GOOD_BUCKET,
        [
            [
                { publicAccessPrevention: "inherited" },
                ['Bucket must enforce public access prevention, got "inherited".'],
            ],
            [
                { publicAccessPrevention: undefined },
                ['Bucket must enforce public access prevention, got "inherited".'],
            ],
        ],
    ],
    [
        "gcs-no-force-destroy",
        T.bucket,
        GOOD_BUCKET,
        [
            [
                { forceDestroy: true },
                ["Bucket must not set forceDestroy: deleting it would delete its data."],
            ],
        ],
    ],
    [
        "bigquery-time-travel-floor",
        T.dataset,
        { datasetId: "raw", maxTimeTravelHours: "168" },
        [
            [
                { maxTimeTravelHours: "48" },
                ["Dataset must keep at least 168 h of time travel, got 48 h."],
            ],
        ],
    ],
    [
        "bigquery-no-delete-contents-on-destroy",
        T.dataset,
        { datasetId: "raw", deleteContentsOnDestroy: false },
        [
            [
                { deleteContentsOnDestroy: true },
                [
                    "Dataset must not set deleteContentsOnDestroy: deleting it would drop its tables.",
                ],
            ],
        ],
    ],
    [
        "cloudrun-scaling-bounds",
        T.run,
        RUN,
        [
            [
                { template: { scaling: { minInstanceCount: 2, maxInstanceCount: 500 } } },
                ["Cloud Run service must scale to at most 100 instances, got 500."],
            ],
            [
                { template: { scaling: { minInstanceCount: 5, maxInstanceCount: 2 } } },
                ["Cloud Run service must have minInstanceCount ≤ maxInstanceCount, got 5 > 2."],
            ],
            [{ template: {} }, ["Cloud Run service must set template.scaling.maxInstanceCount."]],
        ],
    ],
    [
        "secrets-no-plaintext",
        T.run,
        RUN,
        [
            [
                {
                    template: {
                        ...RUN.template,
                        containers: [
                            {
                                envs: [
                                    { name: "DB_PASSWORD", value: "hunter2" },
                                    { name: "REGION", value: "x" },
                                ],
                            },
                        ],
                    },
                },
                ["container env DB_PASSWORD has a credential's name and a plain value."],
            ],
        ],
    ],
    [
        "cloudrun-no-public-invoker",
        T.invoker,
        { member: "group:a@example.com", role: "roles/run.invoker" },
        [
            [{ member: "allUsers" }, ["Cloud Run service must not be invokable by allUsers."]],
            [
                { member: "allAuthenticatedUsers" },
                ["Cloud Run service must not be invokable by allAuthenticatedUsers."],
            ],
        ],
    ],
    [
        "cloudrun-deletion-protection",
        T.run,
        RUN,
        [
            [
                { deletionProtection: false },
                ["Cloud Run service must have deletionProtection: true."],
            ],
        ],
    ],
    [
        "composer-maintenance-window-accepted",
        T.composer,
        COMPOSER,
        [
            [
                {
                    config: {
                        ...COMPOSER.config,
                        maintenanceWindow: {
                            startTime: "2024-01-01T02:00:00Z",
                            endTime: "2024-01-01T03:00:00Z",
                            recurrence: "FREQ=DAILY",
                        },
                    },
                },
                [
                    "Composer maintenance slots must last at least 4 h, got 1 h.",
                    "Composer maintenance must total at least 12 h a week, got 7 h.",
                ],
            ],
            [
                {
                    config: {
                        ...COMPOSER.config,
                        maintenanceWindow: {
                            startTime: "2024-01-01T00:00:00Z",
                            endTime: "2024-01-01T04:00:00Z",
                            recurrence: "FREQ=WEEKLY;BYDAY=SU",
                        },
                    },
                },
                ["Composer maintenance must total at least 12 h a week, got 4 h."],
            ],
            [
                {
                    config: {
                        ...COMPOSER.config,
                        maintenanceWindow: {
                            startTime: "soon",
                            endTime: "later",
                            recurrence: "FREQ=DAILY",
                        },
                    },
                },
                [
                    "Composer maintenance window must have RFC 3339 start/end times and an RRULE recurrence.",
                ],
            ],
        ],
    ],
    [
        "composer-snapshots-enabled",
        T.composer,
        COMPOSER,
        [
            [
                { config: { ...COMPOSER.config, recoveryConfig: undefined } },
                [
                    "Composer environment must take scheduled snapshots (recoveryConfig.scheduledSnapshotsConfig.enabled).",
                ],
            ],
        ],
    ],
    [
        "iam-no-primitive-roles",
        T.projectIam,
        { role: "roles/bigquery.jobUser", member: "user:a@example.com" },
        [
            [{ role: "roles/editor" }, ["IAM grant must not use the primitive role roles/editor."]],
            [{ role: "roles/owner" }, ["IAM grant must not use the primitive role roles/owner."]],
        ],
    ],
    [
        "iam-federation-restricted",
        T.wifProvider,
        {
            attributeCondition: "assertion.repository == 'example-org/logistics-platform'",
            oidc: { issuerUri: "https://token.actions.githubusercontent.com" },
        },
        [
            [
                { attributeCondition: undefined },
                [
                    "Workload identity provider must set attributeCondition: without it, every token of the issuer is accepted.",
                ],
            ],
            [
                { attributeCondition: "assertion.ref == 'refs/heads/main'" },
                [
                    "GitHub workload identity provider must restrict assertion.repository: GitHub issues tokens to every repository.",
                ],
            ],
        ],
    ],
    [
        "iam-no-public-members",
        T.bucketIam,
        { role: "roles/storage.objectViewer", member: "group:a@example.com" },
        [
            [
                { member: "allUsers" },
                ["roles/storage.objectViewer must not be granted to allUsers (member)."],
            ],
        ],
    ],
    [
        "labels-required",
        T.bucket,
        GOOD_BUCKET,
        [
            [
                { labels: { environment: "prod" } },
                ["Resource must carry the labels team, cost-center, managed-by."],
            ],
            [
                { labels: undefined },
                ["Resource must carry the labels environment, team, cost-center, managed-by."],
            ],
        ],
    ],
    [
        "regions-allowed",
        T.bucket,
        GOOD_BUCKET,
        [
            [
                { location: "EU" },
                [
                    `Resource must be in an allowed location (US, NAM4, us-central1, us-east1, us-east4, us-east5, us-south1, us-west1, us-west2, us-west3, us-west4), got EU.`,
                ],
            ],
        ],
    ],
];

describe("policy pack", () => {
    it("has at least 20 policies, each named, described and with a remediation hint", () => {
        assert.ok(allPolicies.length >= 20, `${allPolicies.length} policies`);
        const names = allPolicies.map((p) => p.name);
        assert.equal(new Set(names).size, names.length, "policy names are unique");
        for (const p of allPolicies) {
            assert.match(
                p.name,
                /^(gcs|bigquery|cloudrun|composer|iam|monitoring|logging|labels|regions|secrets|stateful|stack)-[a-z0-9-]+$/,
            );
            assert.match(p.description, /^Checks whether /, p.name);
            assert.ok(
                (p as { remediationSteps?: string }).remediationSteps,
                `${p.name} has no remediation hint`,
            );
        }
    });

    for (const [name, type, good, mutations] of CASES)
        it(`${name}: passes a good resource and reports each bad one`, async () => {
            assert.deepEqual(await messages(name, type, good), [], "the good resource passes");
            for (const [change, expected] of mutations)
                assert.deepEqual(
                    await messages(name, type, { ...good, ...change }),
                    expected,
                    JSON.stringify(change),
                );
        });

    it("every resource policy has a table case", () => {
        const covered = new Set([
            ...CASES.map((c) => c[0]),
            // Tables of their own: test/policies-hardening.test.ts.
            "composer-private-environment",
            "composer-resilience-floors",
            "stateful-resources-protected",
            "iam-no-service-account-keys",
        ]);
        // Stack policies are judged through the whole program (test/policies-*.test.ts).
        for (const p of resourcePolicies.filter((x) => "validateResource" in x))
            assert.ok(covered.has(p.name), `${p.name} has no test case`);
    });

    it("stateful-resources-protected and iam-no-service-account-keys", async () => {
        assert.deepEqual(
            await messages("stateful-resources-protected", T.bucket, GOOD_BUCKET, true),
            [],
        );
        assert.deepEqual(
            await messages("stateful-resources-protected", T.bucket, GOOD_BUCKET, false),
            [
                "Stateful resource must be protected (protect: true) so no update or destroy can delete it.",
            ],
        );
        assert.deepEqual(
            await messages("iam-no-service-account-keys", T.key, { serviceAccountId: "x" }),
            ["Service account keys must not be created; use workload identity federation."],
        );
    });

    it("reports a policy that reads a value only the cloud knows as unable to run, like pulumi preview", async () => {
        const policy = allPolicies.find((p) => p.name === "cloudrun-no-public-invoker")!;
        const violations = await runPolicies(
            planOf([
                fakeResource(T.invoker, {
                    role: "roles/run.invoker",
                    member: "(known after deploy)",
                }),
            ]),
            { all: "mandatory" },
            [policy],
        );
        assert.deepEqual(
            violations.map((v) => [v.enforcementLevel, v.message]),
            [
                [
                    "advisory",
                    "can't run policy during preview: string value at .member can't be known during preview",
                ],
            ],
        );
    });

    it("policy parameters come from the stack's config", async () => {
        assert.deepEqual(
            await messages("cloudrun-scaling-bounds", T.run, RUN, true, { maxInstances: 10 }),
            ["Cloud Run service must scale to at most 10 instances, got 20."],
        );
        assert.deepEqual(
            await messages(
                "cloudrun-no-public-invoker",
                T.invoker,
                { member: "allUsers", role: "roles/run.invoker" },
                true,
                { allowPublic: true },
            ),
            [],
        );
    });

    for (const stack of ["dev", "prod"])
        it(`${stack} passes every mandatory policy of its config`, async () => {
            const violations = await runPolicies(await planFor(stack), loadPolicyConfig(stack));
            assert.deepEqual(
                violations.filter((v) => v.enforcementLevel === "mandatory"),
                [],
            );
        });

    it("rejects a pack config naming an unknown policy or level", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-config-"));
        fs.writeFileSync(
            path.join(dir, "x.json"),
            JSON.stringify({ "gcs-uniform-acess": "mandatory" }),
        );
        fs.writeFileSync(
            path.join(dir, "y.json"),
            JSON.stringify({ "gcs-no-force-destroy": "blocking" }),
        );
        assert.throws(
            () => loadPolicyConfig("x", dir),
            /x\.json: invalid policy pack config \(1 problem\):\n {2}- gcs-uniform-acess: unknown policy\. Known: all, gcs-uniform-access-required/,
        );
        assert.throws(
            () => loadPolicyConfig("y", dir),
            /y\.json: invalid policy pack config \(1 problem\):\n {2}- gcs-no-force-destroy: enforcement level "blocking"\. Expected one of advisory, mandatory, remediate, disabled\./,
        );
        assert.throws(
            () => loadPolicyConfig("none", dir),
            /none\.json: missing\. Every stack needs/,
        );
    });

    it("prod's config makes the resource policies mandatory", () => {
        const config = loadPolicyConfig("prod");
        assert.equal(config["all"], "mandatory");
        for (const p of resourcePolicies) {
            const own = config[p.name];
            const level = typeof own === "string" ? own : own?.enforcementLevel;
            assert.ok(
                level === undefined || level === "mandatory",
                `${p.name} is ${level} in prod`,
            );
        }
    });

    it("catches a deliberately bad program", async () => {
        const plan = await runOffline({
            stack: "prod",
            config: stackConfig("prod"),
            program: () => {
                new gcp.storage.Bucket("open", {
                    name: "open",
                    location: "EU",
                    forceDestroy: true,
                    publicAccessPrevention: "inherited",
                });
                new gcp.projects.IAMMember("too-much", {
                    project: "p",
                    role: "roles/editor",
                    member: "user:a@example.com",
                });
                new gcp.serviceaccount.Key("key", { serviceAccountId: "sa" });
                return {};
            },
        });
        const found = [
            ...new Set(
                (await runPolicies(plan, loadPolicyConfig("prod")))
                    .filter((v) => v.enforcementLevel === "mandatory")
                    .map((v) => v.policy),
            ),
        ].sort();
        assert.deepEqual(found, [
            "gcs-no-force-destroy",
            "gcs-public-access-prevented",
            "gcs-uniform-access-required",
            "iam-no-primitive-roles",
            "iam-no-service-account-keys",
            "labels-required",
            "regions-allowed",
            "regions-every-resource",
            "stack-runbook-alerts-exist",
            "stateful-resources-protected",
        ]);
    });
});

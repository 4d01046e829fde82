// Plaintext secrets slipped into prod through the whole program: Composer variables and Airflow
// config from the stack file, container env, channel labels and other inputs added in code.
import { strict as assert } from "assert";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { allPolicies } from "../policies/all";
import { SECRET_PLAINTEXT, type Plan } from "../tools/offline/engine";
import { runPolicies } from "../tools/offline/policy";
import { in_, judge, type Mutation } from "./mutations";
import { stackConfig } from "./harness";

const P = "replace-me-logistics-prod";
const IMAGE = `us-central1-docker.pkg.dev/${P}/lgx-prod-containers/logistics-api:0.1.0`;
const API_SA = `lgx-prod-api@${P}.iam.gserviceaccount.com`;

// Credential-shaped test values, assembled so no scanner mistakes this file for a leak.
const GITHUB = ["ghp", "_", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"].join("");
const AWS = ["AKIA", "IOSFODNN7EXAMPLE"].join("");
const SLACK = ["xoxb", "-", "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"].join("");
const PEM = ["-----BEGIN ", "RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----"].join(
    "",
);
const RANDOM = "q8ZK2mX7vR4tN9pL3sW6yB1cF5hJ0dG8aE2uT7oI";

/** prod's Composer section with extra env variables or Airflow overrides. */
function composer(extra: {
    envVariables?: Record<string, string>;
    airflowConfigOverrides?: Record<string, string>;
}): Record<string, unknown> {
    const base = JSON.parse(stackConfig("prod")["logistics:composer"]!) as Record<string, unknown>;
    return { "logistics:composer": { ...base, ...extra } };
}

function runService(name: string, envs: unknown[]): gcp.cloudrunv2.ServiceArgs {
    return {
        project: P,
        location: "us-central1",
        name,
        deletionProtection: true,
        template: {
            serviceAccount: API_SA,
            scaling: { minInstanceCount: 2, maxInstanceCount: 5 },
            containers: [{ image: IMAGE, envs: envs as never }],
        },
    };
}

export const SECRET_MUTATIONS: Mutation[] = [
    // ---- stack-file edits
    {
        name: "Composer env DB_PASSWORD",
        config: composer({ envVariables: { DB_PASSWORD: "hunter2" } }),
    },
    {
        name: "Composer env with a GitHub token",
        config: composer({ envVariables: { GH: GITHUB } }),
    },
    {
        name: "Composer env with a URL holding a password",
        config: composer({
            envVariables: { WAREHOUSE: "postgres://loader:s3cr3t@10.0.0.5:5432/dw" },
        }),
    },
    {
        name: "Composer env with a Slack webhook",
        config: composer({
            envVariables: { NOTIFY: "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXX" },
        }),
    },
    {
        name: "Composer env with a private key",
        config: composer({ envVariables: { SIGNER: PEM } }),
    },
    { name: "Composer env with an AWS key", config: composer({ envVariables: { S3_ID: AWS } }) },
    {
        name: "Composer env with a random token under an innocent name",
        config: composer({ envVariables: { PARTNER_REF: RANDOM } }),
    },
    {
        name: "Airflow SMTP password override",
        config: composer({ airflowConfigOverrides: { "smtp-smtp_password": "mailpass" } }),
    },
    {
        name: "Airflow fernet key override",
        config: composer({ airflowConfigOverrides: { "core-fernet_key": RANDOM } }),
    },
    {
        name: "Airflow connection string override",
        config: composer({
            airflowConfigOverrides: { "database-sql_alchemy_conn": "postgresql://u:p@db/airflow" },
        }),
    },
    // ---- added in code
    {
        name: "Cloud Run service env API_TOKEN (in ApiService)",
        add: (c, n) =>
            new gcp.cloudrunv2.Service(
                n("svc"),
                runService("svc-a", [{ name: "API_TOKEN", value: "plain-token-value" }]),
                in_(c, "logistics:api:ApiService"),
            ),
    },
    {
        name: "Cloud Run service env wrapped in pulumi.secret",
        add: (_c, n) =>
            new gcp.cloudrunv2.Service(
                n("svc"),
                runService("svc-b", [{ name: "DB_PASSWORD", value: pulumi.secret("hunter2") }]),
            ),
    },
    {
        name: "Cloud Run service env, innocent name, secret-wrapped URL with a password",
        add: (_c, n) =>
            new gcp.cloudrunv2.Service(
                n("svc"),
                runService("svc-c", [
                    {
                        name: "UPSTREAM",
                        value: pulumi.secret("https://user:pw@partner.example.com"),
                    },
                ]),
            ),
    },
    {
        name: "Cloud Run job env with a Slack token",
        add: (_c, n) =>
            new gcp.cloudrunv2.Job(n("job"), {
                project: P,
                location: "us-central1",
                name: "nightly",
                deletionProtection: true,
                template: {
                    template: {
                        serviceAccount: API_SA,
                        containers: [{ image: IMAGE, envs: [{ name: "NOTIFY", value: SLACK }] }],
                    },
                },
            }),
    },
    {
        name: "Cloud Functions env with a secret name",
        add: (_c, n) =>
            new gcp.cloudfunctionsv2.Function(n("fn"), {
                project: P,
                location: "us-central1",
                name: "hook",
                serviceConfig: {
                    serviceAccountEmail: API_SA,
                    environmentVariables: { CLIENT_SECRET: "abc123def" },
                },
            }),
    },
    {
        name: "PagerDuty key in plain channel labels (in Alerting)",
        add: (c, n) =>
            new gcp.monitoring.NotificationChannel(
                n("pd"),
                {
                    project: P,
                    type: "pagerduty",
                    displayName: "pd",
                    labels: { service_key: "0123456789abcdef0123456789abcdef" },
                },
                in_(c, "logistics:monitoring:Alerting"),
            ),
    },
    {
        name: "webhook channel URL with credentials",
        add: (_c, n) =>
            new gcp.monitoring.NotificationChannel(n("hook"), {
                project: P,
                type: "webhook_basicauth",
                displayName: "hook",
                labels: { url: "https://ops:hunter2@hooks.example.com/alert" },
            }),
    },
    {
        name: "Slack token in channel labels",
        add: (_c, n) =>
            new gcp.monitoring.NotificationChannel(n("slack"), {
                project: P,
                type: "slack",
                displayName: "slack",
                labels: { channel_name: "#ops", auth_token: SLACK },
            }),
    },
    {
        name: "GitHub token in channel sensitive labels",
        add: (_c, n) =>
            new gcp.monitoring.NotificationChannel(n("sens"), {
                project: P,
                type: "webhook_tokenauth",
                displayName: "sens",
                labels: { url: "https://hooks.example.com/alert" },
                sensitiveLabels: { authToken: GITHUB },
            }),
    },
    {
        name: "private key in a bucket object's content",
        add: (_c, n) =>
            new gcp.storage.BucketObject(n("obj"), {
                bucket: `${P}-lgx-prod-lake`,
                name: "keys/signer.pem",
                content: PEM,
            }),
    },
];

/** Whether the offline policy runner hands policies a secret's value (as the CLI does). */
async function runnerShowsSecrets(): Promise<boolean> {
    const probe = Object.defineProperty({ secret: true, value: "[secret]" }, SECRET_PLAINTEXT, {
        value: PEM,
        enumerable: false,
    });
    const plan: Plan = {
        project: "logistics",
        stack: "prod",
        resources: [
            {
                urn: "urn:pulumi:prod::logistics::gcp:storage/bucketObject:BucketObject::probe",
                type: "gcp:storage/bucketObject:BucketObject",
                name: "probe",
                custom: true,
                inputs: { content: probe },
                options: {
                    protect: false,
                    retainOnDelete: false,
                    deleteBeforeReplace: false,
                    ignoreChanges: [],
                    replaceOnChanges: [],
                    additionalSecretOutputs: [],
                },
                dependencies: [],
            },
        ],
        outputs: {},
        secrets: [],
        warnings: [],
    };
    const policy = allPolicies.filter((p) => p.name === "secrets-no-plaintext");
    return (await runPolicies(plan, { all: "mandatory" }, policy)).length > 0;
}

describe("secret mutations of prod", function () {
    it("the offline runner hands policies a secret's value, as pulumi preview does", async () => {
        assert.ok(await runnerShowsSecrets());
    });

    it("blocks every plaintext secret with a mandatory violation", async () => {
        const outcomes = await judge("prod", SECRET_MUTATIONS);
        const passed = outcomes.filter((o) => o.blockedBy.length === 0).map((o) => o.name);
        if (process.env["MUTATIONS_VERBOSE"])
            for (const o of outcomes) console.log(`${o.name}: ${o.blockedBy.join(", ")}`);
        console.log(
            `      secrets: ${outcomes.length - passed.length}/${outcomes.length} mutations blocked in prod`,
        );
        // An input the provider marks secret (BucketObject.content) included: the runner hands
        // policies a secret's value, as `pulumi preview` does.
        assert.deepEqual(passed, []);
        // Every one of them by the secrets policy, or earlier by the config's own refusal of a
        // secret-named value in clear, never by a side effect.
        assert.deepEqual(
            outcomes
                .filter(
                    (o) =>
                        !o.blockedBy.includes("secrets-no-plaintext") &&
                        !o.blockedBy.includes("config error"),
                )
                .map((o) => o.name),
            [],
        );
    });
});

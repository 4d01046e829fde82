// The secrets policy: names, value shapes and entropy, where values travel, exact messages.
import { strict as assert } from "assert";
import { allPolicies } from "../policies/all";
import { carriers, looksRandom, secretName, secretValue } from "../policies/secrets";
import type { Plan, PlannedResource } from "../tools/offline/engine";
import { runPolicies } from "../tools/offline/policy";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { runOffline, SECRET_PLAINTEXT } from "../tools/offline/engine";
import { planFor, stackConfig, handMadeResource } from "./harness";

const GITHUB = ["ghp", "_", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"].join("");
const PEM = ["-----BEGIN ", "PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----"].join("");

function fake(type: string, inputs: Record<string, unknown>): PlannedResource {
    return handMadeResource(type, inputs);
}

async function messages(r: PlannedResource): Promise<string[]> {
    const plan: Plan = {
        project: "logistics",
        stack: "prod",
        resources: [r],
        outputs: {},
        secrets: [],
        warnings: [],
    };
    const policy = allPolicies.filter((p) => p.name === "secrets-no-plaintext");
    return (await runPolicies(plan, { all: "mandatory" }, policy)).map((v) => v.message);
}

const COMPOSER = "gcp:composer/environment:Environment";
const RUN = "gcp:cloudrunv2/service:Service";
const CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel";

describe("secrets-no-plaintext", () => {
    it("judges names by their words", () => {
        for (const n of [
            "DB_PASSWORD",
            "apiKey",
            "STRIPE_SECRET",
            "smtp-smtp_password",
            "core-fernet_key",
            "database-sql_alchemy_conn",
            "GITHUB_TOKEN",
            "auth_token",
            "service_key",
            "DATABASE_URL",
            "clientSecret",
        ])
            assert.ok(secretName(n), n);
        for (const n of [
            "BQ_LOCATION",
            "MARTS_DATASET",
            "BUCKET",
            "MONKEY_COUNT",
            "email_address",
            "PROJECT_ID",
        ])
            assert.ok(!secretName(n), n);
    });

    it("judges values by shape and entropy", () => {
        const cases: [string, boolean, string | undefined][] = [
            [GITHUB, false, "a GitHub token"],
            [PEM, false, "a private key"],
            ["mysql://app:pw@10.0.0.1/db", false, "a URL with a password"],
            ["https://example.com/path", false, undefined],
            ["serve --port=8080 --password=hunter2", false, "a credential set on a command line"],
            ["--token=$TOKEN", false, undefined],
            ["export DB_PASSWORD=hunter22 && run", false, "a credential set on a command line"],
            ["Rotate the API token: see the runbook", false, undefined],
            ["password: ask the on-call lead", false, undefined],
            ["q8ZK2mX7vR4tN9pL3sW6yB1cF5hJ0dG8aE2uT7oI", true, "a high-entropy token"],
            ["q8ZK2mX7vR4tN9pL3sW6yB1cF5hJ0dG8aE2uT7oI", false, undefined],
            ["replace-me-logistics-prod-lgx-prod-lake-backups", true, undefined],
            ["composer-3-airflow-2.10.5", true, undefined],
        ];
        for (const [v, random, expected] of cases)
            assert.equal(secretValue(v, random), expected, v);
        assert.ok(looksRandom("0123456789abcdef0123456789abcdef"));
        assert.ok(!looksRandom("2026-11-25T00:00:00Z"));
        assert.ok(!looksRandom("550e8400-e29b-41d4-a716-446655440000"));
    });

    const cases: [string, PlannedResource, string[]][] = [
        [
            "Cloud Run env by reference passes",
            fake(RUN, {
                template: {
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
            }),
            [],
        ],
        [
            "Cloud Run env wrapped in pulumi.secret, as the offline runner shows it",
            fake(RUN, {
                template: {
                    containers: [
                        {
                            envs: [
                                { name: "UPSTREAM", value: { secret: true, value: "[secret]" } },
                            ],
                        },
                    ],
                },
            }),
            [
                "container env UPSTREAM is a Pulumi secret in a plain-text value: anyone who can read the resource sees it. Reference Secret Manager instead.",
            ],
        ],
        [
            "Composer env and Airflow override",
            fake(COMPOSER, {
                config: {
                    softwareConfig: {
                        envVariables: { BUCKET: "b", SMTP_PASSWORD: "x" },
                        airflowConfigOverrides: {
                            "secrets-backend":
                                "airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend",
                            "core-fernet_key": "q8ZK2mX7vR4tN9pL3sW6yB1cF5hJ0dG8aE2uT7oI",
                        },
                    },
                },
            }),
            [
                "envVariables.SMTP_PASSWORD has a credential's name and a plain value.",
                "airflowConfigOverrides.core-fernet_key holds a high-entropy token in plain text.",
            ],
        ],
        [
            "channel labels and sensitive labels",
            fake(CHANNEL, {
                type: "pagerduty",
                labels: { service_key: "abc" },
                sensitiveLabels: {
                    serviceKey: "0123456789abcdef0123456789abcdef",
                    authToken: GITHUB,
                },
            }),
            [
                "labels.service_key has a credential's name and a plain value.",
                "sensitiveLabels.authToken holds a GitHub token in plain text.",
            ],
        ],
        [
            "a credential shape in any other input",
            fake("gcp:compute/instance:Instance", {
                metadata: { "startup-script": `echo ${GITHUB}` },
            }),
            ["metadata.startup-script holds a GitHub token in plain text."],
        ],
        [
            "Secret Manager's payload is where secrets belong",
            fake("gcp:secretmanager/secretVersion:SecretVersion", { secretData: PEM }),
            [],
        ],
    ];
    for (const [title, r, expected] of cases)
        it(title, async () => assert.deepEqual(await messages(r), expected));

    it("finds every carrier of the shipped stacks and none of them is a secret", async () => {
        for (const stack of ["dev", "prod"]) {
            const plan = await planFor(stack);
            const composer = plan.resources.find((r) => r.type === COMPOSER)!;
            const names = carriers({
                ...composer,
                props: composer.inputs as Record<string, any>,
            }).map((c) => c.where);
            assert.ok(names.includes("envVariables.BUCKET"), names.join());
            const policy = allPolicies.filter((p) => p.name === "secrets-no-plaintext");
            assert.deepEqual(await runPolicies(plan, { all: "mandatory" }, policy), [], stack);
        }
    });
});

describe("secret values in the offline plan", () => {
    it("keeps a secret's value out of the plan's JSON but there for the policy runner", async () => {
        const plan = await runOffline({
            stack: "dev",
            config: stackConfig("dev"),
            program: () => {
                new gcp.secretmanager.Secret("s", {
                    secretId: "s",
                    replication: { auto: {} },
                    labels: { note: pulumi.secret("hidden-value") as never },
                });
                return {};
            },
        });
        const labels = plan.resources.find((r) => r.name === "s")!.inputs["labels"] as Record<
            string,
            Record<string, unknown>
        >;
        assert.equal(JSON.stringify(labels["note"]), '{"secret":true,"value":"[secret]"}');
        assert.equal(labels["note"]![SECRET_PLAINTEXT], "hidden-value");
    });
});

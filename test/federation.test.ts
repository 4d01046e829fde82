// CI's federation in the stack: the pool accepts this repository's tokens only, the deployer is
// impersonable by exactly the workflow contexts config names, and bad ci config is named.
import { strict as assert } from "assert";
import { configProblems, EVERY_FEATURE, planFor, resource, resourcesOfType } from "./harness";

const POOL = "gcp:iam/workloadIdentityPool:WorkloadIdentityPool";
const PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider";
const SA_IAM = "gcp:serviceaccount/iAMMember:IAMMember";

describe("CI federation", () => {
    it("creates a pool and a GitHub provider that accepts the configured repository only", async () => {
        const plan = await planFor("prod");
        const pool = resource(plan, POOL, "lgx-prod-ci-pool");
        assert.equal(pool.inputs["workloadIdentityPoolId"], "lgx-prod-github");
        const provider = resource(plan, PROVIDER, "lgx-prod-ci-github");
        assert.equal(
            provider.inputs["attributeCondition"],
            "assertion.repository == 'example-org/logistics-platform'",
        );
        assert.deepEqual(provider.inputs["oidc"], {
            issuerUri: "https://token.actions.githubusercontent.com",
        });
        assert.equal(
            (provider.inputs["attributeMapping"] as Record<string, string>)["google.subject"],
            "assertion.sub",
        );
        // prod protects them: a deleted pool's id is reserved for 30 days.
        for (const r of [pool, provider]) {
            assert.equal(r.options.protect, true, r.urn);
            assert.equal(r.inputs["deletionPolicy"], "PREVENT", r.urn);
        }
        for (const api of ["sts.googleapis.com", "iamcredentials.googleapis.com"])
            assert.ok(
                resourcesOfType(plan, "gcp:projects/service:Service").some(
                    (s) => s.inputs["service"] === api,
                ),
                `${api} is enabled`,
            );
    });

    it("lets exactly the environment, the branch and (when enabled) pull requests act as the deployer", async () => {
        const grants = async (ci: Record<string, unknown>) => {
            const plan = await planFor("prod", {
                "logistics:ci": { repository: "acme/platform", ...ci },
            });
            return resourcesOfType(plan, SA_IAM)
                .filter((r) => r.inputs["role"] === "roles/iam.workloadIdentityUser")
                .map((r) => ({ name: r.name, account: r.inputs["serviceAccountId"] }));
        };
        const deployer =
            "projects/replace-me-logistics-prod/serviceAccounts/lgx-prod-deployer@replace-me-logistics-prod.iam.gserviceaccount.com";
        assert.deepEqual(await grants({}), [
            { name: "lgx-prod-ci-deployer-branch", account: deployer },
            { name: "lgx-prod-ci-deployer-environment", account: deployer },
        ]);
        assert.deepEqual(
            (await grants({ pullRequestPreviews: true })).map((g) => g.name),
            [
                "lgx-prod-ci-deployer-branch",
                "lgx-prod-ci-deployer-environment",
                "lgx-prod-ci-deployer-pull-request",
            ],
        );
    });

    it("exports the provider and the account the workflows use", async () => {
        const plan = await planFor("dev");
        assert.equal(
            plan.outputs["ciServiceAccount"],
            "lgx-dev-deployer@replace-me-logistics-dev.iam.gserviceaccount.com",
        );
        // The provider's full name carries the project number, which only GCP knows.
        assert.ok("ciWorkloadIdentityProvider" in plan.outputs);
    });

    it("grants the deployer the state bucket and the secrets key, and their IAM policies, when config names them", async () => {
        const plan = await planFor("prod", EVERY_FEATURE);
        const deployer =
            "serviceAccount:lgx-prod-deployer@replace-me-logistics-prod.iam.gserviceaccount.com";
        const grants = (type: string) =>
            resourcesOfType(plan, type)
                .filter((r) => r.name.startsWith("lgx-prod-ci-"))
                .map((r) => [r.name, r.inputs["role"], r.inputs["member"]]);
        // The first grant keeps its name from before, so an existing stack updates in place;
        // refresh reads each grant's policy, hence the policy roles.
        assert.deepEqual(grants("gcp:storage/bucketIAMMember:BucketIAMMember"), [
            ["lgx-prod-ci-state-bucket", "roles/storage.objectAdmin", deployer],
            [
                "lgx-prod-ci-state-bucket-legacyBucketOwner",
                "roles/storage.legacyBucketOwner",
                deployer,
            ],
        ]);
        assert.deepEqual(grants("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember"), [
            ["lgx-prod-ci-secrets-key", "roles/cloudkms.cryptoKeyEncrypterDecrypter", deployer],
            ["lgx-prod-ci-secrets-key-admin", "roles/cloudkms.admin", deployer],
        ]);
        const bucket = resource(
            plan,
            "gcp:storage/bucketIAMMember:BucketIAMMember",
            "lgx-prod-ci-state-bucket",
        );
        assert.equal(bucket.inputs["bucket"], "example-org-pulumi-state");
    });

    it("names the workflow runs' principals from the project number, known in the preview", async () => {
        const plan = await planFor("dev");
        const member = resource(
            plan,
            "gcp:serviceaccount/iAMMember:IAMMember",
            "lgx-dev-ci-deployer-branch",
        ).inputs["member"];
        assert.equal(
            member,
            "principal://iam.googleapis.com/projects/<project-number>/locations/global/workloadIdentityPools/lgx-dev-github/subject/repo:example-org/logistics-platform:ref:refs/heads/main",
        );
    });

    it("creates no federation when logistics:ci is absent", async () => {
        const plan = await planFor("dev", { "logistics:ci": undefined });
        assert.deepEqual(resourcesOfType(plan, POOL), []);
        assert.ok(!("ciServiceAccount" in plan.outputs));
    });

    it("rejects bad ci config with the key, the problem and what is accepted", () => {
        const cases: [Record<string, unknown>, string[]][] = [
            [
                { repository: "logistics-platform" },
                [
                    'logistics:ci.repository: got "logistics-platform". Expected a GitHub repository as owner/name, e.g. example-org/logistics-platform.',
                ],
            ],
            [
                { repository: "a/b", stateBucket: "gs://state" },
                [
                    'logistics:ci.stateBucket: got "gs://state". Expected a Cloud Storage bucket name (the part after gs://), 3-63 characters.',
                ],
            ],
            [
                { repository: "a/b", secretsKey: "projects/p/keys/k" },
                [
                    'logistics:ci.secretsKey: got "projects/p/keys/k". Expected a key name: projects/<project>/locations/<location>/keyRings/<ring>/cryptoKeys/<key>.',
                ],
            ],
            [
                { repository: "a/b", pullRequestPreview: true },
                [
                    "logistics:ci.pullRequestPreview: unknown key. Did you mean pullRequestPreviews? Known keys: repository, branch, environment, pullRequestPreviews, stateBucket, secretsKey.",
                ],
            ],
            [
                { repository: "acme/platform", branch: "b".repeat(100) },
                [
                    `logistics:ci: makes the branch token subject "repo:acme/platform:ref:refs/heads/${"b".repeat(100)}" 134 bytes long. Expected at most 127 (GCP's limit on google.subject): use a shorter branch name.`,
                ],
            ],
        ];
        for (const [ci, expected] of cases)
            assert.deepEqual(configProblems({ "logistics:ci": ci }), expected, JSON.stringify(ci));
    });
});

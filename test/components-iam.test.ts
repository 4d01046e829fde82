// Component tests of identities and access: Identities, OnCallAccess, GithubFederation and
// ProjectServices, each built on its own offline (componentPlan), with settings parsed by their own
// schemas where they have one (onCall.schema.ts, githubFederation.schema.ts). Whole plans:
// compute.test.ts (each workload's roles), federation.test.ts, iam.test.ts.
import { strict as assert } from "assert";
import * as gcp from "@pulumi/gcp";
import { iamGrants } from "../components/common";
import { Identities } from "../components/identities";
import { OnCallAccess } from "../components/onCall";
import { oncall } from "../components/onCall.schema";
import { GithubFederation } from "../components/githubFederation";
import { ci, deployerSubjects } from "../components/githubFederation.schema";
import { ProjectServices, requiredServices } from "../components/projectServices";
import { componentPlan, planFor, resource, resourcesOfType } from "./harness";
import type { Plan } from "../tools/offline/engine";

const ACCOUNT = "gcp:serviceaccount/account:Account";
const PROJECT_GRANT = "gcp:projects/iAMMember:IAMMember";
const ACCOUNT_GRANT = "gcp:serviceaccount/iAMMember:IAMMember";
const POOL = "gcp:iam/workloadIdentityPool:WorkloadIdentityPool";
const PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider";
const BUCKET_GRANT = "gcp:storage/bucketIAMMember:BucketIAMMember";
const KEY_GRANT = "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember";
const SERVICE = "gcp:projects/service:Service";

const PROJECT = "acme-dev";
const sa = (id: string) => `serviceAccount:${id}@acme-dev.iam.gserviceaccount.com`;
const accountName = (id: string) =>
    `projects/acme-dev/serviceAccounts/${id}@acme-dev.iam.gserviceaccount.com`;

describe("component: Identities", () => {
    const build = () =>
        componentPlan(() => {
            const i = new Identities("ids", {
                project: PROJECT,
                accountIds: {
                    composer: "acme-composer",
                    api: "acme-api",
                    jobs: "acme-jobs",
                    deployer: "acme-deployer",
                },
            });
            return { members: i.members, emails: i.emails, accountNames: i.accountNames };
        });

    it("creates one account per workload with the ids it is given", async () => {
        const plan = await build();
        assert.deepEqual(
            resourcesOfType(plan, ACCOUNT)
                .map((a) => [a.name, a.inputs["accountId"], a.inputs["displayName"]])
                .sort(),
            [
                ["ids-api", "acme-api", "logistics api"],
                ["ids-composer", "acme-composer", "logistics composer"],
                ["ids-deployer", "acme-deployer", "logistics deployer"],
                ["ids-jobs", "acme-jobs", "logistics jobs"],
            ],
        );
        for (const a of resourcesOfType(plan, ACCOUNT)) {
            assert.equal(a.inputs["project"], PROJECT);
            assert.ok(String(a.inputs["description"]).length > 0, `${a.name} is described`);
        }
    });

    it("grants each workload only the project roles that exist nowhere narrower, each after its account", async () => {
        const plan = await build();
        const grants = resourcesOfType(plan, PROJECT_GRANT);
        const byMember = (id: string) =>
            grants
                .filter((g) => g.inputs["member"] === sa(id))
                .map((g) => g.inputs["role"])
                .sort();
        assert.deepEqual(byMember("acme-composer"), [
            "roles/bigquery.jobUser",
            "roles/composer.worker",
        ]);
        assert.deepEqual(byMember("acme-api"), ["roles/bigquery.jobUser"]);
        assert.deepEqual(byMember("acme-jobs"), ["roles/bigquery.jobUser"]);
        assert.deepEqual(byMember("acme-deployer"), [
            "roles/artifactregistry.admin",
            "roles/bigquery.admin",
            "roles/composer.admin",
            "roles/iam.serviceAccountAdmin",
            "roles/logging.configWriter",
            "roles/monitoring.admin",
            "roles/resourcemanager.projectIamAdmin",
            "roles/run.admin",
            "roles/secretmanager.admin",
            "roles/serviceusage.serviceUsageAdmin",
            "roles/storage.admin",
        ]);
        assert.equal(grants.length, 2 + 1 + 1 + 11, "no grant to anyone else");
        for (const g of grants) {
            assert.equal(g.inputs["project"], PROJECT);
            assert.ok(!/^roles\/(owner|editor|viewer)$/.test(String(g.inputs["role"])), g.name);
            const workload = g.name.split("-")[1]!;
            assert.ok(
                g.dependencies.includes(resource(plan, ACCOUNT, `ids-${workload}`).urn),
                `${g.name} waits for its account`,
            );
        }
        assert.ok(grants.some((g) => g.name === "ids-composer-composer.worker"));
    });

    it("lets the deployer act as the composer, api and jobs accounts, granted on each of them, not on itself", async () => {
        const plan = await build();
        assert.deepEqual(
            resourcesOfType(plan, ACCOUNT_GRANT)
                .map((g) => [
                    g.name,
                    g.inputs["serviceAccountId"],
                    g.inputs["role"],
                    g.inputs["member"],
                ])
                .sort(),
            [
                [
                    "ids-api-deployer-acts-as",
                    accountName("acme-api"),
                    "roles/iam.serviceAccountUser",
                    sa("acme-deployer"),
                ],
                [
                    "ids-composer-deployer-acts-as",
                    accountName("acme-composer"),
                    "roles/iam.serviceAccountUser",
                    sa("acme-deployer"),
                ],
                [
                    "ids-jobs-deployer-acts-as",
                    accountName("acme-jobs"),
                    "roles/iam.serviceAccountUser",
                    sa("acme-deployer"),
                ],
            ],
        );
    });

    it("exports each workload's member, email and full name, computed from the ids", async () => {
        const { outputs } = await build();
        assert.deepEqual(outputs["members"], {
            composer: sa("acme-composer"),
            api: sa("acme-api"),
            jobs: sa("acme-jobs"),
            deployer: sa("acme-deployer"),
        });
        assert.deepEqual(outputs["emails"], {
            composer: "acme-composer@acme-dev.iam.gserviceaccount.com",
            api: "acme-api@acme-dev.iam.gserviceaccount.com",
            jobs: "acme-jobs@acme-dev.iam.gserviceaccount.com",
            deployer: "acme-deployer@acme-dev.iam.gserviceaccount.com",
        });
        assert.equal(
            (outputs["accountNames"] as Record<string, string>)["jobs"],
            accountName("acme-jobs"),
        );
    });
});

describe("component: OnCallAccess", () => {
    const build = (members: unknown) =>
        componentPlan(() => {
            new OnCallAccess("oncall", {
                project: PROJECT,
                members: oncall.parse({ members }).members,
                roles: ["roles/bigquery.jobUser", "roles/bigquery.resourceViewer"],
            });
        });

    it("grants each member every role it is given, on the project, once", async () => {
        const plan = await build([
            "group:oncall@example.com",
            "user:ana@example.com",
            "group:oncall@example.com",
        ]);
        assert.deepEqual(
            resourcesOfType(plan, PROJECT_GRANT)
                .map((g) => [g.name, g.inputs["project"], g.inputs["role"], g.inputs["member"]])
                .sort(),
            [
                [
                    "oncall-bigquery.jobUser-group-oncall@example.com",
                    PROJECT,
                    "roles/bigquery.jobUser",
                    "group:oncall@example.com",
                ],
                [
                    "oncall-bigquery.jobUser-user-ana@example.com",
                    PROJECT,
                    "roles/bigquery.jobUser",
                    "user:ana@example.com",
                ],
                [
                    "oncall-bigquery.resourceViewer-group-oncall@example.com",
                    PROJECT,
                    "roles/bigquery.resourceViewer",
                    "group:oncall@example.com",
                ],
                [
                    "oncall-bigquery.resourceViewer-user-ana@example.com",
                    PROJECT,
                    "roles/bigquery.resourceViewer",
                    "user:ana@example.com",
                ],
            ],
        );
    });

    // A service account's key part is its account id only (memberKey drops the project): two
    // accounts of one id in different projects share a grant key, which once failed the plan with
    // a duplicate URN (every grant made by iamGrants: DataLake, BackupStore, Warehouse,
    // TableSnapshots' readers, OnCallAccess). Colliding keys get a hash (common.ts uniqueKeys).
    it("grants two service accounts of the same id in different projects apart", async () => {
        const a = "serviceAccount:dbt@analytics-a.iam.gserviceaccount.com";
        const b = "serviceAccount:dbt@analytics-b.iam.gserviceaccount.com";
        const plan = await build([a, b]);
        const members = resourcesOfType(plan, PROJECT_GRANT).map((g) => g.inputs["member"]);
        assert.equal(members.length, 4, "two roles for each of two members");
        assert.deepEqual([...new Set(members)].sort(), [a, b]);
    });

    it("keeps an existing grant's name when a member of the same key is added after it", () => {
        const a = "serviceAccount:etl@proj-a.iam.gserviceaccount.com";
        const b = "serviceAccount:etl@proj-b.iam.gserviceaccount.com";
        const before = iamGrants({ "roles/bigquery.dataViewer": [a] });
        const after = iamGrants({ "roles/bigquery.dataViewer": [a, b] });
        assert.deepEqual(
            before.map((g) => g.key),
            ["bigquery.dataViewer-etl"],
        );
        assert.equal(after.find((g) => g.member === a)!.key, "bigquery.dataViewer-etl");
        assert.match(
            after.find((g) => g.member === b)!.key,
            /^bigquery\.dataViewer-etl-[0-9a-f]{8}$/,
        );
        // A member whose plain key is another's hashed key: refused by name, not a duplicate URN.
        const hashed = after.find((g) => g.member === b)!.key.replace("bigquery.dataViewer-", "");
        const c = `serviceAccount:${hashed}@proj-c.iam.gserviceaccount.com`;
        assert.throws(
            () => iamGrants({ "roles/bigquery.dataViewer": [a, b, c] }),
            /two grants would share the name part "bigquery\.dataViewer-etl-[0-9a-f]{8}"/,
        );
    });

    it("builds the whole dev stack with two on-call accounts of one id in different projects", async () => {
        const a = "serviceAccount:dbt@analytics-a.iam.gserviceaccount.com";
        const b = "serviceAccount:dbt@analytics-b.iam.gserviceaccount.com";
        const plan = await planFor("dev", { "logistics:oncall": { members: [a, b] } });
        const raw = resourcesOfType(plan, "gcp:bigquery/datasetIamMember:DatasetIamMember")
            .filter((g) => g.inputs["member"] === a || g.inputs["member"] === b)
            .map((g) => g.inputs["member"]);
        assert.deepEqual([...new Set(raw)].sort(), [a, b]);
    });

    it("grants nothing without members (the schema's default)", async () => {
        assert.deepEqual(resourcesOfType(await build(undefined), PROJECT_GRANT), []);
    });
});

describe("component: GithubFederation", () => {
    const REPO = "acme/logistics";
    const build = (settings: Record<string, unknown>, protect = false) =>
        componentPlan(() => {
            const c = ci.parse({ repository: REPO, ...settings });
            const deployer = new gcp.serviceaccount.Account("deployer", {
                accountId: "acme-deployer",
            });
            const f = new GithubFederation("fed", {
                project: PROJECT,
                poolId: "acme-github",
                providerId: "github",
                repository: c.repository,
                subjects: deployerSubjects(c, "dev"),
                deployer: {
                    accountName: accountName("acme-deployer"),
                    email: "acme-deployer@acme-dev.iam.gserviceaccount.com",
                },
                accounts: [deployer],
                ...(c.stateBucket ? { stateBucket: c.stateBucket } : {}),
                ...(c.secretsKey ? { secretsKey: c.secretsKey } : {}),
                protect,
            });
            return { serviceAccount: f.serviceAccount };
        });
    const principal = (subject: string) =>
        `principal://iam.googleapis.com/projects/<project-number>/locations/global/workloadIdentityPools/acme-github/subject/${subject}`;

    it("accepts tokens of the configured repository only, from GitHub's issuer", async () => {
        const plan = await build({});
        const pool = resource(plan, POOL, "fed-pool").inputs;
        assert.equal(pool["workloadIdentityPoolId"], "acme-github");
        assert.equal(pool["description"], "CI of acme/logistics");
        const provider = resource(plan, PROVIDER, "fed-github").inputs;
        assert.equal(provider["workloadIdentityPoolId"], "acme-github");
        assert.equal(provider["workloadIdentityPoolProviderId"], "github");
        assert.equal(provider["attributeCondition"], "assertion.repository == 'acme/logistics'");
        assert.deepEqual(provider["attributeMapping"], {
            "google.subject": "assertion.sub",
            "attribute.repository": "assertion.repository",
        });
        assert.deepEqual(provider["oidc"], {
            issuerUri: "https://token.actions.githubusercontent.com",
        });
        assert.deepEqual(plan.outputs, {
            serviceAccount: "acme-deployer@acme-dev.iam.gserviceaccount.com",
        });
    });

    it("protects the pool and the provider only when asked (a deleted pool's id stays taken for 30 days)", async () => {
        for (const protect of [true, false]) {
            const plan = await build({}, protect);
            for (const [type, name] of [
                [POOL, "fed-pool"],
                [PROVIDER, "fed-github"],
            ] as const) {
                const r = resource(plan, type, name);
                assert.equal(r.options.protect, protect, name);
                assert.equal(r.options.retainOnDelete, protect, name);
                assert.equal(r.inputs["deletionPolicy"], protect ? "PREVENT" : undefined, name);
            }
        }
    });

    it("lets the deploy environment and the branch act as the deployer, pull requests only when enabled", async () => {
        const subjects = async (settings: Record<string, unknown>) => {
            const plan = await build(settings);
            const pool = resource(plan, POOL, "fed-pool").urn;
            return resourcesOfType(plan, ACCOUNT_GRANT)
                .map((g) => {
                    assert.equal(g.inputs["serviceAccountId"], accountName("acme-deployer"));
                    assert.equal(g.inputs["role"], "roles/iam.workloadIdentityUser");
                    assert.ok(g.dependencies.includes(pool), `${g.name} waits for the pool`);
                    return [g.name, g.inputs["member"]];
                })
                .sort();
        };
        assert.deepEqual(await subjects({}), [
            ["fed-deployer-branch", principal("repo:acme/logistics:ref:refs/heads/main")],
            ["fed-deployer-environment", principal("repo:acme/logistics:environment:dev")],
        ]);
        assert.deepEqual(
            await subjects({
                branch: "release",
                environment: "production",
                pullRequestPreviews: true,
            }),
            [
                ["fed-deployer-branch", principal("repo:acme/logistics:ref:refs/heads/release")],
                [
                    "fed-deployer-environment",
                    principal("repo:acme/logistics:environment:production"),
                ],
                ["fed-deployer-pull-request", principal("repo:acme/logistics:pull_request")],
            ],
        );
    });

    it("lets the deployer manage the pool, and grants the state backend only when config names it", async () => {
        const deployer = "serviceAccount:acme-deployer@acme-dev.iam.gserviceaccount.com";
        const grants = (plan: Plan, type: string) =>
            resourcesOfType(plan, type)
                .map((g) => {
                    assert.equal(g.inputs["member"], deployer, g.name);
                    return [g.name, g.inputs["role"]];
                })
                .sort();
        const none = await build({});
        assert.deepEqual(grants(none, PROJECT_GRANT), [
            ["fed-deployer-pool-admin", "roles/iam.workloadIdentityPoolAdmin"],
        ]);
        assert.deepEqual(grants(none, BUCKET_GRANT), []);
        assert.deepEqual(grants(none, KEY_GRANT), []);
        const key = "projects/acme-ops/locations/global/keyRings/pulumi/cryptoKeys/state";
        const plan = await build({ stateBucket: "acme-pulumi-state", secretsKey: key });
        assert.deepEqual(grants(plan, BUCKET_GRANT), [
            ["fed-state-bucket", "roles/storage.objectAdmin"],
            ["fed-state-bucket-legacyBucketOwner", "roles/storage.legacyBucketOwner"],
        ]);
        for (const g of resourcesOfType(plan, BUCKET_GRANT))
            assert.equal(g.inputs["bucket"], "acme-pulumi-state");
        assert.deepEqual(grants(plan, KEY_GRANT), [
            ["fed-secrets-key", "roles/cloudkms.cryptoKeyEncrypterDecrypter"],
            ["fed-secrets-key-admin", "roles/cloudkms.admin"],
        ]);
        for (const g of resourcesOfType(plan, KEY_GRANT))
            assert.equal(g.inputs["cryptoKeyId"], key);
    });
});

describe("component: ProjectServices", () => {
    it("enables each API it is given and never disables one on destroy", async () => {
        const plan = await componentPlan(() => {
            new ProjectServices("apis", {
                project: PROJECT,
                services: ["run.googleapis.com", "bigquerydatatransfer.googleapis.com"],
            });
        });
        assert.deepEqual(
            resourcesOfType(plan, SERVICE)
                .map((s) => [s.name, s.inputs["service"]])
                .sort(),
            [
                ["apis-bigquerydatatransfer", "bigquerydatatransfer.googleapis.com"],
                ["apis-run", "run.googleapis.com"],
            ],
        );
        for (const s of resourcesOfType(plan, SERVICE)) {
            assert.equal(s.inputs["project"], PROJECT);
            assert.equal(s.inputs["disableOnDestroy"], false);
            assert.equal(s.inputs["disableDependentServices"], false);
        }
    });

    it("adds the reservation's API and federation's two APIs only with those features", () => {
        const base = [
            "artifactregistry.googleapis.com",
            "bigquery.googleapis.com",
            "bigquerydatatransfer.googleapis.com",
            "cloudresourcemanager.googleapis.com",
            "composer.googleapis.com",
            "iam.googleapis.com",
            "logging.googleapis.com",
            "monitoring.googleapis.com",
            "run.googleapis.com",
            "secretmanager.googleapis.com",
            "storage.googleapis.com",
        ];
        assert.deepEqual(requiredServices({ reservation: false, federation: false }), base);
        assert.deepEqual(
            requiredServices({ reservation: true, federation: false }),
            [...base, "bigqueryreservation.googleapis.com"].sort(),
        );
        assert.deepEqual(
            requiredServices({ reservation: false, federation: true }),
            [...base, "iamcredentials.googleapis.com", "sts.googleapis.com"].sort(),
        );
    });
});

// The offline IAM model: scopes, grants read from the plan, the deployer's actions derived from
// it, the check per identity, the shipped stacks in full, and the defects it exists to catch.
import { strict as assert } from "assert";
import { serviceAgentEmail } from "../components/identities";
import { DEPLOYER_TYPES, type Action } from "../data/iam-actions";
import { parseStackConfig } from "../stacks/config";
import {
    OFFLINE_PROJECT_NUMBER,
    UNKNOWN,
    type Plan,
    type PlannedResource,
} from "../tools/offline/engine";
import {
    accessOk,
    checkAccess,
    covers,
    deployerActions,
    loadRoles,
    missingLines,
    modelInput,
    planGrants,
    requirements,
    type AccessReport,
    type ModelInput,
    type RoleData,
} from "../tools/offline/iam";
import { accessChanges, ownServiceFirst, renderAccessChanges } from "../tools/offline/iamDiff";
import { renderAccess } from "../tools/offline/iamRender";
import { diffPlans, renderDiff } from "../tools/offline/diff";
import { main, parseArgs, USAGE } from "../tools/iam";
import { UsageError } from "../tools/offline/stackfile";
import {
    EVERY_FEATURE,
    planFor,
    platformTypes,
    resource,
    resourcesOfType,
    runInProcess,
    withChanges,
    handMadeResource,
} from "./harness";

const ROLES = loadRoles();
const clone = (p: Plan): Plan => JSON.parse(JSON.stringify(p)) as Plan;

function fake(type: string, name: string, inputs: Record<string, unknown>): PlannedResource {
    return handMadeResource(type, inputs, name, false);
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

/** The model's input for a shipped stack with config changes, as npm run iam builds it. */
function inputFor(stack: string, changes: Record<string, unknown> = {}): ModelInput {
    return modelInput(
        parseStackConfig(withChanges(stack, changes), { allowPlaceholderProject: true }),
    );
}

async function reportFor(
    stack: string,
    changes?: Record<string, unknown>,
    edit?: (plan: Plan) => void,
): Promise<AccessReport> {
    const plan = clone(await planFor(stack, changes));
    edit?.(plan);
    return checkAccess(plan, inputFor(stack, changes), ROLES);
}

const drop = (name: string) => (plan: Plan) => {
    const before = plan.resources.length;
    plan.resources = plan.resources.filter((r) => r.name !== name);
    assert.equal(plan.resources.length, before - 1, `no resource ${name} to drop`);
};

describe("IAM model: pieces", () => {
    it("a grant covers its scope and the resource names under it, nothing beside", () => {
        const cases: [string, string, boolean][] = [
            ["projects/p", "projects/p", true],
            ["projects/p", "projects/p/datasets/raw", true],
            ["projects/p/datasets/raw", "projects/p/datasets/raw", true],
            ["projects/p/datasets/raw", "projects/p/datasets/raw_archive", false],
            ["projects/p", "projects/p2/buckets/b", false],
            ["projects/p", "buckets/state", false],
            ["projects/p/datasets/raw", "projects/p", false],
        ];
        for (const [granted, required, expected] of cases)
            assert.equal(covers(granted, required), expected, `${granted} → ${required}`);
    });

    it("reads grants with their scope, and refuses members known only after deploy or empty", () => {
        const plan = planOf([
            fake("gcp:storage/bucket:Bucket", "own", { name: "own-bucket" }),
            fake("gcp:storage/bucketIAMMember:BucketIAMMember", "g-own", {
                bucket: "own-bucket",
                role: "roles/storage.objectViewer",
                member: "group:a@example.com",
            }),
            fake("gcp:storage/bucketIAMMember:BucketIAMMember", "g-ext", {
                bucket: "state",
                role: "roles/storage.objectViewer",
                member: "group:a@example.com",
            }),
            fake("gcp:serviceaccount/iAMMember:IAMMember", "g-unknown", {
                serviceAccountId: "projects/p/serviceAccounts/x@p.iam.gserviceaccount.com",
                role: "roles/iam.serviceAccountTokenCreator",
                member: UNKNOWN,
            }),
            fake("gcp:projects/iAMMember:IAMMember", "g-empty", {
                role: "roles/bigquery.jobUser",
                member: "",
            }),
        ]);
        const { grants, problems } = planGrants(plan, "p");
        assert.deepEqual(
            grants.map((g) => `${g.origin}: ${g.role} on ${g.scope}`),
            [
                "g-own: roles/storage.objectViewer on projects/p/buckets/own-bucket",
                "g-ext: roles/storage.objectViewer on buckets/state",
            ],
        );
        assert.deepEqual(problems, [
            "gcp:serviceaccount:IAMMember g-unknown: its member is known only after deploy, so nobody can tell whom it grants (and GCP refuses an empty one). Compute the member from names (a service agent's from the project number), not from another resource's output.",
            "gcp:projects:IAMMember g-empty: its member is empty, so nobody can tell whom it grants (and GCP refuses an empty one). Compute the member from names (a service agent's from the project number), not from another resource's output.",
        ]);
    });

    it("reads every form of a grant: bindings, dataset accesses, conditions apart, secret members refused", () => {
        const plan = planOf([
            fake("gcp:bigquery/dataset:Dataset", "ds", {
                datasetId: "raw",
                accesses: [
                    { role: "READER", groupByEmail: "analysts@example.com" },
                    {
                        role: "roles/bigquery.dataEditor",
                        iamMember: "serviceAccount:x@p.iam.gserviceaccount.com",
                    },
                ],
            }),
            fake("gcp:projects/iAMBinding:IAMBinding", "b", {
                project: "p",
                role: "roles/bigquery.jobUser",
                members: ["group:a@example.com", "group:b@example.com"],
            }),
            fake("gcp:projects/iAMMember:IAMMember", "c", {
                project: "p",
                role: "roles/bigquery.jobUser",
                member: "group:c@example.com",
                condition: {
                    title: "t",
                    expression: "request.time < timestamp('2027-01-01T00:00:00Z')",
                },
            }),
            fake("gcp:projects/iAMMember:IAMMember", "s", {
                project: "p",
                role: "roles/bigquery.jobUser",
                member: { secret: true, value: "[secret]" },
            }),
        ]);
        const { grants, conditional, problems } = planGrants(plan, "p");
        assert.deepEqual(
            grants.map((g) => `${g.member} ${g.role} ${g.scope}`),
            [
                "group:analysts@example.com roles/bigquery.dataViewer projects/p/datasets/raw",
                "serviceAccount:x@p.iam.gserviceaccount.com roles/bigquery.dataEditor projects/p/datasets/raw",
                "group:a@example.com roles/bigquery.jobUser projects/p",
                "group:b@example.com roles/bigquery.jobUser projects/p",
            ],
        );
        assert.deepEqual(
            conditional.map((g) => `${g.member} ${g.origin}`),
            ["group:c@example.com c"],
        );
        assert.equal(problems.length, 1);
        assert.match(
            problems[0]!,
            /^gcp:projects:IAMMember s: its member is a secret, so nobody can tell whom it grants/,
        );
    });

    it("derives the deployer's actions from the plan: CRUD per resource, IAM policy per grant, actAs per account it runs as", () => {
        const plan = planOf([
            fake("gcp:cloudrunv2/service:Service", "svc", {
                project: "p",
                template: { serviceAccount: "api@p.iam.gserviceaccount.com" },
            }),
            fake("gcp:secretmanager/secretIamMember:SecretIamMember", "acc", {
                secretId: "key",
                role: "roles/secretmanager.secretAccessor",
                member: "group:a@example.com",
            }),
            fake("gcp:pubsub/topic:Topic", "t", {}),
        ]);
        const { actions, problems } = deployerActions(plan, "p");
        assert.deepEqual(
            actions.map((a) => `${a.action} | ${a.permissions.join(" ")} | ${a.scope}`),
            [
                "create gcp:cloudrunv2:Service svc | run.services.create | projects/p",
                "read (refresh, drift, import) gcp:cloudrunv2:Service svc | run.services.get | projects/p",
                "update gcp:cloudrunv2:Service svc | run.services.update | projects/p",
                "delete gcp:cloudrunv2:Service svc | run.services.delete | projects/p",
                "create or update gcp:cloudrunv2:Service svc, which runs as that account | iam.serviceAccounts.actAs | projects/p/serviceAccounts/api@p.iam.gserviceaccount.com",
                "read gcp:secretmanager:SecretIamMember acc | secretmanager.secrets.getIamPolicy | projects/p/secrets/key",
                "create, update or delete gcp:secretmanager:SecretIamMember acc | secretmanager.secrets.getIamPolicy secretmanager.secrets.setIamPolicy | projects/p/secrets/key",
            ],
        );
        assert.deepEqual(problems, [
            "deployer: no permissions known for gcp:pubsub:Topic (t). Add the type to DEPLOYER_TYPES in data/iam-actions.ts with the Google page that lists them.",
        ]);
    });

    it("merges requirements by permission and scope, keeping the first action", () => {
        const a = (action: string, permissions: string[], scope: string): Action => ({
            action,
            permissions,
            scope,
            source: "s",
        });
        assert.deepEqual(
            requirements([
                a("one", ["x.get", "x.list"], "s1"),
                a("two", ["x.get"], "s1"),
                a("three", ["x.get"], "s2"),
            ]).map((r) => `${r.permission} ${r.scope} ${r.action}`),
            ["x.get s1 one", "x.list s1 one", "x.get s2 three"],
        );
    });

    it("has a rule for every type the platform can create, with a source for each", async () => {
        for (const type of await platformTypes()) {
            const rule = DEPLOYER_TYPES[type];
            assert.ok(rule, `no DEPLOYER_TYPES rule for ${type}`);
            if (rule.kind !== "local") assert.match(rule.source, /^https:\/\//, type);
        }
    });

    it("spells every permission it could require as the role data does", () => {
        const known = new Set(Object.values(ROLES).flatMap((r) => r.permissions));
        for (const [type, rule] of Object.entries(DEPLOYER_TYPES)) {
            const perms =
                rule.kind === "resource"
                    ? Object.values(rule.ops).flat()
                    : rule.kind === "grant"
                      ? [...rule.read, ...rule.write]
                      : [];
            for (const p of perms) assert.ok(known.has(p), `${type}: ${p} is in no role`);
        }
    });

    it("checks each identity with small role data: missing with its action, excess beyond need", () => {
        const roles: RoleData = {
            "roles/a": { permissions: ["x.get", "x.list"] },
            "roles/b": { permissions: ["x.get", "x.update", "x.delete"] },
        };
        const grantOn = (name: string, role: string, dataset: string) =>
            fake("gcp:bigquery/datasetIamMember:DatasetIamMember", name, {
                datasetId: dataset,
                role,
                member: "serviceAccount:api@p.iam.gserviceaccount.com",
            });
        const plan = planOf([grantOn("g1", "roles/a", "marts"), grantOn("g2", "roles/b", "raw")]);
        const input = inputFor("dev");
        const names = { ...input.names, project: "p" };
        names.accounts = { ...names.accounts, api: "api@p.iam.gserviceaccount.com" };
        const report = checkAccess(plan, { ...input, names, oncall: [] }, roles);
        const api = report.identities.find((i) => i.id === "api")!;
        // data/iam-actions.ts: the api reads marts' tables, runs jobs and reads its key.
        assert.deepEqual(
            api.missing.map((m) => `${m.permission} on ${m.scope}: ${m.action}`),
            [
                "bigquery.jobs.create on projects/p: run BigQuery jobs",
                "bigquery.tables.get on projects/p/datasets/marts: read the marts",
                "bigquery.tables.getData on projects/p/datasets/marts: read the marts",
                "secretmanager.versions.access on projects/p/secrets/lgx-dev-api-key: read the API key from Secret Manager",
            ],
        );
        assert.deepEqual(api.excess, [
            "x.delete on projects/p/datasets/raw",
            "x.get on projects/p/datasets/marts",
            "x.get on projects/p/datasets/raw",
            "x.list on projects/p/datasets/marts",
            "x.update on projects/p/datasets/raw",
        ]);
        assert.equal(accessOk(report), false);
    });
});

describe("IAM model: shipped stacks", () => {
    for (const stack of ["dev", "prod"])
        it(`${stack}: every identity has what it needs, every required permission exists, excess reported`, async () => {
            const report = await reportFor(stack);
            assert.deepEqual(report.problems, []);
            assert.deepEqual(missingLines(report), []);
            assert.deepEqual(report.unexpandedRoles, []);
            assert.deepEqual(
                report.identities.map((i) => i.id),
                [
                    "deployer",
                    "composer",
                    "api",
                    "jobs",
                    "oncall",
                    "ci",
                    "composer-agent",
                    "transfer-agent",
                    "monitoring-agent",
                    "run-agent",
                ],
            );
            // The deployer's admin roles reach far beyond what the plan needs: reported, not hidden.
            const deployer = report.identities[0]!;
            assert.ok(deployer.excess.length > 0);
            assert.ok(deployer.required.length > 50);
        });

    it("covers the on-call members, the state bucket and the secrets key when config sets them", async () => {
        const report = await reportFor("prod", EVERY_FEATURE);
        assert.deepEqual(report.problems, []);
        assert.deepEqual(missingLines(report), []);
        const oncall = report.identities.find((i) => i.id === "oncall")!;
        assert.deepEqual(oncall.members, ["group:data-oncall@example.com"]);
        assert.equal(oncall.required.length, 4);
    });
});

describe("IAM model: the defects it catches", () => {
    it("a dropped grant fails, naming the identity, the permission and the action", async () => {
        const report = await reportFor(
            "prod",
            {},
            drop("lgx-prod-identities-api-bigquery.jobUser"),
        );
        assert.deepEqual(missingLines(report), [
            "api: missing bigquery.jobs.create on projects/replace-me-logistics-prod, needed to run BigQuery jobs — https://cloud.google.com/bigquery/docs/access-control",
        ]);
        assert.match(
            renderAccess(report),
            /Missing permissions:\n {2}api: missing bigquery\.jobs\.create on projects\/replace-me-logistics-prod, needed to run BigQuery jobs\n/,
        );
    });

    it("the deployer without the pool role cannot read the pool or provider on refresh", async () => {
        const report = await reportFor("prod", undefined, drop("lgx-prod-ci-deployer-pool-admin"));
        const lines = missingLines(report);
        assert.ok(
            lines.includes(
                "deployer: missing iam.googleapis.com/workloadIdentityPools.get on projects/replace-me-logistics-prod, needed to read (refresh, drift, import) gcp:iam:WorkloadIdentityPool lgx-prod-ci-pool — https://cloud.google.com/iam/docs/manage-workload-identity-pools-providers#required-roles",
            ),
            lines.join("\n"),
        );
        assert.ok(
            lines.some((l) =>
                l.startsWith(
                    "deployer: missing iam.googleapis.com/workloadIdentityPoolProviders.get on projects/replace-me-logistics-prod",
                ),
            ),
        );
    });

    it("the deployer without the key's and the bucket's policy roles cannot refresh its own grants there", async () => {
        const report = await reportFor(
            "prod",
            EVERY_FEATURE,
            (plan) => (
                drop("lgx-prod-ci-secrets-key-admin")(plan),
                drop("lgx-prod-ci-state-bucket-legacyBucketOwner")(plan)
            ),
        );
        const missing = report.identities[0]!.missing.map((m) => `${m.permission} on ${m.scope}`);
        assert.deepEqual(missing, [
            "cloudkms.cryptoKeys.getIamPolicy on projects/example-admin/locations/global/keyRings/pulumi/cryptoKeys/state",
            "cloudkms.cryptoKeys.setIamPolicy on projects/example-admin/locations/global/keyRings/pulumi/cryptoKeys/state",
            "storage.buckets.getIamPolicy on buckets/example-org-pulumi-state",
            "storage.buckets.setIamPolicy on buckets/example-org-pulumi-state",
        ]);
    });

    it("the backup export with objectCreator only cannot delete what BigQuery's export deletes", async () => {
        const report = await reportFor("prod", undefined, (plan) => {
            const g = plan.resources.find(
                (r) => r.name === "lgx-prod-backups-bucket-storage.objectUser-lgx-prod-jobs",
            )!;
            g.inputs["role"] = "roles/storage.objectCreator";
        });
        assert.deepEqual(missingLines(report), [
            "jobs: missing storage.objects.delete on projects/replace-me-logistics-prod/buckets/replace-me-logistics-prod-lgx-prod-lake-backups, needed to write the daily Parquet exports into the backups bucket — https://cloud.google.com/bigquery/docs/exporting-data#required_permissions",
        ]);
    });

    it("a grant to a ServiceIdentity's member, known only after deploy, fails the check", async () => {
        const report = await reportFor("prod", undefined, (plan) => {
            resource(
                plan,
                "gcp:serviceaccount/iAMMember:IAMMember",
                "lgx-prod-composer-agent-ext",
            ).inputs["member"] = UNKNOWN;
        });
        assert.equal(accessOk(report), false);
        assert.ok(
            report.problems[0]!.startsWith(
                "gcp:serviceaccount:IAMMember lgx-prod-composer-agent-ext: its member is known only after deploy",
            ),
        );
        // And without the grant the agent lacks what Composer needs on the environment's account.
        assert.ok(
            missingLines(report).some((l) =>
                l.startsWith("composer-agent: missing iam.serviceAccounts.setIamPolicy"),
            ),
        );
    });

    it("an identity the model does not know, or an agent grant made before the agent exists, fails", async () => {
        const report = await reportFor("prod", undefined, (plan) => {
            plan.resources.push(
                fake("gcp:serviceaccount/account:Account", "etl", {
                    project: "replace-me-logistics-prod",
                    accountId: "lgx-prod-etl",
                }),
                fake("gcp:projects/serviceIdentity:ServiceIdentity", "pubsub-agent", {
                    project: "replace-me-logistics-prod",
                    service: "pubsub.googleapis.com",
                }),
            );
            const grant = resource(
                plan,
                "gcp:serviceaccount/iAMMember:IAMMember",
                "lgx-prod-composer-agent-ext",
            );
            grant.dependencies = grant.dependencies.filter(
                (d) => !d.endsWith("::lgx-prod-composer-agent"),
            );
        });
        assert.deepEqual(report.problems, [
            "gcp:serviceaccount:Account etl: serviceAccount:lgx-prod-etl@replace-me-logistics-prod.iam.gserviceaccount.com has no actions in the IAM model. Add what it does to data/iam-actions.ts.",
            "gcp:projects:ServiceIdentity pubsub-agent: the service agent of pubsub.googleapis.com has no actions in the IAM model. Add it to SERVICE_AGENT_DOMAINS (components/identities.ts) and its actions to data/iam-actions.ts.",
            "gcp:serviceaccount:IAMMember lgx-prod-composer-agent-ext: grants to the composer service agent without waiting for a gcp.projects.ServiceIdentity of composer.googleapis.com: GCP may not have created the agent yet, and a grant to an agent that does not exist fails. Add the ServiceIdentity and dependsOn it.",
        ]);
    });

    it("grants to service agents name the agent's address from the project number and wait for its ServiceIdentity", async () => {
        const plan = await planFor("prod");
        // The agents' domains as Google's service-agents page lists them, not the code's table.
        const cases: [string, string, string][] = [
            ["lgx-prod-composer-agent-ext", "cloudcomposer-accounts", "lgx-prod-composer-agent"],
            [
                "lgx-prod-backup-schedule-agent-token-creator",
                "gcp-sa-bigquerydatatransfer",
                "lgx-prod-backup-schedule-agent",
            ],
            [
                "lgx-prod-api-invoker-uptime-check",
                "gcp-sa-monitoring-notification",
                "lgx-prod-api-monitoring-agent",
            ],
        ];
        const identity = (name: string) =>
            resource(plan, "gcp:projects/serviceIdentity:ServiceIdentity", name).urn;
        for (const [grant, domain, serviceIdentity] of cases) {
            const g = plan.resources.find((r) => r.name === grant)!;
            assert.equal(
                g.inputs["member"],
                `serviceAccount:service-<project-number>@${domain}.iam.gserviceaccount.com`,
            );
            assert.ok(g.dependencies.includes(identity(serviceIdentity)), grant);
        }
        assert.equal(
            serviceAgentEmail("transfer", "123"),
            "service-123@gcp-sa-bigquerydatatransfer.iam.gserviceaccount.com",
        );
        assert.equal(
            resourcesOfType(plan, "gcp:projects/serviceIdentity:ServiceIdentity").length,
            3,
        );
        assert.ok(!OFFLINE_PROJECT_NUMBER.match(/^\d+$/));
    });
});

describe("access changes in the offline diff", () => {
    it("lists grants added and removed with the permissions they carry; a renamed grant is none", async () => {
        const base = await planFor("prod");
        const head = clone(base);
        const g = head.resources.find(
            (r) => r.name === "lgx-prod-backups-bucket-storage.objectUser-lgx-prod-jobs",
        )!;
        g.inputs["role"] = "roles/storage.objectCreator";
        const renamed = head.resources.find(
            (r) => r.name === "lgx-prod-identities-api-bigquery.jobUser",
        )!;
        renamed.name = "api-jobs";
        renamed.urn = renamed.urn.replace(
            "::lgx-prod-identities-api-bigquery.jobUser",
            "::api-jobs",
        );
        const changes = accessChanges(base, head, ROLES);
        assert.deepEqual(
            changes.map((c) => `${c.op} ${c.role} ${c.permissions?.length}`),
            ["grant roles/storage.objectCreator 10", "revoke roles/storage.objectUser 27"],
        );
        const text = renderDiff(diffPlans(base, head), "base", "head");
        assert.match(
            text,
            /Access changes \(grants added or removed, with the permissions they carry\):\n {2}\+ serviceAccount:lgx-prod-jobs@replace-me-logistics-prod\.iam\.gserviceaccount\.com {2}roles\/storage\.objectCreator {2}on projects\/replace-me-logistics-prod\/buckets\/replace-me-logistics-prod-lgx-prod-lake-backups/,
        );
        assert.match(
            text,
            /\n {8}10 permission\(s\): storage\.folders\.create, storage\.managedFolders\.create,/,
        );
        assert.match(text, /\n {2}- serviceAccount:lgx-prod-jobs@[^\n]+roles\/storage\.objectUser/);
        assert.deepEqual(renderAccessChanges(accessChanges(base, base, ROLES)), []);
    });

    it("shows a role's own service's permissions first", () => {
        assert.deepEqual(ownServiceFirst("roles/run.invoker", ["a.x", "run.b", "run.a"]), [
            "run.a",
            "run.b",
            "a.x",
        ]);
    });
});

describe("npm run iam", () => {
    it("parses its arguments, refusing what it does not know with the usage", () => {
        assert.deepEqual(parseArgs(["--stack", "prod", "--json"]), {
            stack: "prod",
            json: true,
            help: false,
        });
        assert.deepEqual(parseArgs(["--help"]), { json: false, help: true });
        const cases: [string[], string][] = [
            [[], "--stack: a stack name is required. Expected --stack <name>, e.g. --stack prod."],
            [["--stack"], "--stack needs a value."],
            [["--stack", "prod", "--bogus"], 'unknown argument "--bogus".'],
            [
                ["prod"],
                'unexpected argument "prod": npm run iam takes only flags. Did you mean --stack prod?',
            ],
        ];
        for (const [argv, message] of cases)
            assert.throws(
                () => parseArgs(argv),
                (err: Error) =>
                    err instanceof UsageError && err.message === `${message}\n\n${USAGE}`,
                argv.join(" "),
            );
    });

    it("exits 0 on a shipped stack, 2 on an unknown stack or bad arguments", async () => {
        // In-process through its main (its run as a process: test/smoke.test.ts).
        const iam = (...argv: string[]) => runInProcess(main, argv);
        const ok = await iam("--stack", "dev");
        assert.equal(ok.status, 0, ok.stderr);
        assert.match(ok.stdout, /Every identity has what it needs\./);
        const json = await iam("--stack", "dev", "--json");
        assert.equal(json.status, 0, json.stderr);
        assert.equal((JSON.parse(json.stdout) as AccessReport).identities.length, 10);
        const unknown = await iam("--stack", "staging");
        assert.equal(unknown.status, 2);
        assert.match(unknown.stderr, /^error: .*staging/);
        assert.equal((await iam("--stak", "dev")).status, 2);
    });
});

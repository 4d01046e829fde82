// The IAM policies: coverage of every grant-bearing type of @pulumi/gcp, each deny rule with its
// exact message, a property test over generated grants, and the shipped stacks' own grants.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as fc from "fast-check";
import { allPolicies } from "../policies/all";
import {
    ACL_TYPES,
    escalationOf,
    isIamBearing,
    policyBindings,
    predefinedRoles,
} from "../policies/grants";
import { conditionProblems, federatedSubject, memberProblem } from "../policies/iam";
import { statefulKind, UNKNOWN } from "../policies/lib";
import { PROJECT_ROLES } from "../components/identities";
import type { Plan, PlannedResource } from "../tools/offline/engine";
import { loadPolicyConfig, runPolicies } from "../tools/offline/policy";
import { planFor, PROJECT_ROOT, handMadeResource } from "./harness";

const GCP = path.join(PROJECT_ROOT, "node_modules", "@pulumi", "gcp");
const P = "proj-1";

/** Every resource type of @pulumi/gcp with the input names of its `<Name>Args`. */
function sdkTypes(): { type: string; inputs: string[] }[] {
    const out: { type: string; inputs: string[] }[] = [];
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const f = path.join(dir, e.name);
            if (e.isDirectory()) {
                if (e.name !== "types" && e.name !== "config") walk(f);
                continue;
            }
            if (!e.name.endsWith(".d.ts")) continue;
            const text = fs.readFileSync(f, "utf8");
            const args = /export interface (\w+)Args \{([\s\S]*?)\n\}/.exec(text);
            if (!args) continue;
            const js = f.replace(/\.d\.ts$/, ".js");
            const token = fs.existsSync(js)
                ? /__pulumiType = '([^']+)'/.exec(fs.readFileSync(js, "utf8"))?.[1]
                : undefined;
            if (token)
                out.push({
                    type: token,
                    inputs: [...args[2]!.matchAll(/^ {4}(\w+)\??:/gm)].map((m) => m[1]!),
                });
        }
    };
    walk(GCP);
    return out;
}

/** Types the SDK shapes as a grant: a role with a member or members, or a policy document. */
function grantShaped(t: { inputs: string[] }): boolean {
    const has = (k: string) => t.inputs.includes(k);
    return (has("role") && (has("member") || has("members"))) || has("policyData");
}

/** Grant-shaped types that grant nothing, and why. */
const NOT_GRANTS: Record<string, string> = {
    "gcp:projects/iamMemberRemove:IamMemberRemove": "removes a member from a role",
};

const SDK = sdkTypes();

describe("IAM-bearing types of @pulumi/gcp", () => {
    it("reads the SDK (hundreds of grant types, the project's own among them)", () => {
        const shaped = SDK.filter(grantShaped).map((t) => t.type);
        assert.ok(shaped.length > 400, `${shaped.length} grant-shaped types`);
        for (const t of [
            "gcp:projects/iAMMember:IAMMember",
            "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
            "gcp:bigquery/datasetIamMember:DatasetIamMember",
        ])
            assert.ok(shaped.includes(t), t);
    });

    it("covers every type whose inputs carry a role and members or a policy document", () => {
        const missed = SDK.filter(grantShaped)
            .map((t) => t.type)
            .filter((t) => !isIamBearing(t) && !NOT_GRANTS[t]);
        assert.deepEqual(missed, []);
        for (const t of Object.keys(NOT_GRANTS)) assert.ok(!isIamBearing(t), t);
    });

    it("covers the types that grant by ACL, access entry or a switch", () => {
        const aclShaped = SDK.filter(
            (t) =>
                t.inputs.includes("roleEntities") ||
                t.inputs.includes("predefinedAcl") ||
                (t.inputs.includes("entity") && t.inputs.includes("role")) ||
                t.inputs.includes("specialGroup") ||
                t.inputs.includes("accesses") ||
                t.inputs.includes("invokerIamDisabled"),
        ).map((t) => t.type);
        // BucketObject's predefinedAcl applies a canned ACL too; the bucket's uniform access refuses it.
        const missed = aclShaped.filter(
            (t) => !isIamBearing(t) && t !== "gcp:storage/bucketObject:BucketObject",
        );
        assert.deepEqual(missed, []);
        for (const t of ACL_TYPES)
            assert.ok(
                SDK.some((s) => s.type === t),
                `${t} is not a type of @pulumi/gcp`,
            );
    });

    it("recognises grant types by name only where they grant", () => {
        for (const [t, expected] of [
            ["gcp:organizations/iAMPolicy:IAMPolicy", true],
            ["gcp:folder/iAMBinding:IAMBinding", true],
            ["gcp:bigquery/iamMember:IamMember", true],
            ["gcp:kms/keyRingIAMPolicy:KeyRingIAMPolicy", true],
            ["gcp:projects/iAMAuditConfig:IAMAuditConfig", false],
            ["gcp:projects/iAMCustomRole:IAMCustomRole", false],
            ["gcp:storage/bucket:Bucket", false],
        ] as const)
            assert.equal(isIamBearing(t), expected, t);
    });
});

const fake = handMadeResource;

/** A plan: the stack's project named by a few resources, plus `resources`. */
function planOf(resources: PlannedResource[]): Plan {
    const anchors = [1, 2, 3].map((i) =>
        fake("gcp:projects/service:Service", { project: P, service: `s${i}` }, `api${i}`),
    );
    return {
        project: "logistics",
        stack: "prod",
        resources: [...anchors, ...resources],
        outputs: {},
        secrets: [],
        warnings: [],
    };
}

const CONFIG = {
    "iam-no-privilege-escalation": {
        deployerAccountId: "lgx-prod-deployer",
        deployerRoles: ["roles/resourcemanager.projectIamAdmin"],
        deployerAccountRoles: ["roles/iam.serviceAccountUser"],
    },
    "iam-members-allowed-domains": { allowedMemberDomains: ["example.com"] },
    "iam-federation-subjects-allowed": { allowedSubjects: ["repo:o/r:environment:prod"] },
};

async function found(resources: PlannedResource[], config: object = CONFIG): Promise<string[]> {
    const iam = allPolicies.filter(
        (p) => p.name.startsWith("iam-") || p.name === "cloudrun-no-public-invoker",
    );
    return (await runPolicies(planOf(resources), { all: "mandatory", ...config }, iam)).map(
        (v) => `${v.policy}: ${v.message}`,
    );
}

const PROJECT_MEMBER = "gcp:projects/iAMMember:IAMMember";
const SA_MEMBER = "gcp:serviceaccount/iAMMember:IAMMember";
const OWN = `serviceAccount:app@${P}.iam.gserviceaccount.com`;

describe("IAM deny rules", () => {
    const cases: [string, PlannedResource, string[]][] = [
        [
            "a narrow grant to the project's own account",
            fake(PROJECT_MEMBER, { project: P, role: "roles/bigquery.jobUser", member: OWN }),
            [],
        ],
        [
            "owner in a project policy document",
            fake("gcp:projects/iAMPolicy:IAMPolicy", {
                project: P,
                policyData: JSON.stringify({
                    bindings: [{ role: "roles/owner", members: ["user:x@gmail.com"] }],
                }),
            }),
            [
                "iam-no-primitive-roles: IAM grant must not use the primitive role roles/owner.",
                "iam-members-allowed-domains: IAM member not allowed: user:x@gmail.com is outside the allowed domains. Allowed domains: example.com.",
                "iam-no-authoritative-policies: IAMPolicy at projects level is authoritative: it would remove every grant it does not list.",
            ],
        ],
        [
            "token creator for a team member",
            fake(SA_MEMBER, {
                serviceAccountId: "projects/p/serviceAccounts/d@p.iam.gserviceaccount.com",
                role: "roles/iam.serviceAccountTokenCreator",
                member: "user:dev@example.com",
            }),
            [
                "iam-no-privilege-escalation: roles/iam.serviceAccountTokenCreator must not be granted to user:dev@example.com: it holds iam.serviceAccounts.getAccessToken, iam.serviceAccounts.getOpenIdToken, iam.serviceAccounts.signBlob, iam.serviceAccounts.signJwt, iam.serviceAccounts.implicitDelegation.",
            ],
        ],
        [
            "the deployer's documented role",
            fake(PROJECT_MEMBER, {
                project: P,
                role: "roles/resourcemanager.projectIamAdmin",
                member: `serviceAccount:lgx-prod-deployer@${P}.iam.gserviceaccount.com`,
            }),
            [],
        ],
        [
            "an undocumented escalation role for the deployer",
            fake(PROJECT_MEMBER, {
                project: P,
                role: "roles/iam.securityAdmin",
                member: `serviceAccount:lgx-prod-deployer@${P}.iam.gserviceaccount.com`,
            }),
            [
                `iam-no-privilege-escalation: roles/iam.securityAdmin must not be granted to serviceAccount:lgx-prod-deployer@${P}.iam.gserviceaccount.com: it holds resourcemanager.projects.setIamPolicy, resourcemanager.folders.setIamPolicy, resourcemanager.organizations.setIamPolicy, iam.serviceAccounts.setIamPolicy.`,
            ],
        ],
        [
            "another project's account named like the deployer",
            fake(PROJECT_MEMBER, {
                project: P,
                role: "roles/resourcemanager.projectIamAdmin",
                member: "serviceAccount:lgx-prod-deployer@evil.iam.gserviceaccount.com",
            }),
            [
                "iam-no-privilege-escalation: roles/resourcemanager.projectIamAdmin must not be granted to serviceAccount:lgx-prod-deployer@evil.iam.gserviceaccount.com: it holds resourcemanager.projects.setIamPolicy.",
                "iam-members-allowed-domains: IAM member not allowed: serviceAccount:lgx-prod-deployer@evil.iam.gserviceaccount.com is outside the allowed domains. Allowed domains: example.com.",
            ],
        ],
        [
            "the deployer's account role granted on the whole project",
            fake(PROJECT_MEMBER, {
                project: P,
                role: "roles/iam.serviceAccountUser",
                member: `serviceAccount:lgx-prod-deployer@${P}.iam.gserviceaccount.com`,
            }),
            [
                `iam-no-privilege-escalation: roles/iam.serviceAccountUser must not be granted to serviceAccount:lgx-prod-deployer@${P}.iam.gserviceaccount.com: it holds iam.serviceAccounts.actAs.`,
            ],
        ],
        [
            "the deployer acting as one of the project's accounts",
            fake(SA_MEMBER, {
                serviceAccountId: `projects/${P}/serviceAccounts/api@${P}.iam.gserviceaccount.com`,
                role: "roles/iam.serviceAccountUser",
                member: `serviceAccount:lgx-prod-deployer@${P}.iam.gserviceaccount.com`,
            }),
            [],
        ],
        [
            "a service agent of any project minting tokens for an account",
            fake(SA_MEMBER, {
                serviceAccountId: `projects/${P}/serviceAccounts/api@${P}.iam.gserviceaccount.com`,
                role: "roles/iam.serviceAccountTokenCreator",
                member: "serviceAccount:service-999@gcp-sa-cloudbuild.iam.gserviceaccount.com",
            }),
            [
                "iam-no-privilege-escalation: roles/iam.serviceAccountTokenCreator must not be granted to serviceAccount:service-999@gcp-sa-cloudbuild.iam.gserviceaccount.com: it holds iam.serviceAccounts.getAccessToken, iam.serviceAccounts.getOpenIdToken, iam.serviceAccounts.signBlob, iam.serviceAccounts.signJwt, iam.serviceAccounts.implicitDelegation.",
            ],
        ],
        [
            "workload identity for a subject of another pool",
            fake(SA_MEMBER, {
                serviceAccountId: "x",
                role: "roles/iam.workloadIdentityUser",
                member: "principal://iam.googleapis.com/projects/9/locations/global/workloadIdentityPools/evil/subject/me",
            }),
            [
                "iam-no-privilege-escalation: roles/iam.workloadIdentityUser must not be granted to principal://iam.googleapis.com/projects/9/locations/global/workloadIdentityPools/evil/subject/me: it holds iam.serviceAccounts.getAccessToken, iam.serviceAccounts.getOpenIdToken.",
                "iam-members-allowed-domains: IAM member not allowed: principal://iam.googleapis.com/projects/9/locations/global/workloadIdentityPools/evil/subject/me is not a principal of this stack's pools. Allowed domains: example.com.",
                "iam-federation-subjects-allowed: roles/iam.workloadIdentityUser must not be granted to principal://iam.googleapis.com/projects/9/locations/global/workloadIdentityPools/evil/subject/me: the token subject me is not in allowedSubjects (repo:o/r:environment:prod).",
            ],
        ],
        [
            "workload identity for one subject of a pool",
            fake(SA_MEMBER, {
                serviceAccountId: "x",
                role: "roles/iam.workloadIdentityUser",
                member: "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/subject/repo:o/r:environment:prod",
            }),
            [],
        ],
        [
            "workload identity for a whole pool",
            fake(SA_MEMBER, {
                serviceAccountId: "x",
                role: "roles/iam.workloadIdentityUser",
                member: "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/*",
            }),
            [
                "iam-no-privilege-escalation: roles/iam.workloadIdentityUser must not be granted to principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/*: it holds iam.serviceAccounts.getAccessToken, iam.serviceAccounts.getOpenIdToken.",
                "iam-members-allowed-domains: IAM member not allowed: principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/* is not a member the pack accepts. Allowed domains: example.com.",
                "iam-federation-subjects-allowed: roles/iam.workloadIdentityUser must not be granted to principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/*: the token subject * is not in allowedSubjects (repo:o/r:environment:prod).",
            ],
        ],
        [
            "a member known only after deploy",
            fake(PROJECT_MEMBER, {
                project: P,
                role: "roles/bigquery.jobUser",
                member: "(known after deploy)",
            }),
            [
                "iam-members-known: IAM grant of roles/bigquery.jobUser: the member (member) is known only after deploy, so whether it is public, outside the allowed domains or an escalation cannot be judged.",
            ],
        ],
        [
            "a dataset access entry for allAuthenticatedUsers",
            fake("gcp:bigquery/dataset:Dataset", {
                project: P,
                datasetId: "d",
                accesses: [
                    { role: "OWNER", userByEmail: "a@example.com" },
                    { role: "READER", specialGroup: "allAuthenticatedUsers" },
                ],
            }),
            [
                "iam-no-public-members: roles/bigquery.dataViewer must not be granted to allAuthenticatedUsers (accesses[1]).",
            ],
        ],
        [
            "a Cloud Run service with invoker IAM disabled",
            fake("gcp:cloudrunv2/service:Service", {
                project: P,
                invokerIamDisabled: true,
                template: { serviceAccount: `api@${P}.iam.gserviceaccount.com` },
            }),
            [
                "cloudrun-no-public-invoker: Cloud Run service must not set invokerIamDisabled: every caller could invoke it.",
            ],
        ],
        [
            "folder IAM",
            fake("gcp:folder/iAMMember:IAMMember", {
                folder: "folders/1",
                role: "roles/bigquery.dataViewer",
                member: "group:g@example.com",
            }),
            [
                "iam-no-folder-org-iam: gcp:folder/iAMMember:IAMMember changes IAM outside the project.",
            ],
        ],
        [
            "a custom role holding setIamPolicy and key creation",
            fake("gcp:projects/iAMCustomRole:IAMCustomRole", {
                project: P,
                roleId: "r",
                permissions: [
                    "storage.buckets.setIamPolicy",
                    "iam.serviceAccountKeys.create",
                    "bigquery.jobs.create",
                ],
            }),
            [
                "iam-custom-roles-safe: Custom role must not hold storage.buckets.setIamPolicy, iam.serviceAccountKeys.create.",
            ],
        ],
        [
            "a grant of a role the pack does not know",
            fake(PROJECT_MEMBER, {
                project: P,
                role: "roles/compute.admin",
                member: "group:g@example.com",
            }),
            [
                "iam-no-privilege-escalation: roles/compute.admin: not a predefined role the pack knows (data/gcp-iam-roles.json) nor a custom role of this stack, so its permissions cannot be judged.",
            ],
        ],
        [
            "storage ACL entity for a user of another domain",
            fake("gcp:storage/bucketAccessControl:BucketAccessControl", {
                bucket: "b",
                entity: "user-x@gmail.com",
                role: "READER",
            }),
            [
                "iam-members-allowed-domains: IAM member not allowed: user:x@gmail.com is outside the allowed domains. Allowed domains: example.com.",
            ],
        ],
    ];
    const POOL = fake(
        "gcp:iam/workloadIdentityPool:WorkloadIdentityPool",
        { project: P, workloadIdentityPoolId: "gh" },
        "pool",
    );
    for (const [title, r, expected] of cases)
        it(title, async () =>
            assert.deepEqual((await found([POOL, r])).sort(), [...expected].sort()),
        );

    it("a grant of a custom role the stack defines is judged by its permissions", async () => {
        const role = fake(
            "gcp:projects/iAMCustomRole:IAMCustomRole",
            { project: P, roleId: "reader", permissions: ["bigquery.tables.getData"] },
            "role",
        );
        const grant = fake(
            PROJECT_MEMBER,
            { project: P, role: `projects/${P}/roles/reader`, member: "group:g@example.com" },
            "grant",
        );
        assert.deepEqual(await found([role, grant]), []);
    });

    it("an exception in config waives one finding on one resource and is shown with its reason", async () => {
        const grant = fake(PROJECT_MEMBER, {
            project: P,
            role: "roles/bigquery.jobUser",
            member: "(known after deploy)",
        });
        const config = {
            ...CONFIG,
            "iam-members-known": {
                exceptions: [{ urn: grant.urn, reason: "a service agent only GCP names" }],
            },
            "stack-exceptions-applied": "advisory",
        };
        const policies = allPolicies.filter((p) =>
            ["iam-members-known", "stack-exceptions-applied"].includes(p.name),
        );
        const violations = await runPolicies(
            planOf([grant]),
            { all: "mandatory", ...config } as never,
            policies,
        );
        assert.deepEqual(
            violations.map((v) => [v.policy, v.enforcementLevel, v.message]),
            [
                [
                    "stack-exceptions-applied",
                    "advisory",
                    "exception to iam-members-known: a service agent only GCP names",
                ],
            ],
        );
    });
});

describe("Google service agents in grants", () => {
    const agent = (n: string, domain: string) => `serviceAccount:service-${n}@${domain}`;
    const TRANSFER = "gcp-sa-bigquerydatatransfer.iam.gserviceaccount.com";
    const COMPOSER_AGENT = "cloudcomposer-accounts.iam.gserviceaccount.com";
    const account = (id: string) =>
        `projects/${P}/serviceAccounts/${id}@${P}.iam.gserviceaccount.com`;
    const transfer = fake(
        "gcp:bigquery/dataTransferConfig:DataTransferConfig",
        {
            serviceAccountName: `jobs@${P}.iam.gserviceaccount.com`,
            dataSourceId: "scheduled_query",
        },
        "backup",
    );
    const environment = fake(
        "gcp:composer/environment:Environment",
        { config: { nodeConfig: { serviceAccount: `composer@${P}.iam.gserviceaccount.com` } } },
        "env",
    );
    const grant = (name: string, id: string, role: string, member: string) =>
        fake(SA_MEMBER, { serviceAccountId: account(id), role, member }, name);
    const TOKEN = "roles/iam.serviceAccountTokenCreator";
    const EXT = "roles/composer.ServiceAgentV2Ext";

    it("allows the grants Google documents, on the account each service runs as", async () => {
        assert.deepEqual(
            await found([
                transfer,
                environment,
                grant("t", "jobs", TOKEN, agent("123", TRANSFER)),
                grant("c", "composer", EXT, agent("123", COMPOSER_AGENT)),
            ]),
            [],
        );
    });

    it("accepts the offline preview's project-number placeholder as an agent's number", async () => {
        assert.deepEqual(
            await found([transfer, grant("t", "jobs", TOKEN, agent("<project-number>", TRANSFER))]),
            [],
        );
    });

    it("refuses the same role on another of the project's accounts", async () => {
        assert.deepEqual(
            await found([transfer, grant("t", "deployer", TOKEN, agent("123", TRANSFER))]),
            [
                `iam-no-privilege-escalation: ${TOKEN} must not be granted to ${agent("123", TRANSFER)}: it holds iam.serviceAccounts.getAccessToken, iam.serviceAccounts.getOpenIdToken, iam.serviceAccounts.signBlob, iam.serviceAccounts.signJwt, iam.serviceAccounts.implicitDelegation.`,
            ],
        );
    });

    it("refuses the transfer agent's role on the deployer, even with a scheduled query run as it", async () => {
        const asDeployer = fake(
            "gcp:bigquery/dataTransferConfig:DataTransferConfig",
            {
                serviceAccountName: `lgx-prod-deployer@${P}.iam.gserviceaccount.com`,
                dataSourceId: "scheduled_query",
            },
            "sneaky",
        );
        const out = await found([
            asDeployer,
            grant("t", "lgx-prod-deployer", TOKEN, agent("123", TRANSFER)),
        ]);
        assert.ok(
            out.some((m) => m.startsWith("iam-no-privilege-escalation: ")),
            out.join("\n"),
        );
    });

    it("refuses a documented role given to another service's agent", async () => {
        const found_ = await found([
            transfer,
            grant("t", "jobs", TOKEN, agent("123", COMPOSER_AGENT)),
        ]);
        assert.equal(found_.length, 1);
        assert.match(found_[0]!, /^iam-no-privilege-escalation: /);
    });

    it("refuses an agent of another project than the platform's other agents", async () => {
        const stranger = agent("999", TRANSFER);
        const found_ = await found([
            transfer,
            environment,
            grant("t", "jobs", TOKEN, agent("123", TRANSFER)),
            grant("c", "composer", EXT, agent("123", COMPOSER_AGENT)),
            fake(
                "gcp:storage/bucketIAMMember:BucketIAMMember",
                { bucket: "b", role: "roles/storage.objectViewer", member: stranger },
                "s",
            ),
        ]);
        assert.deepEqual(found_, [
            `iam-members-allowed-domains: IAM member not allowed: ${stranger} is a service agent of another project than the platform's other agents. Allowed domains: example.com.`,
        ]);
    });
});

describe("IAM helpers", () => {
    it("memberProblem", () => {
        const cases: [string, string | undefined][] = [
            ["group:a@example.com", undefined],
            ["user:a@EXAMPLE.com", undefined],
            [`serviceAccount:x@${P}.iam.gserviceaccount.com`, undefined],
            [
                "serviceAccount:service-123@gcp-sa-bigquerydatatransfer.iam.gserviceaccount.com",
                undefined,
            ],
            [
                "serviceAccount:service-123@evil.iam.gserviceaccount.com",
                "serviceAccount:service-123@evil.iam.gserviceaccount.com is outside the allowed domains",
            ],
            [
                "serviceAccount:123-compute@developer.gserviceaccount.com",
                "serviceAccount:123-compute@developer.gserviceaccount.com is a default service account (iam-no-default-service-account)",
            ],
            ["domain:example.com", undefined],
            ["domain:gmail.com", "domain gmail.com is not allowed"],
            [
                "deleted:user:a@example.com?uid=1",
                "deleted:user:a@example.com?uid=1 is not a member the pack accepts",
            ],
            ["projectViewer:other", "projectViewer:other is another project's role holders"],
        ];
        for (const [m, expected] of cases)
            assert.equal(memberProblem(m, P, ["example.com"]), expected, m);
    });

    it("policyBindings parses policy documents and marks what it cannot read", () => {
        assert.deepEqual(
            policyBindings('{"bindings":[{"role":"roles/x","members":["user:a@b.c"]}]}'),
            [{ role: "roles/x", members: ["user:a@b.c"] }],
        );
        assert.equal(policyBindings("not json"), UNKNOWN);
        assert.equal(policyBindings(UNKNOWN), UNKNOWN);
    });

    it("escalation roles are found by permission in Google's role data", () => {
        const escalating = Object.keys(predefinedRoles()).filter((r) => {
            const e = escalationOf(r, new Map());
            return e !== UNKNOWN && e.length > 0;
        });
        for (const r of [
            "roles/iam.securityAdmin",
            "roles/resourcemanager.projectIamAdmin",
            "roles/iam.serviceAccountAdmin",
            "roles/iam.serviceAccountKeyAdmin",
            "roles/iam.serviceAccountTokenCreator",
            "roles/iam.serviceAccountUser",
            "roles/iam.roleAdmin",
            "roles/iam.workloadIdentityUser",
            "roles/resourcemanager.organizationAdmin",
            "roles/resourcemanager.folderAdmin",
        ])
            assert.ok(escalating.includes(r), r);
        for (const r of [
            "roles/bigquery.dataViewer",
            "roles/run.invoker",
            "roles/storage.objectAdmin",
        ])
            assert.ok(!escalating.includes(r), r);
    });

    it("the GitHub condition must be one strict repository match", () => {
        const cases: [string, string[]][] = [
            ["assertion.repository == 'o/r'", []],
            ["assertion.repository == 'o/r' && assertion.ref == 'refs/heads/main'", []],
            [
                "assertion.repository == 'o/r' || true",
                [
                    "attributeCondition must not contain || (an alternative accepts other tokens).",
                    "attributeCondition must not contain a constant or a negation.",
                    "GitHub workload identity provider must restrict assertion.repository: GitHub issues tokens to every repository.",
                ],
            ],
            [
                "true",
                [
                    "attributeCondition must not contain a constant or a negation.",
                    "GitHub workload identity provider must restrict assertion.repository: GitHub issues tokens to every repository.",
                ],
            ],
            [
                "assertion.repository != 'x/y'",
                [
                    "attributeCondition must not contain a constant or a negation.",
                    "GitHub workload identity provider must restrict assertion.repository: GitHub issues tokens to every repository.",
                ],
            ],
            [
                "assertion.repository == 'x/y'",
                ["attributeCondition must accept o/r only, got x/y."],
            ],
            [
                "assertion.repository == 'true-co/r'",
                ["attributeCondition must accept o/r only, got true-co/r."],
            ],
        ];
        for (const [c, expected] of cases)
            assert.deepEqual(conditionProblems(c, "o/r"), expected, c);
    });

    it("recognises stateful resources by component and logical name, not labels", () => {
        const urn = (chain: string, name: string) =>
            `urn:pulumi:prod::logistics::logistics:stack:Platform$${chain}::${name}`;
        assert.equal(
            statefulKind(
                urn(
                    "logistics:storage:BackupStore$gcp:storage/bucket:Bucket",
                    "lgx-prod-backups-bucket",
                ),
                "gcp:storage/bucket:Bucket",
            ),
            "backups-bucket",
        );
        assert.equal(
            statefulKind(
                urn(
                    "logistics:storage:BackupStore$gcp:storage/bucket:Bucket",
                    "lgx-prod-backups-snapshots",
                ),
                "gcp:storage/bucket:Bucket",
            ),
            undefined,
        );
        assert.equal(
            statefulKind(
                urn("logistics:storage:DataLake$gcp:storage/bucket:Bucket", "lgx-prod-lake-bucket"),
                "gcp:storage/bucket:Bucket",
            ),
            "data-lake",
        );
        assert.equal(
            statefulKind(
                urn(
                    "logistics:bigquery:Warehouse$gcp:bigquery/dataset:Dataset",
                    "lgx-prod-warehouse-raw",
                ),
                "gcp:bigquery/dataset:Dataset",
            ),
            "raw-dataset",
        );
        assert.equal(
            statefulKind(
                urn(
                    "logistics:bigquery:Warehouse$gcp:bigquery/table:Table",
                    "lgx-prod-warehouse-raw-packages",
                ),
                "gcp:bigquery/table:Table",
            ),
            "raw-table",
        );
        assert.equal(
            statefulKind(
                `urn:pulumi:prod::logistics::gcp:storage/bucket:Bucket::lgx-prod-lake-bucket`,
                "gcp:storage/bucket:Bucket",
            ),
            undefined,
        );
    });
});

describe("IAM policies and the shipped stacks", () => {
    it("each stack's allowed token subjects are exactly those its own CI grants use", async () => {
        for (const stack of ["dev", "prod"]) {
            const used = new Set<string>();
            for (const r of (await planFor(stack)).resources) {
                const m = r.inputs["member"];
                const subject = typeof m === "string" ? federatedSubject(m) : undefined;
                if (subject !== undefined) used.add(subject);
            }
            const c = loadPolicyConfig(stack)["iam-federation-subjects-allowed"] as {
                allowedSubjects: string[];
            };
            assert.ok(used.size > 0, `${stack}: no federated grant in the plan`);
            assert.deepEqual([...c.allowedSubjects].sort(), [...used].sort(), stack);
        }
    });

    it("a pull request's subject is refused where the stack does not allow it", async () => {
        const pr =
            "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/pool/subject/repo:o/r:pull_request";
        const out = await found(
            [
                fake(SA_MEMBER, {
                    serviceAccountId: `projects/${P}/serviceAccounts/d@${P}.iam.gserviceaccount.com`,
                    role: "roles/iam.workloadIdentityUser",
                    member: pr,
                }),
            ],
            {
                ...CONFIG,
                "iam-federation-subjects-allowed": {
                    allowedSubjects: ["repo:o/r:ref:refs/heads/main"],
                },
            },
        );
        assert.ok(
            out.some(
                (m) =>
                    m.startsWith("iam-federation-subjects-allowed: ") &&
                    m.includes("repo:o/r:pull_request"),
            ),
            out.join("\n"),
        );
    });

    it("every shipped grant's role is in the pack's role data", async () => {
        for (const stack of ["dev", "prod"])
            for (const r of (await planFor(stack)).resources)
                if (typeof r.inputs["role"] === "string")
                    assert.ok(predefinedRoles()[r.inputs["role"]], `${stack}: ${r.inputs["role"]}`);
    });

    it("the deployer exception is exactly the escalation roles the platform grants the deployer", async () => {
        const escalates = (r: string) => {
            const e = escalationOf(r, new Map());
            return e === UNKNOWN || e.length > 0;
        };
        for (const stack of ["dev", "prod"]) {
            // components/identities.ts's project roles, and the pool admin role
            // components/githubFederation.ts grants the deployer to manage the pool's provider.
            const granted = (await planFor(stack)).resources
                .filter(
                    (r) =>
                        r.type === "gcp:projects/iAMMember:IAMMember" &&
                        String(r.inputs["member"]).startsWith(
                            `serviceAccount:lgx-${stack}-deployer@`,
                        ),
                )
                .map((r) => String(r.inputs["role"]));
            assert.ok(
                PROJECT_ROLES.deployer.every((r) => granted.includes(r)),
                stack,
            );
            const declared = [...new Set(granted.filter(escalates))];
            const c = loadPolicyConfig(stack)["iam-no-privilege-escalation"] as {
                deployerRoles: string[];
                deployerAccountRoles: string[];
            };
            assert.deepEqual([...c.deployerRoles].sort(), [...declared].sort(), stack);
            // identities.ts grants the deployer serviceAccountUser on each workload account.
            assert.deepEqual(c.deployerAccountRoles, ["roles/iam.serviceAccountUser"], stack);
        }
    });

    it("the federation policy's repository is the stack's logistics:ci.repository", async () => {
        for (const stack of ["dev", "prod"]) {
            const c = loadPolicyConfig(stack)["iam-federation-restricted"] as {
                repository: string;
            };
            const provider = (await planFor(stack)).resources.find(
                (r) =>
                    r.type === "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider",
            )!;
            assert.equal(
                provider.inputs["attributeCondition"],
                `assertion.repository == '${c.repository}'`,
            );
        }
    });
});

describe("property: generated grants over every IAM-bearing type", () => {
    const iamTypes = SDK.filter(
        (t) =>
            isIamBearing(t.type) &&
            grantShaped(t) &&
            /IamMember$|IAMMember$|IamBinding$|IAMBinding$|IamPolicy$|IAMPolicy$/.test(t.type),
    );
    const policies = allPolicies.filter(
        (p) => p.name.startsWith("iam-") || p.name === "cloudrun-no-public-invoker",
    );
    const BAD: [string, string, string][] = [
        ["allUsers", "roles/bigquery.dataViewer", "public"],
        ["allAuthenticatedUsers", "roles/storage.objectViewer", "public"],
        ["group:g@example.com", "roles/owner", "primitive"],
        ["group:g@example.com", "roles/editor", "primitive"],
        ["user:u@example.com", "roles/iam.serviceAccountTokenCreator", "escalation"],
        ["user:u@example.com", "roles/iam.securityAdmin", "escalation"],
        ["user:u@gmail.com", "roles/bigquery.dataViewer", "domain"],
        ["domain:gmail.com", "roles/storage.objectViewer", "domain"],
    ];

    const EXPECTED: Record<string, string[]> = {
        public: ["iam-no-public-members", "cloudrun-no-public-invoker"],
        primitive: ["iam-no-primitive-roles"],
        escalation: ["iam-no-privilege-escalation"],
        domain: ["iam-members-allowed-domains"],
    };

    it("generates over hundreds of types", () =>
        assert.ok(iamTypes.length > 400, `${iamTypes.length}`));

    function props(inputs: string[], role: string, member: string): Record<string, unknown> {
        if (inputs.includes("policyData"))
            return {
                project: P,
                policyData: JSON.stringify({ bindings: [{ role, members: [member] }] }),
            };
        return inputs.includes("members")
            ? { project: P, role, members: [member] }
            : { project: P, role, member };
    }

    it("a bad grant on any IAM-bearing type is a mandatory violation", async () => {
        await fc.assert(
            fc.asyncProperty(
                fc.constantFrom(...iamTypes),
                fc.constantFrom(...BAD),
                async (t, [member, role, kind]) => {
                    const r = fake(t.type, props(t.inputs, role, member));
                    const v = await runPolicies(
                        planOf([r]),
                        { all: "mandatory", ...CONFIG },
                        policies,
                    );
                    // The rule of its kind fires, not merely some other one.
                    return v.some(
                        (x) =>
                            x.enforcementLevel === "mandatory" &&
                            x.urn === r.urn &&
                            EXPECTED[kind]!.includes(x.policy),
                    );
                },
            ),
            { numRuns: 150, seed: 15 },
        );
    });

    it("a narrow grant to the project's own account passes on any member-type outside folders and organizations", async () => {
        const members = iamTypes.filter(
            (t) => /Member$/.test(t.type) && !/^gcp:(folder|organizations)\//.test(t.type),
        );
        await fc.assert(
            fc.asyncProperty(fc.constantFrom(...members), async (t) => {
                const r = fake(t.type, props(t.inputs, "roles/bigquery.dataViewer", OWN));
                const v = await runPolicies(planOf([r]), { all: "mandatory", ...CONFIG }, policies);
                return v.length === 0;
            }),
            { numRuns: 60, seed: 15 },
        );
    });
});

// Harmful IAM changes to prod through the whole program — stack-file edits, grants added inside
// the platform's components and at stack level — each blocked by a mandatory policy.
import { strict as assert } from "assert";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { in_, judge, type Mutation } from "./mutations";

const P = "replace-me-logistics-prod";
const DEPLOYER = `projects/${P}/serviceAccounts/lgx-prod-deployer@${P}.iam.gserviceaccount.com`;
const JOBS = `projects/${P}/serviceAccounts/lgx-prod-jobs@${P}.iam.gserviceaccount.com`;
const LAKE = `${P}-lgx-prod-lake`;
const policy = (role: string, members: string[]) =>
    JSON.stringify({ bindings: [{ role, members }] });

export const IAM_MUTATIONS: Mutation[] = [
    // ---- stack-file edits
    {
        name: "publicInvoker on in prod",
        config: { "logistics:api": { ...api(), publicInvoker: true } },
    },
    {
        name: "an outside invoker",
        config: { "logistics:api": { ...api(), invokers: ["user:someone@gmail.com"] } },
    },
    {
        name: "an outside on-call member",
        config: { "logistics:oncall": { members: ["user:contractor@outlook.com"] } },
    },
    {
        name: "marts readable by an outside domain",
        config: {
            "logistics:warehouse": {
                location: "US",
                timeTravelHours: 168,
                iam: { marts: { "roles/bigquery.dataViewer": ["domain:gmail.com"] } },
            },
        },
    },
    {
        name: "the default compute account as an on-call member",
        config: {
            "logistics:oncall": {
                members: ["serviceAccount:123456789-compute@developer.gserviceaccount.com"],
            },
        },
    },
    {
        name: "raw data owned by an outside user",
        config: {
            "logistics:warehouse": {
                location: "US",
                timeTravelHours: 168,
                iam: { raw: { "roles/bigquery.dataOwner": ["user:analyst@gmail.com"] } },
            },
        },
    },
    {
        name: "pull-request previews act as the prod deployer",
        config: {
            "logistics:ci": {
                repository: "example-org/logistics-platform",
                pullRequestPreviews: true,
            },
        },
    },
    {
        name: "federation trusts another repository",
        config: { "logistics:ci": { repository: "someone-else/fork" } },
    },
    // ---- added at stack level
    {
        name: "project IAMPolicy: owner to an outside account",
        add: (_c, n) =>
            new gcp.projects.IAMPolicy(n("policy"), {
                project: P,
                policyData: policy("roles/owner", ["user:attacker@gmail.com"]),
            }),
    },
    {
        name: "project IAMBinding of editor",
        add: (_c, n) =>
            new gcp.projects.IAMBinding(n("binding"), {
                project: P,
                role: "roles/editor",
                members: ["group:data-platform@example.com"],
            }),
    },
    {
        name: "project viewer",
        add: (_c, n) =>
            new gcp.projects.IAMMember(n("viewer"), {
                project: P,
                role: "roles/viewer",
                member: "group:data-platform@example.com",
            }),
    },
    {
        name: "security admin to a team member",
        add: (_c, n) =>
            new gcp.projects.IAMMember(n("secadmin"), {
                project: P,
                role: "roles/iam.securityAdmin",
                member: "user:dev@example.com",
            }),
    },
    {
        name: "project IAM admin to a team member",
        add: (_c, n) =>
            new gcp.projects.IAMMember(n("iamadmin"), {
                project: P,
                role: "roles/resourcemanager.projectIamAdmin",
                member: "user:dev@example.com",
            }),
    },
    {
        name: "service account key admin",
        add: (_c, n) =>
            new gcp.projects.IAMMember(n("keyadmin"), {
                project: P,
                role: "roles/iam.serviceAccountKeyAdmin",
                member: "group:data-platform@example.com",
            }),
    },
    {
        name: "role admin",
        add: (_c, n) =>
            new gcp.projects.IAMMember(n("roleadmin"), {
                project: P,
                role: "roles/iam.roleAdmin",
                member: "user:dev@example.com",
            }),
    },
    {
        name: "service account user on the whole project",
        add: (_c, n) =>
            new gcp.projects.IAMMember(n("actas"), {
                project: P,
                role: "roles/iam.serviceAccountUser",
                member: "user:dev@example.com",
            }),
    },
    {
        name: "run.invoker for allUsers on the project",
        add: (_c, n) =>
            new gcp.projects.IAMMember(n("invoker"), {
                project: P,
                role: "roles/run.invoker",
                member: "allUsers",
            }),
    },
    {
        name: "organization IAM",
        add: (_c, n) =>
            new gcp.organizations.IAMMember(n("org"), {
                orgId: "123456789",
                role: "roles/bigquery.dataViewer",
                member: "user:dev@example.com",
            }),
    },
    {
        name: "folder IAM",
        add: (_c, n) =>
            new gcp.folder.IAMMember(n("folder"), {
                folder: "folders/123",
                role: "roles/bigquery.dataViewer",
                member: "user:dev@example.com",
            }),
    },
    {
        name: "custom role with setIamPolicy",
        add: (_c, n) =>
            new gcp.projects.IAMCustomRole(n("role"), {
                project: P,
                roleId: "helper",
                title: "helper",
                permissions: ["bigquery.datasets.get", "resourcemanager.projects.setIamPolicy"],
            }),
    },
    {
        name: "custom role creating keys",
        add: (_c, n) =>
            new gcp.projects.IAMCustomRole(n("keys"), {
                project: P,
                roleId: "keys",
                title: "keys",
                permissions: ["iam.serviceAccountKeys.create"],
            }),
    },
    {
        name: "a grant of a role no one can judge",
        add: (_c, n) =>
            new gcp.projects.IAMMember(n("custom"), {
                project: P,
                role: `projects/other-project/roles/mystery`,
                member: "user:dev@example.com",
            }),
    },
    {
        name: "a new account granted token creator on the deployer",
        add: (_c, n) => {
            const sa = new gcp.serviceaccount.Account(n("sa"), {
                project: P,
                accountId: "helper-x",
            });
            new gcp.serviceaccount.IAMMember(n("tc"), {
                serviceAccountId: DEPLOYER,
                role: "roles/iam.serviceAccountTokenCreator",
                member: pulumi.interpolate`serviceAccount:${sa.email}`,
            });
        },
    },
    {
        name: "Pub/Sub topic open to allAuthenticatedUsers",
        add: (_c, n) =>
            new gcp.pubsub.TopicIAMMember(n("topic"), {
                project: P,
                topic: "events",
                role: "roles/pubsub.publisher",
                member: "allAuthenticatedUsers",
            }),
    },
    {
        name: "default compute account granted jobUser",
        add: (_c, n) =>
            new gcp.projects.IAMMember(n("compute"), {
                project: P,
                role: "roles/bigquery.jobUser",
                member: "serviceAccount:123456789-compute@developer.gserviceaccount.com",
            }),
    },
    {
        name: "the deployer acting as every account of the project",
        add: (_c, n) =>
            new gcp.projects.IAMMember(n("deployer-actas"), {
                project: P,
                role: "roles/iam.serviceAccountUser",
                member: `serviceAccount:lgx-prod-deployer@${P}.iam.gserviceaccount.com`,
            }),
    },
    {
        name: "another project's service agent minting tokens for the deployer",
        add: (_c, n) =>
            new gcp.serviceaccount.IAMMember(n("agent"), {
                serviceAccountId: DEPLOYER,
                role: "roles/iam.serviceAccountTokenCreator",
                member: "serviceAccount:service-999@gcp-sa-cloudbuild.iam.gserviceaccount.com",
            }),
    },
    {
        name: "a subject of another project's pool acting as the deployer",
        add: (_c, n) =>
            new gcp.serviceaccount.IAMMember(n("pool"), {
                serviceAccountId: DEPLOYER,
                role: "roles/iam.workloadIdentityUser",
                member: "principal://iam.googleapis.com/projects/999/locations/global/workloadIdentityPools/ci/subject/repo:evil/x:ref:refs/heads/main",
            }),
    },
    // ---- added inside the platform's components
    {
        name: "token creator on the deployer for an outside user (in Identities)",
        add: (c, n) =>
            new gcp.serviceaccount.IAMMember(
                n("tc-outside"),
                {
                    serviceAccountId: DEPLOYER,
                    role: "roles/iam.serviceAccountTokenCreator",
                    member: "user:attacker@gmail.com",
                },
                in_(c, "logistics:iam:Identities"),
            ),
    },
    {
        name: "token creator on the jobs account for a team member (in ScheduledBackups)",
        add: (c, n) =>
            new gcp.serviceaccount.IAMMember(
                n("tc-team"),
                {
                    serviceAccountId: JOBS,
                    role: "roles/iam.serviceAccountTokenCreator",
                    member: "user:dev@example.com",
                },
                in_(c, "logistics:backup:ScheduledBackups"),
            ),
    },
    {
        name: "service account IAMBinding of serviceAccountUser (in Identities)",
        add: (c, n) =>
            new gcp.serviceaccount.IAMBinding(
                n("sau"),
                {
                    serviceAccountId: JOBS,
                    role: "roles/iam.serviceAccountUser",
                    members: ["user:dev@example.com"],
                },
                in_(c, "logistics:iam:Identities"),
            ),
    },
    {
        name: "workload identity for a whole pool (in GithubFederation)",
        add: (c, n) =>
            new gcp.serviceaccount.IAMMember(
                n("wif"),
                {
                    serviceAccountId: DEPLOYER,
                    role: "roles/iam.workloadIdentityUser",
                    member: "principalSet://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/lgx-prod-github/*",
                },
                in_(c, "logistics:ci:GithubFederation"),
            ),
    },
    {
        name: "project owner inside Identities",
        add: (c, n) =>
            new gcp.projects.IAMMember(
                n("owner"),
                { project: P, role: "roles/owner", member: "user:dev@example.com" },
                in_(c, "logistics:iam:Identities"),
            ),
    },
    {
        name: "ServiceIamBinding allUsers on the API (in ApiService)",
        add: (c, n) =>
            new gcp.cloudrunv2.ServiceIamBinding(
                n("api-binding"),
                {
                    project: P,
                    location: "us-central1",
                    name: "logistics-api",
                    role: "roles/run.invoker",
                    members: ["allUsers"],
                },
                in_(c, "logistics:api:ApiService"),
            ),
    },
    {
        name: "ServiceIamPolicy allUsers on the API (in ApiService)",
        add: (c, n) =>
            new gcp.cloudrunv2.ServiceIamPolicy(
                n("api-policy"),
                {
                    project: P,
                    location: "us-central1",
                    name: "logistics-api",
                    policyData: policy("roles/run.invoker", ["allUsers"]),
                },
                in_(c, "logistics:api:ApiService"),
            ),
    },
    {
        name: "a second Cloud Run service with invokerIamDisabled",
        add: (c, n) =>
            new gcp.cloudrunv2.Service(
                n("open-api"),
                {
                    project: P,
                    location: "us-central1",
                    name: "logistics-api-2",
                    invokerIamDisabled: true,
                    deletionProtection: true,
                    template: {
                        serviceAccount: `lgx-prod-api@${P}.iam.gserviceaccount.com`,
                        containers: [
                            {
                                image: `us-central1-docker.pkg.dev/${P}/lgx-prod-containers/logistics-api:0.1.0`,
                            },
                        ],
                    },
                },
                in_(c, "logistics:api:ApiService"),
            ),
    },
    {
        name: "public raw dataset through DatasetAccess (in Warehouse)",
        add: (c, n) =>
            new gcp.bigquery.DatasetAccess(
                n("raw-public"),
                {
                    project: P,
                    datasetId: "raw",
                    role: "READER",
                    specialGroup: "allAuthenticatedUsers",
                },
                in_(c, "logistics:bigquery:Warehouse"),
            ),
    },
    {
        name: "DatasetAccess iamMember allUsers (in Warehouse)",
        add: (c, n) =>
            new gcp.bigquery.DatasetAccess(
                n("marts-public"),
                {
                    project: P,
                    datasetId: "marts",
                    role: "roles/bigquery.dataViewer",
                    iamMember: "allUsers",
                },
                in_(c, "logistics:bigquery:Warehouse"),
            ),
    },
    {
        name: "dataset with a public access entry",
        add: (_c, n) =>
            new gcp.bigquery.Dataset(n("ds"), {
                project: P,
                datasetId: "exports",
                location: "US",
                accesses: [{ role: "READER", specialGroup: "allAuthenticatedUsers" }],
            }),
    },
    {
        name: "table IAM for allUsers",
        add: (_c, n) =>
            new gcp.bigquery.IamMember(n("table"), {
                project: P,
                datasetId: "marts",
                tableId: "packages",
                role: "roles/bigquery.dataViewer",
                member: "allUsers",
            }),
    },
    {
        name: "data lake readable by allUsers (in DataLake)",
        add: (c, n) =>
            new gcp.storage.BucketIAMMember(
                n("lake-public"),
                { bucket: LAKE, role: "roles/storage.objectViewer", member: "allUsers" },
                in_(c, "logistics:storage:DataLake"),
            ),
    },
    {
        name: "bucket ACL publicRead",
        add: (_c, n) =>
            new gcp.storage.BucketACL(n("acl"), { bucket: LAKE, predefinedAcl: "publicRead" }),
    },
    {
        name: "bucket access control for allUsers",
        add: (_c, n) =>
            new gcp.storage.BucketAccessControl(n("bac"), {
                bucket: LAKE,
                entity: "allUsers",
                role: "READER",
            }),
    },
    {
        name: "default object ACL for allAuthenticatedUsers",
        add: (_c, n) =>
            new gcp.storage.DefaultObjectAccessControl(n("doac"), {
                bucket: LAKE,
                entity: "allAuthenticatedUsers",
                role: "READER",
            }),
    },
    {
        name: "object ACL READER:allUsers",
        add: (_c, n) =>
            new gcp.storage.ObjectACL(n("oacl"), {
                bucket: LAKE,
                object: "raw/x.csv",
                roleEntities: ["READER:allUsers"],
            }),
    },
    {
        name: "API key secret readable by an outside account (in ApiService)",
        add: (c, n) =>
            new gcp.secretmanager.SecretIamMember(
                n("secret"),
                {
                    project: P,
                    secretId: "lgx-prod-api-key",
                    role: "roles/secretmanager.secretAccessor",
                    member: "user:attacker@gmail.com",
                },
                in_(c, "logistics:api:ApiService"),
            ),
    },
    {
        name: "KMS key usable by an outside account",
        add: (_c, n) =>
            new gcp.kms.CryptoKeyIAMMember(n("kms"), {
                cryptoKeyId: "projects/p/locations/us/keyRings/r/cryptoKeys/k",
                role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
                member: "user:attacker@gmail.com",
            }),
    },
    {
        name: "image repository readable by allUsers (in ApiService)",
        add: (c, n) =>
            new gcp.artifactregistry.RepositoryIamMember(
                n("repo"),
                {
                    project: P,
                    location: "us-central1",
                    repository: "lgx-prod-containers",
                    role: "roles/artifactregistry.reader",
                    member: "allUsers",
                },
                in_(c, "logistics:api:ApiService"),
            ),
    },
];

function api(): Record<string, unknown> {
    return {
        image: "logistics-api:0.1.0",
        minInstances: 2,
        maxInstances: 20,
        cpu: "2",
        memory: "1Gi",
        invokers: ["group:logistics-api-clients@example.com"],
    };
}

describe("IAM mutations of prod", function () {
    it("blocks every harmful IAM change with a mandatory violation", async () => {
        const outcomes = await judge("prod", IAM_MUTATIONS);
        const passed = outcomes.filter((o) => o.blockedBy.length === 0).map((o) => o.name);
        if (process.env["MUTATIONS_VERBOSE"])
            for (const o of outcomes) console.log(`${o.name}: ${o.blockedBy.join(", ")}`);
        console.log(
            `      IAM: ${outcomes.length - passed.length}/${outcomes.length} mutations blocked in prod`,
        );
        assert.deepEqual(passed, []);
        assert.equal(outcomes.length, IAM_MUTATIONS.length);
    });
});

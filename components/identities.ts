// One service account per workload, each with only the project-level roles GCP offers no
// narrower grant for. Grants on buckets, datasets and secrets are made by the components that
// own them (the IAM shape passed in their args), so each grant sits on the narrowest resource.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "./common";

export const WORKLOADS = ["composer", "api", "jobs", "deployer"] as const;
export type Workload = (typeof WORKLOADS)[number];

export const WORKLOAD_DESCRIPTIONS: Readonly<Record<Workload, string>> = {
    composer: "Cloud Composer workers: ingestion DAGs and dbt.",
    api: "logistics-api on Cloud Run: reads the marts.",
    jobs: "Scheduled queries: freshness checks and backups.",
    deployer: "CI: runs pulumi preview and pulumi up.",
};

/**
 * Project-level roles per workload. BigQuery jobs, Composer's worker role and the deployer's
 * administration exist only at project level; everything else is granted on resources.
 */
export const PROJECT_ROLES: Readonly<Record<Workload, readonly string[]>> = {
    composer: ["roles/composer.worker", "roles/bigquery.jobUser"],
    api: ["roles/bigquery.jobUser"],
    jobs: ["roles/bigquery.jobUser"],
    deployer: [
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
    ],
};

/**
 * Google's service agents the platform grants to, by the domain of their address
 * `service-<project number>@<domain>.iam.gserviceaccount.com`
 * (https://cloud.google.com/iam/docs/service-agents).
 */
export const SERVICE_AGENT_DOMAINS = {
    composer: "cloudcomposer-accounts",
    transfer: "gcp-sa-bigquerydatatransfer",
    monitoring: "gcp-sa-monitoring-notification",
    run: "serverless-robot-prod",
} as const;
export type ServiceAgent = keyof typeof SERVICE_AGENT_DOMAINS;

/** A service agent's email, from the project's number. */
export function serviceAgentEmail(agent: ServiceAgent, projectNumber: string): string {
    return `service-${projectNumber}@${SERVICE_AGENT_DOMAINS[agent]}.iam.gserviceaccount.com`;
}

/**
 * A service agent's `serviceAccount:` member. Computed from the project's number rather than
 * read from `gcp.projects.ServiceIdentity`, whose `member` the provider leaves empty when the
 * API does not return it (Composer, transfer and monitoring agents): an empty member would fail
 * the grant at `pulumi up`. The number comes from the project itself (one read, needing
 * `resourcemanager.projects.get`), so no config key can hold a wrong one.
 */
export function serviceAgentMember(
    project: string,
    agent: ServiceAgent,
    parent: pulumi.Resource,
): pulumi.Output<string> {
    return projectNumber(project, parent).apply(
        (n) => `serviceAccount:${serviceAgentEmail(agent, n)}`,
    );
}

/** The project's number, read from GCP (`gcp.organizations.getProject`). */
export function projectNumber(project: string, parent: pulumi.Resource): pulumi.Output<string> {
    return gcp.organizations
        .getProjectOutput({ projectId: project }, { parent })
        .apply((p) => p.number!);
}

export interface IdentitiesArgs {
    project: string;
    /** Account ids by workload (≤ 30 characters, from the naming rules). */
    accountIds: Record<Workload, string>;
}

/** The email of a project's service account, computable before the account exists. */
export function serviceAccountEmail(accountId: string, project: string): string {
    return `${accountId}@${project}.iam.gserviceaccount.com`;
}

/** The `serviceAccount:` member of an account, computable before the account exists. */
export function serviceAccountMember(accountId: string, project: string): string {
    return `serviceAccount:${serviceAccountEmail(accountId, project)}`;
}

export class Identities extends pulumi.ComponentResource {
    /** The accounts, for grants elsewhere to wait for. */
    public readonly accounts: gcp.serviceaccount.Account[];
    /** IAM members by workload (`serviceAccount:<email>`), for the owning components' grants. */
    public readonly members: Record<Workload, string>;
    /** Service account emails by workload. */
    public readonly emails: Record<Workload, pulumi.Output<string>>;
    /** Full resource names (`projects/…/serviceAccounts/…`), for grants on the accounts themselves. */
    public readonly accountNames: Record<Workload, pulumi.Output<string>>;

    constructor(name: string, args: IdentitiesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("logistics:iam:Identities", name, {}, opts);
        const child = childOptions(this, opts);
        const accounts = {} as Record<Workload, gcp.serviceaccount.Account>;
        for (const w of WORKLOADS)
            accounts[w] = new gcp.serviceaccount.Account(
                `${name}-${w}`,
                {
                    project: args.project,
                    accountId: args.accountIds[w],
                    displayName: `logistics ${w}`,
                    description: WORKLOAD_DESCRIPTIONS[w],
                },
                child,
            );
        this.accounts = WORKLOADS.map((w) => accounts[w]);
        this.members = Object.fromEntries(
            WORKLOADS.map((w) => [w, serviceAccountMember(args.accountIds[w], args.project)]),
        ) as Record<Workload, string>;
        // Emails and names follow from the account id; deriving them from the account's urn keeps
        // the dependency on the account while showing the value in previews and inventories.
        const email = (w: Workload) => serviceAccountEmail(args.accountIds[w], args.project);
        this.emails = Object.fromEntries(
            WORKLOADS.map((w) => [w, accounts[w].urn.apply(() => email(w))]),
        ) as Record<Workload, pulumi.Output<string>>;
        this.accountNames = Object.fromEntries(
            WORKLOADS.map((w) => [
                w,
                accounts[w].urn.apply(() => `projects/${args.project}/serviceAccounts/${email(w)}`),
            ]),
        ) as Record<Workload, pulumi.Output<string>>;
        const member = (w: Workload) => accounts[w].urn.apply(() => this.members[w]);

        for (const w of WORKLOADS)
            for (const role of PROJECT_ROLES[w])
                new gcp.projects.IAMMember(
                    `${name}-${w}-${role.replace("roles/", "")}`,
                    { project: args.project, role, member: member(w) },
                    child,
                );

        // The deployer deploys Composer and Cloud Run as their accounts: it may act as those
        // accounts only, granted on each account rather than on the project.
        for (const w of ["composer", "api", "jobs"] as const)
            new gcp.serviceaccount.IAMMember(
                `${name}-${w}-deployer-acts-as`,
                {
                    serviceAccountId: this.accountNames[w],
                    role: "roles/iam.serviceAccountUser",
                    member: member("deployer"),
                },
                child,
            );

        this.registerOutputs({ emails: this.emails, accountNames: this.accountNames });
    }
}

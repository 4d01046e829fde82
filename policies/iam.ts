// IAM policies: one model of every grant in the plan (policies/grants.ts) judged by what it does,
// whatever resource type carries it; no service-account keys; federation only for our repository.
import {
    CUSTOM_ROLE_TYPES,
    customRoles,
    escalationOf,
    forbiddenCustomPermissions,
    grantsOf,
    isIamBearing,
    PRIMITIVE_ROLES,
    type Grant,
} from "./grants";
import {
    get,
    planPolicy,
    resourcePolicy,
    SA_KEY,
    stackProject,
    UNKNOWN,
    WIF_PROVIDER,
    type PlanResource,
    type PolicyException,
} from "./lib";

/** GitHub's OIDC issuer for Actions. */
// https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect
const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";

const PUBLIC = ["allUsers", "allAuthenticatedUsers"];

/** Every grant of the plan with the resource carrying it. */
function planGrants(resources: readonly PlanResource[]): { r: PlanResource; g: Grant }[] {
    return resources
        .filter((r) => isIamBearing(r.type))
        .flatMap((r) => grantsOf(r).map((g) => ({ r, g })));
}

/** A Cloud Run invoker grant: judged by cloudrun-no-public-invoker, where a stack may opt in. */
function isRunInvoker(r: PlanResource, g: Grant): boolean {
    return /^gcp:cloudrun(v2)?\//.test(r.type) && g.role === "roles/run.invoker";
}

// Google-managed service agents: service-<project number>@gcp-sa-<service>.iam.gserviceaccount.com
// and a few older domains. https://cloud.google.com/iam/docs/service-agents
// The offline preview answers the project number with a marked placeholder (<project-number>, see
// tools/offline/engine.ts); GCP itself never holds that string, so accepting it changes nothing in
// a real preview.
const SERVICE_AGENT =
    /^serviceAccount:(service-(\d+|<project-number>)@(gcp-sa-[a-z0-9-]+|compute-system|container-engine-robot|serverless-robot-prod|gs-project-accounts|dataflow-service-producer-prod|dataproc-accounts|cloudcomposer-accounts|bigquery-encryption)\.iam\.gserviceaccount\.com|(\d+|<project-number>)@cloudservices\.gserviceaccount\.com)$/;

/** The project number in a service agent's address, or undefined for any other member. */
export function serviceAgentNumber(member: string): string | undefined {
    if (!SERVICE_AGENT.test(member)) return undefined;
    return /^serviceAccount:(?:service-)?([^@]+)@/.exec(member)?.[1];
}

/**
 * Service-agent grants that raise the agent's access but that Google documents as required for a
 * service the platform uses: each only on the account that service runs the platform's work as
 * (read from the plan), never on another account. Any other escalation role to an agent is a
 * violation.
 */
export const DOCUMENTED_AGENT_GRANTS: readonly {
    domain: string;
    role: string;
    /** The emails of the accounts the service runs as in this plan. */
    runsAs: (resources: readonly PlanResource[]) => string[];
    source: string;
}[] = [
    {
        // The Data Transfer agent mints tokens for the account a scheduled query runs as.
        domain: "gcp-sa-bigquerydatatransfer.iam.gserviceaccount.com",
        role: "roles/iam.serviceAccountTokenCreator",
        runsAs: (resources) =>
            resources
                .filter((r) => r.type === "gcp:bigquery/dataTransferConfig:DataTransferConfig")
                .map((r) => r.props["serviceAccountName"])
                .filter((e): e is string => typeof e === "string"),
        source: "https://cloud.google.com/bigquery/docs/scheduling-queries#using_a_service_account",
    },
    {
        // Composer 3 needs its agent to hold the extension role on the environment's account.
        domain: "cloudcomposer-accounts.iam.gserviceaccount.com",
        role: "roles/composer.ServiceAgentV2Ext",
        runsAs: (resources) =>
            resources
                .filter((r) => r.type === "gcp:composer/environment:Environment")
                .map((r) => get(r.props, "config.nodeConfig.serviceAccount"))
                .filter((e): e is string => typeof e === "string"),
        source: "https://cloud.google.com/composer/docs/composer-3/access-control#service-agent",
    },
];

/** Whether a grant is one of Google's documented agent grants, on the account it is for. */
function documentedAgentGrant(
    resources: readonly PlanResource[],
    r: PlanResource,
    g: Grant,
): boolean {
    const account = r.props["serviceAccountId"];
    const member = g.member;
    if (g.scope !== "serviceAccount" || typeof account !== "string") return false;
    if (typeof member !== "string" || serviceAgentNumber(member) === undefined) return false;
    return DOCUMENTED_AGENT_GRANTS.some(
        (d) =>
            d.role === g.role &&
            member.endsWith(`@${d.domain}`) &&
            d.runsAs(resources).some((email) => account.endsWith(`/serviceAccounts/${email}`)),
    );
}

/**
 * Service agents whose project number is not the one every other agent in the plan shares: an
 * agent of another project. The platform's agents all take the number of its own project
 * (`gcp.organizations.getProject`), so a second number is a grant to a stranger's agent.
 */
export function foreignAgents(members: readonly string[]): Set<string> {
    const counts = new Map<string, number>();
    for (const m of members) {
        const n = serviceAgentNumber(m);
        if (n !== undefined) counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    if (counts.size <= 1) return new Set();
    const own = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    return new Set(members.filter((m) => (serviceAgentNumber(m) ?? own) !== own));
}

/** Default service accounts GCP attaches when none is chosen: Compute Engine's and App Engine's. */
// https://cloud.google.com/compute/docs/access/service-accounts#default_service_account
export const DEFAULT_SERVICE_ACCOUNT =
    /(^|:)(\d+-compute@developer\.gserviceaccount\.com|[a-z][a-z0-9-]*@appspot\.gserviceaccount\.com)$/;

/** Whether a member is a Google service agent. */
export function isServiceAgent(member: string): boolean {
    return SERVICE_AGENT.test(member);
}

/** The pool id of one subject or one attribute value of a workload identity pool, or undefined. */
export function federatedPool(member: string): string | undefined {
    const m =
        /^principal:\/\/iam\.googleapis\.com\/projects\/[^/]+\/locations\/global\/workloadIdentityPools\/([^/]+)\/subject\/[^*]+$/.exec(
            member,
        ) ??
        /^principalSet:\/\/iam\.googleapis\.com\/projects\/[^/]+\/locations\/global\/workloadIdentityPools\/([^/]+)\/attribute\.[^/]+\/[^*]+$/.exec(
            member,
        );
    return m?.[1];
}

/** Pool ids of the workload identity pools the plan declares. */
function planPools(resources: readonly PlanResource[]): Set<string> {
    return new Set(
        resources
            .filter((r) => r.type === "gcp:iam/workloadIdentityPool:WorkloadIdentityPool")
            .map((r) => r.props["workloadIdentityPoolId"])
            .filter((id): id is string => typeof id === "string"),
    );
}

/**
 * Why a member is not allowed, or undefined when it is: members in `domains`, the project's own
 * service accounts, Google's service agents, federated principals of a workload identity pool.
 */
export function memberProblem(
    member: string,
    project: string | undefined,
    domains: readonly string[],
    pools: ReadonlySet<string> = new Set(),
): string | undefined {
    const inDomains = (d: string) => domains.some((x) => x.toLowerCase() === d.toLowerCase());
    if (PUBLIC.includes(member)) return undefined; // iam-no-public-members
    if (DEFAULT_SERVICE_ACCOUNT.test(member))
        return `${member} is a default service account (iam-no-default-service-account)`;
    const m = /^(user|group|serviceAccount|domain):(.+)$/.exec(member);
    if (m) {
        const [, kind, id] = m as unknown as [string, string, string];
        if (kind === "domain") return inDomains(id) ? undefined : `domain ${id} is not allowed`;
        if (kind === "serviceAccount") {
            if (isServiceAgent(member)) return undefined;
            if (project && id.endsWith(`@${project}.iam.gserviceaccount.com`)) return undefined;
        }
        const domain = id.split("@")[1] ?? "";
        return inDomains(domain) ? undefined : `${member} is outside the allowed domains`;
    }
    // Workload identity federation: one subject, or a set selected by an attribute, of a pool the
    // stack declares (its project number is known only after deploy, its pool id is not).
    // https://cloud.google.com/iam/docs/principal-identifiers
    const pool = federatedPool(member);
    if (pool !== undefined)
        return pools.has(pool) ? undefined : `${member} is not a principal of this stack's pools`;
    if (/^projectTeam:/.test(member)) return undefined; // the project's own owners/editors/viewers
    if (/^authorized:/.test(member))
        return member.slice("authorized:".length) === project
            ? undefined
            : `an authorized view, routine or dataset of project ${member.slice("authorized:".length)} is outside this project`;
    if (/^project(Owner|Editor|Viewer):/.test(member))
        return member.split(":")[1] === project
            ? undefined
            : `${member} is another project's role holders`;
    return `${member} is not a member the pack accepts`;
}

// ---- Policies --------------------------------------------------------------------------------

export const iamNoPublicMembers = planPolicy({
    name: "iam-no-public-members",
    description:
        "Checks whether any grant, ACL or access entry gives access to allUsers or allAuthenticatedUsers.",
    remediationSteps:
        "Grant named members only. A public Cloud Run service is logistics:api.publicInvoker with cloudrun-no-public-invoker.allowPublic.",
    check: (resources, report) => {
        for (const { r, g } of planGrants(resources))
            if (typeof g.member === "string" && PUBLIC.includes(g.member) && !isRunInvoker(r, g))
                report(r, `${String(g.role)} must not be granted to ${g.member} (${g.via}).`);
    },
});

export const iamNoPrimitiveRoles = planPolicy({
    name: "iam-no-primitive-roles",
    description: "Checks whether any grant uses a primitive role (owner, editor, viewer).",
    remediationSteps:
        "Grant a predefined role scoped to the task (e.g. roles/bigquery.dataViewer) on the narrowest resource.",
    check: (resources, report) => {
        const seen = new Set<string>();
        for (const { r, g } of planGrants(resources))
            if (typeof g.role === "string" && PRIMITIVE_ROLES.includes(g.role)) {
                if (seen.has(`${r.urn} ${g.role}`)) continue;
                seen.add(`${r.urn} ${g.role}`);
                report(r, `IAM grant must not use the primitive role ${g.role}.`);
            }
    },
});

interface EscalationConfig {
    deployerAccountId?: string;
    /** Project-level roles the platform documents for the deployer. */
    deployerRoles: string[];
    /** Roles the deployer holds on the project's own service accounts (acting as them). */
    deployerAccountRoles: string[];
    exceptions?: PolicyException[];
}

export const iamNoPrivilegeEscalation = planPolicy<EscalationConfig>({
    name: "iam-no-privilege-escalation",
    description:
        "Checks whether any grant gives a role that can raise its holder's access (IAM admin, service account user/token creator/key admin, role admin, folder or organization admin, workload identity to a whole pool).",
    remediationSteps:
        "Grant a role without IAM, impersonation or key permissions. The deployer's documented roles are deployerRoles/deployerAccountRoles in the policy config (components/identities.ts). A predefined role the pack does not know: add it with its permissions from Google's role reference to data/gcp-iam-roles.json.",
    configSchema: {
        properties: {
            deployerAccountId: { type: "string", pattern: "^[a-z][a-z0-9-]{4,28}[a-z0-9]$" },
            deployerRoles: {
                type: "array",
                items: { type: "string", pattern: "^roles/" },
                default: [],
            },
            deployerAccountRoles: {
                type: "array",
                items: { type: "string", pattern: "^roles/" },
                default: [],
            },
        },
    },
    check: (resources, report, { deployerAccountId, deployerRoles, deployerAccountRoles }) => {
        const project = stackProject(resources);
        const custom = customRoles(resources);
        const pools = planPools(resources);
        const ownAccount = (r: PlanResource) =>
            project !== undefined &&
            typeof r.props["serviceAccountId"] === "string" &&
            new RegExp(
                `^projects/${project}/serviceAccounts/[^/]+@${project}\\.iam\\.gserviceaccount\\.com$`,
            ).test(r.props["serviceAccountId"]);
        const deployer =
            deployerAccountId && project
                ? `serviceAccount:${deployerAccountId}@${project}.iam.gserviceaccount.com`
                : undefined;
        for (const { r, g } of planGrants(resources)) {
            if (g.role === UNKNOWN || g.member === UNKNOWN) continue; // iam-members-known
            const role = g.role;
            const member = g.member;
            if (PRIMITIVE_ROLES.includes(role)) continue; // iam-no-primitive-roles
            const perms = escalationOf(role, custom);
            if (perms === UNKNOWN) {
                report(
                    r,
                    `${role}: not a predefined role the pack knows (data/gcp-iam-roles.json) nor a custom role of this stack, so its permissions cannot be judged.`,
                );
                continue;
            }
            if (perms.length === 0) continue;
            // The deployer's documented grants, each at the scope the platform grants it.
            if (member === deployer && g.scope === "project" && deployerRoles.includes(role))
                continue;
            if (
                member === deployer &&
                g.scope === "serviceAccount" &&
                ownAccount(r) &&
                deployerAccountRoles.includes(role)
            )
                continue;
            // Google's documented agent grants, on the account the agent's service runs as.
            // Never on the deployer: a scheduled query made to run as it would hand its roles on.
            if (
                ownAccount(r) &&
                !(
                    deployerAccountId &&
                    String(r.props["serviceAccountId"]).includes(`/${deployerAccountId}@`)
                ) &&
                documentedAgentGrant(resources, r, g)
            )
                continue;
            // Workload identity: one subject or one attribute value of the stack's own pool.
            if (
                role === "roles/iam.workloadIdentityUser" &&
                g.scope === "serviceAccount" &&
                pools.has(federatedPool(member) ?? "")
            )
                continue;
            report(r, `${role} must not be granted to ${member}: it holds ${perms.join(", ")}.`);
        }
    },
});

export const iamMembersAllowedDomains = planPolicy<{
    allowedMemberDomains: string[];
    exceptions?: PolicyException[];
}>({
    name: "iam-members-allowed-domains",
    description:
        "Checks whether every member of a grant is in the stack's allowed domains, one of the project's own service accounts or a Google service agent.",
    remediationSteps:
        "Grant members of allowedMemberDomains (policies/config/<stack>.json), or the project's own service accounts.",
    configSchema: {
        properties: {
            allowedMemberDomains: {
                type: "array",
                items: { type: "string", pattern: "^[a-z0-9.-]+\\.[a-z]{2,}$" },
                default: [],
            },
        },
    },
    check: (resources, report, { allowedMemberDomains }) => {
        const project = stackProject(resources);
        const pools = planPools(resources);
        const grants = planGrants(resources);
        const foreign = foreignAgents(
            grants.map(({ g }) => g.member).filter((m): m is string => typeof m === "string"),
        );
        for (const { r, g } of grants) {
            if (typeof g.member !== "string") continue;
            const problem = foreign.has(g.member)
                ? `${g.member} is a service agent of another project than the platform's other agents`
                : memberProblem(g.member, project, allowedMemberDomains, pools);
            if (problem)
                report(
                    r,
                    `IAM member not allowed: ${problem}. Allowed domains: ${allowedMemberDomains.join(", ") || "none"}.`,
                );
        }
    },
});

/** The subject (or `attribute.<name>/<value>`) a federated principal names, or undefined. */
export function federatedSubject(member: string): string | undefined {
    const m = /\/workloadIdentityPools\/[^/]+\/(subject\/.+|attribute\.[^/]+\/.+|\*)$/.exec(member);
    if (!m || !/^principal(Set)?:\/\//.test(member)) return undefined;
    return m[1]!.startsWith("subject/") ? m[1]!.slice("subject/".length) : m[1];
}

export const iamFederationSubjectsAllowed = planPolicy<{ allowedSubjects: string[] }>({
    name: "iam-federation-subjects-allowed",
    description:
        "Checks whether every grant to a workload identity pool's principals names one of the token subjects the stack allows (its deploy environment, its branch; pull requests only where the stack opts in).",
    remediationSteps:
        "Grant only to the subjects logistics:ci declares, and list them in allowedSubjects (policies/config/<stack>.json): a pull request's job runs its own branch's workflow file, so a pull_request subject trusts every writer of the repository.",
    configSchema: {
        properties: {
            allowedSubjects: {
                type: "array",
                items: { type: "string", minLength: 1 },
                default: [],
            },
        },
    },
    check: (resources, report, { allowedSubjects }) => {
        for (const { r, g } of planGrants(resources)) {
            if (typeof g.member !== "string") continue;
            const subject = federatedSubject(g.member);
            if (subject !== undefined && !allowedSubjects.includes(subject))
                report(
                    r,
                    `${String(g.role)} must not be granted to ${g.member}: the token subject ${subject} is not in allowedSubjects (${allowedSubjects.join(", ") || "none"}).`,
                );
        }
    },
});

export const iamMembersKnown = planPolicy({
    name: "iam-members-known",
    description:
        "Checks whether every grant's role and member are known before deploy, so the IAM policies can judge them.",
    remediationSteps:
        "Use a member computable from config; a member only the cloud knows (a service agent, a pool principal) needs an exception with its reason in the policy config.",
    check: (resources, report) => {
        for (const { r, g } of planGrants(resources)) {
            if (g.role === UNKNOWN)
                report(
                    r,
                    `IAM grant's role (${g.via}) is known only after deploy: it cannot be judged.`,
                );
            else if (g.member === UNKNOWN)
                report(
                    r,
                    `IAM grant of ${g.role}: the member (${g.via}) is known only after deploy, so whether it is public, outside the allowed domains or an escalation cannot be judged.`,
                );
        }
    },
});

export const iamNoAuthoritativePolicies = planPolicy({
    name: "iam-no-authoritative-policies",
    description:
        "Checks whether an authoritative IAM policy or binding replaces the project's, a folder's or the organization's grants.",
    remediationSteps:
        "Use IAMMember: an IAMPolicy or IAMBinding at project level removes every grant it does not list, service agents' included.",
    check: (resources, report) => {
        for (const r of resources)
            if (
                /^gcp:(projects|folder|organizations)\/[^:]+:\w*(IAMPolicy|IAMBinding|IamPolicy|IamBinding)$/.test(
                    r.type,
                )
            )
                report(
                    r,
                    `${r.type.split(":")[2]} at ${r.type.split(":")[1]!.split("/")[0]} level is authoritative: it would remove every grant it does not list.`,
                );
    },
});

export const iamNoFolderOrgIam = planPolicy({
    name: "iam-no-folder-org-iam",
    description: "Checks whether the stack changes IAM of a folder or the organization.",
    remediationSteps:
        "The platform's grants stay inside its project; folder and organization IAM belong to the organization's administrators.",
    check: (resources, report) => {
        for (const r of resources)
            if (
                /^gcp:(folder|organizations)\//.test(r.type) &&
                (isIamBearing(r.type) ||
                    /IamAuditConfig|IAMAuditConfig|iAMCustomRole|IAMCustomRole/.test(r.type))
            )
                report(r, `${r.type} changes IAM outside the project.`);
    },
});

export const iamCustomRolesSafe = planPolicy({
    name: "iam-custom-roles-safe",
    description:
        "Checks whether a custom role holds setIamPolicy, service-account key, impersonation or role-definition permissions.",
    remediationSteps: "Remove those permissions from the role.",
    check: (resources, report) => {
        for (const r of resources) {
            if (!CUSTOM_ROLE_TYPES.includes(r.type)) continue;
            const perms = r.props["permissions"];
            if (!Array.isArray(perms) || perms.includes(UNKNOWN)) {
                report(
                    r,
                    "Custom role's permissions are known only after deploy: they cannot be judged.",
                );
                continue;
            }
            const bad = forbiddenCustomPermissions(perms as string[]);
            if (bad.length) report(r, `Custom role must not hold ${bad.join(", ")}.`);
        }
    },
});

export const iamNoServiceAccountKeys = resourcePolicy({
    name: "iam-no-service-account-keys",
    description: "Checks whether the stack creates service-account keys.",
    remediationSteps:
        "Use attached service accounts and workload identity federation instead of keys.",
    types: [SA_KEY],
    check: (_p, _a, report) =>
        report("Service account keys must not be created; use workload identity federation."),
});

/**
 * Problems of a GitHub provider's attribute condition: it must be `assertion.repository == '<repo>'`
 * (optionally `&&` more restrictions), with no alternative (`||`), negation or constant.
 */
export function conditionProblems(condition: string, repository?: string): string[] {
    const c = condition.trim();
    if (c === "")
        return [
            "Workload identity provider must set attributeCondition: without it, every token of the issuer is accepted.",
        ];
    const problems: string[] = [];
    // Judge the expression, not the repository names quoted in it ('true-co/app').
    const bare = c.replace(/(['"])[^'"]*\1/g, "''");
    if (/\|\|/.test(bare))
        problems.push(
            "attributeCondition must not contain || (an alternative accepts other tokens).",
        );
    if (/\btrue\b|!(?!=)|!=/.test(bare))
        problems.push("attributeCondition must not contain a constant or a negation.");
    const repos = [...c.matchAll(/assertion\.repository\s*==\s*(['"])([^'"]*)\1/g)].map(
        (m) => m[2]!,
    );
    const parts = c.split("&&").map((s) => s.trim().replace(/^\(+|\)+$/g, ""));
    const strict = parts.some((p) => /^assertion\.repository\s*==\s*(['"])[^'"]+\1$/.test(p));
    if (!strict || repos.length !== 1)
        problems.push(
            "GitHub workload identity provider must restrict assertion.repository: GitHub issues tokens to every repository.",
        );
    else if (repository !== undefined && repos[0] !== repository)
        problems.push(`attributeCondition must accept ${repository} only, got ${repos[0]}.`);
    return problems;
}

export const iamFederationRestricted = resourcePolicy<{ repository?: string }>({
    name: "iam-federation-restricted",
    description:
        "Checks whether a workload identity provider accepts only GitHub's tokens of the configured repository.",
    remediationSteps:
        "Keep attributeCondition to assertion.repository == '<owner>/<name>' (logistics:ci.repository) and the GitHub issuer.",
    types: [WIF_PROVIDER],
    configSchema: {
        properties: {
            repository: { type: "string", pattern: "^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$" },
        },
    },
    check: (p, _a, report, { repository }) => {
        for (const kind of ["aws", "saml", "x509"])
            if (p[kind] !== undefined)
                report(
                    `Workload identity provider must trust GitHub's OIDC issuer only, got ${kind}.`,
                );
        const issuer = get(p, "oidc.issuerUri");
        if (issuer !== GITHUB_ISSUER)
            report(
                `Workload identity provider's issuer must be ${GITHUB_ISSUER}, got ${String(issuer)}.`,
            );
        const condition = typeof p.attributeCondition === "string" ? p.attributeCondition : "";
        for (const m of conditionProblems(condition, repository)) report(m);
    },
});

export const iamPolicies = [iamNoServiceAccountKeys, iamFederationRestricted];

/** The IAM policies that judge the whole plan. */
export const iamPlanPolicies = [
    iamNoPublicMembers,
    iamNoPrimitiveRoles,
    iamNoPrivilegeEscalation,
    iamMembersAllowedDomains,
    iamMembersKnown,
    iamFederationSubjectsAllowed,
    iamNoAuthoritativePolicies,
    iamNoFolderOrgIam,
    iamCustomRolesSafe,
];

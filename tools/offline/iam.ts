// The offline IAM model: who must do what (data/iam-actions.ts), who is granted what (the plan's
// IAM member resources, expanded with data/gcp-iam-roles.json), and the difference per identity.
import * as fs from "fs";
import * as path from "path";
import { DRILL_DATASET } from "../ops/drill";
import {
    ciActions,
    DATASET_BASIC_ROLES,
    deployerExtraActions,
    drillActions,
    GOOGLE_GRANTS,
    onCallActions,
    scope,
    typeRule,
    workloadActions,
    type Action,
    type Operation,
    type ScopeContext,
    type StackNames,
} from "../../data/iam-actions";
import {
    serviceAccountEmail,
    serviceAgentEmail,
    type ServiceAgent,
} from "../../components/identities";
import { SNAPSHOTS_DATASET } from "../../components/tableSnapshots";
import { deployerSubjects } from "../../components/githubFederation.schema";
import type { StackConfig } from "../../stacks/config";
import { OFFLINE_PROJECT_NUMBER, UNKNOWN, type Plan, type PlannedResource } from "./engine";
import { displayType } from "./render";

/** Predefined roles and their permissions (limited to the services the platform uses). */
export type RoleData = Readonly<Record<string, { permissions: readonly string[] }>>;

export const ROLES_FILE = path.resolve(__dirname, "..", "..", "data", "gcp-iam-roles.json");

export function loadRoles(file = ROLES_FILE): RoleData {
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { roles: RoleData }).roles;
}

/** One grant of the plan (or Google's own): a role for a member on a scope. */
export interface Grant {
    member: string;
    role: string;
    scope: string;
    /** The plan resource's name, or who grants it outside the plan. */
    origin: string;
}

/** A permission an identity needs on a scope, and why. */
export interface Requirement {
    permission: string;
    scope: string;
    action: string;
    source: string;
}

export interface Identity {
    id: string;
    label: string;
    /** Every member must be covered (on-call members, CI principals). */
    members: string[];
    actions: Action[];
}

export interface Missing extends Requirement {
    member: string;
}

export interface IdentityReport {
    id: string;
    label: string;
    members: string[];
    required: Requirement[];
    granted: Grant[];
    missing: Missing[];
    /** Permissions granted beyond need, as `permission on scope`, sorted. */
    excess: string[];
}

export interface AccessReport {
    stack: string;
    identities: IdentityReport[];
    /** Faults that make the check fail: unmapped types, unknown members, unknown permissions. */
    problems: string[];
    /** Grants whose role the data does not hold (custom roles): they cover nothing here. */
    unexpandedRoles: string[];
    /** Grants with a condition: listed, never counted as covering. */
    conditional: Grant[];
    /** Grants to principals outside the model (API callers, analysts from config). */
    others: Grant[];
}

/** Does a grant on `granted` reach `required`? A scope covers the resource names under it. */
export function covers(granted: string, required: string): boolean {
    return required === granted || required.startsWith(`${granted}/`);
}

function scopeContext(plan: Plan, project: string): ScopeContext {
    const buckets = plan.resources
        .filter((r) => r.type === "gcp:storage/bucket:Bucket")
        .map((r) => r.inputs["name"])
        .filter((n): n is string => typeof n === "string");
    return { project, buckets: new Set(buckets) };
}

/** Why a member value cannot be read, or undefined when it can. */
function unreadable(member: unknown): string | undefined {
    if (member === UNKNOWN) return "known only after deploy";
    if (member !== null && typeof member === "object") return "a secret";
    if (typeof member !== "string" || member === "") return "empty";
    return undefined;
}

/** A dataset's `accesses` entries as grants (a basic role for a user, group or IAM member). */
function accessGrants(r: PlannedResource, scopeName: string): Grant[] {
    const accesses = Array.isArray(r.inputs["accesses"]) ? r.inputs["accesses"] : [];
    return (accesses as Record<string, unknown>[]).flatMap((a) => {
        const role = typeof a["role"] === "string" ? a["role"] : "";
        const member =
            typeof a["userByEmail"] === "string"
                ? `user:${a["userByEmail"]}`
                : typeof a["groupByEmail"] === "string"
                  ? `group:${a["groupByEmail"]}`
                  : typeof a["iamMember"] === "string"
                    ? a["iamMember"]
                    : typeof a["specialGroup"] === "string"
                      ? `specialGroup:${a["specialGroup"]}`
                      : undefined;
        return member
            ? [
                  {
                      member,
                      role: DATASET_BASIC_ROLES[role] ?? role,
                      scope: scopeName,
                      origin: `${r.name} (accesses)`,
                  },
              ]
            : [];
    });
}

/**
 * Every grant of the plan: IAM member and binding resources, and datasets' `accesses`. A grant
 * with a condition may not hold when it matters, so it is kept apart and covers nothing.
 */
export function planGrants(
    plan: Plan,
    project: string,
): { grants: Grant[]; conditional: Grant[]; problems: string[] } {
    const ctx = scopeContext(plan, project);
    const grants: Grant[] = [];
    const conditional: Grant[] = [];
    const problems: string[] = [];
    for (const r of plan.resources) {
        if (r.type === "gcp:bigquery/dataset:Dataset" && typeof r.inputs["datasetId"] === "string")
            grants.push(
                ...accessGrants(
                    r,
                    scope.dataset(
                        typeof r.inputs["project"] === "string" ? r.inputs["project"] : project,
                        r.inputs["datasetId"],
                    ),
                ),
            );
        const rule = typeRule(r.type);
        if (rule?.kind !== "grant") continue;
        const members = Array.isArray(r.inputs["members"])
            ? (r.inputs["members"] as unknown[])
            : [r.inputs["member"]];
        const role = r.inputs["role"];
        const target = rule.target(r.inputs, ctx);
        for (const member of members) {
            const why = unreadable(member);
            if (why)
                problems.push(
                    `${displayType(r.type)} ${r.name}: its member is ${why}, so nobody can tell whom it ` +
                        `grants (and GCP refuses an empty one). Compute the member from names (a service ` +
                        `agent's from the project number), not from another resource's output.`,
                );
            else if (typeof role !== "string" || target === undefined || target.includes(UNKNOWN))
                problems.push(`${displayType(r.type)} ${r.name}: its role or target is not known.`);
            else
                (r.inputs["condition"] ? conditional : grants).push({
                    member: member as string,
                    role,
                    scope: target,
                    origin: r.name,
                });
        }
    }
    return { grants, conditional, problems };
}

const OPERATIONS: readonly Operation[] = ["create", "read", "update", "delete"];
const OP_WORDS: Record<Operation, string> = {
    create: "create",
    read: "read (refresh, drift, import)",
    update: "update",
    delete: "delete",
};

/**
 * The deployer's actions, derived from the plan: for every resource, what each operation calls
 * (IAM members: getIamPolicy / setIamPolicy on their target), and actAs on the account a resource
 * runs as. A type without a rule is a problem: the model must learn it before it ships.
 */
export function deployerActions(
    plan: Plan,
    project: string,
): { actions: Action[]; problems: string[] } {
    const ctx = scopeContext(plan, project);
    const actions: Action[] = [];
    const problems: string[] = [];
    for (const r of plan.resources.filter((r) => r.custom)) {
        const rule = typeRule(r.type);
        const what = `${displayType(r.type)} ${r.name}`;
        if (!rule) {
            problems.push(
                `deployer: no permissions known for ${displayType(r.type)} (${r.name}). ` +
                    `Add the type to DEPLOYER_TYPES in data/iam-actions.ts with the Google page that lists them.`,
            );
            continue;
        }
        if (rule.kind === "local") continue;
        if (rule.kind === "grant") {
            const target = rule.target(r.inputs, ctx);
            if (target === undefined || target.includes(UNKNOWN)) continue; // reported by planGrants
            actions.push(
                {
                    action: `read ${what}`,
                    permissions: rule.read,
                    scope: target,
                    source: rule.source,
                },
                {
                    action: `create, update or delete ${what}`,
                    permissions: rule.write,
                    scope: target,
                    source: rule.source,
                },
            );
            continue;
        }
        const projectScope = scope.project(
            typeof r.inputs["project"] === "string" ? (r.inputs["project"] as string) : project,
        );
        for (const op of OPERATIONS)
            if (rule.ops[op].length > 0)
                actions.push({
                    action: `${OP_WORDS[op]} ${what}`,
                    permissions: rule.ops[op],
                    scope: projectScope,
                    source: rule.source,
                });
        const runsAs = rule.runsAs?.(r.inputs, ctx);
        if (runsAs && !runsAs.includes(UNKNOWN))
            actions.push({
                action: `create or update ${what}, which runs as that account`,
                permissions: ["iam.serviceAccounts.actAs"],
                scope: runsAs,
                source: "https://cloud.google.com/iam/docs/service-accounts-actas",
            });
    }
    return { actions, problems };
}

/** What the model needs from the stack's config besides the plan. */
export interface ModelInput {
    names: StackNames;
    /** The project's number as the plan carries it (offline: the marked placeholder). */
    projectNumber?: string;
    oncall: readonly string[];
    ci?: { poolId: string; subjects: readonly string[]; stateBucket?: string; secretsKey?: string };
}

/** The model's input from a validated stack config. */
export function modelInput(config: StackConfig, projectNumber?: string): ModelInput {
    const n = config.names;
    const p = config.project;
    const email = (id: string) => serviceAccountEmail(id, p);
    return {
        names: {
            project: p,
            region: config.computeRegion,
            buckets: { lake: n.dataBucket, backups: n.backupsBucket, snapshots: n.snapshotsBucket },
            datasets: {
                ...n.datasets,
                ...(config.warehouse.snapshots ? { snapshots: SNAPSHOTS_DATASET } : {}),
            },
            apiService: n.apiService,
            apiKeySecret: n.apiKeySecret,
            imageRepository: n.imageRepository,
            accounts: {
                composer: email(n.serviceAccounts.composer),
                api: email(n.serviceAccounts.api),
                jobs: email(n.serviceAccounts.jobs),
                deployer: email(n.serviceAccounts.deployer),
            },
        },
        ...(projectNumber ? { projectNumber } : {}),
        oncall: config.oncall.members,
        ...(config.ci
            ? {
                  ci: {
                      poolId: n.workloadIdentityPool,
                      subjects: deployerSubjects(config.ci, config.environment).map(
                          (s) => s.subject,
                      ),
                      ...(config.ci.stateBucket ? { stateBucket: config.ci.stateBucket } : {}),
                      ...(config.ci.secretsKey ? { secretsKey: config.ci.secretsKey } : {}),
                  },
              }
            : {}),
    };
}

const AGENTS: Record<string, ServiceAgent> = {
    "composer-agent": "composer",
    "transfer-agent": "transfer",
    "monitoring-agent": "monitoring",
    "run-agent": "run",
};

/** The API whose `gcp.projects.ServiceIdentity` makes GCP create each agent. */
export const AGENT_SERVICES: Readonly<Record<ServiceAgent, string>> = {
    composer: "composer.googleapis.com",
    transfer: "bigquerydatatransfer.googleapis.com",
    monitoring: "monitoring.googleapis.com",
    run: "run.googleapis.com",
};

/**
 * What the plan holds that the model does not know: a service account or a service agent
 * without actions (every identity the platform creates must say what it does), and a grant to
 * an agent that does not wait for the ServiceIdentity making GCP create it.
 */
export function unmodelled(plan: Plan, list: readonly Identity[], number: string): string[] {
    const members = new Set(list.flatMap((i) => i.members));
    const problems: string[] = [];
    for (const r of plan.resources) {
        const what = `${displayType(r.type)} ${r.name}`;
        if (r.type === "gcp:serviceaccount/account:Account") {
            const project = typeof r.inputs["project"] === "string" ? r.inputs["project"] : "";
            const member = `serviceAccount:${String(r.inputs["accountId"])}@${project}.iam.gserviceaccount.com`;
            if (!members.has(member))
                problems.push(
                    `${what}: ${member} has no actions in the IAM model. Add what it does to data/iam-actions.ts.`,
                );
        }
        if (r.type === "gcp:projects/serviceIdentity:ServiceIdentity") {
            const service = r.inputs["service"];
            if (!Object.values(AGENT_SERVICES).includes(service as string))
                problems.push(
                    `${what}: the service agent of ${String(service)} has no actions in the IAM model. ` +
                        `Add it to SERVICE_AGENT_DOMAINS (components/identities.ts) and its actions to data/iam-actions.ts.`,
                );
        }
    }
    const identityOf = new Map(
        plan.resources
            .filter((r) => r.type === "gcp:projects/serviceIdentity:ServiceIdentity")
            .map((r) => [r.inputs["service"], r.urn]),
    );
    for (const r of plan.resources) {
        if (typeRule(r.type)?.kind !== "grant") continue;
        for (const [agent, service] of Object.entries(AGENT_SERVICES) as [ServiceAgent, string][]) {
            if (r.inputs["member"] !== `serviceAccount:${serviceAgentEmail(agent, number)}`)
                continue;
            const urn = identityOf.get(service);
            if (agent !== "run" && (!urn || !r.dependencies.includes(urn)))
                problems.push(
                    `${displayType(r.type)} ${r.name}: grants to the ${agent} service agent without waiting for a ` +
                        `gcp.projects.ServiceIdentity of ${service}: GCP may not have created the agent yet, ` +
                        `and a grant to an agent that does not exist fails. Add the ServiceIdentity and dependsOn it.`,
                );
        }
    }
    return problems;
}

/** Every identity the platform creates or relies on, with its actions. */
export function identities(
    plan: Plan,
    input: ModelInput,
): { list: Identity[]; problems: string[] } {
    const s = input.names;
    const number = input.projectNumber ?? OFFLINE_PROJECT_NUMBER;
    const sa = (email: string) => `serviceAccount:${email}`;
    const work = workloadActions(s);
    const deployer = deployerActions(plan, s.project);
    const list: Identity[] = [
        {
            id: "deployer",
            label: "CI's pulumi preview, up and refresh, and the restore drill",
            members: [sa(s.accounts.deployer)],
            actions: [
                ...deployer.actions,
                ...deployerExtraActions(s, input.ci ?? {}),
                ...drillActions(s, DRILL_DATASET),
            ],
        },
        ...(["composer", "api", "jobs"] as const).map((w) => ({
            id: w,
            label: `the ${w} service account`,
            members: [sa(s.accounts[w])],
            actions: work[w]!,
        })),
        {
            id: "oncall",
            label: "the on-call members (logistics:oncall), for npm run ops",
            members: [...new Set(input.oncall)],
            actions: onCallActions(s),
        },
        ...(input.ci
            ? [
                  {
                      id: "ci",
                      label: "GitHub workflow runs, through workload identity federation",
                      members: input.ci.subjects.map(
                          (subject) =>
                              `principal://iam.googleapis.com/projects/${number}/locations/global/workloadIdentityPools/${input.ci!.poolId}/subject/${subject}`,
                      ),
                      actions: ciActions(s),
                  },
              ]
            : []),
        ...Object.entries(AGENTS).map(([id, agent]) => ({
            id,
            label: `Google's ${agent} service agent`,
            members: [sa(serviceAgentEmail(agent, number))],
            actions: work[id]!,
        })),
    ];
    return { list, problems: [...deployer.problems, ...unmodelled(plan, list, number)] };
}

/** The requirements of a list of actions, one per permission and scope (first action wins). */
export function requirements(actions: readonly Action[]): Requirement[] {
    const seen = new Map<string, Requirement>();
    for (const a of actions)
        for (const permission of a.permissions) {
            const key = `${permission} ${a.scope}`;
            if (!seen.has(key))
                seen.set(key, { permission, scope: a.scope, action: a.action, source: a.source });
        }
    return [...seen.values()];
}

/** Checks every identity's requirements against the grants. Pure: plan, input and roles in. */
export function checkAccess(plan: Plan, input: ModelInput, roles: RoleData): AccessReport {
    const {
        grants: fromPlan,
        conditional,
        problems: grantProblems,
    } = planGrants(plan, input.names.project);
    const { list, problems: typeProblems } = identities(plan, input);
    const number = input.projectNumber ?? OFFLINE_PROJECT_NUMBER;
    const grants: Grant[] = [
        ...fromPlan,
        ...GOOGLE_GRANTS.map((g) => ({
            member: `serviceAccount:${serviceAgentEmail(AGENTS[g.agent]!, number)}`,
            role: g.role,
            scope: scope.project(input.names.project),
            origin: `Google, when the API is enabled (${g.source})`,
        })),
    ];
    const known = new Set(Object.values(roles).flatMap((r) => r.permissions));
    const problems = [...typeProblems, ...grantProblems];
    const perms = (role: string) => roles[role]?.permissions ?? [];
    const reports = list.map((identity): IdentityReport => {
        const required = requirements(identity.actions);
        for (const r of required)
            if (!known.has(r.permission))
                problems.push(
                    `${identity.id}: requires ${r.permission} (${r.action}), which no role in data/gcp-iam-roles.json holds: ` +
                        `check its spelling on ${r.source}.`,
                );
        const members = new Set(identity.members);
        const granted = grants.filter((g) => members.has(g.member));
        const missing: Missing[] = [];
        for (const member of identity.members)
            for (const r of required)
                if (
                    !granted.some(
                        (g) =>
                            g.member === member &&
                            covers(g.scope, r.scope) &&
                            perms(g.role).includes(r.permission),
                    )
                )
                    missing.push({ ...r, member });
        const excess = new Set<string>();
        for (const g of granted)
            for (const p of perms(g.role))
                if (!required.some((r) => r.permission === p && covers(g.scope, r.scope)))
                    excess.add(`${p} on ${g.scope}`);
        return {
            id: identity.id,
            label: identity.label,
            members: identity.members,
            required,
            granted,
            missing,
            excess: [...excess].sort(),
        };
    });
    const unexpandedRoles = [
        ...new Set(grants.filter((g) => !roles[g.role]).map((g) => `${g.role} (${g.origin})`)),
    ].sort();
    const modelled = new Set(list.flatMap((i) => i.members));
    const others = fromPlan.filter((g) => !modelled.has(g.member));
    return {
        stack: plan.stack,
        identities: reports,
        problems,
        unexpandedRoles,
        conditional,
        others,
    };
}

/** True when nothing required is missing and the model could read the whole plan. */
export function accessOk(report: AccessReport): boolean {
    return report.problems.length === 0 && report.identities.every((i) => i.missing.length === 0);
}

/** One line per missing permission: the identity, the permission, the action and the scope. */
export function missingLines(report: AccessReport): string[] {
    return report.identities.flatMap((i) =>
        i.missing.map(
            (m) =>
                `${i.id}: missing ${m.permission} on ${m.scope}, needed to ${m.action}` +
                `${i.members.length > 1 ? ` (member ${m.member})` : ""} — ${m.source}`,
        ),
    );
}

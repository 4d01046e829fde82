// Access changes between two plans, for the offline diff and the pull request's summary: grants
// added or removed, each with the permissions its role carries.
import type { Plan } from "./engine";
import { loadRoles, planGrants, type Grant, type RoleData } from "./iam";

export interface AccessChange {
    op: "grant" | "revoke";
    member: string;
    role: string;
    scope: string;
    /** The plan resource that makes the grant. */
    origin: string;
    /** The role's permissions (services in data/gcp-iam-roles.json); undefined for a role not there. */
    permissions?: readonly string[];
}

/** The plan's project: its `project` output, else the first resource that names one. */
function projectOf(plan: Plan): string {
    const out = plan.outputs["project"];
    if (typeof out === "string") return out;
    const named = plan.resources.find((r) => typeof r.inputs["project"] === "string");
    return (named?.inputs["project"] as string | undefined) ?? "(project)";
}

const key = (g: Grant) => `${g.member} ${g.role} ${g.scope}`;

/**
 * Grants in `head` and not in `base` (granted) and the reverse (revoked), compared by member,
 * role and scope: renaming a grant's resource is no access change. Grants whose member or target
 * is known only after deploy cannot be compared and are left out (`npm run iam` reports them).
 */
export function accessChanges(
    base: Plan,
    head: Plan,
    roles: RoleData = loadRoles(),
): AccessChange[] {
    const all = (plan: Plan) => {
        const { grants, conditional } = planGrants(plan, projectOf(plan));
        return [
            ...grants,
            ...conditional.map((g) => ({ ...g, origin: `${g.origin}, conditional` })),
        ];
    };
    const before = new Map(all(base).map((g) => [key(g), g]));
    const after = new Map(all(head).map((g) => [key(g), g]));
    const change = (op: AccessChange["op"], g: Grant): AccessChange => ({
        op,
        member: g.member,
        role: g.role,
        scope: g.scope,
        origin: g.origin,
        ...(roles[g.role] ? { permissions: roles[g.role]!.permissions } : {}),
    });
    return [
        ...[...before].filter(([k]) => !after.has(k)).map(([, g]) => change("revoke", g)),
        ...[...after].filter(([k]) => !before.has(k)).map(([, g]) => change("grant", g)),
    ].sort((a, b) => a.op.localeCompare(b.op) || a.member.localeCompare(b.member));
}

const SHOWN_PERMISSIONS = 6;

/** A role's permissions, its own service's first (`roles/storage.objectUser` → `storage.*`). */
export function ownServiceFirst(role: string, permissions: readonly string[]): string[] {
    const service = /^roles\/([a-z]+)\./.exec(role)?.[1];
    const own = (p: string) => (service !== undefined && p.startsWith(`${service}.`) ? 0 : 1);
    return [...permissions].sort((a, b) => own(a) - own(b) || a.localeCompare(b));
}

/** The diff's "Access changes" section; nothing when access is unchanged. */
export function renderAccessChanges(changes: readonly AccessChange[]): string[] {
    if (changes.length === 0) return [];
    const lines = [
        "",
        "Access changes (grants added or removed, with the permissions they carry):",
    ];
    for (const c of changes) {
        const p = c.permissions && ownServiceFirst(c.role, c.permissions);
        const carried =
            p === undefined
                ? "a role not in data/gcp-iam-roles.json"
                : `${p.length} permission(s): ${p.slice(0, SHOWN_PERMISSIONS).join(", ")}` +
                  (p.length > SHOWN_PERMISSIONS ? `, … ${p.length - SHOWN_PERMISSIONS} more` : "");
        lines.push(
            `  ${c.op === "grant" ? "+" : "-"} ${c.member}  ${c.role}  on ${c.scope}  (${c.origin})`,
            `        ${carried}`,
        );
    }
    lines.push("  Check the result with npm run iam -- --stack <name>.");
    return lines;
}

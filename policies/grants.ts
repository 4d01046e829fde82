// The IAM model of the pack: which resource types carry grants, the grants each one makes, and
// what a role can do (Google's predefined roles, data/gcp-iam-roles.json).
import * as fs from "fs";
import * as path from "path";
import { UNKNOWN, type PlanResource, type Unknown } from "./lib";

/** A value of the plan, or {@link UNKNOWN} when only the cloud will know it. */
export type Maybe<T> = T | Unknown;

/** Where a grant applies: the project, a folder or organization, a service account, or a resource. */
export type Scope = "project" | "folder" | "organization" | "serviceAccount" | "resource";

export interface Grant {
    role: Maybe<string>;
    member: Maybe<string>;
    scope: Scope;
    /** Replaces every binding of its target (`*IamPolicy`, `*IamBinding`, ACL lists). */
    authoritative: boolean;
    /** Which input carries it, for messages: `member`, `policyData`, `accesses[2]`, … */
    via: string;
}

/**
 * IAM-bearing types by name: every `*IamMember`, `*IamBinding`, `*IamPolicy` and their
 * `IAMMember`/`IAMBinding`/`IAMPolicy` spellings, in any module. Matching by name covers types
 * the pack has never seen (a new service's IAM resource) without a list to keep up to date.
 * `IamMemberRemove` only removes a member and `*IamAuditConfig` grants nothing.
 */
const IAM_TYPE = /^gcp:[^/]+\/[^:]+:\w*(Iam|IAM)(Member|Binding|Policy)$/;

/** Types that grant access by ACL or by an access list instead of an IAM resource. */
export const ACL_TYPES = [
    "gcp:storage/bucketAccessControl:BucketAccessControl",
    "gcp:storage/defaultObjectAccessControl:DefaultObjectAccessControl",
    "gcp:storage/objectAccessControl:ObjectAccessControl",
    "gcp:storage/bucketACL:BucketACL",
    "gcp:storage/defaultObjectACL:DefaultObjectACL",
    "gcp:storage/objectACL:ObjectACL",
    "gcp:bigquery/datasetAccess:DatasetAccess",
    "gcp:bigquery/dataset:Dataset",
    "gcp:cloudrunv2/service:Service",
] as const;

/** Whether a resource type can carry a grant (and so is judged by the IAM policies). */
export function isIamBearing(type: string): boolean {
    return IAM_TYPE.test(type) || (ACL_TYPES as readonly string[]).includes(type);
}

/** The module of a type token: `projects` for `gcp:projects/iAMMember:IAMMember`. */
function moduleOf(type: string): string {
    return type.split(":")[1]?.split("/")[0] ?? "";
}

function scopeOf(type: string): Scope {
    const m = moduleOf(type);
    if (m === "projects") return "project";
    if (m === "folder") return "folder";
    if (m === "organizations") return "organization";
    if (m === "serviceaccount") return "serviceAccount";
    return "resource";
}

/** Members of legacy ACL entities (`allUsers`, `user-<email>`, `group-<email>`, `domain-<d>`). */
export function aclEntityMember(entity: string): string {
    if (entity === "allUsers" || entity === "allAuthenticatedUsers") return entity;
    const m = /^(user|group|domain)-(.+)$/.exec(entity);
    if (m) return `${m[1]}:${m[2]}`;
    // project-owners-<number> and friends: the project's own teams.
    if (/^project-(owners|editors|viewers)-/.test(entity)) return `projectTeam:${entity}`;
    return entity;
}

/** Canned ACLs that make a bucket or object public. */
// https://cloud.google.com/storage/docs/access-control/lists#predefined-acl
const PUBLIC_CANNED: Readonly<Record<string, string>> = {
    publicRead: "allUsers",
    publicReadWrite: "allUsers",
    authenticatedRead: "allAuthenticatedUsers",
};

/** Members of a BigQuery access entry (`Dataset.accesses[]`, `DatasetAccess`). */
function accessMember(a: Record<string, any>): Maybe<string> | undefined {
    if (a["userByEmail"] !== undefined) return prefixed("user:", a["userByEmail"]);
    if (a["groupByEmail"] !== undefined) return prefixed("group:", a["groupByEmail"]);
    if (a["domain"] !== undefined) return prefixed("domain:", a["domain"]);
    if (a["iamMember"] !== undefined) return a["iamMember"];
    if (a["specialGroup"] !== undefined) {
        const g = a["specialGroup"];
        if (g === UNKNOWN) return UNKNOWN;
        // projectOwners/projectReaders/projectWriters are the project's own roles.
        return g === "allAuthenticatedUsers" ? g : `projectTeam:${String(g)}`;
    }
    // An authorized view, routine or dataset reads the dataset on its readers' behalf: it stands
    // for whoever may query it, so one in another project hands the data to that project.
    // https://cloud.google.com/bigquery/docs/authorized-views
    const authorized =
        a["view"] ??
        a["routine"] ??
        a["authorizedDataset"]?.["dataset"] ??
        a["dataset"]?.["dataset"];
    if (authorized !== undefined) {
        if (authorized === UNKNOWN || authorized?.["projectId"] === UNKNOWN) return UNKNOWN;
        return `authorized:${String(authorized?.["projectId"])}`;
    }
    return undefined;
}

/** An access entry's role; an authorized view, routine or dataset has none and reads the data. */
function accessRole(a: Record<string, any>, member: Maybe<string>): Maybe<string> {
    if (a["role"] === undefined && (member === UNKNOWN || member.startsWith("authorized:")))
        return "roles/bigquery.dataViewer";
    return bqRole(a["role"]);
}

function prefixed(prefix: string, v: unknown): Maybe<string> {
    return v === UNKNOWN ? UNKNOWN : `${prefix}${String(v)}`;
}

/** Legacy BigQuery access roles and the predefined roles they stand for. */
// https://cloud.google.com/bigquery/docs/access-control-basic-roles#dataset-basic-roles
const BQ_LEGACY: Readonly<Record<string, string>> = {
    OWNER: "roles/bigquery.dataOwner",
    WRITER: "roles/bigquery.dataEditor",
    READER: "roles/bigquery.dataViewer",
};

function bqRole(role: unknown): Maybe<string> {
    if (role === UNKNOWN) return UNKNOWN;
    return BQ_LEGACY[String(role)] ?? String(role);
}

/** The bindings of a `policyData` document; UNKNOWN when it is not known yet or not JSON. */
export function policyBindings(
    policyData: unknown,
): Maybe<{ role: Maybe<string>; members: Maybe<string>[] }[]> {
    if (typeof policyData !== "string") return UNKNOWN;
    let doc: any;
    try {
        doc = JSON.parse(policyData);
    } catch {
        return UNKNOWN;
    }
    const bindings = Array.isArray(doc?.bindings) ? doc.bindings : [];
    return bindings.map((b: any) => ({
        role: typeof b?.role === "string" ? b.role : UNKNOWN,
        members: Array.isArray(b?.members) ? b.members.map(String) : [],
    }));
}

/** The grants a resource makes; `[]` for a type that grants nothing. */
export function grantsOf(r: PlanResource): Grant[] {
    const p = r.props;
    const scope = scopeOf(r.type);
    const out: Grant[] = [];
    const add = (role: Maybe<string>, member: Maybe<string>, via: string, authoritative: boolean) =>
        out.push({ role, member, scope, authoritative, via });
    if (IAM_TYPE.test(r.type)) {
        const authoritative = !/Member$/.test(r.type);
        if (/Policy$/.test(r.type)) {
            const bindings = policyBindings(p["policyData"]);
            if (bindings === UNKNOWN) add(UNKNOWN, UNKNOWN, "policyData", true);
            else
                for (const b of bindings)
                    for (const m of b.members) add(b.role, m, "policyData", true);
            return out;
        }
        const role = p["role"] as Maybe<string>;
        if (p["member"] !== undefined) add(role, p["member"], "member", authoritative);
        if (p["members"] !== undefined) {
            if (p["members"] === UNKNOWN) add(role, UNKNOWN, "members", authoritative);
            else
                for (const m of p["members"] as Maybe<string>[])
                    add(role, m, "members", authoritative);
        }
        return out;
    }
    switch (r.type) {
        case "gcp:storage/bucketAccessControl:BucketAccessControl":
        case "gcp:storage/defaultObjectAccessControl:DefaultObjectAccessControl":
        case "gcp:storage/objectAccessControl:ObjectAccessControl": {
            const e = p["entity"];
            add(
                p["role"] === UNKNOWN ? UNKNOWN : `storage.legacy.${String(p["role"])}`,
                e === UNKNOWN ? UNKNOWN : aclEntityMember(String(e)),
                "entity",
                false,
            );
            return out;
        }
        case "gcp:storage/bucketACL:BucketACL":
        case "gcp:storage/defaultObjectACL:DefaultObjectACL":
        case "gcp:storage/objectACL:ObjectACL": {
            for (const key of ["predefinedAcl", "defaultAcl"]) {
                const canned = p[key];
                if (canned === UNKNOWN) add(UNKNOWN, UNKNOWN, key, true);
                else if (typeof canned === "string" && PUBLIC_CANNED[canned])
                    add(`storage.legacy.${canned}`, PUBLIC_CANNED[canned]!, key, true);
            }
            const entities = p["roleEntities"];
            if (entities === UNKNOWN) add(UNKNOWN, UNKNOWN, "roleEntities", true);
            else if (Array.isArray(entities))
                for (const re of entities) {
                    if (re === UNKNOWN) {
                        add(UNKNOWN, UNKNOWN, "roleEntities", true);
                        continue;
                    }
                    const [role, ...rest] = String(re).split(":");
                    add(
                        `storage.legacy.${role}`,
                        aclEntityMember(rest.join(":")),
                        "roleEntities",
                        true,
                    );
                }
            return out;
        }
        case "gcp:bigquery/datasetAccess:DatasetAccess": {
            const m = accessMember(p);
            if (m !== undefined) add(accessRole(p, m), m, "access", false);
            return out;
        }
        case "gcp:bigquery/dataset:Dataset": {
            const accesses = p["accesses"];
            if (accesses === UNKNOWN) add(UNKNOWN, UNKNOWN, "accesses", true);
            else if (Array.isArray(accesses))
                accesses.forEach((a, i) => {
                    if (a === UNKNOWN) add(UNKNOWN, UNKNOWN, `accesses[${i}]`, true);
                    else {
                        const m = accessMember(a ?? {});
                        if (m !== undefined) add(accessRole(a, m), m, `accesses[${i}]`, true);
                    }
                });
            return out;
        }
        case "gcp:cloudrunv2/service:Service": {
            // invokerIamDisabled: every caller may invoke the service, as allUsers with run.invoker.
            // https://cloud.google.com/run/docs/securing/managing-access#invoker_check
            const v = p["invokerIamDisabled"];
            if (v === UNKNOWN) add("roles/run.invoker", UNKNOWN, "invokerIamDisabled", false);
            else if (v === true) add("roles/run.invoker", "allUsers", "invokerIamDisabled", false);
            return out;
        }
    }
    return out;
}

// ---- Roles -----------------------------------------------------------------------------------

interface RoleData {
    permissions: string[];
}

let rolesCache: Readonly<Record<string, RoleData>> | undefined;

/** Google's predefined roles (permissions of the services the platform uses). */
export function predefinedRoles(): Readonly<Record<string, RoleData>> {
    rolesCache ??= (
        JSON.parse(
            fs.readFileSync(path.join(__dirname, "..", "data", "gcp-iam-roles.json"), "utf8"),
        ) as {
            roles: Record<string, RoleData>;
        }
    ).roles;
    return rolesCache;
}

export const PRIMITIVE_ROLES = ["roles/owner", "roles/editor", "roles/viewer"];

/**
 * Permissions that let a holder raise its own access: change IAM of the project, a folder, the
 * organization or a service account, act as or mint tokens for a service account, create keys,
 * define roles. https://cloud.google.com/iam/docs/service-account-permissions and
 * https://cloud.google.com/iam/docs/understanding-roles (Resource Manager roles).
 */
export const ESCALATION_PERMISSIONS = [
    "resourcemanager.projects.setIamPolicy",
    "resourcemanager.folders.setIamPolicy",
    "resourcemanager.organizations.setIamPolicy",
    "iam.serviceAccounts.setIamPolicy",
    "iam.serviceAccounts.actAs",
    "iam.serviceAccounts.getAccessToken",
    "iam.serviceAccounts.getOpenIdToken",
    "iam.serviceAccounts.signBlob",
    "iam.serviceAccounts.signJwt",
    "iam.serviceAccounts.implicitDelegation",
    "iam.serviceAccountKeys.create",
    "iam.roles.create",
    "iam.roles.update",
    // A new or edited provider of a pool decides which outside tokens become the pool's principals,
    // and so who may act as the accounts those principals are bound to.
    // https://cloud.google.com/iam/docs/manage-workload-identity-pools-providers#required-roles
    "iam.googleapis.com/workloadIdentityPoolProviders.create",
    "iam.googleapis.com/workloadIdentityPoolProviders.update",
];

/** Permissions a custom role must never hold. */
export function forbiddenCustomPermissions(permissions: readonly string[]): string[] {
    return permissions.filter(
        (p) =>
            p.endsWith(".setIamPolicy") ||
            ESCALATION_PERMISSIONS.includes(p) ||
            p === "*" ||
            p.endsWith(".*"),
    );
}

export const CUSTOM_ROLE_TYPES = [
    "gcp:projects/iAMCustomRole:IAMCustomRole",
    "gcp:organizations/iAMCustomRole:IAMCustomRole",
];

/** `projects/<p>/roles/<id>` / `organizations/<o>/roles/<id>` → permissions, for roles the plan defines. */
export function customRoles(resources: readonly PlanResource[]): Map<string, Maybe<string[]>> {
    const out = new Map<string, Maybe<string[]>>();
    for (const r of resources) {
        if (!CUSTOM_ROLE_TYPES.includes(r.type)) continue;
        const parent = r.type.startsWith("gcp:projects/")
            ? `projects/${String(r.props["project"])}`
            : `organizations/${String(r.props["orgId"])}`;
        const perms = r.props["permissions"];
        out.set(
            `${parent}/roles/${String(r.props["roleId"])}`,
            Array.isArray(perms) && !perms.includes(UNKNOWN) ? (perms as string[]) : UNKNOWN,
        );
    }
    return out;
}

/**
 * The escalation permissions a role holds; UNKNOWN when the pack cannot tell (a custom role the
 * plan does not define, or a predefined role outside the role data).
 */
export function escalationOf(
    role: string,
    custom: ReadonlyMap<string, Maybe<string[]>>,
): Maybe<string[]> {
    if (role.startsWith("storage.legacy.")) return []; // legacy ACL roles: object/bucket access only
    const perms = custom.has(role) ? custom.get(role)! : predefinedRoles()[role]?.permissions;
    if (perms === undefined || perms === UNKNOWN) return UNKNOWN;
    return ESCALATION_PERMISSIONS.filter((p) => perms.includes(p));
}

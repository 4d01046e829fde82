// Small pieces every component shares: stateful-resource options, IAM expansion, lifecycle rules.
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import type * as gcp from "@pulumi/gcp";
import type { IamBindings, Tiering } from "./common.schema";

/**
 * Options for a component's children. A component's `dependsOn` (the project's APIs, the
 * identities) is passed on to every child: Pulumi does not do that by itself, and a child
 * created before its API is enabled fails on a fresh project.
 */
export function childOptions(
    parent: pulumi.Resource,
    opts?: pulumi.ComponentResourceOptions,
): pulumi.CustomResourceOptions {
    return { parent, ...(opts?.dependsOn ? { dependsOn: opts.dependsOn } : {}) };
}

/** A component's explicit dependencies as a list, to add one of its own children to them. */
export function dependencies(
    opts?: pulumi.ComponentResourceOptions,
): pulumi.Input<pulumi.Resource>[] {
    const d = opts?.dependsOn;
    return d === undefined ? [] : Array.isArray(d) ? d : [d as pulumi.Input<pulumi.Resource>];
}

/**
 * `value`, resolved only once `grants` exist: an output consumers rely on (a bucket name in the
 * DAGs' variables) is usable when it resolves, not a moment before its IAM is in place.
 */
export function usableAfter<T>(
    value: pulumi.Output<T>,
    grants: readonly pulumi.Resource[],
): pulumi.Output<T> {
    const urns: pulumi.Output<unknown>[] = grants.map((g) => g.urn);
    return pulumi.all([value as pulumi.Output<unknown>, ...urns]).apply(([v]) => v as T);
}

/** Options for IAM grants to accounts created elsewhere: they also wait for those accounts. */
export function grantOptions(
    parent: pulumi.Resource,
    opts: pulumi.ComponentResourceOptions | undefined,
    accounts: readonly pulumi.Resource[] | undefined,
): pulumi.CustomResourceOptions {
    return { parent, dependsOn: [...dependencies(opts), ...(accounts ?? [])] };
}

/**
 * Options for a child holding data or history. With `protect`, `pulumi up` and `destroy` refuse
 * to delete it; with `retainOnDelete`, removing it from the program leaves it in GCP.
 */
export function statefulOptions(
    parent: pulumi.Resource,
    protect: boolean,
    opts?: pulumi.ComponentResourceOptions,
): pulumi.CustomResourceOptions {
    return { ...childOptions(parent, opts), protect, retainOnDelete: protect };
}

/** GCP-side deletion guard matching the Pulumi-side one (buckets, datasets). */
export function deletionPolicy(protect: boolean): "PREVENT" | undefined {
    return protect ? "PREVENT" : undefined;
}

export interface IamGrant {
    /** Stable key for the child's logical name: derived from role and member, never an index. */
    key: string;
    role: string;
    member: string;
}

/** Expands the one IAM shape (role → members) into one grant per member, sorted for stable plans. */
export function iamGrants(bindings: IamBindings): IamGrant[] {
    const grants = Object.entries(bindings).flatMap(([role, members]) =>
        [...new Set(members)].map((member) => ({ key: grantKey(role, member), role, member })),
    );
    const keys = uniqueKeys(grants.map((g) => ({ key: g.key, identity: `${g.role} ${g.member}` })));
    return grants
        .map((g, i) => ({ ...g, key: keys[i]! }))
        .sort((a, b) => a.key.localeCompare(b.key));
}

/**
 * Name parts made unique: where different identities share a key (the key dropped what tells them
 * apart — a service account's project, a character outside a name's alphabet), the first of them
 * in the config's order keeps the key and each later one gets a hash of its identity. So a member
 * added after an existing one never renames the existing grant (a rename is a delete and a create:
 * a moment without the binding). Two resources with one name would fail the whole plan (a
 * duplicate URN); a hashed key that still meets another key is refused, naming both.
 */
export function uniqueKeys(entries: readonly { key: string; identity: string }[]): string[] {
    const owner = new Map<string, string>();
    for (const e of entries) if (!owner.has(e.key)) owner.set(e.key, e.identity);
    const keys = entries.map((e) =>
        owner.get(e.key) === e.identity
            ? e.key
            : `${e.key}-${createHash("sha256").update(e.identity).digest("hex").slice(0, 8)}`,
    );
    const seen = new Map<string, string>();
    for (const [i, key] of keys.entries()) {
        const other = seen.get(key);
        if (other !== undefined && other !== entries[i]!.identity)
            throw new pulumi.RunError(
                `two grants would share the name part "${key}": ${other} and ${entries[i]!.identity}. ` +
                    `Rename or drop one of the members.`,
            );
        seen.set(key, entries[i]!.identity);
    }
    return keys;
}

/** Unites several bindings of the IAM shape: members of the same role are merged. */
export function mergeIam(...all: (IamBindings | undefined)[]): IamBindings {
    const out: Record<string, string[]> = {};
    for (const bindings of all)
        for (const [role, members] of Object.entries(bindings ?? {}))
            out[role] = [...new Set([...(out[role] ?? []), ...members])];
    return out;
}

/**
 * A grant's name part: `<role>-<member>`, readable for predefined roles and plain members; when
 * shortening loses information (custom roles, unusual characters) a hash keeps keys unique.
 */
export function grantKey(role: string, member: string): string {
    const short = role.replace(/^roles\//, "");
    const key = `${short.replace(/[^A-Za-z0-9_.-]+/g, "-")}-${memberKey(member)}`;
    const lossless =
        /^roles\/[A-Za-z0-9_.]+$/.test(role) && /^[a-zA-Z]+:[A-Za-z0-9_.@-]+$/.test(member);
    return lossless
        ? key
        : `${key}-${createHash("sha256").update(`${role} ${member}`).digest("hex").slice(0, 8)}`;
}

/**
 * A short, stable name part for a member: the account id of a project's service account
 * (`serviceAccount:lgx-dev-api@p.iam.gserviceaccount.com` → `lgx-dev-api`), else the member.
 */
export function memberKey(member: string): string {
    const sa = /^serviceAccount:([^@]+)@[^@]+\.iam\.gserviceaccount\.com$/.exec(member);
    return (sa ? sa[1]! : member).replace(/[^A-Za-z0-9_.@-]+/g, "-");
}

type LifecycleRule = gcp.types.input.storage.BucketLifecycleRule;

const TIERS = [
    ["nearlineAfterDays", "NEARLINE"],
    ["coldlineAfterDays", "COLDLINE"],
    ["archiveAfterDays", "ARCHIVE"],
] as const;

/** SetStorageClass rules for a tiering config, optionally limited to object-name prefixes. */
export function tieringRules(tiering: Tiering, prefixes?: string[]): LifecycleRule[] {
    return TIERS.filter(([key]) => tiering[key] !== undefined).map(([key, storageClass]) => ({
        action: { type: "SetStorageClass", storageClass },
        condition: { age: tiering[key]!, ...(prefixes ? { matchesPrefixes: prefixes } : {}) },
    }));
}

/** Deletes noncurrent versions after `days` and aborts multipart uploads left for a week. */
export function housekeepingRules(noncurrentDays: number | undefined): LifecycleRule[] {
    return [
        ...(noncurrentDays === undefined
            ? []
            : [
                  {
                      action: { type: "Delete" },
                      condition: { daysSinceNoncurrentTime: noncurrentDays },
                  },
              ]),
        { action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: 7 } },
    ];
}

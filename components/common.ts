// Small pieces every component shares: stateful-resource options, IAM expansion, lifecycle rules.
import type * as pulumi from "@pulumi/pulumi";
import type * as gcp from "@pulumi/gcp";
import type { IamBindings, Tiering } from "../stacks/sections";

/**
 * Options for a child holding data or history. With `protect`, `pulumi up` and `destroy` refuse
 * to delete it; with `retainOnDelete`, removing it from the program leaves it in GCP.
 */
export function statefulOptions(
    parent: pulumi.Resource,
    protect: boolean,
): pulumi.CustomResourceOptions {
    return { parent, protect, retainOnDelete: protect };
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
    return Object.entries(bindings)
        .flatMap(([role, members]) =>
            [...new Set(members)].map((member) => ({
                key: `${role.replace(/^.*roles\//, "")}-${member}`.replace(
                    /[^A-Za-z0-9_.@-]+/g,
                    "-",
                ),
                role,
                member,
            })),
        )
        .sort((a, b) => a.key.localeCompare(b.key));
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

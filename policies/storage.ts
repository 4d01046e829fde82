// Cloud Storage policies: private, uniformly accessed buckets that keep their data.
import type { PolicyResource } from "@pulumi/policy";
import { BUCKET, get, known, resourcePolicy, stackPolicy, stateful } from "./lib";

const DAY = 86400;
const TRANSFER_JOB = "gcp:storage/transferJob:TransferJob";

/**
 * Soft delete keeps deleted objects restorable; a bucket without a softDeletePolicy gets Cloud
 * Storage's default of 7 days (https://cloud.google.com/storage/docs/soft-delete#retention-duration).
 */
const DEFAULT_SOFT_DELETE_SECONDS = 7 * DAY;

function softDeleteDays(p: Record<string, any>): number {
    const s = get(p, "softDeletePolicy.retentionDurationSeconds");
    return (s === undefined ? DEFAULT_SOFT_DELETE_SECONDS : Number(s)) / DAY;
}

/** The lifecycle rules of a bucket whose action deletes objects. */
function deleteRules(p: Record<string, any>): Record<string, any>[] {
    const rules: any[] = Array.isArray(p.lifecycleRules) ? p.lifecycleRules : [];
    return rules.filter((r) => String(get(r, "action.type")).toLowerCase() === "delete");
}

/**
 * Whether a rule's condition matches only noncurrent versions: Cloud Storage conditions are ANDed,
 * and daysSinceNoncurrentTime, noncurrentTimeBefore, numNewerVersions ≥ 1 and isLive: false /
 * withState: ARCHIVED are met by noncurrent versions only
 * (https://cloud.google.com/storage/docs/lifecycle#conditions).
 */
function noncurrentOnly(c: Record<string, any>): boolean {
    return (
        c.withState === "ARCHIVED" ||
        c.isLive === false ||
        Number(c.daysSinceNoncurrentTime) >= 1 ||
        typeof c.noncurrentTimeBefore === "string" ||
        Number(c.numNewerVersions) >= 1
    );
}

/**
 * Why a Delete rule may delete objects sooner or wider than allowed, or undefined when it is safe.
 * Live objects: only under `prefix` (every listed prefix inside it) and not before `minAge` days;
 * `age: 0` deletes at once. Noncurrent versions: not before `minNoncurrentDays` days after they
 * became noncurrent (numNewerVersions alone deletes a version as soon as it is overwritten).
 */
export function unsafeDeleteRule(
    c: Record<string, any>,
    limits: { prefix?: string; minAge: number; minNoncurrentDays: number },
): string | undefined {
    if (noncurrentOnly(c)) {
        const days = c.daysSinceNoncurrentTime;
        if (typeof days !== "number" || days < limits.minNoncurrentDays)
            return `deletes noncurrent versions ${typeof days === "number" ? `after ${days} days` : "without a daysSinceNoncurrentTime"}, below the ${limits.minNoncurrentDays}-day floor`;
        return undefined;
    }
    const prefixes: unknown[] = Array.isArray(c.matchesPrefixes) ? c.matchesPrefixes : [];
    if (limits.prefix === undefined) {
        if (typeof c.age !== "number" || c.age < limits.minAge)
            return `deletes live objects ${typeof c.age === "number" ? `at age ${c.age} days` : "without an age condition"}, below the ${limits.minAge}-day floor`;
        return undefined;
    }
    const prefix = limits.prefix;
    if (
        prefixes.length === 0 ||
        prefixes.some((x) => typeof x !== "string" || !x.startsWith(prefix))
    )
        return `deletes live objects outside ${prefix} (matchesPrefixes ${JSON.stringify(prefixes)})`;
    if (typeof c.age !== "number" || c.age < limits.minAge)
        return `deletes ${prefix} ${typeof c.age === "number" ? `at age ${c.age} days` : "without an age condition"}, below the configured ${limits.minAge}-day staging retention`;
    return undefined;
}

export const gcsDataLakeLifecycleSafe = stackPolicy<{
    stagingPrefix: string;
    minStagingRetentionDays: number;
    minNoncurrentDays: number;
    minSoftDeleteDays: number;
}>({
    name: "gcs-data-lake-lifecycle-safe",
    description:
        "Checks whether the data lake's lifecycle rules delete only staging/ objects older than the " +
        "staging retention and noncurrent versions after the floor, and keeps soft delete.",
    remediationSteps:
        "Keep logistics:dataLake.stagingRetentionDays, noncurrentVersionRetentionDays and softDeleteDays at or above " +
        "the policy's floors (policies/config/<stack>.json); delete nothing outside staging/.",
    configSchema: {
        properties: {
            stagingPrefix: { type: "string", default: "staging/", minLength: 2 },
            minStagingRetentionDays: { type: "integer", default: 30, minimum: 1 },
            minNoncurrentDays: { type: "integer", default: 7, minimum: 1 },
            minSoftDeleteDays: { type: "integer", default: 7, minimum: 0, maximum: 90 },
        },
    },
    check: (resources, report, cfg, each) => {
        for (const b of stateful(resources).dataLake)
            each(b, "the lifecycle and soft delete", () => {
                for (const rule of deleteRules(b.props)) {
                    const why = unsafeDeleteRule(rule.condition ?? {}, {
                        prefix: cfg.stagingPrefix,
                        minAge: cfg.minStagingRetentionDays,
                        minNoncurrentDays: cfg.minNoncurrentDays,
                    });
                    if (why)
                        report(
                            `Data lake bucket must not delete data early: a Delete rule ${why}.`,
                            b.urn,
                        );
                }
                const days = softDeleteDays(b.props);
                if (days < cfg.minSoftDeleteDays)
                    report(
                        `Data lake bucket must keep deleted objects restorable for at least ${cfg.minSoftDeleteDays} days (soft delete), got ${days}.`,
                        b.urn,
                    );
            });
    },
});

export const gcsStagingCleanupRule = stackPolicy({
    name: "gcs-staging-cleanup-rule",
    description:
        "Checks whether the data lake deletes objects under staging/ with a lifecycle rule (the runbook's weekly cleanup).",
    remediationSteps:
        "Keep logistics:dataLake.stagingRetentionDays set; the data lake component adds the rule.",
    check: (resources, report, _cfg, each) => {
        for (const b of stateful(resources).dataLake)
            each(b, "the lifecycle rules", () => {
                const cleans = deleteRules(b.props).some(
                    (r) =>
                        typeof get(r, "condition.age") === "number" &&
                        (get(r, "condition.matchesPrefixes") ?? []).includes("staging/"),
                );
                if (!cleans)
                    report(
                        "Data lake bucket must have a lifecycle rule deleting objects under staging/.",
                        b.urn,
                    );
            });
    },
});

export const gcsBackupsProtected = stackPolicy({
    name: "gcs-backups-versioned-or-retained",
    description:
        "Checks whether the backups bucket keeps every backup: versioning, or a retention policy " +
        "(Cloud Storage allows only one of the two on a bucket).",
    remediationSteps:
        "Set logistics:backups.versioning: true, or logistics:backups.retention.days (with versioning: false).",
    check: (resources, report, _cfg, each) => {
        for (const b of stateful(resources).backups)
            each(b, "versioning and retention", () => {
                const versioned = get(b.props, "versioning.enabled") === true;
                const retained = get(b.props, "retentionPolicy.retentionPeriod") !== undefined;
                if (!versioned && !retained)
                    report("Backups bucket must be versioned or have a retention policy.", b.urn);
            });
    },
});

export const gcsBackupsRetentionLocked = stackPolicy<{
    minRetentionDays: number;
    requireLocked: boolean;
    minSoftDeleteDays: number;
    minDeleteAgeDays: number;
}>({
    name: "gcs-backups-retention-locked",
    description:
        "Checks whether the backups bucket has a locked retention policy of at least the configured days, " +
        "soft delete at or above the floor, and deletes no backup before the configured age.",
    remediationSteps:
        "Keep logistics:backups.retention (days ≥ the policy's minRetentionDays, locked: true), softDeleteDays and " +
        "deleteAfterDays at or above the floors in policies/config/<stack>.json.",
    configSchema: {
        properties: {
            minRetentionDays: { type: "integer", default: 30, minimum: 1 },
            requireLocked: { type: "boolean", default: true },
            minSoftDeleteDays: { type: "integer", default: 7, minimum: 0, maximum: 90 },
            minDeleteAgeDays: { type: "integer", default: 30, minimum: 1 },
        },
    },
    check: (resources, report, cfg, each) => {
        for (const b of stateful(resources).backups)
            each(b, "the retention policy", () => {
                const period = get(b.props, "retentionPolicy.retentionPeriod");
                if (period === undefined)
                    report(
                        `Backups bucket must have a retention policy of at least ${cfg.minRetentionDays} days.`,
                        b.urn,
                    );
                else if (Number(period) < cfg.minRetentionDays * DAY)
                    report(
                        `Backups bucket must retain objects at least ${cfg.minRetentionDays} days, got ${Number(period) / DAY}.`,
                        b.urn,
                    );
                if (
                    period !== undefined &&
                    cfg.requireLocked &&
                    get(b.props, "retentionPolicy.isLocked") !== true
                )
                    report(
                        "Backups bucket's retention policy must be locked (isLocked: true), so nobody can shorten it or delete a backup early.",
                        b.urn,
                    );
                const days = softDeleteDays(b.props);
                if (days < cfg.minSoftDeleteDays)
                    report(
                        `Backups bucket must keep deleted objects restorable for at least ${cfg.minSoftDeleteDays} days (soft delete), got ${days}.`,
                        b.urn,
                    );
                for (const rule of deleteRules(b.props)) {
                    const why = unsafeDeleteRule(rule.condition ?? {}, {
                        minAge: cfg.minDeleteAgeDays,
                        minNoncurrentDays: cfg.minRetentionDays,
                    });
                    if (why)
                        report(
                            `Backups bucket must not delete backups early: a Delete rule ${why}.`,
                            b.urn,
                        );
                }
            });
    },
});

/**
 * Storage Transfer Service options that delete or overwrite objects
 * (https://cloud.google.com/storage-transfer/docs/reference/rest/v1/TransferOptions).
 */
export const gcsTransferNoDeletes = stackPolicy({
    name: "gcs-transfer-keeps-data",
    description:
        "Checks whether a Storage Transfer job deletes or overwrites objects in the data lake or the backups bucket.",
    remediationSteps:
        "Drop deleteObjectsFromSourceAfterTransfer, deleteObjectsUniqueInSink and overwrite options on jobs touching the data lake or the backups.",
    check: (resources, report, _cfg, each) => {
        const s = stateful(resources);
        const protectedNames = new Set(
            [...s.dataLake, ...s.backups]
                .map((b) => known(() => b.props["name"]))
                .filter((n): n is string => typeof n === "string"),
        );
        for (const j of resources.filter((r: PolicyResource) => r.type === TRANSFER_JOB))
            each(j, "the transfer's buckets and options", () => {
                const o = get(j.props, "transferSpec.transferOptions") ?? {};
                const source = get(j.props, "transferSpec.gcsDataSource.bucketName");
                const sink = get(j.props, "transferSpec.gcsDataSink.bucketName");
                const hits = (name: unknown) =>
                    typeof name !== "string" || protectedNames.has(name);
                if (o.deleteObjectsFromSourceAfterTransfer === true && hits(source))
                    report(
                        `Transfer job must not delete objects from ${String(source)} after transfer.`,
                        j.urn,
                    );
                if (
                    (o.deleteObjectsUniqueInSink === true ||
                        o.overwriteObjectsAlreadyExistingInSink === true ||
                        (o.overwriteWhen !== undefined && o.overwriteWhen !== "NEVER")) &&
                    hits(sink)
                )
                    report(
                        `Transfer job must not delete or overwrite objects in ${String(sink)}.`,
                        j.urn,
                    );
            });
    },
});

export const gcsUniformAccessRequired = resourcePolicy({
    name: "gcs-uniform-access-required",
    unknown: "fail",
    description:
        "Checks whether buckets use uniform bucket-level access (IAM only, no object ACLs).",
    remediationSteps: "Set uniformBucketLevelAccess: true on the bucket.",
    types: [BUCKET],
    check: (p, _a, report) => {
        if (p.uniformBucketLevelAccess !== true)
            report("Bucket must use uniform bucket-level access (uniformBucketLevelAccess: true).");
    },
});

export const gcsPublicAccessPrevented = resourcePolicy({
    name: "gcs-public-access-prevented",
    unknown: "fail",
    description: "Checks whether buckets enforce public access prevention.",
    remediationSteps: 'Set publicAccessPrevention: "enforced" on the bucket.',
    types: [BUCKET],
    check: (p, _a, report) => {
        if (p.publicAccessPrevention !== "enforced")
            report(
                `Bucket must enforce public access prevention, got ${JSON.stringify(p.publicAccessPrevention ?? "inherited")}.`,
            );
    },
});

export const gcsNoForceDestroy = resourcePolicy({
    name: "gcs-no-force-destroy",
    unknown: "fail",
    description: "Checks whether buckets can be deleted with their objects (forceDestroy).",
    remediationSteps: "Remove forceDestroy: emptying a data bucket must be a deliberate step.",
    types: [BUCKET],
    check: (p, _a, report) => {
        if (p.forceDestroy === true)
            report("Bucket must not set forceDestroy: deleting it would delete its data.");
    },
});

export const storagePolicies = [
    gcsUniformAccessRequired,
    gcsPublicAccessPrevented,
    gcsNoForceDestroy,
    gcsBackupsProtected,
    gcsBackupsRetentionLocked,
    gcsStagingCleanupRule,
    gcsDataLakeLifecycleSafe,
    gcsTransferNoDeletes,
];

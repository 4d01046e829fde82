// Cloud Storage policies: private, uniformly accessed buckets that keep their data.
import { BUCKET, get, resourcePolicy } from "./lib";

export const gcsUniformAccessRequired = resourcePolicy({
    name: "gcs-uniform-access-required",
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
    description: "Checks whether buckets can be deleted with their objects (forceDestroy).",
    remediationSteps: "Remove forceDestroy: emptying a data bucket must be a deliberate step.",
    types: [BUCKET],
    check: (p, _a, report) => {
        if (p.forceDestroy === true)
            report("Bucket must not set forceDestroy: deleting it would delete its data.");
    },
});

export const gcsBackupsProtected = resourcePolicy({
    name: "gcs-backups-versioned-or-retained",
    description:
        "Checks whether the backups bucket keeps every backup: versioning, or a retention policy " +
        "(Cloud Storage allows only one of the two on a bucket).",
    remediationSteps:
        "Set logistics:backups.versioning: true, or logistics:backups.retention.days (with versioning: false).",
    types: [BUCKET],
    check: (p, args, report) => {
        if (get(p, "labels.purpose") !== "backups") args.notApplicable("not the backups bucket");
        const versioned = get(p, "versioning.enabled") === true;
        const retained = get(p, "retentionPolicy.retentionPeriod") !== undefined;
        if (!versioned && !retained)
            report("Backups bucket must be versioned or have a retention policy.");
    },
});

export const gcsStagingCleanupRule = resourcePolicy({
    name: "gcs-staging-cleanup-rule",
    description:
        "Checks whether the data lake deletes objects under staging/ with a lifecycle rule (the runbook's weekly cleanup).",
    remediationSteps:
        "Keep logistics:dataLake.stagingRetentionDays set; the data lake component adds the rule.",
    types: [BUCKET],
    check: (p, args, report) => {
        if (get(p, "labels.component") !== "data-lake")
            args.notApplicable("not the data lake bucket");
        const rules: any[] = Array.isArray(p.lifecycleRules) ? p.lifecycleRules : [];
        const cleans = rules.some(
            (r) =>
                get(r, "action.type") === "Delete" &&
                typeof get(r, "condition.age") === "number" &&
                (get(r, "condition.matchesPrefixes") ?? []).includes("staging/"),
        );
        if (!cleans)
            report("Data lake bucket must have a lifecycle rule deleting objects under staging/.");
    },
});

export const storagePolicies = [
    gcsUniformAccessRequired,
    gcsPublicAccessPrevented,
    gcsNoForceDestroy,
    gcsBackupsProtected,
    gcsStagingCleanupRule,
];

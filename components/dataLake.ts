// The data lake: the bucket the runbook calls $BUCKET, with raw/ and staging/ prefixes.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { IamBindings } from "./common.schema";
import type { DataLakeConfig } from "./dataLake.schema";
import {
    deletionPolicy,
    grantOptions,
    housekeepingRules,
    iamGrants,
    statefulOptions,
    tieringRules,
    usableAfter,
} from "./common";

/** Where ingestion lands files, and what the weekly cleanup used to delete by hand. */
export const RAW_PREFIX = "raw/";
export const STAGING_PREFIX = "staging/";

export interface DataLakeArgs {
    /** Physical bucket name (globally unique). */
    bucketName: string;
    /** Bucket location (region, multi-region or dual-region code). */
    location: string;
    settings: DataLakeConfig;
    labels: Record<string, string>;
    /** Protect the bucket against deletion (Pulumi protect, retainOnDelete, GCP deletion policy). */
    protect: boolean;
    /** Bucket-level IAM: role → members. */
    iam?: IamBindings;
    /** Service accounts the IAM members name: the grants wait for them. */
    accounts?: readonly pulumi.Resource[];
}

/**
 * The lifecycle of the data bucket: staging/ is deleted after `stagingRetentionDays` (replacing
 * the runbook's weekly `gsutil rm`), raw/ optionally tiers to colder classes, noncurrent versions
 * expire, abandoned multipart uploads are cleaned up.
 */
export function dataLakeLifecycleRules(
    s: DataLakeConfig,
): gcp.types.input.storage.BucketLifecycleRule[] {
    return [
        {
            action: { type: "Delete" },
            condition: { age: s.stagingRetentionDays, matchesPrefixes: [STAGING_PREFIX] },
        },
        ...(s.rawTiering ? tieringRules(s.rawTiering, [RAW_PREFIX]) : []),
        ...housekeepingRules(s.versioning ? s.noncurrentVersionRetentionDays : undefined),
    ];
}

export class DataLake extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly bucketUrl: pulumi.Output<string>;
    public readonly rawPrefix: pulumi.Output<string>;
    public readonly stagingPrefix: pulumi.Output<string>;

    constructor(name: string, args: DataLakeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("logistics:storage:DataLake", name, {}, opts);
        const s = args.settings;
        const bucket = new gcp.storage.Bucket(
            `${name}-bucket`,
            {
                name: args.bucketName,
                location: args.location,
                uniformBucketLevelAccess: true,
                publicAccessPrevention: "enforced",
                versioning: { enabled: s.versioning },
                softDeletePolicy: { retentionDurationSeconds: s.softDeleteDays * 86400 },
                lifecycleRules: dataLakeLifecycleRules(s),
                labels: args.labels,
                deletionPolicy: deletionPolicy(args.protect),
            },
            statefulOptions(this, args.protect, opts),
        );
        const grants = iamGrants(args.iam ?? {}).map(
            (grant) =>
                new gcp.storage.BucketIAMMember(
                    `${name}-${grant.key}`,
                    { bucket: bucket.name, role: grant.role, member: grant.member },
                    grantOptions(this, opts, args.accounts),
                ),
        );
        this.bucketName = usableAfter(bucket.name, grants);
        this.bucketUrl = pulumi.interpolate`gs://${this.bucketName}`;
        this.rawPrefix = pulumi.interpolate`gs://${this.bucketName}/${RAW_PREFIX}`;
        this.stagingPrefix = pulumi.interpolate`gs://${this.bucketName}/${STAGING_PREFIX}`;
        this.registerOutputs({
            bucketName: this.bucketName,
            bucketUrl: this.bucketUrl,
            rawPrefix: this.rawPrefix,
            stagingPrefix: this.stagingPrefix,
        });
    }
}

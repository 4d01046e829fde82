// Where backups live: the backups bucket ($BUCKET-backups in the runbook) and the bucket for
// Composer environment snapshots, which may sit in another region to survive a regional outage.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { BucketPlacement } from "./locations";
import type { BackupsConfig } from "./backupStore.schema";
import type { IamBindings } from "./common.schema";
import {
    deletionPolicy,
    grantOptions,
    housekeepingRules,
    iamGrants,
    statefulOptions,
    tieringRules,
    usableAfter,
} from "./common";

export interface BackupStoreArgs {
    /** Physical name of the backups bucket. */
    bucketName: string;
    /** Physical name of the Composer snapshots bucket. */
    snapshotBucketName: string;
    settings: BackupsConfig;
    /** Placement of the backups bucket (location, optional dual-region). */
    placement: BucketPlacement;
    /** Placement of the snapshots bucket; another region than the environment's survives its outage. */
    snapshotPlacement: BucketPlacement;
    labels: Record<string, string>;
    protect: boolean;
    /** IAM on the backups bucket: role → members. */
    iam?: IamBindings;
    /** IAM on the snapshots bucket: role → members. */
    snapshotIam?: IamBindings;
    /** Service accounts the IAM members name: the grants wait for them. */
    accounts?: readonly pulumi.Resource[];
}

/** A placement as bucket arguments. */
export function placementArgs(
    p: BucketPlacement,
): Pick<gcp.storage.BucketArgs, "location" | "customPlacementConfig"> {
    return {
        location: p.location,
        ...(p.dataLocations ? { customPlacementConfig: { dataLocations: p.dataLocations } } : {}),
    };
}

/** Backups tier to colder classes as they age and are deleted after the retention horizon. */
export function backupLifecycleRules(
    s: BackupsConfig,
): gcp.types.input.storage.BucketLifecycleRule[] {
    return [
        ...tieringRules(s.tiering),
        { action: { type: "Delete" }, condition: { age: s.deleteAfterDays } },
        // A noncurrent version only exists with versioning; keep it as long as a backup lives.
        ...housekeepingRules(s.versioning ? s.deleteAfterDays : undefined),
    ];
}

export class BackupStore extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly bucketUrl: pulumi.Output<string>;
    public readonly snapshotBucketName: pulumi.Output<string>;
    public readonly snapshotUrl: pulumi.Output<string>;

    constructor(name: string, args: BackupStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("logistics:storage:BackupStore", name, {}, opts);
        const s = args.settings;
        const common = {
            uniformBucketLevelAccess: true,
            publicAccessPrevention: "enforced",
            deletionPolicy: deletionPolicy(args.protect),
        };
        const backups = new gcp.storage.Bucket(
            `${name}-bucket`,
            {
                name: args.bucketName,
                ...placementArgs(args.placement),
                ...common,
                versioning: { enabled: s.versioning },
                // Turbo replication (dual-regions only; the config checks): see backupStore.schema.ts.
                ...(s.turboReplication ? { rpo: "ASYNC_TURBO" } : {}),
                ...(s.retention
                    ? {
                          retentionPolicy: {
                              retentionPeriod: String(s.retention.days * 86400),
                              isLocked: s.retention.locked,
                          },
                      }
                    : {}),
                lifecycleRules: backupLifecycleRules(s),
                labels: { ...args.labels, purpose: "backups" },
            },
            statefulOptions(this, args.protect, opts),
        );
        const snapshots = new gcp.storage.Bucket(
            `${name}-snapshots`,
            {
                name: args.snapshotBucketName,
                ...placementArgs(args.snapshotPlacement),
                ...common,
                versioning: { enabled: true },
                lifecycleRules: [
                    { action: { type: "Delete" }, condition: { age: s.deleteAfterDays } },
                    ...housekeepingRules(30),
                ],
                labels: { ...args.labels, purpose: "composer-snapshots" },
            },
            statefulOptions(this, args.protect, opts),
        );
        const grant = (bucket: gcp.storage.Bucket, prefix: string, iam: IamBindings | undefined) =>
            iamGrants(iam ?? {}).map(
                (g) =>
                    new gcp.storage.BucketIAMMember(
                        `${prefix}-${g.key}`,
                        { bucket: bucket.name, role: g.role, member: g.member },
                        grantOptions(this, opts, args.accounts),
                    ),
            );
        this.bucketName = usableAfter(backups.name, grant(backups, `${name}-bucket`, args.iam));
        this.bucketUrl = pulumi.interpolate`gs://${this.bucketName}`;
        this.snapshotBucketName = usableAfter(
            snapshots.name,
            grant(snapshots, `${name}-snapshots`, args.snapshotIam),
        );
        this.snapshotUrl = pulumi.interpolate`gs://${this.snapshotBucketName}/snapshots`;
        this.registerOutputs({
            bucketName: this.bucketName,
            bucketUrl: this.bucketUrl,
            snapshotBucketName: this.snapshotBucketName,
            snapshotUrl: this.snapshotUrl,
        });
    }
}

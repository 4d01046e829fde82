// Config section of the backups bucket and the Composer snapshots bucket
// (components/backupStore.ts). Composed into CONFIG_SCHEMA as logistics:backups (stacks/config.ts).
import { z } from "zod";
import { bool, int, pattern, section, show } from "../lib/schema";
import { tiering } from "./common.schema";
import {
    BUCKET_DUAL_REGIONS,
    BUCKET_MULTI_REGIONS,
    bucketLocation,
    continentOf,
    region,
} from "./locations";

/** The backups bucket (`$BUCKET-backups`) and the Composer snapshots bucket. */
export const backups = section({
    /** Backups bucket location. Default: gcp:region. */
    location: bucketLocation.optional(),
    /** Two regions of one continent for a configurable dual-region (sets location to the continent). */
    dualRegion: z
        .tuple([region, region], {
            error: (i) =>
                `got ${show(i.input)}. Expected a list of exactly two regions, e.g. [us-central1, us-east1]`,
        })
        .optional(),
    /**
     * Turbo replication of the backups bucket: every new object in both regions within 15
     * minutes (default replication: 99.9% within 1 hour, 100% within 12 hours). Dual-regions
     * only: https://cloud.google.com/storage/docs/availability-durability#turbo-replication.
     * Default false.
     */
    turboReplication: bool().default(false),
    /** Refuse a single-region backups bucket (prod). Default false. */
    requireMultiRegion: bool().default(false),
    /**
     * Object versioning. GCS does not allow versioning on a bucket with a retention policy:
     * choose one (prod: a retention policy; dev: versioning). Default true.
     */
    versioning: bool().default(true),
    /** Retention policy: objects cannot be deleted or overwritten for `days`. */
    retention: section({
        /** At least 1 day. */
        days: int(1, 3650, "a retention under one day protects nothing"),
        /** Lock the policy: irreversible, the period can then only grow. Default false. */
        locked: bool().default(false),
    }).optional(),
    /** Storage-class tiering of backups by age. */
    tiering: tiering.default({ coldlineAfterDays: 30, archiveAfterDays: 90 }),
    /** Backups are deleted after this many days (the retention horizon). Default 400. */
    deleteAfterDays: int(1, 36500).default(400),
    /** Time of the daily exports (UTC), inside the runbook's daily 02:00–03:00 window. Default 02:15. */
    exportTime: pattern(
        /^02:[0-5][0-9]$/,
        "a time from 02:00 to 02:59 UTC (the runbook's daily window), e.g. 02:15",
    ).default("02:15"),
    /** Region of the Composer snapshots bucket; another region survives a regional outage. Default: gcp:region. */
    snapshotLocation: region.optional(),
})
    .prefault({})
    .superRefine((b, ctx) => {
        if (b.versioning && b.retention)
            ctx.addIssue({
                code: "custom",
                path: ["versioning"],
                message:
                    "is true while a retention policy is set. Cloud Storage does not allow both on one bucket: " +
                    "set versioning: false (the retention policy already prevents deletes and overwrites) or remove retention",
            });
        if (b.retention && b.deleteAfterDays < b.retention.days)
            ctx.addIssue({
                code: "custom",
                path: ["deleteAfterDays"],
                message: `got ${b.deleteAfterDays}, shorter than retention.days (${b.retention.days}). Expected deleteAfterDays ≥ retention.days`,
            });
        for (const [k, age] of Object.entries(b.tiering))
            if (age !== undefined && age >= b.deleteAfterDays)
                ctx.addIssue({
                    code: "custom",
                    path: ["tiering", k],
                    message: `got ${age}, not before deleteAfterDays (${b.deleteAfterDays}). Expected a tier change before deletion`,
                });
        if (b.dualRegion) {
            if (b.location !== undefined)
                ctx.addIssue({
                    code: "custom",
                    path: ["location"],
                    message:
                        "is set together with dualRegion. Set one: dualRegion implies the continent's location",
                });
            const continents = b.dualRegion.map(continentOf);
            if (
                continents[0] === undefined ||
                continents[0] !== continents[1] ||
                b.dualRegion[0] === b.dualRegion[1]
            )
                ctx.addIssue({
                    code: "custom",
                    path: ["dualRegion"],
                    message: `got ${JSON.stringify(b.dualRegion)}. Expected two different regions of one continent (us-*, europe-* or asia-*)`,
                });
        }
        if (b.turboReplication && !isDualRegion(b))
            ctx.addIssue({
                code: "custom",
                path: ["turboReplication"],
                message:
                    `is true for ${b.location === undefined ? "a bucket in gcp:region" : JSON.stringify(b.location)}, not a dual-region. ` +
                    `Expected dualRegion: [region, region] or a predefined dual-region (${Object.keys(BUCKET_DUAL_REGIONS).join(", ")}): ` +
                    "Cloud Storage replicates with turbo replication between the two regions of a dual-region only",
            });
        const multi =
            b.dualRegion !== undefined ||
            (b.location !== undefined &&
                (BUCKET_MULTI_REGIONS as readonly string[]).includes(b.location));
        if (b.requireMultiRegion && !multi)
            ctx.addIssue({
                code: "custom",
                path: ["location"],
                message:
                    `${b.location === undefined ? "is not set, so defaults to gcp:region" : `got ${JSON.stringify(b.location)}`}, ` +
                    `a single region, while requireMultiRegion is true. Expected a multi-region or dual-region ` +
                    `(${BUCKET_MULTI_REGIONS.join(", ")}) or dualRegion: [region, region]`,
            });
    });

/** Whether the backups bucket is a dual-region (configurable or predefined), where turbo replication applies. */
function isDualRegion(b: { dualRegion?: readonly string[]; location?: string }): boolean {
    return (
        b.dualRegion !== undefined ||
        (b.location !== undefined && b.location in BUCKET_DUAL_REGIONS)
    );
}

export type BackupsConfig = z.output<typeof backups>;

/** When the backup of `date` (YYYY-MM-DD) was taken: the daily export's time that day, UTC. */
export function backupPoint(date: string, exportTime: string): string {
    return `${date}T${exportTime}:00Z`;
}

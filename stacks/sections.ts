// Config sections of the data components (data lake, backups, warehouse) and the one IAM shape
// every component uses. Part of CONFIG_SCHEMA (stacks/config.ts); defaults live here.
import { createHash } from "crypto";
import { z } from "zod";
import { isRawTableName, RAW_TABLE_NAMES } from "../components/rawTables";
import {
    BUCKET_DUAL_REGIONS,
    BUCKET_MULTI_REGIONS,
    bucketLocation,
    continentOf,
    datasetLocation,
    region,
} from "./locations";
import {
    bool,
    calendarDate,
    int,
    map,
    oneOf,
    pattern,
    section,
    show,
    utcTimestamp,
} from "./schema";

/**
 * The one IAM shape (STYLE.md §8): role → members, e.g.
 * `{ "roles/bigquery.dataViewer": ["group:analysts@example.com"] }`.
 */
const role = pattern(
    /^(roles|projects\/[a-z][a-z0-9-]+\/roles|organizations\/[0-9]+\/roles)\/[A-Za-z0-9_.]+$/,
    "an IAM role such as roles/bigquery.dataViewer",
);
const member = pattern(
    /^(user|serviceAccount|group|domain):\S+$/,
    "an IAM member such as group:analysts@example.com or serviceAccount:<email> " +
        "(allUsers and allAuthenticatedUsers are not allowed on data)",
);
export const iamBindings = map(
    role,
    z.array(member, { error: () => "expected a list of IAM members" }),
    "a map of IAM roles to lists of members",
);
export type IamBindings = z.output<typeof iamBindings>;

/**
 * Who is on call (the runbook's level 1), granted what `npm run ops` needs and nothing that
 * writes: BigQuery jobs and job metadata on the project, read on the raw dataset.
 */
export const oncall = section(
    {
        /** IAM members, e.g. group:data-oncall@example.com. */
        members: z.array(member, { error: () => "expected a list of IAM members" }).default([]),
    },
    "keys members",
).default({ members: [] });

/** The on-call's project roles: run queries and dry runs, read restore jobs' status. */
export const ONCALL_PROJECT_ROLES = ["roles/bigquery.jobUser", "roles/bigquery.resourceViewer"];
/** The on-call's role on the raw dataset: read tables and their schemas. */
export const ONCALL_RAW_ROLE = "roles/bigquery.dataViewer";

/** Lifecycle tiering: each age in days from object creation; later classes need later ages. */
const tiering = section(
    {
        nearlineAfterDays: int(1, 36500).optional(),
        coldlineAfterDays: int(1, 36500).optional(),
        archiveAfterDays: int(1, 36500).optional(),
    },
    "optional keys nearlineAfterDays, coldlineAfterDays, archiveAfterDays",
).superRefine((t, ctx) => {
    const steps = (["nearlineAfterDays", "coldlineAfterDays", "archiveAfterDays"] as const).filter(
        (k) => t[k] !== undefined,
    );
    for (let i = 1; i < steps.length; i++) {
        const [before, after] = [steps[i - 1]!, steps[i]!];
        if (t[after]! <= t[before]!)
            ctx.addIssue({
                code: "custom",
                path: [after],
                message: `got ${t[after]}, not after ${before} (${t[before]}). Expected colder classes at later ages`,
            });
    }
});
export type Tiering = z.output<typeof tiering>;

export const DATA_LAKE_DEFAULTS = {
    versioning: true,
    softDeleteDays: 7,
    stagingRetentionDays: 30,
    noncurrentVersionRetentionDays: 30,
} as const;

/** The data bucket ($BUCKET in the runbook). */
export const dataLake = section(
    {
        /** Bucket location. Default: gcp:region. */
        location: bucketLocation.optional(),
        /** Keep overwritten and deleted objects as noncurrent versions. Default true. */
        versioning: bool().default(DATA_LAKE_DEFAULTS.versioning),
        /** Soft delete window: 0 turns it off, else 7 to 90 days (GCP's range). Default 7. */
        softDeleteDays: int(0, 90)
            .refine((d) => d === 0 || d >= 7, {
                error: (i) =>
                    `got ${String(i.input)}. Expected 0 (off) or 7 to 90 days (GCP's range)`,
            })
            .default(DATA_LAKE_DEFAULTS.softDeleteDays),
        /** Age in days after which objects under staging/ are deleted (the runbook's weekly cleanup). Default 30. */
        stagingRetentionDays: int(1, 3650).default(DATA_LAKE_DEFAULTS.stagingRetentionDays),
        /** Days a noncurrent version is kept before deletion (with versioning). Default 30. */
        noncurrentVersionRetentionDays: int(1, 3650).default(
            DATA_LAKE_DEFAULTS.noncurrentVersionRetentionDays,
        ),
        /** Optional storage-class tiering of objects under raw/. */
        rawTiering: tiering.optional(),
    },
    "keys location, versioning, softDeleteDays, stagingRetentionDays, noncurrentVersionRetentionDays, rawTiering",
).default({ ...DATA_LAKE_DEFAULTS });

/** The backups bucket (`$BUCKET-backups`) and the Composer snapshots bucket. */
export const backups = section(
    {
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
        retention: section(
            {
                /** At least 1 day. */
                days: int(1, 3650, "a retention under one day protects nothing"),
                /** Lock the policy: irreversible, the period can then only grow. Default false. */
                locked: bool().default(false),
            },
            "keys days, locked",
        ).optional(),
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
    },
    "keys location, dualRegion, turboReplication, requireMultiRegion, versioning, retention, tiering, deleteAfterDays, exportTime, snapshotLocation",
)
    .default({
        turboReplication: false,
        requireMultiRegion: false,
        versioning: true,
        tiering: { coldlineAfterDays: 30, archiveAfterDays: 90 },
        deleteAfterDays: 400,
        exportTime: "02:15",
    })
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

export const RESERVATION_EDITIONS = ["STANDARD", "ENTERPRISE", "ENTERPRISE_PLUS"] as const;

export const DATASET_DESCRIPTIONS = {
    raw: "Raw data loaded from the data lake by the ingestion DAGs; every table has _loaded_at.",
    staging: "dbt staging models: cleaned, deduplicated and typed raw data.",
    marts: "dbt marts served by logistics-api and analysts.",
} as const;

const datasetMap = <V extends z.ZodType>(value: V, accepted: string) =>
    section(
        { raw: value.optional(), staging: value.optional(), marts: value.optional() },
        accepted,
    );

/** BigQuery: datasets raw, staging, marts, the raw tables, and optional slots. */
export const warehouse = section(
    {
        /** Dataset location (a region or US / EU). Default: gcp:region. */
        location: datasetLocation.optional(),
        /** Time travel window in hours: 48 to 168 in steps of 24. Default 168 (7 days). */
        timeTravelHours: int(48, 168, "BigQuery's time-travel window")
            .refine((h) => h % 24 === 0, {
                error: (i) => `got ${String(i.input)}. Expected a multiple of 24 from 48 to 168`,
            })
            .default(168),
        /** Default expiration of tables in `staging`, in days. Unset: tables do not expire. */
        stagingTableExpirationDays: int(1, 3650).optional(),
        /** Dataset descriptions; defaults describe each dataset's role. */
        descriptions: datasetMap(
            z
                .string({ error: (i) => `got ${show(i.input)}. Expected a description text` })
                .max(16384, {
                    error: (i) =>
                        `got a text of ${String(i.input).length} characters. Expected at most 16384`,
                }),
            "optional keys raw, staging, marts",
        ).default({}),
        /** Dataset-level IAM, per dataset: role → members. */
        iam: datasetMap(
            iamBindings,
            "optional keys raw, staging, marts, each a map of roles to members",
        ).default({}),
        /**
         * Daily table snapshots of every raw table (the recovery ladder's tier between time travel
         * and the Parquet backups); absent: no snapshots. components/tableSnapshots.ts.
         */
        snapshots: section(
            {
                /**
                 * Days a snapshot is kept (the snapshots dataset's default table expiration).
                 * BigQuery's minimum is one hour; the platform takes whole days, up to ten years.
                 * https://cloud.google.com/bigquery/docs/reference/rest/v2/datasets#Dataset.FIELDS.default_table_expiration_ms
                 */
                expirationDays: int(1, 3650, "days a snapshot is kept"),
                /** UTC time of the daily snapshot, outside Composer's maintenance window. Default 05:00. */
                time: pattern(
                    /^([01][0-9]|2[0-3]):[0-5][0-9]$/,
                    "a time HH:MM (UTC), e.g. 05:00",
                ).default("05:00"),
            },
            "keys expirationDays, time",
        ).optional(),
        /**
         * A cross-region replica of the raw dataset in this location (another region or
         * multi-region), added once by `ALTER SCHEMA … ADD REPLICA`; absent: none.
         * https://cloud.google.com/bigquery/docs/data-replication
         */
        replicaLocation: datasetLocation.optional(),
        /** Slots: absent means on-demand pricing. */
        reservation: section(
            {
                /** BigQuery edition. */
                edition: oneOf(RESERVATION_EDITIONS),
                /** Baseline slots, always allocated (multiple of 50). */
                baselineSlots: int(0, 100000).refine((n) => n % 50 === 0, {
                    error: (i) => `got ${String(i.input)}. Expected a multiple of 50`,
                }),
                /** Upper bound with autoscaling (multiple of 50, ≥ baselineSlots). */
                maxSlots: int(50, 100000).refine((n) => n % 50 === 0, {
                    error: (i) => `got ${String(i.input)}. Expected a multiple of 50`,
                }),
                /**
                 * Managed disaster recovery: the failover reservation's secondary location, where
                 * the raw dataset's replica (replicaLocation, the same) is promoted by a failover.
                 * Enterprise Plus only: https://cloud.google.com/bigquery/docs/managed-disaster-recovery
                 */
                secondaryLocation: datasetLocation.optional(),
            },
            "keys edition, baselineSlots, maxSlots, secondaryLocation",
        )
            .superRefine((r, ctx) => {
                // Standard edition: autoscaling only, at most 1,600 slots (BigQuery editions).
                if (r.edition === "STANDARD" && r.baselineSlots > 0)
                    ctx.addIssue({
                        code: "custom",
                        path: ["baselineSlots"],
                        message: `got ${r.baselineSlots}. Expected 0 with edition STANDARD, which has no baseline slots (use ENTERPRISE for a baseline)`,
                    });
                if (r.edition === "STANDARD" && r.maxSlots > 1600)
                    ctx.addIssue({
                        code: "custom",
                        path: ["maxSlots"],
                        message: `got ${r.maxSlots}. Expected at most 1600 with edition STANDARD (its reservation cap)`,
                    });
                if (r.secondaryLocation && r.edition !== "ENTERPRISE_PLUS")
                    ctx.addIssue({
                        code: "custom",
                        path: ["secondaryLocation"],
                        message: `got "${r.secondaryLocation}" with edition ${r.edition}. Expected edition ENTERPRISE_PLUS: BigQuery offers managed disaster recovery (a failover reservation) with Enterprise Plus only`,
                    });
                if (r.maxSlots < r.baselineSlots)
                    ctx.addIssue({
                        code: "custom",
                        path: ["maxSlots"],
                        message: `got ${r.maxSlots}, below baselineSlots (${r.baselineSlots}). Expected maxSlots ≥ baselineSlots`,
                    });
            })
            .optional(),
    },
    "keys location, timeTravelHours, stagingTableExpirationDays, descriptions, iam, snapshots, replicaLocation, reservation",
).default({ timeTravelHours: 168, descriptions: {}, iam: {} });

export type DataLakeConfig = z.output<typeof dataLake>;
export type BackupsConfig = z.output<typeof backups>;
export type WarehouseConfig = z.output<typeof warehouse>;

/** The raw tables, declared once in components/rawTables.ts; re-exported for the config sections. */
export { RAW_TABLE_NAMES, type RawTableName } from "../components/rawTables";

const isoTimestamp = utcTimestamp("2026-11-26T09:30:00Z");

/**
 * A restore: which raw table, from a backup date or a time-travel timestamp, into a new table or
 * in place. `requestedAt` anchors the checks, so re-running `pulumi up` later neither fails nor
 * re-runs it.
 */
const restore = section(
    {
        /** The raw table to restore. */
        table: oneOf(RAW_TABLE_NAMES, "a raw table, one of"),
        /** When the restore was asked for (UTC); the source must be before it. */
        requestedAt: isoTimestamp,
        /** Restore the daily backup of this date (`<table>_<YYYYMMDD>` objects). */
        backupDate: calendarDate("2026-11-20").optional(),
        /** Restore the table as it was at this time (BigQuery time travel). */
        timestamp: isoTimestamp.optional(),
        /** Restore the daily table snapshot of this date (logistics:warehouse.snapshots). */
        snapshot: calendarDate("2026-11-20").optional(),
        /** Write into this new table of the raw dataset. */
        targetTable: pattern(
            /^[A-Za-z_][A-Za-z0-9_]{0,1023}$/,
            "a table name (letters, digits, '_')",
        ).optional(),
        /** Replace the table's contents instead. */
        replace: bool().optional(),
    },
    "keys table, requestedAt, backupDate, timestamp or snapshot, targetTable or replace",
).superRefine((r, ctx) => {
    const sources = RESTORE_SOURCES.filter((k) => r[k] !== undefined);
    if (sources.length !== 1)
        ctx.addIssue({
            code: "custom",
            path: [],
            message: `sets ${sources.length === 0 ? "none" : sources.join(" and ")} of backupDate, timestamp and snapshot. Expected exactly one: backupDate (a daily backup), timestamp (time travel) or snapshot (a daily table snapshot)`,
        });
    if ((r.targetTable === undefined) === (r.replace !== true))
        ctx.addIssue({
            code: "custom",
            path: [],
            message: `sets ${r.targetTable === undefined ? "neither" : "both"} of targetTable and replace. Expected exactly one: targetTable (a new table in raw) or replace: true`,
        });
    if (r.backupDate !== undefined && r.replace === true)
        ctx.addIssue({
            code: "custom",
            path: ["replace"],
            message:
                "is true for a backup restore. Expected targetTable: a backup loads into a new table; compare it with the live one, then swap (docs/runbook.md)",
        });
    if (r.targetTable !== undefined && isRawTableName(r.targetTable))
        ctx.addIssue({
            code: "custom",
            path: ["targetTable"],
            message: `got ${JSON.stringify(r.targetTable)}, an existing raw table. Expected a new table name, or replace: true`,
        });
});

/** A restore's sources; an entry names exactly one. */
const RESTORE_SOURCES = ["backupDate", "timestamp", "snapshot"] as const;

export const restores = map(
    pattern(
        /^[a-z][a-z0-9-]{0,40}$/,
        "a restore id: lowercase letters, digits and '-', e.g. packages-2026-11-20",
    ),
    restore,
    "a map of restore ids to restores",
).default({});
export type RestoreConfig = z.output<typeof restore>;

/** When the backup of `date` (YYYY-MM-DD) was taken: the daily export's time that day, UTC. */
export function backupPoint(date: string, exportTime: string): string {
    return `${date}T${exportTime}:00Z`;
}

/** When the table snapshot of `date` (YYYY-MM-DD) was taken: the daily snapshot's time that day, UTC. */
export function snapshotPoint(date: string, time: string): string {
    return `${date}T${time}:00Z`;
}

/**
 * A restore's BigQuery job id, from the entry: the same entry gives the same id (so `pulumi up`
 * never runs it twice), any change a new job. The ops command finds the job by it.
 */
export function restoreJobId(id: string, r: RestoreConfig): string {
    const canonical = JSON.stringify(
        // Keys in code-point order, whatever the locale: an id must never change under a deploy.
        Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    );
    const hash = createHash("sha256").update(canonical).digest("hex").slice(0, 12);
    return `restore_${id.replace(/-/g, "_")}_${hash}`;
}

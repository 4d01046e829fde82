// Config section of BigQuery (components/warehouse.ts; snapshots: components/tableSnapshots.ts;
// the replica: components/datasetReplica.ts). Composed into CONFIG_SCHEMA as logistics:warehouse
// (stacks/config.ts).
import { z } from "zod";
import { int, oneOf, pattern, section, show } from "../lib/schema";
import { iamBindings } from "./common.schema";
import { datasetLocation } from "./locations";

export const RESERVATION_EDITIONS = ["STANDARD", "ENTERPRISE", "ENTERPRISE_PLUS"] as const;

export const DATASET_DESCRIPTIONS = {
    raw: "Raw data loaded from the data lake by the ingestion DAGs; every table has _loaded_at.",
    staging: "dbt staging models: cleaned, deduplicated and typed raw data.",
    marts: "dbt marts served by logistics-api and analysts.",
} as const;

const datasetMap = <V extends z.ZodType>(value: V, note?: string) =>
    section({ raw: value.optional(), staging: value.optional(), marts: value.optional() }, note);

/** BigQuery: datasets raw, staging, marts, the raw tables, and optional slots. */
export const warehouse = section({
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
        z.string({ error: (i) => `got ${show(i.input)}. Expected a description text` }).max(16384, {
            error: (i) =>
                `got a text of ${String(i.input).length} characters. Expected at most 16384`,
        }),
    ).default({}),
    /** Dataset-level IAM, per dataset: role → members. */
    iam: datasetMap(iamBindings, "each a map of roles to members").default({}),
    /**
     * Daily table snapshots of every raw table (the recovery ladder's tier between time travel
     * and the Parquet backups); absent: no snapshots. components/tableSnapshots.ts.
     */
    snapshots: section({
        /**
         * Days a snapshot is kept (the snapshots dataset's default table expiration).
         * BigQuery's minimum is one hour; the platform takes whole days, up to ten years.
         * https://cloud.google.com/bigquery/docs/reference/rest/v2/datasets#Dataset.FIELDS.default_table_expiration_ms
         */
        expirationDays: int(1, 3650, "days a snapshot is kept"),
        /** UTC time of the daily snapshot, outside Composer's maintenance window. Default 05:00. */
        time: pattern(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, "a time HH:MM (UTC), e.g. 05:00").default(
            "05:00",
        ),
    }).optional(),
    /**
     * A cross-region replica of the raw dataset in this location (another region or
     * multi-region), added once by `ALTER SCHEMA … ADD REPLICA`; absent: none.
     * https://cloud.google.com/bigquery/docs/data-replication
     */
    replicaLocation: datasetLocation.optional(),
    /** Slots: absent means on-demand pricing. */
    reservation: section({
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
         * Managed disaster recovery: the failover reservation's secondary location, where the
         * raw dataset's replica (replicaLocation, the same) is promoted by a failover.
         * Enterprise Plus only: https://cloud.google.com/bigquery/docs/managed-disaster-recovery
         */
        secondaryLocation: datasetLocation.optional(),
    })
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
}).prefault({});

export type WarehouseConfig = z.output<typeof warehouse>;

/** When the table snapshot of `date` (YYYY-MM-DD) was taken: the daily snapshot's time that day, UTC. */
export function snapshotPoint(date: string, time: string): string {
    return `${date}T${time}:00Z`;
}

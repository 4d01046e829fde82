// The cost sections of the config: usage assumptions for the estimate (logistics:estimates) and
// the monthly budget a stack policy holds the estimate to (logistics:budget).
import { z } from "zod";
import { int, map, num, pattern, section } from "../lib/schema";

/**
 * Usage the plan cannot know, with the defaults the estimate assumes when a stack sets none.
 * Every figure that uses one of these is marked as an assumption in `--cost`.
 */
export const ESTIMATE_DEFAULTS = {
    /**
     * GB written per day, per bucket (its `purpose` label, else its `component` label) or per
     * prefix of it (`data-lake/raw`); a prefix entry takes that prefix's lifecycle rules.
     */
    storageGbPerDay: {
        "data-lake/raw": 5,
        "data-lake/staging": 2,
        backups: 1,
        "composer-snapshots": 0.2,
    } as Record<string, number>,
    /** Days an object stays where no Delete lifecycle rule ends it sooner. */
    keepDays: 365,
    /** BigQuery storage per dataset id: active and long-term (unchanged for 90 days) GB. */
    bigQueryGb: {
        raw: { active: 50, longTerm: 200 },
        staging: { active: 10, longTerm: 0 },
        marts: { active: 20, longTerm: 20 },
        // Table snapshots bill only the data that differs from their base table
        // (https://cloud.google.com/bigquery/docs/table-snapshots-intro#storage_costs): an
        // assumption of a small share of raw.
        snapshots: { active: 5, longTerm: 0 },
    } as Record<string, { active: number; longTerm: number }>,
    /** TiB scanned per month by on-demand queries (none are billed so with a reservation). */
    queryTibPerMonth: 2,
    /** Slot-hours per month above a reservation's baseline (its autoscaling). */
    autoscaleSlotHours: 0,
    /** logistics-api: average instances running beyond minInstances. */
    apiExtraInstances: 0,
    /** logistics-api: requests per month (billed per request with request-based billing only). */
    apiRequestsPerMonth: 5_000_000,
    /** logistics-api: average seconds a request keeps an instance busy (request-based billing). */
    apiRequestSeconds: 0.2,
    /** Composer: average Airflow workers running (default: the configured minimum). */
    composerWorkers: undefined as number | undefined,
    /** Composer: Airflow database size, GiB. */
    composerDatabaseGib: 10,
    /** Container images kept in Artifact Registry, GB. */
    imagesGb: 5,
    /** Secret Manager access operations per month. */
    secretAccessesPerMonth: 100_000,
};

export type Estimates = typeof ESTIMATE_DEFAULTS;

const gb = (max: number) => num(0, max, "GB");

/** `logistics:estimates`: every key optional; absent keys take ESTIMATE_DEFAULTS. */
export const estimates = section({
    /** GB written per day per bucket role or role/prefix (e.g. data-lake/raw: 5). */
    storageGbPerDay: map(
        pattern(
            /^[a-z][a-z0-9_-]*(\/[A-Za-z0-9_.-]+)?$/,
            "a bucket's purpose or component label, optionally /<prefix> (e.g. data-lake/raw)",
        ),
        gb(1_000_000),
        "a map of bucket roles (e.g. data-lake/raw) to GB written per day",
    ).optional(),
    keepDays: int(1, 36500).optional(),
    bigQueryGb: map(
        pattern(/^[A-Za-z0-9_]{1,1024}$/, "a dataset id"),
        section({ active: gb(100_000_000), longTerm: gb(100_000_000) }, "GB"),
        "a map of dataset ids to { active, longTerm } GB",
    ).optional(),
    queryTibPerMonth: num(0, 1_000_000, "TiB").optional(),
    autoscaleSlotHours: num(0, 100_000_000, "slot-hours").optional(),
    apiExtraInstances: num(0, 1000, "instances").optional(),
    apiRequestsPerMonth: num(0, 1e13, "requests").optional(),
    apiRequestSeconds: num(0, 3600, "seconds").optional(),
    composerWorkers: num(0, 1000, "workers").optional(),
    composerDatabaseGib: num(0, 100_000, "GiB").optional(),
    imagesGb: gb(1_000_000).optional(),
    secretAccessesPerMonth: num(0, 1e12, "operations").optional(),
}).default({});

export type EstimatesConfig = z.output<typeof estimates>;

/** `logistics:budget`: `monthlyUsd` absent means no limit. */
export const budget = section({
    /** The most the stack's monthly estimate may be, in USD. */
    monthlyUsd: num(0, 100_000_000, "USD").optional(),
}).default({});

/**
 * The stack's usage assumptions: its own values over the defaults, and which keys it set. The two
 * maps merge entry by entry: a stack that sets one bucket's volume keeps the defaults of the
 * others, so a bucket or dataset left out is never priced at nothing by omission.
 */
export function resolveEstimates(config: EstimatesConfig): {
    values: Estimates;
    given: string[];
    /** The map entries the stack itself set (the defaults name the platform's own resources). */
    own: { storageGbPerDay: string[]; bigQueryGb: string[] };
} {
    const given = Object.keys(config).filter(
        (k) => (config as Record<string, unknown>)[k] !== undefined,
    );
    const values = {
        ...ESTIMATE_DEFAULTS,
        ...stripUndefined(config),
        storageGbPerDay: { ...ESTIMATE_DEFAULTS.storageGbPerDay, ...config.storageGbPerDay },
        bigQueryGb: { ...ESTIMATE_DEFAULTS.bigQueryGb, ...config.bigQueryGb },
    } as Estimates;
    return {
        values,
        given,
        own: {
            storageGbPerDay: Object.keys(config.storageGbPerDay ?? {}),
            bigQueryGb: Object.keys(config.bigQueryGb ?? {}),
        },
    };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

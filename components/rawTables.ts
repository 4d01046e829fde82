// The raw tables, described once: every list of raw tables elsewhere (names, warehouse layouts,
// runbook columns, keys, references, freshness defaults) is derived from RAW_TABLE_REGISTRY.

/** The raw tables, in the order the program registers them. */
export const RAW_TABLE_NAMES = ["packages", "tracking_events", "customers"] as const;
export type RawTableName = (typeof RAW_TABLE_NAMES)[number];

/** A column of a raw table that refers to another raw table's key (referential integrity). */
export interface RawTableReference {
    /** The referring column of this table. */
    column: string;
    /** The raw table and column it refers to. */
    references: { table: RawTableName; column: string };
}

/** Everything the platform knows about one raw table. */
export interface RawTableSpec {
    /** The BigQuery table's description. */
    description: string;
    /** Day partitioning on `_loaded_at` (fact tables). */
    partitioned: boolean;
    /** Clustering columns, at most 4 (BigQuery's limit), keys first. */
    clusterings: readonly string[];
    /** The key: one row per key is what the runbook's duplicate check expects. */
    key: string;
    /** The table's references to other raw tables (the runbook's referential-integrity check). */
    references: readonly RawTableReference[];
    /** Columns the runbook's queries rely on: the schema file must declare them. */
    runbookColumns: readonly string[];
    /** Hours after which the table is stale without a new `_loaded_at`, unless config says otherwise. */
    freshnessHours: number;
    /** The schema file, BigQuery's JSON schema format, relative to components/schemas/raw. */
    schemaFile: string;
}

/**
 * The registry. Typed as a Record over RawTableName: a name without its spec, a spec for a name
 * not in RAW_TABLE_NAMES, or a spec missing a field does not compile.
 */
export const RAW_TABLE_REGISTRY: Readonly<Record<RawTableName, RawTableSpec>> = {
    packages: {
        description:
            "One row per package as received from the shipping system, appended on every load.",
        partitioned: true,
        clusterings: ["package_id", "sender_customer_id"],
        key: "package_id",
        references: [
            {
                column: "sender_customer_id",
                references: { table: "customers", column: "customer_id" },
            },
            {
                column: "recipient_customer_id",
                references: { table: "customers", column: "customer_id" },
            },
        ],
        runbookColumns: ["package_id", "sender_customer_id", "_loaded_at"],
        freshnessHours: 6,
        schemaFile: "packages.json",
    },
    tracking_events: {
        description: "Scan and status events per package, appended on every load.",
        partitioned: true,
        clusterings: ["package_id", "event_type"],
        key: "event_id",
        references: [
            { column: "package_id", references: { table: "packages", column: "package_id" } },
        ],
        runbookColumns: ["package_id", "_loaded_at"],
        freshnessHours: 2,
        schemaFile: "tracking_events.json",
    },
    customers: {
        description: "Customer reference data (senders and recipients), appended on every load.",
        partitioned: false,
        clusterings: ["customer_id"],
        key: "customer_id",
        references: [],
        runbookColumns: ["customer_id", "_loaded_at"],
        freshnessHours: 24,
        schemaFile: "customers.json",
    },
};

/** Whether a name (from config or the command line) is one of the raw tables. */
export function isRawTableName(name: string): name is RawTableName {
    return (RAW_TABLE_NAMES as readonly string[]).includes(name);
}

/** One value per raw table, in RAW_TABLE_NAMES order; the result's type lists every table. */
export function perRawTable<T>(
    pick: (spec: RawTableSpec, table: RawTableName) => T,
): Record<RawTableName, T> {
    return Object.fromEntries(
        RAW_TABLE_NAMES.map((t) => [t, pick(RAW_TABLE_REGISTRY[t], t)]),
    ) as Record<RawTableName, T>;
}

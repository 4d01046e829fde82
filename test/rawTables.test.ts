// The raw-table registry: its type rejects a missing table or field, and every list derived from
// it covers every table and agrees with the schema files.
import { strict as assert } from "assert";
import * as fs from "fs";
import {
    isRawTableName,
    perRawTable,
    RAW_TABLE_NAMES,
    RAW_TABLE_REGISTRY,
    type RawTableName,
    type RawTableSpec,
} from "../components/rawTables";
import { RAW_KEYS, RAW_REFERENCES } from "../components/sql";
import { RAW_TABLES, readRawSchema, RUNBOOK_COLUMNS, SCHEMA_DIR } from "../components/warehouse";
import { ALERTING_DEFAULTS } from "../components/alerting.schema";

// Compile-time checks: `npm test` type-checks first, and each declaration below fails to compile
// when its guarantee no longer holds. They are exported only so that nothing reports them unused.
type Equal<A, B> =
    (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
export type RegistryTypeChecks = [
    // The registry is keyed by exactly the table names: not `Record<string, …>`, not partial.
    Expect<Equal<typeof RAW_TABLE_REGISTRY, Readonly<Record<RawTableName, RawTableSpec>>>>,
    // Every field of a spec is required.
    Expect<Equal<RequiredKeys<RawTableSpec>, keyof RawTableSpec>>,
    // The derived lists typed per table stay total.
    Expect<Equal<keyof typeof RAW_TABLES, RawTableName>>,
    Expect<Equal<keyof typeof RUNBOOK_COLUMNS, RawTableName>>,
    Expect<Equal<keyof typeof ALERTING_DEFAULTS.freshnessHours, RawTableName>>,
];

const spec = RAW_TABLE_REGISTRY.customers;
// @ts-expect-error: a registry without one table's spec does not compile.
export const missingTable: Record<RawTableName, RawTableSpec> = {
    packages: spec,
    tracking_events: spec,
};
export const extraTable: Record<RawTableName, RawTableSpec> = {
    packages: spec,
    tracking_events: spec,
    customers: spec,
    // @ts-expect-error: a spec for a table not in RAW_TABLE_NAMES does not compile.
    shipments: spec,
};
// @ts-expect-error: a spec without its freshness default does not compile.
export const missingField: RawTableSpec = {
    description: "d",
    partitioned: false,
    clusterings: [],
    key: "k",
    references: [],
    runbookColumns: [],
    schemaFile: "x.json",
};

describe("raw-table registry", () => {
    it("names the three raw tables, in registration order", () => {
        assert.deepEqual(RAW_TABLE_NAMES, ["packages", "tracking_events", "customers"]);
        assert.deepEqual(Object.keys(RAW_TABLE_REGISTRY), [...RAW_TABLE_NAMES]);
    });

    it("derives every list for every table, in the same order", () => {
        const derived: Record<string, object> = {
            RAW_TABLES,
            RUNBOOK_COLUMNS,
            RAW_KEYS,
            "ALERTING_DEFAULTS.freshnessHours": ALERTING_DEFAULTS.freshnessHours,
        };
        for (const [name, list] of Object.entries(derived))
            assert.deepEqual(Object.keys(list), [...RAW_TABLE_NAMES], name);
        assert.deepEqual(
            [...new Set(RAW_REFERENCES.map((r) => r.table))],
            RAW_TABLE_NAMES.filter((t) => RAW_TABLE_REGISTRY[t].references.length > 0),
        );
    });

    it("derives the runbook's keys, references and freshness defaults", () => {
        assert.deepEqual(
            { ...RAW_KEYS },
            { packages: "package_id", tracking_events: "event_id", customers: "customer_id" },
        );
        assert.deepEqual(
            RAW_REFERENCES.map(
                (r) => `${r.table}.${r.column} → ${r.references.table}.${r.references.column}`,
            ),
            [
                "packages.sender_customer_id → customers.customer_id",
                "packages.recipient_customer_id → customers.customer_id",
                "tracking_events.package_id → packages.package_id",
            ],
        );
        assert.deepEqual(
            { ...ALERTING_DEFAULTS.freshnessHours },
            { packages: 6, tracking_events: 2, customers: 24 },
        );
        assert.deepEqual(
            { ...RUNBOOK_COLUMNS },
            {
                packages: ["package_id", "sender_customer_id", "_loaded_at"],
                tracking_events: ["package_id", "_loaded_at"],
                customers: ["customer_id", "_loaded_at"],
            },
        );
    });

    it("agrees with the schema files: one per table, declaring the key and every referring column", () => {
        assert.deepEqual(
            fs.readdirSync(SCHEMA_DIR).sort(),
            RAW_TABLE_NAMES.map((t) => RAW_TABLE_REGISTRY[t].schemaFile).sort(),
        );
        const columns = perRawTable((_, t) => readRawSchema(t).map((f) => f.name));
        for (const t of RAW_TABLE_NAMES) {
            const s = RAW_TABLE_REGISTRY[t];
            assert.ok(columns[t].includes(s.key), `${t} lacks its key ${s.key}`);
            assert.ok(s.runbookColumns.includes("_loaded_at"), `${t}: runbook columns`);
            for (const r of s.references) {
                assert.ok(columns[t].includes(r.column), `${t} lacks ${r.column}`);
                assert.equal(
                    r.references.column,
                    RAW_TABLE_REGISTRY[r.references.table].key,
                    `${t}.${r.column} refers to ${r.references.table}'s key`,
                );
            }
        }
    });

    it("tells raw table names from other names", () => {
        assert.deepEqual(
            ["packages", "customers", "packages_r1", "Packages", ""].map(isRawTableName),
            [true, true, false, false, false],
        );
    });
});

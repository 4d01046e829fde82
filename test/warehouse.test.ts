// BigQuery: datasets with time travel, raw tables with the runbook's columns, IAM, slots.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as os from "os";
import {
    RAW_TABLES,
    readRawSchema,
    readRawSchemas,
    RUNBOOK_COLUMNS,
    SCHEMA_DIR,
    SchemaFileError,
} from "../components/warehouse";
import { RAW_TABLE_NAMES } from "../components/rawTables";
import { planFor, resource, resourcesOfType } from "./harness";

const DATASET = "gcp:bigquery/dataset:Dataset";
const TABLE = "gcp:bigquery/table:Table";

describe("warehouse", () => {
    it("declares raw, staging and marts with 168 h time travel and never drops contents", async () => {
        for (const stack of ["dev", "prod"]) {
            const plan = await planFor(stack);
            // The warehouse's own (the table snapshots' dataset is test/snapshots.test.ts's).
            const datasets = resourcesOfType(plan, DATASET).filter((d) =>
                d.name.startsWith(`lgx-${stack}-warehouse-`),
            );
            assert.deepEqual(datasets.map((d) => d.inputs["datasetId"]).sort(), [
                "marts",
                "raw",
                "staging",
            ]);
            for (const d of datasets) {
                assert.equal(d.inputs["maxTimeTravelHours"], "168");
                assert.equal(d.inputs["deleteContentsOnDestroy"], false);
                assert.equal(
                    d.inputs["accesses"],
                    undefined,
                    "access is granted through IAM members only",
                );
                assert.equal(d.options.protect, stack === "prod");
            }
        }
    });

    it("expires staging tables only when configured", async () => {
        const dev = await planFor("dev");
        const prod = await planFor("prod");
        assert.equal(
            resource(dev, DATASET, "lgx-dev-warehouse-staging").inputs["defaultTableExpirationMs"],
            30 * 86_400_000,
        );
        assert.equal(
            resource(prod, DATASET, "lgx-prod-warehouse-staging").inputs[
                "defaultTableExpirationMs"
            ],
            undefined,
        );
        assert.equal(
            resource(dev, DATASET, "lgx-dev-warehouse-raw").inputs["defaultTableExpirationMs"],
            undefined,
        );
    });

    it("creates the raw tables, facts partitioned by day on _loaded_at and clustered on keys", async () => {
        const plan = await planFor("prod");
        const tables = resourcesOfType(plan, TABLE);
        assert.deepEqual(tables.map((t) => t.inputs["tableId"]).sort(), [
            "customers",
            "packages",
            "tracking_events",
        ]);
        const packages = resource(plan, TABLE, "lgx-prod-warehouse-raw-packages");
        assert.deepEqual(packages.inputs["timePartitioning"], { type: "DAY", field: "_loaded_at" });
        assert.deepEqual(packages.inputs["clusterings"], ["package_id", "sender_customer_id"]);
        assert.deepEqual(
            resource(plan, TABLE, "lgx-prod-warehouse-raw-tracking_events").inputs[
                "timePartitioning"
            ],
            {
                type: "DAY",
                field: "_loaded_at",
            },
        );
        for (const t of tables) {
            assert.equal(t.inputs["deletionProtection"], true);
            assert.equal(t.options.protect, true);
            // Tables wait for their dataset, and for the APIs.
            assert.ok(
                t.dependencies.includes(resource(plan, DATASET, "lgx-prod-warehouse-raw").urn),
            );
            assert.ok(t.dependencies.some((d) => d.endsWith("::lgx-prod-apis-bigquery")));
        }
        assert.equal(
            plan.outputs["rawTables"] &&
                (plan.outputs["rawTables"] as Record<string, string>)["packages"],
            "replace-me-logistics-prod.raw.packages",
        );
    });

    it("keeps every column the runbook queries in the schema files", () => {
        for (const table of RAW_TABLE_NAMES) {
            const names = readRawSchema(table).map((f) => f.name);
            for (const c of RUNBOOK_COLUMNS[table])
                assert.ok(names.includes(c), `${table} lacks ${c}`);
            assert.equal(
                readRawSchema(table).find((f) => f.name === "_loaded_at")?.type,
                "TIMESTAMP",
            );
            assert.ok(
                RAW_TABLES[table].clusterings.length <= 4,
                "BigQuery clusters on at most 4 columns",
            );
        }
        assert.deepEqual(
            fs.readdirSync(SCHEMA_DIR).sort(),
            Object.keys(RAW_TABLES)
                .map((t) => `${t}.json`)
                .sort(),
        );
    });

    it("stops on a broken schema file with its path, without a stack trace", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "schemas-"));
        for (const t of Object.keys(RAW_TABLES))
            fs.copyFileSync(path.join(SCHEMA_DIR, `${t}.json`), path.join(dir, `${t}.json`));
        const file = path.join(dir, "customers.json");
        const fields = JSON.parse(fs.readFileSync(file, "utf8")).filter(
            (f: { name: string }) => f.name !== "customer_id",
        );
        fs.writeFileSync(file, JSON.stringify(fields));
        assert.throws(
            () => readRawSchemas(dir),
            (err: unknown) =>
                err instanceof SchemaFileError &&
                err.message === `${file}: lacks the column(s) customer_id the runbook queries.`,
        );
        fs.writeFileSync(file, "{ not json");
        assert.throws(() => readRawSchemas(dir), /customers\.json: cannot read the table schema: /);
        fs.writeFileSync(file, JSON.stringify([{ name: "customer_id" }]));
        assert.throws(
            () => readRawSchemas(dir),
            /expected a JSON list of \{name, type, mode\?, description\?\} fields/,
        );
    });

    it("grants dataset access from config through IAM members, keyed by role and member", async () => {
        const plan = await planFor("dev", {
            "logistics:warehouse": {
                iam: {
                    marts: {
                        "roles/bigquery.dataViewer": [
                            "group:analysts@example.com",
                            "group:analysts@example.com",
                        ],
                    },
                },
            },
        });
        const grants = resourcesOfType(
            plan,
            "gcp:bigquery/datasetIamMember:DatasetIamMember",
        ).filter((g) => g.inputs["member"] === "group:analysts@example.com");
        assert.equal(grants.length, 1, "duplicates collapse into one grant");
        assert.equal(
            grants[0]!.name,
            "lgx-dev-warehouse-marts-bigquery.dataViewer-group-analysts@example.com",
        );
        assert.deepEqual(grants[0]!.inputs, {
            datasetId: "marts",
            role: "roles/bigquery.dataViewer",
            member: "group:analysts@example.com",
        });
    });

    it("is on-demand without a reservation, and reserves slots when configured", async () => {
        // dev has none (prod reserves Enterprise Plus slots for managed DR).
        assert.equal(
            resourcesOfType(await planFor("dev"), "gcp:bigquery/reservation:Reservation").length,
            0,
        );
        const plan = await planFor("prod", {
            "logistics:warehouse": {
                location: "US",
                reservation: { edition: "ENTERPRISE", baselineSlots: 100, maxSlots: 300 },
            },
        });
        const r = resource(
            plan,
            "gcp:bigquery/reservation:Reservation",
            "lgx-prod-warehouse-slots",
        );
        assert.equal(r.inputs["name"], "lgx-prod-slots");
        assert.equal(r.inputs["slotCapacity"], 100);
        assert.deepEqual(r.inputs["autoscale"], { maxSlots: 200 });
        assert.equal(r.inputs["ignoreIdleSlots"], false);
        assert.equal(r.inputs["location"], "US");
        const a = resource(
            plan,
            "gcp:bigquery/reservationAssignment:ReservationAssignment",
            "lgx-prod-warehouse-slots-query",
        );
        assert.equal(a.inputs["assignee"], "projects/replace-me-logistics-prod");
        assert.equal(a.inputs["jobType"], "QUERY");
        assert.ok(a.dependencies.includes(r.urn), "the assignment waits for its reservation");
    });
});

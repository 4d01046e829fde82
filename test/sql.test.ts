// Every SQL statement the stack deploys (scheduled backups and freshness checks, restore scripts)
// and every query `npm run ops` runs parses as BigQuery SQL, checked offline with a BigQuery-
// dialect parser; the statement EXECUTE IMMEDIATE builds is parsed too.
import { strict as assert } from "assert";
import { parse } from "sql-parser-cst";
import { RAW_TABLES, readRawSchemas } from "../components/warehouse";
import {
    backupExportSql,
    backupRestoreSql,
    columnDefinitions,
    backupExportStatement,
    restoreDryRunStatements,
    timeTravelRestoreSql,
} from "../components/sql";
import {
    droppedByRestoreSql,
    duplicatesSql,
    leftoverAfterRestoreSql,
    freshnessReportSql,
    nullsSql,
    orphansSql,
    restoreSideSql,
    verifyRestoreSql,
} from "../tools/ops/sql";
import { deployedStatements } from "../tools/ops";
import { RAW_TABLE_NAMES, type RawTableName } from "../components/rawTables";
import { EVERY_FEATURE, PROJECT_ROOT, withChanges } from "./harness";
import { diffPlans } from "../tools/offline/diff";
import { runOffline } from "../tools/offline/engine";

function parses(sql: string): void {
    parse(sql, { dialect: "bigquery", paramTypes: ["@name"] });
    // EXECUTE IMMEDIATE FORMAT("""…""", …): the statement it runs must parse as well.
    const inner = sql.match(/"""([\s\S]*?)"""/);
    if (inner) parse(inner[1]!.replace(/%s/g, "20260101"), { dialect: "bigquery" });
}

interface Node {
    type: string;
    range?: [number, number];
    [k: string]: unknown;
}

/**
 * Tables a statement reads at more than one point in time, which BigQuery refuses ("A single query
 * statement cannot reference a single table at more than one point in time"); a DML target counts
 * as read now. Every backquoted `project.dataset.table` of each statement of a script is visited.
 */
function tablesAtTwoPoints(sql: string): string[] {
    const cst = parse(sql, { dialect: "bigquery", paramTypes: ["@name"], includeRange: true });
    const text = (n: Node) => sql.slice(n.range![0], n.range![1]);
    const found: string[] = [];
    for (const statement of cst.statements) {
        const points = new Map<string, Set<string>>();
        const visit = (n: unknown, point: string): void => {
            if (Array.isArray(n)) return n.forEach((c) => visit(c, point));
            if (!n || typeof n !== "object") return;
            const node = n as Node;
            if (node.type === "for_system_time_as_of_expr") {
                visit(node["left"], text(node["expr"] as Node));
                return visit(node["expr"], "now");
            }
            if (node.type === "bigquery_quoted_member_expr") {
                const table = text(node);
                points.set(table, (points.get(table) ?? new Set()).add(point));
                return;
            }
            for (const [k, v] of Object.entries(node)) if (k !== "range") visit(v, point);
        };
        visit(statement, "now");
        for (const [table, at] of points) if (at.size > 1) found.push(table);
    }
    return found;
}

/** A table a statement creates, as the parser reads it: columns, partitioning, clustering. */
interface CreatedTable {
    table: string;
    columns: { name: string; type: string; notNull: boolean }[];
    partitionBy?: string;
    clusterBy: string[];
}

/** The tables a script's CREATE TABLE and LOAD DATA statements create, with their definitions. */
function createdTables(sql: string): CreatedTable[] {
    const cst = parse(sql, { dialect: "bigquery", paramTypes: ["@name"], includeRange: true });
    const text = (n: unknown) => sql.slice((n as Node).range![0], (n as Node).range![1]);
    const found: CreatedTable[] = [];
    for (const st of cst.statements as unknown as Node[]) {
        if (st.type !== "create_table_stmt" && st.type !== "load_data_stmt") continue;
        const columns = (((st["columns"] as Node | undefined)?.["expr"] as Node | undefined)?.[
            "items"
        ] ?? []) as Node[];
        const clauses = (st["clauses"] ?? []) as Node[];
        const clause = (type: string) => clauses.find((c) => c.type === type);
        const cluster = clause("cluster_by_clause");
        const partition = clause("partition_by_clause");
        found.push({
            table: text(st.type === "create_table_stmt" ? st["name"] : st["table"]),
            columns: columns.map((c) => ({
                name: text(c["name"]),
                type: text(c["dataType"]),
                notNull: ((c["constraints"] ?? []) as Node[]).some(
                    (k) => k.type === "constraint_not_null",
                ),
            })),
            ...(partition ? { partitionBy: text(partition["specifications"]) } : {}),
            clusterBy: cluster
                ? ((cluster["columns"] as Node)["items"] as Node[]).map((i) => text(i))
                : [],
        });
    }
    return found;
}

/** Restores of each kind, so their scripts are among the deployed statements. */
const EVERY_RESTORE = {
    ...EVERY_FEATURE,
    "logistics:restores": {
        ...(EVERY_FEATURE["logistics:restores"] as object),
        r2: {
            table: "packages",
            requestedAt: "2026-11-25T00:00:00Z",
            timestamp: "2026-11-24T12:00:00Z",
            targetTable: "packages_r2",
        },
        r3: {
            table: "tracking_events",
            requestedAt: "2026-11-25T00:00:00Z",
            timestamp: "2026-11-24T12:00:00Z",
            replace: true,
        },
    },
};

const RAW = { project: "acme-logistics-prod", dataset: "logistics_raw" };

describe("SQL (BigQuery dialect, parsed offline)", () => {
    it("the parser rejects broken SQL, so a pass means something", () => {
        assert.throws(() => parses("SELEC 1"));
        assert.throws(() => parses("SELECT * FROM `p.d.t` WHERE"));
        assert.throws(() =>
            parses(
                `EXECUTE IMMEDIATE FORMAT("""EXPORT DATA OPTIONS (uri = 'x') AS SELEC 1""", 'a')`,
            ),
        );
    });

    for (const stack of ["dev", "prod"])
        it(`${stack}: every statement the stack deploys parses`, async () => {
            // Restores of every kind: the restore scripts are deployed statements too.
            const plan = await runOffline({ stack, config: withChanges(stack, EVERY_RESTORE) });
            // The replica's statements are compared exactly in test/regionLoss.test.ts and
            // test/managedDr.test.ts: the parser has no ADD REPLICA.
            const scripts = plan.resources
                .filter((r) => !r.urn.includes("$logistics:bigquery:DatasetReplica$"))
                .map((r) => (r.inputs["query"] as { query?: string } | undefined)?.query)
                .filter((q): q is string => typeof q === "string");
            const statements = await deployedStatements(stack, PROJECT_ROOT, "2026-11-26");
            assert.ok(statements.length >= 6, `${statements.length} statements`);
            assert.ok(
                scripts.some((q) => q.includes("TRUNCATE")),
                "an in-place restore script",
            );
            for (const sql of [...statements.map((s) => s.sql), ...scripts]) {
                parses(sql);
                assert.deepEqual(tablesAtTwoPoints(sql), [], sql);
            }
        });

    it("the EXPORT DATA a backup runs is built as BigQuery's FORMAT would, and parses", () => {
        const sql = backupExportSql(RAW, "packages", "acme-backups");
        const inner = backupExportStatement(sql, "2026-11-26")!;
        assert.equal(
            inner,
            "EXPORT DATA OPTIONS (uri = 'gs://acme-backups/packages_20261126_*.parquet', format = 'PARQUET', overwrite = false)\n" +
                "  AS SELECT * FROM `acme-logistics-prod.logistics_raw.packages`",
        );
        parses(inner);
        assert.equal(backupExportStatement("SELECT 1", "2026-11-26"), undefined);
        assert.equal(
            backupExportStatement(sql.replace("@run_date", "@day"), "2026-11-26"),
            undefined,
        );
    });

    it("a restore script is dry-run a statement at a time, without CREATE TEMP TABLE", () => {
        const layout = { partitioned: true, clusterings: ["package_id"], columns: [] };
        const inPlace = timeTravelRestoreSql(
            RAW,
            "packages",
            "2026-11-25T22:00:00Z",
            layout,
            "replace",
        );
        assert.deepEqual(restoreDryRunStatements(inPlace), [
            {
                part: "its time-travel read",
                sql: "SELECT * FROM `acme-logistics-prod.logistics_raw.packages` FOR SYSTEM_TIME AS OF TIMESTAMP '2026-11-25T22:00:00Z'",
            },
            {
                part: "its TRUNCATE",
                sql: "TRUNCATE TABLE `acme-logistics-prod.logistics_raw.packages`",
            },
        ]);
        const newTable = timeTravelRestoreSql(RAW, "packages", "2026-11-25T22:00:00Z", layout, {
            newTable: "packages_r",
        });
        assert.deepEqual(restoreDryRunStatements(newTable), [
            { sql: newTable, creates: "acme-logistics-prod.logistics_raw.packages_r" },
        ]);
        for (const piece of restoreDryRunStatements(inPlace)!) parses(piece.sql);
        assert.equal(restoreDryRunStatements("SELECT 1"), undefined);
    });

    it("finds a statement reading one table at two points in time, as BigQuery would", () => {
        const live = "`p.raw.t`";
        assert.deepEqual(
            tablesAtTwoPoints(
                `INSERT INTO ${live} SELECT * FROM ${live} FOR SYSTEM_TIME AS OF TIMESTAMP 'x'`,
            ),
            [live],
        );
        assert.deepEqual(
            tablesAtTwoPoints(
                `SELECT (SELECT COUNT(*) FROM ${live}), (SELECT COUNT(*) FROM ${live} FOR SYSTEM_TIME AS OF TIMESTAMP 'x')`,
            ),
            [live],
        );
        // Two statements of a script may; one statement may read a table twice at one point.
        assert.deepEqual(
            tablesAtTwoPoints(
                timeTravelRestoreSql(
                    { project: "p", dataset: "raw" },
                    "t",
                    "x",
                    { partitioned: true, clusterings: [], columns: [] },
                    "replace",
                ),
            ),
            [],
        );
        assert.deepEqual(
            tablesAtTwoPoints(
                `SELECT (SELECT COUNT(*) FROM ${live} FOR SYSTEM_TIME AS OF TIMESTAMP 'x'), (SELECT MAX(k) FROM ${live} FOR SYSTEM_TIME AS OF TIMESTAMP 'x')`,
            ),
            [],
        );
    });

    const SCHEMAS = readRawSchemas();

    it("a table a restore creates has the declared columns, REQUIRED modes, partitioning and clustering", async () => {
        // One restore of each kind that creates a table: from a backup (r1), back in time (r2).
        const plan = await runOffline({
            stack: "prod",
            config: withChanges("prod", EVERY_RESTORE),
        });
        const restores: Record<string, RawTableName> = { r1: "packages", r2: "packages" };
        for (const [id, table] of Object.entries(restores)) {
            const job = plan.resources.find(
                (r) =>
                    r.type === "gcp:bigquery/job:Job" &&
                    r.name.startsWith(`lgx-prod-restores-${id}-`),
            )!;
            const sql = (job.inputs["query"] as { query?: unknown } | undefined)?.query;
            assert.equal(typeof sql, "string", `${id}: a restore is a script`);
            const created = createdTables(sql as string);
            assert.equal(created.length, 1, `${id}: creates one table`);
            const t = created[0]!;
            assert.equal(t.table, `\`replace-me-logistics-prod.raw.packages_${id}\``);
            const schema = SCHEMAS[table]!;
            assert.deepEqual(
                t.columns.map((c) => c.name),
                schema.map((f) => f.name),
                `${id}: every declared column`,
            );
            assert.deepEqual(
                t.columns.filter((c) => c.notNull).map((c) => c.name),
                schema.filter((f) => f.mode === "REQUIRED").map((f) => f.name),
                `${id}: REQUIRED columns stay REQUIRED`,
            );
            assert.deepEqual(
                t.columns.map((c) => c.type),
                schema.map((f) => f.type),
                `${id}: declared types`,
            );
            assert.equal(t.partitionBy, "TIMESTAMP_TRUNC(_loaded_at, DAY)");
            assert.deepEqual(t.clusterBy, [...RAW_TABLES.packages.clusterings]);
        }
        // customers is not partitioned: no PARTITION BY.
        const customers = createdTables(
            backupRestoreSql(
                RAW,
                "b",
                "customers",
                "20261120",
                { ...RAW_TABLES.customers, columns: SCHEMAS["customers"]! },
                "customers_r",
            ),
        )[0]!;
        assert.equal(customers.partitionBy, undefined);
        assert.deepEqual(customers.clusterBy, ["customer_id"]);
    });

    it("a backup restore refuses a table that exists, and is dry-run by that check", () => {
        const sql = backupRestoreSql(
            RAW,
            "acme-backups",
            "packages",
            "20261120",
            {
                partitioned: true,
                clusterings: ["package_id"],
                columns: [{ name: "package_id", type: "STRING", mode: "REQUIRED" }],
            },
            "packages_r1",
        );
        assert.equal(
            sql,
            [
                "ASSERT NOT EXISTS (SELECT 1 FROM `acme-logistics-prod`.logistics_raw.INFORMATION_SCHEMA.TABLES WHERE table_name = 'packages_r1')",
                "  AS 'logistics_raw.packages_r1 exists: a backup restores into a new table only';",
                "LOAD DATA INTO `acme-logistics-prod.logistics_raw.packages_r1`",
                "(",
                "  package_id STRING NOT NULL",
                ")",
                "PARTITION BY TIMESTAMP_TRUNC(_loaded_at, DAY)",
                "CLUSTER BY package_id",
                "FROM FILES (format = 'PARQUET', uris = ['gs://acme-backups/packages_20261120_*.parquet']);",
            ].join("\n"),
        );
        parses(sql);
        const pieces = restoreDryRunStatements(sql)!;
        assert.deepEqual(pieces, [
            {
                part: "its new-table check",
                sql: sql.split(";\n")[0],
                creates: "acme-logistics-prod.logistics_raw.packages_r1",
            },
        ]);
        parses(pieces[0]!.sql);
    });

    it("spells the declared schema as DDL: legacy type names, REQUIRED, REPEATED; refuses a RECORD", () => {
        assert.deepEqual(
            columnDefinitions([
                { name: "a", type: "INTEGER", mode: "REQUIRED" },
                { name: "b", type: "FLOAT" },
                { name: "c", type: "BOOLEAN", mode: "NULLABLE" },
                { name: "d", type: "STRING", mode: "REPEATED" },
                { name: "e", type: "numeric", mode: "REQUIRED" },
            ]),
            ["a INT64 NOT NULL", "b FLOAT64", "c BOOL", "d ARRAY<STRING>", "e NUMERIC NOT NULL"],
        );
        assert.throws(
            () => columnDefinitions([{ name: "r", type: "RECORD" }]),
            /^Error: columnDefinitions: r is a RECORD, whose fields the schema does not declare$/,
        );
    });

    it("a restore that has run is a record: a new shape of its script leaves it alone", async () => {
        // The plan as it was when r1 ran as a Parquet load job: only its generated inputs differ.
        const plan = await runOffline({
            stack: "prod",
            config: withChanges("prod", EVERY_RESTORE),
        });
        const before = {
            ...plan,
            resources: plan.resources.map((r) => {
                if (
                    r.type !== "gcp:bigquery/job:Job" ||
                    !r.name.startsWith("lgx-prod-restores-r1-")
                )
                    return r;
                const inputs: Record<string, unknown> = {
                    ...r.inputs,
                    load: { sourceFormat: "PARQUET" },
                };
                delete inputs["query"];
                return { ...r, inputs };
            }),
        };
        assert.deepEqual(
            diffPlans(before, plan).changes.filter((c) => c.type === "gcp:bigquery/job:Job"),
            [],
        );
    });

    it("every query the ops command runs parses", () => {
        for (const sql of [
            freshnessReportSql(RAW, RAW_TABLE_NAMES),
            nullsSql(RAW, [
                { table: "packages", column: "package_id" },
                { table: "customers", column: "customer_id" },
            ]),
            duplicatesSql(RAW, RAW_TABLE_NAMES),
            orphansSql(RAW),
            verifyRestoreSql(RAW, { table: "packages" }, { table: "packages_r1" }, "package_id"),
            verifyRestoreSql(
                RAW,
                { table: "packages", asOf: "2026-11-25T22:00:00.000Z" },
                { table: "packages_r1", loadedBy: "2026-11-25T22:00:00.000Z" },
                "package_id",
            ),
            restoreSideSql(
                RAW,
                { table: "packages", asOf: "2026-11-25T22:00:00.000Z" },
                "package_id",
            ),
            restoreSideSql(
                RAW,
                { table: "packages", loadedBy: "2026-11-25T22:00:00.000Z" },
                "package_id",
            ),
            leftoverAfterRestoreSql(
                RAW,
                "packages",
                "2026-11-25T22:00:00.000Z",
                "2026-11-26T08:00:00.000Z",
            ),
            droppedByRestoreSql(
                RAW,
                "packages",
                "2026-11-25T22:00:00.000Z",
                "2026-11-26T08:00:00.000Z",
                11,
            ),
        ]) {
            parses(sql);
            assert.deepEqual(tablesAtTwoPoints(sql), [], sql);
        }
        assert.throws(
            () => verifyRestoreSql(RAW, { table: "packages" }, { table: "packages" }, "package_id"),
            /restoreSideSql/,
        );
    });
});

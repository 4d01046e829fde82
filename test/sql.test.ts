// Every SQL statement the stack deploys (scheduled backups and freshness checks, restore scripts)
// and every query `npm run ops` runs parses as BigQuery SQL, checked offline with a BigQuery-
// dialect parser; the statement EXECUTE IMMEDIATE builds is parsed too.
import { strict as assert } from "assert";
import { parse } from "sql-parser-cst";
import {
    duplicatesSql,
    freshnessReportSql,
    nullsSql,
    orphansSql,
    verifyRestoreSql,
} from "../components/sql";
import { deployedStatements } from "../tools/ops";
import { RAW_TABLE_NAMES } from "../stacks/sections";
import { EVERY_FEATURE, PROJECT_ROOT, withChanges } from "./harness";
import { runOffline } from "../tools/offline/engine";

function parses(sql: string): void {
    parse(sql, { dialect: "bigquery", paramTypes: ["@name"] });
    // EXECUTE IMMEDIATE FORMAT("""…""", …): the statement it runs must parse as well.
    const inner = sql.match(/"""([\s\S]*?)"""/);
    if (inner) parse(inner[1]!.replace(/%s/g, "20260101"), { dialect: "bigquery" });
}

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
            // EVERY_FEATURE adds a restore: the restore scripts are deployed statements too.
            const plan = await runOffline({ stack, config: withChanges(stack, EVERY_FEATURE) });
            const scripts = plan.resources
                .map((r) => (r.inputs["query"] as { query?: string } | undefined)?.query)
                .filter((q): q is string => typeof q === "string");
            const statements = await deployedStatements(stack, PROJECT_ROOT, "2026-11-26");
            assert.ok(statements.length >= 6, `${statements.length} statements`);
            for (const sql of [...statements.map((s) => s.sql), ...scripts]) parses(sql);
        });

    it("every query the ops command runs parses", () => {
        for (const sql of [
            freshnessReportSql(RAW, RAW_TABLE_NAMES),
            nullsSql(RAW, RAW_TABLE_NAMES),
            duplicatesSql(RAW, RAW_TABLE_NAMES),
            orphansSql(RAW),
            verifyRestoreSql(RAW, "packages", "packages_r1", "package_id"),
            verifyRestoreSql(RAW, "packages", "packages", "package_id", "2026-11-25T22:00:00.000Z"),
        ])
            parses(sql);
    });
});

// `nulls`: NULLs in the columns the platform declares REQUIRED.
import { nullsSql } from "../sql";
import { statusOf, type Check, type CheckInput, type CheckResult } from "./check";
import { noSuchTable, num } from "./common";

/**
 * The runbook's null check, on what can be NULL: the columns the platform declares REQUIRED. A
 * table whose column is REQUIRED cannot hold a NULL (BigQuery refuses the load), so only columns
 * a table has let go NULLABLE (a relaxed column, a table recreated from files) are counted; a
 * declared column the table lacks is reported too. Columns NULLABLE by design are not unexpected.
 */
export const nulls: Check<"nulls"> = {
    name: "nulls",
    usage: "  nulls           NULLs in the columns the platform declares REQUIRED",
    run: nullsCheck,
};

async function nullsCheck({
    warehouse: wh,
    context: ctx,
    progress,
}: CheckInput): Promise<CheckResult> {
    const { raw, tables } = ctx;
    progress(`reading the schemas of ${tables.length} tables`);
    const rows: Record<string, unknown>[] = [];
    for (const table of tables) {
        const live = await wh.tableColumns(raw.dataset, table);
        if (!live) throw noSuchTable(raw, table);
        for (const declared of ctx.declaredColumns[table]!.filter((c) => c.mode === "REQUIRED")) {
            // BigQuery column names are case-insensitive.
            const mode =
                live.find((c) => c.name.toLowerCase() === declared.name.toLowerCase())?.mode ??
                "missing";
            rows.push({ table, column: declared.name, mode, null_rows: null, total_rows: null });
        }
    }
    const nullable = rows.filter((r) => r["mode"] === "NULLABLE");
    if (nullable.length) {
        progress(`counting NULLs in ${nullable.length} columns the tables let NULL into`);
        const counts = await wh.query(
            nullsSql(
                raw,
                nullable.map((r) => ({ table: String(r["table"]), column: String(r["column"]) })),
            ),
        );
        for (const c of counts) {
            const row = nullable.find(
                (r) => r["table"] === c["table_name"] && r["column"] === c["column_name"],
            );
            if (row)
                Object.assign(row, {
                    null_rows: num(c["null_rows"]),
                    total_rows: num(c["total_rows"]),
                });
        }
    }
    for (const r of rows)
        r["status"] =
            r["mode"] === "REQUIRED"
                ? "ok: REQUIRED, cannot hold NULL"
                : r["mode"] === "missing"
                  ? "column missing from the table"
                  : r["mode"] !== "NULLABLE"
                    ? `column is ${String(r["mode"])}, not REQUIRED`
                    : r["null_rows"] === 0
                      ? "ok: no NULL, but the table allows them"
                      : `${String(r["null_rows"])} NULLs`;
    const bad = rows.filter((r) => !String(r["status"]).startsWith("ok"));
    const enforced = rows.filter((r) => r["mode"] === "REQUIRED").length;
    return {
        check: "nulls",
        status: statusOf(bad.length === 0),
        summary:
            bad.length === 0
                ? `no NULL in ${rows.length} REQUIRED columns (${enforced} enforced by the tables' schemas, ${nullable.length} counted)`
                : `unexpected in ${bad.map((r) => `${String(r["table"])}.${String(r["column"])} (${String(r["status"])})`).join(", ")}`,
        columns: ["table", "column", "mode", "null_rows", "total_rows", "status"],
        rows,
        notes: nullable.length
            ? [
                  `${nullable.length} columns the platform declares REQUIRED (components/schemas/raw) are NULLABLE in the tables: ` +
                      `their schema has drifted from the stack's`,
              ]
            : [],
    };
}

// `freshness`: the newest load of every raw table against its freshness threshold.
import { freshnessReportSql } from "../sql";
import { statusOf, type Check } from "./check";
import { num, requireTables } from "./common";

export const freshness: Check<"freshness"> = {
    name: "freshness",
    usage: "  freshness       newest load of every raw table against its freshness threshold",
    async run({ warehouse: wh, context: ctx, progress }) {
        const { raw, tables } = ctx;
        await requireTables(wh, raw, tables);
        progress(`querying the newest load of ${tables.length} tables`);
        const rows = (await wh.query(freshnessReportSql(raw, tables))).map((r) => {
            const table = String(r["table_name"]);
            const age = num(r["age_minutes"]);
            const hours = ctx.freshnessHours[table]!;
            return {
                table,
                last_load: r["last_load"] ?? null,
                age_minutes: age,
                threshold_hours: hours,
                status: age === null ? "empty" : age <= hours * 60 ? "ok" : "stale",
            };
        });
        const bad = rows.filter((r) => r.status !== "ok");
        return {
            check: "freshness",
            status: statusOf(bad.length === 0),
            summary:
                bad.length === 0
                    ? `all ${rows.length} raw tables loaded within their thresholds`
                    : `${bad.length} of ${rows.length} raw tables stale or empty: ${bad.map((r) => r.table).join(", ")}`,
            columns: ["table", "last_load", "age_minutes", "threshold_hours", "status"],
            rows,
            notes: [],
        };
    },
};

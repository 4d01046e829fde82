// The runbook's counting checks (duplicates, orphans): one query, its columns, and the column
// whose count is a problem.
import type { DatasetRef } from "../../../components/sql";
import { statusOf, type Check } from "./check";
import { num, requireTables } from "./common";

export interface CountCheck<Name extends string> {
    name: Name;
    usage: string;
    tables: (all: readonly string[]) => string[];
    progress: (tables: number) => string;
    sql: (raw: DatasetRef, tables: readonly string[]) => string;
    /** Output column and the query column it comes from. */
    columns: [string, string][];
    count: string;
    label: (row: Record<string, unknown>) => string;
    clean: (rows: number) => string;
    found: string;
}

export function countCheck<Name extends string>(spec: CountCheck<Name>): Check<Name> {
    return {
        name: spec.name,
        usage: spec.usage,
        async run({ warehouse: wh, context: { raw, tables }, progress }) {
            const checked = spec.tables(tables);
            await requireTables(wh, raw, checked);
            progress(spec.progress(checked.length));
            const rows = (await wh.query(spec.sql(raw, checked))).map((r) =>
                Object.fromEntries(
                    spec.columns.map(([column, from]) => {
                        const v = r[from];
                        const value = Array.isArray(v)
                            ? v.join(", ")
                            : column === spec.count || column.endsWith("_rows")
                              ? num(v)
                              : String(v ?? "");
                        return [column, value];
                    }),
                ),
            );
            const bad = rows.filter((r) => ((r[spec.count] as number | null) ?? 0) > 0);
            return {
                check: spec.name,
                status: statusOf(bad.length === 0),
                summary:
                    bad.length === 0
                        ? spec.clean(rows.length)
                        : `${spec.found} ${bad.map((r) => `${spec.label(r)} (${String(r[spec.count])})`).join(", ")}`,
                columns: spec.columns.map(([c]) => c),
                rows,
                notes: [],
            };
        },
    };
}

// Helpers the checks share: a missing table is a check that cannot run, and BigQuery's numbers.
import type { DatasetRef } from "../../../components/sql";
import { OpsError, type Warehouse } from "./check";

export const noSuchTable = (raw: DatasetRef, t: string) =>
    new OpsError(
        `table ${raw.project}.${raw.dataset}.${t} does not exist. Check the stack (--stack) and that the platform is deployed; ` +
            `a restored table exists once its restore has run.`,
    );

export async function requireTables(wh: Warehouse, raw: DatasetRef, tables: readonly string[]) {
    for (const t of tables) if (!(await wh.tableColumns(raw.dataset, t))) throw noSuchTable(raw, t);
}

/** A number from a query's row, or null. */
export const num = (v: unknown): number | null =>
    v === null || v === undefined ? null : Number(v);

// Stack-level policies: what the runbook needs must exist for every raw table and alert row.
import type { PolicyResource } from "@pulumi/policy";
import { get, known, stackPolicy, stateful, TRANSFER, UNKNOWN } from "./lib";
import { stackRunbookAlertsExist } from "./monitoring";
import { analyseSql, type NameParts } from "./sql";

export { RUNBOOK_ALERTS, stackRunbookAlertsExist } from "./monitoring";

/** The raw tables, as `dataset.table`, recognised by their dataset (lib.ts: stateful). */
function rawTables(resources: PolicyResource[]): string[] {
    return stateful(resources)
        .rawTables.map((r) => [known(() => r.props["datasetId"]), known(() => r.props["tableId"])])
        .filter((x): x is [string, string] => x.every((v) => typeof v === "string"))
        .map(([d, t]) => `${d}.${t}`);
}

/** Scheduled queries that run: enabled and scheduled, with their SQL parsed. */
function runningQueries(resources: PolicyResource[]) {
    const raw = stateful(resources).rawDatasetIds;
    return resources
        .filter((r) => r.type === TRANSFER)
        .map((r) =>
            known(() => {
                if (r.props["dataSourceId"] !== "scheduled_query" || r.props["disabled"] === true)
                    return undefined;
                if (get(r.props, "scheduleOptions.disableAutoScheduling") === true)
                    return undefined;
                const q = get(r.props, "params.query");
                return typeof q === "string" ? analyseSql(q, raw) : undefined;
            }),
        )
        .filter((f) => f !== undefined && f !== UNKNOWN) as ReturnType<typeof analyseSql>[];
}

/** Whether a parsed name is `dataset.table` (with or without a project). */
function isTable(parts: NameParts, table: string): boolean {
    return parts.slice(-2).join(".") === table;
}

export const stackRawTablesBackedUp = stackPolicy({
    name: "stack-raw-tables-backed-up",
    description:
        "Checks whether every raw table has an enabled scheduled EXPORT DATA of the whole table (SELECT *, unfiltered) into the backups bucket.",
    remediationSteps:
        "Add the table to the scheduled backups (one EXPORT DATA scheduled query per raw table).",
    check: (resources, report) => {
        const buckets = [...stateful(resources).backupsBucketNames];
        const exports = runningQueries(resources).flatMap((f) => f.exports);
        for (const t of rawTables(resources))
            if (
                !exports.some(
                    (e) =>
                        e.whole &&
                        e.reads.some((p) => isTable(p, t)) &&
                        buckets.some((b) => e.uri?.startsWith(`gs://${b}/`)),
                )
            )
                report(
                    `Raw table ${t} must have a scheduled backup (an enabled EXPORT DATA scheduled query of the whole table into the backups bucket).`,
                );
    },
});

export const stackRawTablesFreshnessChecked = stackPolicy({
    name: "stack-raw-tables-freshness-checked",
    description:
        "Checks whether every raw table has an enabled scheduled freshness check (an ASSERT on MAX(_loaded_at)).",
    remediationSteps: "Add a freshness check (a scheduled query on MAX(_loaded_at)) for the table.",
    check: (resources, report) => {
        const asserts = runningQueries(resources).flatMap((f) => f.asserts);
        for (const t of rawTables(resources))
            if (!asserts.some((a) => a.reads.some((p) => isTable(p, t)) && a.minutes.length > 0))
                report(`Raw table ${t} must have a scheduled freshness check on _loaded_at.`);
    },
});

export const stackPolicies = [
    stackRawTablesBackedUp,
    stackRawTablesFreshnessChecked,
    stackRunbookAlertsExist,
];

// Stack-level policies: what the runbook needs must exist for every raw table and alert row.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { ALERT_POLICY, TABLE } from "./lib";

const TRANSFER = "gcp:bigquery/dataTransferConfig:DataTransferConfig";

/** The rows of the runbook's alert table. */
export const RUNBOOK_ALERTS = [
    "DAG failure",
    "Data freshness",
    "API latency",
    "BigQuery errors",
    "Storage quota",
];

/**
 * The raw tables, as `dataset.table`: tables labelled `dataset: raw` (whatever id the dataset
 * has, e.g. one adopted from Terraform), or in a dataset with the id `raw`.
 */
function rawTables(resources: PolicyResource[]): string[] {
    return resources
        .filter(
            (r) =>
                r.type === TABLE &&
                (r.props.labels?.dataset === "raw" || r.props.datasetId === "raw") &&
                typeof r.props.tableId === "string" &&
                typeof r.props.datasetId === "string",
        )
        .map((r) => `${r.props.datasetId as string}.${r.props.tableId as string}`);
}

/** Whether a query names `dataset.table` (not a longer name such as `dataset.table_r1`). */
function names(query: string, table: string): boolean {
    return new RegExp(`${table.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\w])`).test(query);
}

function scheduledQueries(resources: PolicyResource[]): string[] {
    return resources
        .filter((r) => r.type === TRANSFER && r.props.dataSourceId === "scheduled_query")
        .map((r) => String(r.props.params?.query ?? ""));
}

export const stackRawTablesBackedUp: StackValidationPolicy & { remediationSteps: string } = {
    name: "stack-raw-tables-backed-up",
    description: "Checks whether every raw table has a scheduled export to the backups bucket.",
    remediationSteps:
        "Add the table to the scheduled backups (one EXPORT DATA scheduled query per raw table).",
    validateStack: (args, report) => {
        const queries = scheduledQueries(args.resources);
        for (const t of rawTables(args.resources))
            if (!queries.some((q) => /EXPORT DATA/i.test(q) && names(q, t)))
                report(
                    `Raw table ${t} must have a scheduled backup (an EXPORT DATA scheduled query).`,
                );
    },
};

export const stackRawTablesFreshnessChecked: StackValidationPolicy & { remediationSteps: string } =
    {
        name: "stack-raw-tables-freshness-checked",
        description:
            "Checks whether every raw table has a scheduled freshness check on _loaded_at.",
        remediationSteps:
            "Add a freshness check (a scheduled query on MAX(_loaded_at)) for the table.",
        validateStack: (args, report) => {
            const queries = scheduledQueries(args.resources);
            for (const t of rawTables(args.resources))
                if (
                    !queries.some(
                        (q) => q.includes("_loaded_at") && names(q, t) && !/EXPORT DATA/i.test(q),
                    )
                )
                    report(`Raw table ${t} must have a scheduled freshness check on _loaded_at.`);
        },
    };

export const stackRunbookAlertsExist: StackValidationPolicy & { remediationSteps: string } = {
    name: "stack-runbook-alerts-exist",
    description:
        "Checks whether an alert policy exists for every row of the runbook's alert table.",
    remediationSteps: "Add the missing alert to the alerting component.",
    validateStack: (args, report) => {
        const names = args.resources
            .filter((r) => r.type === ALERT_POLICY)
            .map((r) => String(r.props.displayName ?? ""));
        for (const row of RUNBOOK_ALERTS)
            // "<row> (<severity>)": exact, so "DAG failure: …" does not stand in for "DAG failure".
            if (!names.some((n) => n.toLowerCase().startsWith(`${row.toLowerCase()} (`)))
                report(`An alert policy for the runbook's "${row}" row must exist.`);
    },
};

export const stackPolicies = [
    stackRawTablesBackedUp,
    stackRawTablesFreshnessChecked,
    stackRunbookAlertsExist,
];

// BigQuery policies: time travel for restores, tables and datasets that keep their data.
import { DATASET, resourcePolicy, TABLE } from "./lib";

export const bigqueryTimeTravelFloor = resourcePolicy<{ minHours: number }>({
    name: "bigquery-time-travel-floor",
    description:
        "Checks whether datasets keep at least the configured time-travel window (the runbook's FOR SYSTEM_TIME AS OF restores).",
    remediationSteps: "Raise logistics:warehouse.timeTravelHours (48 to 168, steps of 24).",
    types: [DATASET],
    configSchema: {
        properties: { minHours: { type: "integer", default: 168, minimum: 48, maximum: 168 } },
    },
    check: (p, _a, report, { minHours }) => {
        const hours = p.maxTimeTravelHours === undefined ? 168 : Number(p.maxTimeTravelHours);
        if (hours < minHours)
            report(`Dataset must keep at least ${minHours} h of time travel, got ${hours} h.`);
    },
});

export const bigqueryRawTablesDeletionProtected = resourcePolicy({
    name: "bigquery-raw-tables-deletion-protected",
    description: "Checks whether tables in the raw dataset have deletion protection.",
    remediationSteps: "Set logistics:protectStatefulResources: true for the stack.",
    types: [TABLE],
    check: (p, args, report) => {
        // Raw tables carry the label dataset: raw, whatever their dataset's id.
        if (p.labels?.dataset !== "raw" && p.datasetId !== undefined && p.datasetId !== "raw")
            args.notApplicable("not a raw table");
        // The provider defaults deletionProtection to true; only an explicit false is a violation.
        if (p.deletionProtection === false) report("Raw table must have deletionProtection: true.");
    },
});

export const bigqueryNoDeleteContentsOnDestroy = resourcePolicy({
    name: "bigquery-no-delete-contents-on-destroy",
    description:
        "Checks whether datasets would drop their tables when deleted (deleteContentsOnDestroy).",
    remediationSteps: "Remove deleteContentsOnDestroy from the dataset.",
    types: [DATASET],
    check: (p, _a, report) => {
        if (p.deleteContentsOnDestroy === true)
            report(
                "Dataset must not set deleteContentsOnDestroy: deleting it would drop its tables.",
            );
    },
});

export const bigqueryPolicies = [
    bigqueryTimeTravelFloor,
    bigqueryRawTablesDeletionProtected,
    bigqueryNoDeleteContentsOnDestroy,
];

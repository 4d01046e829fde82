// `restore-plan`: the fastest source restoring a raw table to a point in time (../restorePlan.ts).
import { restorePlan as plan } from "../restorePlan";
import type { Check } from "./check";

export const restorePlan: Check<"restore-plan"> = {
    name: "restore-plan",
    usage: `  restore-plan    the fastest source restoring a raw table to a point in time (time travel, table
                  snapshot, daily backup), the data it loses (RPO), an estimated restore time from
                  the table's size, and the logistics:restores entry to add
                  --table <raw table> --to <UTC timestamp, e.g. 2026-11-26T09:30:00Z>`,
    run: ({ warehouse, context, options, progress }) => plan(warehouse, context, options, progress),
};

// `drill`: every raw table restored from every tier into a scratch dataset and compared
// (../drill.ts).
import { runDrill } from "../drill";
import type { Check } from "./check";

export const drill: Check<"drill"> = {
    name: "drill",
    usage: `  drill           restores one day partition of every raw table from every tier (time travel,
                  table snapshot, daily backup) into the scratch dataset restore_drill (tables
                  expire after 6 h; the drill drops its own), compares each with its source as
                  verify-restore does, and fails when one differs or took longer than the
                  recovery matrix expects`,
    run: ({ warehouse, context, progress }) =>
        runDrill(warehouse, context, context.drill, progress),
};

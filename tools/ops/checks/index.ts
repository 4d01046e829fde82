// The checks of `npm run ops`, in the order the usage lists them: one file each, one `Check`
// interface (./check.ts). A new check is a file and a line here.
import type { Check, CheckInput, CheckResult } from "./check";
import { drill } from "./drill";
import { dryRun } from "./dry-run";
import { duplicates } from "./duplicates";
import { freshness } from "./freshness";
import { nulls } from "./nulls";
import { orphans } from "./orphans";
import { restorePlan } from "./restore-plan";
import { verifyRestore } from "./verify-restore";

export * from "./check";

export const CHECKS = [
    freshness,
    nulls,
    duplicates,
    orphans,
    verifyRestore,
    dryRun,
    restorePlan,
    drill,
] as const;

export type CheckName = (typeof CHECKS)[number]["name"];

export const CHECK_NAMES: readonly CheckName[] = CHECKS.map((c) => c.name);

export const isCheckName = (word: string): word is CheckName =>
    (CHECK_NAMES as readonly string[]).includes(word);

/** The usage's list of checks. */
export const CHECKS_USAGE = CHECKS.map((c) => c.usage).join("\n");

/** Runs the check named `name`. */
export function runCheck(name: CheckName, input: CheckInput): Promise<CheckResult> {
    const check: Check = CHECKS.find((c) => c.name === name)!;
    return check.run(input);
}

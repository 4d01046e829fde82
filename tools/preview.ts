// `npm run preview [-- --stack <name>] [--json] [--diff <git revision | plan.json>]`: what
// `pulumi up` would create, offline; with --diff, what the working tree changes against a base.
import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../stacks/config";
import { loadBase } from "./offline/base";
import { diffPlans, renderDiff } from "./offline/diff";
import { ESTIMATE_USAGE, estimateDiff, estimatePlan, takeEstimateFlags } from "./offline/estimate";
import { runOffline, PROJECT_ROOT } from "./offline/engine";
import { loadPolicyConfig, policyConfigDir, renderViolations, runPolicies } from "./offline/policy";
import { renderPlan } from "./offline/render";
import { UsageError } from "./offline/stackfile";
import { rejectFlagsKeptByNpm } from "./cli";
import { closest } from "../lib/schema";

// --cost and --timeline (estimate.ts) are in the usage every error prints and among the flags npm
// may keep for itself (`npm run preview --cost` would otherwise run without them).
export const USAGE = `Usage: npm run preview [-- --stack <name>] [--json] [--diff <base>] [--cost] [--timeline]

  --stack <name>  stack to preview: reads Pulumi.<name>.yaml (default: dev; -s for short)
  --json          print the plan as JSON (resources, inputs, options, dependencies, outputs,
                  policy violations); save it to diff against later
  --diff <base>   show what the working tree creates, updates, replaces and deletes relative to
                  <base>: a git revision (origin/main, HEAD~1, a tag), previewed offline by its
                  own code, or a plan.json saved with --json. Exits with 1 when a protected
                  resource would be deleted or replaced, or a change is one Google Cloud
                  refuses or cannot undo (a locked retention shortened, …).
${ESTIMATE_USAGE}
  --help          show this help (-h for short)

Without --diff, runs the policy pack (policies/) over the plan with policies/config/<name>.json;
a mandatory violation exits with 1.`;
const FLAGS = ["--stack", "--json", "--diff", "--cost", "--timeline", "--help"];

export interface PreviewArgs {
    stack: string;
    json: boolean;
    help: boolean;
    /** Base of a diff: a git revision or a plan.json. */
    diff?: string;
}

export function parseArgs(argv: readonly string[]): PreviewArgs {
    const args: PreviewArgs = { stack: "dev", json: false, help: false };
    // The last of a repeated --stack or --diff would win silently: refuse the ambiguity.
    for (const flag of ["--stack", "--diff"]) {
        const vals = argv.flatMap((a, i) =>
            a === flag || (flag === "--stack" && a === "-s")
                ? [argv[i + 1] ?? ""]
                : a.startsWith(`${flag}=`)
                  ? [a.slice(flag.length + 1)]
                  : [],
        );
        if (new Set(vals).size > 1)
            throw new UsageError(
                `${flag}: given ${vals.length} times (${vals.map((v) => JSON.stringify(v)).join(", ")}). Expected it once.\n\n${USAGE}`,
            );
    }
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i]!;
        if (a === "--json") args.json = true;
        else if (a === "--help" || a === "-h") args.help = true;
        else if (a === "--stack" || a === "-s") {
            const v = argv[++i];
            if (v === undefined || v.startsWith("-"))
                throw new UsageError(`--stack needs a stack name.\n\n${USAGE}`);
            args.stack = v;
        } else if (a.startsWith("--stack=")) args.stack = a.slice("--stack=".length);
        else if (a === "--diff") {
            const v = argv[++i];
            if (v === undefined || v.startsWith("-"))
                throw new UsageError(
                    `--diff needs a base: a git revision or a plan.json.\n\n${USAGE}`,
                );
            args.diff = v;
        } else if (a.startsWith("--diff=")) args.diff = a.slice("--diff=".length);
        else if (/^--(json|cost|timeline|help)=/.test(a))
            throw new UsageError(`${a.split("=")[0]} takes no value.\n\n${USAGE}`);
        else {
            const guess = a.startsWith("-")
                ? closest(a.split("=")[0]!, FLAGS)
                : args.stack === "dev" && !argv.includes("--stack") && !argv.includes("-s")
                  ? `--stack ${a}`
                  : undefined;
            throw new UsageError(
                `unknown argument "${a}".${guess ? ` Did you mean ${guess}?` : ""}\n\n${USAGE}`,
            );
        }
    }
    return args;
}

async function main(argv: readonly string[]): Promise<number> {
    rejectFlagsKeptByNpm("preview", USAGE);
    const { flags, rest } = takeEstimateFlags(argv);
    const args = parseArgs(rest);
    if (args.help) {
        console.log(USAGE);
        return 0;
    }
    const root = projectRoot();
    if (args.diff !== undefined) {
        // The base first: a bad --diff fails before the (slower) preview of the working tree.
        const base = loadBase(args.diff, args.stack, root);
        const head = await runOffline({ stack: args.stack, root });
        const diff = diffPlans(base.plan, head);
        const extra = estimateDiff(base.plan, head, diff, flags);
        if (args.json)
            console.log(JSON.stringify({ base: base.label, ...diff, ...extra.json }, null, 2));
        else console.log(renderDiff(diff, base.label, "working tree") + extra.text);
        return diff.protectedViolations.length + diff.irreversible.length > 0 ? 1 : 0;
    }
    const plan = await runOffline({ stack: args.stack, root });
    // A missing or invalid pack config is a UsageError (exit 2), never a weaker gate.
    const violations = await runPolicies(plan, loadPolicyConfig(args.stack, policyConfigDir(root)));
    const extra = estimatePlan(plan, flags);
    if (args.json)
        console.log(
            JSON.stringify({ ...plan, policyViolations: violations, ...extra.json }, null, 2),
        );
    else console.log(`${renderPlan(plan)}\n\n${renderViolations(violations, plan)}${extra.text}`);
    // As with `pulumi preview --policy-pack`, a mandatory violation fails the command.
    return violations.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0;
}

/** The project being previewed: the working directory when it holds a Pulumi.yaml, else this repo. */
export function projectRoot(): string {
    return fs.existsSync(path.join(process.cwd(), "Pulumi.yaml")) ? process.cwd() : PROJECT_ROOT;
}

/** Every failure ends as one clear message and a non-zero exit, never a stack trace. */
export function describeFailure(err: unknown): { message: string; code: number } {
    if (err instanceof UsageError) return { message: `error: ${err.message}`, code: 2 };
    if (err instanceof ConfigError) return { message: `error: ${err.message}`, code: 1 };
    const message = err instanceof Error ? err.message : String(err);
    return {
        message: `error: the program failed while building the stack: ${message}${debugHint(err)}`,
        code: 1,
    };
}

/** How to see an unexpected failure's stack trace; with LOGISTICS_DEBUG set, the trace itself. */
export function debugHint(err: unknown): string {
    return (
        "\n(set LOGISTICS_DEBUG=1 for the stack trace)" +
        (process.env["LOGISTICS_DEBUG"] && err instanceof Error ? `\n${err.stack}` : "")
    );
}

/**
 * Runs a command's `main` and turns what it returns or throws into the process's exit code,
 * printing a failure as one message: every `npm run` tool ends this way.
 */
export function runCli(
    main: (argv: readonly string[]) => Promise<number | void> | number | void,
): void {
    Promise.resolve()
        .then(() => main(process.argv.slice(2)))
        .then(
            (code) => (process.exitCode = code ?? 0),
            (err: unknown) => {
                const { message, code } = describeFailure(err);
                console.error(message);
                process.exitCode = code;
            },
        );
}

if (require.main === module) runCli(main);

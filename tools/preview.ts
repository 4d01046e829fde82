// `npm run preview [-- --stack <name>] [--json] [--diff <git revision | plan.json>]`: what
// `pulumi up` would create, offline; with --diff, what the working tree changes against a base.
import { loadBase } from "./offline/base";
import { diffPlans, renderDiff } from "./offline/diff";
import { ESTIMATE_USAGE, estimateDiff, estimatePlan, type EstimateFlags } from "./offline/estimate";
import { runOffline } from "./offline/engine";
import { loadPolicyConfig, policyConfigDir, renderViolations, runPolicies } from "./offline/policy";
import { renderPlan } from "./offline/render";
import { UsageError } from "./offline/stackfile";
import {
    parseCommandLine,
    processIo,
    projectRoot,
    rejectFlagsKeptByNpm,
    runCli,
    type CommandLine,
    type Io,
} from "./cli";

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

const CLI = {
    command: "preview",
    usage: USAGE,
    // A positional is refused below, with a hint of its own.
    positionals: true,
    flags: {
        stack: { type: "string", short: "s", value: "a stack name" },
        json: { type: "boolean" },
        diff: { type: "string", value: "a base: a git revision or a plan.json" },
        cost: { type: "boolean" },
        timeline: { type: "boolean" },
    },
} as const satisfies CommandLine;

export interface PreviewArgs {
    stack: string;
    json: boolean;
    help: boolean;
    /** Base of a diff: a git revision or a plan.json. */
    diff?: string;
    /** --cost and --timeline (estimate.ts). */
    estimates: EstimateFlags;
}

export function parseArgs(argv: readonly string[]): PreviewArgs {
    const { values, positionals } = parseCommandLine(argv, CLI);
    const [word] = positionals;
    if (word !== undefined) {
        // A bare stack name (`npm run preview -- prod`) most likely meant --stack.
        const guess =
            (values["stack"] ?? "dev") === "dev" &&
            !argv.includes("--stack") &&
            !argv.includes("-s")
                ? `--stack ${word}`
                : undefined;
        throw new UsageError(
            `unknown argument "${word}".${guess ? ` Did you mean ${guess}?` : ""}\n\n${USAGE}`,
        );
    }
    return {
        stack: typeof values["stack"] === "string" ? values["stack"] : "dev",
        json: values["json"] === true,
        help: values["help"] === true,
        ...(typeof values["diff"] === "string" ? { diff: values["diff"] } : {}),
        estimates: { cost: values["cost"] === true, timeline: values["timeline"] === true },
    };
}

export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
    rejectFlagsKeptByNpm("preview", USAGE);
    const args = parseArgs(argv);
    const flags = args.estimates;
    if (args.help) {
        io.out(USAGE);
        return 0;
    }
    const root = projectRoot(io.cwd);
    if (args.diff !== undefined) {
        // The base first: a bad --diff fails before the (slower) preview of the working tree.
        const base = loadBase(args.diff, args.stack, root, io.cwd);
        const head = await runOffline({ stack: args.stack, root });
        const diff = diffPlans(base.plan, head);
        const extra = estimateDiff(base.plan, head, diff, flags);
        if (args.json)
            io.out(JSON.stringify({ base: base.label, ...diff, ...extra.json }, null, 2));
        else io.out(renderDiff(diff, base.label, "working tree") + extra.text);
        return diff.protectedViolations.length + diff.irreversible.length > 0 ? 1 : 0;
    }
    const plan = await runOffline({ stack: args.stack, root });
    // A missing or invalid pack config is a UsageError (exit 2), never a weaker gate.
    const violations = await runPolicies(
        plan,
        loadPolicyConfig(args.stack, policyConfigDir(root), undefined, root),
    );
    const extra = estimatePlan(plan, flags);
    if (args.json)
        io.out(JSON.stringify({ ...plan, policyViolations: violations, ...extra.json }, null, 2));
    else io.out(`${renderPlan(plan)}\n\n${renderViolations(violations, plan)}${extra.text}`);
    // As with `pulumi preview --policy-pack`, a mandatory violation fails the command.
    return violations.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0;
}

if (require.main === module) runCli(main);

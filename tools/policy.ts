// `npm run policy -- --stack <name> [--json]`: the policy pack over the offline plan, on its own.
import { runOffline } from "./offline/engine";
import { loadPolicyConfig, policyConfigDir, renderViolations, runPolicies } from "./offline/policy";
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

const USAGE = `Usage: npm run policy -- --stack <name> [--json]

  --stack, -s <name>  stack whose offline plan to check, with policies/config/<name>.json (required)
  --json              print the violations as JSON
  --help, -h          show this help

Exit codes: 0 no mandatory violation, 1 a mandatory violation or bad config, 2 bad arguments.`;

const CLI = {
    command: "policy",
    usage: USAGE,
    flags: { stack: { type: "string", short: "s" }, json: { type: "boolean" } },
} as const satisfies CommandLine;

export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
    rejectFlagsKeptByNpm(CLI.command, USAGE);
    const { values } = parseCommandLine(argv, CLI);
    if (values["help"]) {
        io.out(USAGE);
        return 0;
    }
    const stack = values["stack"];
    if (typeof stack !== "string")
        throw new UsageError(`--stack is required: npm run policy -- --stack <name>.\n\n${USAGE}`);
    const root = projectRoot(io.cwd);
    const plan = await runOffline({ stack, root });
    // A missing or invalid pack config is a UsageError (exit 2), never a weaker gate.
    const violations = await runPolicies(
        plan,
        loadPolicyConfig(stack, policyConfigDir(root), undefined, root),
    );
    io.out(
        values["json"] ? JSON.stringify(violations, null, 2) : renderViolations(violations, plan),
    );
    return violations.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0;
}

if (require.main === module) runCli(main);

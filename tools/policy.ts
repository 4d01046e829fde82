// `npm run policy -- --stack <name> [--json]`: the policy pack over the offline plan, on its own.
import { runOffline } from "./offline/engine";
import { loadPolicyConfig, policyConfigDir, renderViolations, runPolicies } from "./offline/policy";
import { UsageError } from "./offline/stackfile";
import { parseArgs, projectRoot, runCli } from "./preview";

async function main(argv: readonly string[]): Promise<number> {
    const args = parseArgs(argv);
    if (args.help) {
        console.log("Usage: npm run policy -- --stack <name> [--json]");
        return 0;
    }
    if (!argv.some((a) => a === "--stack" || a === "-s" || a.startsWith("--stack=")))
        throw new UsageError("npm run policy needs a stack: npm run policy -- --stack <name>");
    const root = projectRoot();
    const plan = await runOffline({ stack: args.stack, root });
    // A missing or invalid pack config is a UsageError (exit 2), never a weaker gate.
    const config = loadPolicyConfig(args.stack, policyConfigDir(root));
    const violations = await runPolicies(plan, config);
    console.log(
        args.json ? JSON.stringify(violations, null, 2) : renderViolations(violations, plan),
    );
    return violations.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0;
}

if (require.main === module) runCli(main);

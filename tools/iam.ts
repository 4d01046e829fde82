// `npm run iam -- --stack <name> [--json]`: who can do what, offline — per identity and resource,
// the permissions required, granted, missing and granted beyond need.
import { parseArgs as parseNodeArgs } from "node:util";
import { parseStackConfig } from "../stacks/config";
import { accessOk, checkAccess, loadRoles, modelInput, type AccessReport } from "./offline/iam";
import { renderAccess } from "./offline/iamRender";
import { runOffline } from "./offline/engine";
import { readStackFile, UsageError } from "./offline/stackfile";
import { projectRoot, runCli } from "./preview";

export const USAGE = `Usage: npm run iam -- --stack <name> [--json]

  --stack <name>  stack to check: reads Pulumi.<name>.yaml
  --json          print the report as JSON (every required, missing and excess permission)
  --help          show this help

Builds the stack offline, reads its grants, expands their roles with data/gcp-iam-roles.json and
checks them against what each identity must do (data/iam-actions.ts; the deployer's actions come
from the plan's resources). Exits with 1 when a required permission is missing or the plan holds
a grant or type the model cannot read, 2 on bad arguments or an unknown stack.`;

export interface IamArgs {
    stack?: string;
    json: boolean;
    help: boolean;
}

export function parseArgs(argv: readonly string[]): IamArgs {
    let parsed;
    try {
        parsed = parseNodeArgs({
            args: [...argv],
            options: {
                stack: { type: "string", short: "s" },
                json: { type: "boolean" },
                help: { type: "boolean", short: "h" },
            },
            strict: true,
            allowPositionals: false,
        });
    } catch (err) {
        const { code, message } = err as Error & { code?: string };
        const arg = /'([^']+)'/.exec(message)?.[1] ?? "";
        const problem =
            code === "ERR_PARSE_ARGS_UNKNOWN_OPTION"
                ? `${arg}: unknown option. Expected --stack <name>, --json or --help`
                : code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL"
                  ? `${arg}: unexpected argument. Expected --stack <name>, e.g. --stack ${arg}`
                  : `--stack: needs a stack name. Expected --stack <name>, e.g. --stack prod`;
        throw new UsageError(`${problem}.\n\n${USAGE}`);
    }
    const { stack, json, help } = parsed.values;
    if (!help && (stack === undefined || stack === "" || stack.startsWith("-")))
        throw new UsageError(
            `--stack: a stack name is required. Expected --stack <name>, e.g. --stack prod.\n\n${USAGE}`,
        );
    return { ...(stack ? { stack } : {}), json: json === true, help: help === true };
}

/** The report for a stack file in `root`. */
export async function stackAccess(stack: string, root: string): Promise<AccessReport> {
    // The stack file first: an unknown stack fails before the (slower) plan.
    const config = parseStackConfig(readStackFile(root, stack).config, {
        allowPlaceholderProject: true,
    });
    const plan = await runOffline({ stack, root });
    return checkAccess(plan, modelInput(config), loadRoles());
}

async function main(argv: readonly string[]): Promise<number> {
    const args = parseArgs(argv);
    if (args.help) {
        console.log(USAGE);
        return 0;
    }
    const report = await stackAccess(args.stack!, projectRoot());
    console.log(args.json ? JSON.stringify(report, null, 2) : renderAccess(report));
    return accessOk(report) ? 0 : 1;
}

if (require.main === module) runCli(main);

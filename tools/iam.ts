// `npm run iam -- --stack <name> [--json]`: who can do what, offline — per identity and resource,
// the permissions required, granted, missing and granted beyond need.
import { parseStackConfig } from "../stacks/config";
import { accessOk, checkAccess, loadRoles, modelInput, type AccessReport } from "./offline/iam";
import { renderAccess } from "./offline/iamRender";
import { runOffline } from "./offline/engine";
import { readStackFile, UsageError } from "./offline/stackfile";
import {
    parseCommandLine,
    processIo,
    projectRoot,
    rejectFlagsKeptByNpm,
    runCli,
    type CommandLine,
    type Io,
} from "./cli";

export const USAGE = `Usage: npm run iam -- --stack <name> [--json]

  --stack, -s <name>  stack to check: reads Pulumi.<name>.yaml (required)
  --json              print the report as JSON (every required, missing and excess permission)
  --help, -h          show this help

Builds the stack offline, reads its grants, expands their roles with data/gcp-iam-roles.json and
checks them against what each identity must do (data/iam-actions.ts; the deployer's actions come
from the plan's resources). Exits with 1 when a required permission is missing or the plan holds
a grant or type the model cannot read, 2 on bad arguments or an unknown stack.`;

export interface IamArgs {
    stack?: string;
    json: boolean;
    help: boolean;
}

const CLI = {
    command: "iam",
    usage: USAGE,
    flags: { stack: { type: "string", short: "s" }, json: { type: "boolean" } },
} as const satisfies CommandLine;

/** Parsed by the commands' shared helper: unknown flags name the closest, usage on every error. */
export function parseArgs(argv: readonly string[]): IamArgs {
    const { values } = parseCommandLine(argv, CLI);
    const stack = values["stack"];
    const help = values["help"] === true;
    if (!help && (typeof stack !== "string" || stack === ""))
        throw new UsageError(
            `--stack: a stack name is required. Expected --stack <name>, e.g. --stack prod.\n\n${USAGE}`,
        );
    return {
        ...(typeof stack === "string" && stack !== "" ? { stack } : {}),
        json: values["json"] === true,
        help,
    };
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

export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
    rejectFlagsKeptByNpm(CLI.command, USAGE);
    const args = parseArgs(argv);
    if (args.help) {
        io.out(USAGE);
        return 0;
    }
    const report = await stackAccess(args.stack!, projectRoot(io.cwd));
    io.out(args.json ? JSON.stringify(report, null, 2) : renderAccess(report));
    return accessOk(report) ? 0 : 1;
}

if (require.main === module) runCli(main);

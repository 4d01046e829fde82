// `npm run matrix -- --stack <name> [--write]`: the stack's recovery matrix, from its config; with
// --write, into docs/runbook.md between the stack's markers.
import * as fs from "fs";
import * as path from "path";
import * as prettier from "prettier";
import { parseStackConfig } from "../stacks/config";
import {
    parseCommandLine,
    processIo,
    projectRoot,
    rejectFlagsKeptByNpm,
    runCli,
    type CommandLine,
    type Io,
} from "./cli";
import { readStackFile, UsageError } from "./offline/stackfile";
import {
    markers,
    matrixBasis,
    recoveryMatrix,
    renderMatrix,
    withMatrix,
} from "./offline/recoveryMatrix";

export const USAGE = `Usage: npm run matrix -- --stack <name> [--write]

  --stack <name>  stack whose config the matrix is derived from (Pulumi.<name>.yaml)
  --write         write it into docs/runbook.md between the stack's markers
                  (<!-- recovery-matrix:<name>:start --> … <!-- recovery-matrix:<name>:end -->)
  --help          show this help

Per failure (bad load, dropped table, corruption found after 10 and 60 days, loss of the compute
region, loss of the data location): the source of the recovery ladder used, the RPO, the expected
restore time and the commands. Exit 2 on bad arguments, an unknown stack or missing markers.`;

const CLI = {
    command: "matrix",
    usage: USAGE,
    flags: { stack: { type: "string", short: "s" }, write: { type: "boolean" } },
} as const satisfies CommandLine;

/** The stack's matrix as docs/runbook.md holds it (formatted as `npm run format` would). */
export async function matrixMarkdown(root: string, stack: string): Promise<string> {
    const config = parseStackConfig(readStackFile(root, stack).config, {
        allowPlaceholderProject: true,
        stack,
    });
    const md = renderMatrix(recoveryMatrix(config, stack), matrixBasis(config));
    const runbook = path.join(root, "docs", "runbook.md");
    const options = (await prettier.resolveConfig(runbook)) ?? {};
    return (await prettier.format(md, { ...options, parser: "markdown" })).trimEnd();
}

export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
    rejectFlagsKeptByNpm("matrix", USAGE);
    const { values } = parseCommandLine(argv, CLI);
    if (values["help"]) {
        io.out(USAGE);
        return 0;
    }
    const stack = values["stack"];
    if (typeof stack !== "string" || !stack)
        throw new UsageError(`--stack: a stack name is required, e.g. --stack prod.\n\n${USAGE}`);
    const root = projectRoot(io.cwd);
    const matrix = await matrixMarkdown(root, stack);
    if (!values["write"]) {
        io.out(matrix);
        return 0;
    }
    const file = path.join(root, "docs", "runbook.md");
    const updated = withMatrix(fs.readFileSync(file, "utf8"), stack, matrix);
    if (updated === undefined)
        throw new UsageError(
            `docs/runbook.md: no markers for stack ${stack}. Expected ${markers(stack).join(" … ")} where the matrix goes.`,
        );
    fs.writeFileSync(file, updated);
    io.out(`wrote the ${stack} recovery matrix into docs/runbook.md`);
    return 0;
}

if (require.main === module) runCli(main);

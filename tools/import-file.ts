// `npm run import-file -- --stack <name> [--out <file>]`: the bulk-import file that adopts an
// existing platform into the stack (docs/migrating-from-terraform.md). Built offline from the
// program and the stack's config; written only when complete.
import * as fs from "fs";
import { PLACEHOLDER_PROJECT_PREFIX } from "../stacks/config";
import { runOffline } from "./offline/engine";
import { buildImportFile, providerVersions } from "./offline/importFile";
import { displayType } from "./offline/render";
import { UsageError } from "./offline/stackfile";
import { overwriteRefusal, writeWhole } from "./offline/writeFile";
import {
    parseCommandLine,
    processIo,
    projectRoot,
    rejectFlagsKeptByNpm,
    runCli,
    userPath,
    type CommandLine,
    type Io,
} from "./cli";

const USAGE = `Usage: npm run import-file -- --stack <name> [--out <file>] [--force]

  --stack, -s <name>  stack whose resources to adopt: reads Pulumi.<name>.yaml (required)
  --out, -o <file>    where to write the file (default: import-<name>.json; - for stdout); a
                      relative path is taken from where you ran npm run
  --force             overwrite --out even if it is not an import file this command wrote, or git
                      tracks it
  --help, -h          show this help

Writes the file \`pulumi import --file\` reads: every resource of the stack with its GCP id,
derived from the stack's config (set gcp:project and logistics:names first). Lists the resources
that are not imported, and why. Then:
  npm run pulumi -- import --file import-<name>.json --stack <name> --generate-code=false`;

const CLI = {
    command: "import-file",
    usage: USAGE,
    flags: {
        stack: { type: "string", short: "s" },
        out: { type: "string", short: "o" },
        force: { type: "boolean" },
    },
} as const satisfies CommandLine;

export interface ImportFileArgs {
    stack?: string;
    out?: string;
    force?: boolean;
    help: boolean;
}

export function parseArgs(argv: readonly string[]): ImportFileArgs {
    const { values } = parseCommandLine(argv, CLI);
    const args: ImportFileArgs = { help: values["help"] === true };
    if (typeof values["stack"] === "string") args.stack = values["stack"];
    if (typeof values["out"] === "string") args.out = values["out"];
    if (values["force"] === true) args.force = true;
    if (!args.help && !args.stack)
        throw new UsageError(`--stack is required: the import file is per stack.\n\n${USAGE}`);
    return args;
}

/** An import file this command wrote: JSON whose only key is `resources`, a list of entries. */
export function isImportFile(text: string): boolean {
    try {
        const doc = JSON.parse(text) as unknown;
        return (
            doc !== null &&
            typeof doc === "object" &&
            !Array.isArray(doc) &&
            Object.keys(doc).join() === "resources" &&
            Array.isArray((doc as { resources: unknown }).resources) &&
            (doc as { resources: unknown[] }).resources.every(
                (e) => typeof (e as { type?: unknown })?.type === "string",
            )
        );
    } catch {
        return false;
    }
}

export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
    rejectFlagsKeptByNpm(CLI.command, USAGE);
    const args = parseArgs(argv);
    if (args.help) {
        io.out(USAGE);
        return 0;
    }
    const stack = args.stack!;
    const out = args.out ?? `import-${stack}.json`;
    const target = out === "-" ? undefined : userPath(out, CLI.command, io.cwd);
    // Checked before the (slow) build: a file this command did not write is never overwritten.
    const refusal = target && !args.force ? overwriteRefusal(target, isImportFile) : undefined;
    if (target && refusal)
        throw new UsageError(
            `--out ${target}: ${refusal}, so it is not overwritten. Expected a new path or an import file ` +
                `this command wrote; pass --force to overwrite it anyway.`,
        );
    if (target && fs.existsSync(target) && fs.statSync(target).isDirectory())
        throw new UsageError(`--out ${target}: is a directory. Expected a file path.`);
    const root = projectRoot(io.cwd);
    const plan = await runOffline({ stack, root });
    const project = String(plan.outputs["project"]);
    if (project.startsWith(PLACEHOLDER_PROJECT_PREFIX))
        throw new UsageError(
            `gcp:project of stack ${stack} is the placeholder "${project}": the import ids name the project, so set it first ` +
                `(npm run pulumi -- config set gcp:project <id> --stack ${stack}).`,
        );
    const { file, skipped } = buildImportFile(plan, project, providerVersions());
    const text = `${JSON.stringify(file, null, 2)}\n`;
    if (target === undefined) io.out(text.slice(0, -1));
    // Written whole or not at all: a temporary file beside the target, renamed into place.
    else writeWhole(target, text, "--out");
    const report = out === "-" ? io.err : io.out;
    const imported = file.resources.filter((e) => !e.component).length;
    report(
        `${out === "-" ? "stdout" : out}: ${imported} resources to import under ${file.resources.length - imported} components (stack ${stack}, project ${project}).`,
    );
    if (skipped.length > 0) {
        report(`Not imported (${skipped.length}); pulumi up creates them:`);
        for (const s of skipped) report(`  ${displayType(s.type)}  ${s.name}: ${s.reason}`);
    }
    report(
        `Next: npm run pulumi -- import --file ${out === "-" ? "<file>" : out} --stack ${stack} --generate-code=false, ` +
            `then npm run pulumi -- preview --stack ${stack} must show no replace and no delete.`,
    );
    return 0;
}

if (require.main === module) runCli(main);

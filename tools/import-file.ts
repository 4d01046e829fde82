// `npm run import-file -- --stack <name> [--out <file>]`: the bulk-import file that adopts an
// existing platform into the stack (docs/migrating-from-terraform.md). Built offline from the
// program and the stack's config; written only when complete.
import * as fs from "fs";
import * as path from "path";
import { PLACEHOLDER_PROJECT_PREFIX } from "../stacks/config";
import { runOffline } from "./offline/engine";
import { buildImportFile, providerVersions } from "./offline/importFile";
import { displayType } from "./offline/render";
import { UsageError } from "./offline/stackfile";
import { projectRoot, runCli } from "./preview";

const USAGE = `Usage: npm run import-file -- --stack <name> [--out <file>]

  --stack <name>  stack whose resources to adopt: reads Pulumi.<name>.yaml (required)
  --out <file>    where to write the file (default: import-<name>.json; - for stdout)
  --help          show this help

Writes the file \`pulumi import --file\` reads: every resource of the stack with its GCP id,
derived from the stack's config (set gcp:project and logistics:names first). Lists the resources
that are not imported, and why. Then:
  npm run pulumi -- import --file import-<name>.json --stack <name> --generate-code=false`;

export interface ImportFileArgs {
    stack?: string;
    out?: string;
    help: boolean;
}

export function parseArgs(argv: readonly string[]): ImportFileArgs {
    const args: ImportFileArgs = { help: false };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i]!;
        const value = (flag: string) => {
            const v = argv[++i];
            if (v === undefined || (v.startsWith("-") && v !== "-"))
                throw new UsageError(`${flag} needs a value.\n\n${USAGE}`);
            return v;
        };
        if (a === "--help" || a === "-h") args.help = true;
        else if (a === "--stack" || a === "-s") args.stack = value(a);
        else if (a.startsWith("--stack=")) args.stack = a.slice("--stack=".length);
        else if (a === "--out" || a === "-o") args.out = value(a);
        else if (a.startsWith("--out=")) args.out = a.slice("--out=".length);
        else throw new UsageError(`unknown argument "${a}".\n\n${USAGE}`);
    }
    if (!args.help && !args.stack)
        throw new UsageError(`--stack is required: the import file is per stack.\n\n${USAGE}`);
    return args;
}

async function main(argv: readonly string[]): Promise<number> {
    const args = parseArgs(argv);
    if (args.help) {
        console.log(USAGE);
        return 0;
    }
    const stack = args.stack!;
    const root = projectRoot();
    const plan = await runOffline({ stack, root });
    const project = String(plan.outputs["project"]);
    if (project.startsWith(PLACEHOLDER_PROJECT_PREFIX))
        throw new UsageError(
            `gcp:project of stack ${stack} is the placeholder "${project}": the import ids name the project, so set it first ` +
                `(npm run pulumi -- config set gcp:project <id> --stack ${stack}).`,
        );
    const { file, skipped } = buildImportFile(plan, project, providerVersions());
    const text = `${JSON.stringify(file, null, 2)}\n`;
    const out = args.out ?? `import-${stack}.json`;
    if (out === "-") process.stdout.write(text);
    else {
        // Written whole or not at all: a temporary file renamed into place.
        const target = path.resolve(out);
        const temp = `${target}.${process.pid}.tmp`;
        fs.writeFileSync(temp, text);
        fs.renameSync(temp, target);
    }
    const report = out === "-" ? console.error : console.log;
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

// `npm run inventory [-- --stack <name>]`: regenerates test/inventories/<stack>.yaml from the
// offline plan. Review the diff: it is the spec of what the change does to the stack.
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { runOffline, PROJECT_ROOT } from "./offline/engine";
import { inventoryOf } from "./offline/inventory";
import { listStacks, UsageError } from "./offline/stackfile";
import { writeWhole } from "./offline/writeFile";
import { parseCommandLine, rejectFlagsKeptByNpm, runCli, type CommandLine } from "./cli";

export const INVENTORY_DIR = path.join(PROJECT_ROOT, "test", "inventories");

export function inventoryFile(stack: string): string {
    return path.join(INVENTORY_DIR, `${stack}.yaml`);
}

export const HEADER = (stack: string) =>
    `# Golden inventory of stack "${stack}": checked by test/inventory.test.ts.\n` +
    `# Regenerate with: npm run inventory -- --stack ${stack}   (then read the diff)\n`;

const USAGE = `Usage: npm run inventory [-- --stack <name>]

  --stack, -s <name>  regenerate only test/inventories/<name>.yaml (default: every stack)
  --help, -h          show this help

Regenerates the golden inventories from the offline plan; read the diff before committing it.`;

const CLI = {
    command: "inventory",
    usage: USAGE,
    flags: { stack: { type: "string", short: "s" } },
} as const satisfies CommandLine;

async function main(argv: readonly string[]): Promise<void> {
    rejectFlagsKeptByNpm(CLI.command, USAGE);
    const { values } = parseCommandLine(argv, CLI);
    if (values["help"]) {
        console.log(USAGE);
        return;
    }
    let stacks = listStacks(PROJECT_ROOT);
    if (typeof values["stack"] === "string") {
        if (!stacks.includes(values["stack"]))
            throw new UsageError(
                `--stack: unknown stack "${values["stack"]}". Stacks found: ${stacks.join(", ")}.`,
            );
        stacks = [values["stack"]];
    }
    fs.mkdirSync(INVENTORY_DIR, { recursive: true });
    for (const stack of stacks) {
        const plan = await runOffline({ stack });
        // Whole or not at all: an interrupted run never leaves half an inventory.
        writeWhole(
            inventoryFile(stack),
            HEADER(stack) + YAML.stringify(inventoryOf(plan), { lineWidth: 0 }),
            "inventory",
        );
        console.log(`wrote ${path.relative(PROJECT_ROOT, inventoryFile(stack))}`);
    }
}

if (require.main === module) runCli(main);

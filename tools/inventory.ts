// `npm run inventory [-- --stack <name>]`: regenerates test/inventories/<stack>.yaml from the
// offline plan. Review the diff: it is the spec of what the change does to the stack.
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { runOffline, PROJECT_ROOT } from "./offline/engine";
import { inventoryOf } from "./offline/inventory";
import { listStacks, UsageError } from "./offline/stackfile";
import { runCli } from "./preview";

export const INVENTORY_DIR = path.join(PROJECT_ROOT, "test", "inventories");

export function inventoryFile(stack: string): string {
    return path.join(INVENTORY_DIR, `${stack}.yaml`);
}

export const HEADER = (stack: string) =>
    `# Golden inventory of stack "${stack}": checked by test/inventory.test.ts.\n` +
    `# Regenerate with: npm run inventory -- --stack ${stack}   (then read the diff)\n`;

async function main(argv: readonly string[]): Promise<void> {
    let stacks = listStacks(PROJECT_ROOT);
    if (argv.length > 0) {
        if (argv[0] !== "--stack" || argv[1] === undefined || argv.length > 2)
            throw new UsageError(`usage: npm run inventory [-- --stack <name>]`);
        stacks = [argv[1]];
    }
    fs.mkdirSync(INVENTORY_DIR, { recursive: true });
    for (const stack of stacks) {
        const plan = await runOffline({ stack });
        fs.writeFileSync(
            inventoryFile(stack),
            HEADER(stack) + YAML.stringify(inventoryOf(plan), { lineWidth: 0 }),
        );
        console.log(`wrote ${path.relative(PROJECT_ROOT, inventoryFile(stack))}`);
    }
}

if (require.main === module) runCli(main);

// `npm run inventory [-- --case <name>] [-- --check]`: regenerates (or checks) the golden
// inventories, test/inventories/<case>.yaml, and the whole-plan digests, test/inventories/digests.json.
// Review the .yaml diff: it is the spec of what a change does to the stacks.
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "./offline/engine";
import {
    compareInventoryText,
    readableInventory,
    renderInventory,
    UnlistedTypeError,
} from "./offline/inventory";
import { INVENTORY_CASES, planOfCase, type InventoryCase } from "./offline/inventoryCases";
import { compareDigest, planDigest, type PlanDigest } from "./offline/planDigest";
import { UsageError } from "./offline/stackfile";
import { writeWhole } from "./offline/writeFile";
import { parseCommandLine, rejectFlagsKeptByNpm, runCli, type CommandLine } from "./cli";

export const INVENTORY_DIR = path.join(PROJECT_ROOT, "test", "inventories");
export const DIGESTS_FILE = path.join(INVENTORY_DIR, "digests.json");

export function inventoryFile(caseName: string): string {
    return path.join(INVENTORY_DIR, `${caseName}.yaml`);
}

export function header(c: InventoryCase): string[] {
    return [
        `Golden inventory "${c.name}": ${c.about}.`,
        "Per resource only the inputs a reviewer decides on (REVIEWED_INPUTS, tools/offline/inventory.ts);",
        "protect, retainOnDelete, deleteBeforeReplace, ignoreChanges and importId appear when set.",
        "Every input of every resource is covered by the plan digest in test/inventories/digests.json.",
        "Checked by test/inventory.test.ts. Regenerate: npm run inventory   (then read the diff)",
    ];
}

export interface Generated {
    name: string;
    text: string;
    digest: PlanDigest;
}

/** Builds a case's plan and renders its inventory text and digest. */
export async function generate(c: InventoryCase): Promise<Generated> {
    const plan = await planOfCase(c);
    return {
        name: c.name,
        text: renderInventory(header(c), readableInventory(plan)),
        digest: planDigest(plan),
    };
}

/** The committed digests by case; a missing file reads as none, an unreadable one as a problem. */
export function readDigests(): { digests: Record<string, PlanDigest>; problem?: string } {
    let text: string;
    try {
        text = fs.readFileSync(DIGESTS_FILE, "utf8");
    } catch {
        return { digests: {}, problem: `${rel(DIGESTS_FILE)} is missing` };
    }
    try {
        const parsed = JSON.parse(text) as unknown;
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
            return { digests: {}, problem: `${rel(DIGESTS_FILE)} is not a JSON object` };
        return { digests: parsed as Record<string, PlanDigest> };
    } catch (err) {
        return {
            digests: {},
            problem: `${rel(DIGESTS_FILE)} is not JSON: ${(err as Error).message}`,
        };
    }
}

/** What differs between a generated case and the committed files; empty when they match. */
export function caseProblems(g: Generated, committedDigests: Record<string, PlanDigest>): string[] {
    const file = inventoryFile(g.name);
    const problems: string[] = [];
    if (!fs.existsSync(file)) problems.push(`${rel(file)} is missing`);
    else
        problems.push(
            ...compareInventoryText(fs.readFileSync(file, "utf8"), g.text).map(
                (p) => `${rel(file)}: ${p}`,
            ),
        );
    problems.push(
        ...compareDigest(committedDigests[g.name], g.digest).map((p) => `plan digest: ${p}`),
    );
    return problems;
}

/** Files and digest entries under test/inventories/ that no case writes any more. */
export function strayProblems(committedDigests: Record<string, PlanDigest>): string[] {
    const names = new Set(INVENTORY_CASES.map((c) => c.name));
    const files = fs.existsSync(INVENTORY_DIR) ? fs.readdirSync(INVENTORY_DIR) : [];
    return [
        ...files
            .filter((f) => f.endsWith(".yaml") && !names.has(f.slice(0, -".yaml".length)))
            .map(
                (f) =>
                    `test/inventories/${f}: no case writes it (cases: ${[...names].join(", ")}); remove it`,
            ),
        ...Object.keys(committedDigests)
            .filter((k) => !names.has(k))
            .map((k) => `${rel(DIGESTS_FILE)}: "${k}" is no case; regenerate`),
    ];
}

const rel = (file: string) => path.relative(PROJECT_ROOT, file);

const USAGE = `Usage: npm run inventory [-- [--case <name>] [--check]]

  --case, -c <name>  only this case: ${INVENTORY_CASES.map((c) => c.name).join(", ")} (default: every case)
  --check            write nothing; exit 1 naming each case whose plan differs from its files
  --help, -h         show this help

Regenerates test/inventories/<case>.yaml (the inputs a reviewer decides on) and the whole-plan
digests in test/inventories/digests.json from the offline plan; read the diff before committing it.`;

const CLI = {
    command: "inventory",
    usage: USAGE,
    flags: { case: { type: "string", short: "c" }, check: { type: "boolean" } },
} as const satisfies CommandLine;

async function main(argv: readonly string[]): Promise<number> {
    rejectFlagsKeptByNpm(CLI.command, USAGE);
    const { values } = parseCommandLine(argv, CLI);
    if (values["help"]) {
        console.log(USAGE);
        return 0;
    }
    let cases = INVENTORY_CASES;
    const only = values["case"];
    if (typeof only === "string") {
        const found = INVENTORY_CASES.find((c) => c.name === only);
        if (!found)
            throw new UsageError(
                `--case: unknown case "${only}". Cases: ${INVENTORY_CASES.map((c) => c.name).join(", ")}.`,
            );
        cases = [found];
    }
    let generated: Generated[];
    try {
        generated = [];
        for (const c of cases) generated.push(await generate(c));
    } catch (err) {
        if (!(err instanceof UnlistedTypeError)) throw err;
        console.error(`error: ${err.message}`);
        return 1;
    }

    const committed = readDigests();
    if (values["check"]) {
        const failed: string[] = [];
        if (committed.problem) console.error(`error: ${committed.problem}`);
        for (const g of generated) {
            const problems = caseProblems(g, committed.digests);
            if (!problems.length) continue;
            failed.push(g.name);
            console.error(`case ${g.name}: the plan differs from the committed inventory:`);
            for (const p of problems) console.error(`  ${p}`);
        }
        const stray = cases === INVENTORY_CASES ? strayProblems(committed.digests) : [];
        for (const p of stray) console.error(`error: ${p}`);
        if (failed.length || stray.length || committed.problem) {
            if (failed.length)
                console.error(
                    `differing cases: ${failed.join(", ")}. If the change is intended, run npm run inventory and review the diff.`,
                );
            return 1;
        }
        console.log(`inventories match the plans: ${generated.map((g) => g.name).join(", ")}`);
        return 0;
    }

    fs.mkdirSync(INVENTORY_DIR, { recursive: true });
    // Whole or not at all: an interrupted run never leaves half a file.
    for (const g of generated) {
        writeWhole(inventoryFile(g.name), g.text, "inventory");
        console.log(`wrote ${rel(inventoryFile(g.name))} (${g.text.split("\n").length - 1} lines)`);
    }
    // One case regenerated keeps the others' digests; every case regenerated drops stale ones.
    const digests: Record<string, PlanDigest> =
        cases === INVENTORY_CASES ? {} : { ...committed.digests };
    for (const g of generated) digests[g.name] = g.digest;
    const ordered = Object.fromEntries(
        [...INVENTORY_CASES.map((c) => c.name), ...Object.keys(digests).sort()]
            .filter((k, i, all) => k in digests && all.indexOf(k) === i)
            .map((k) => [k, digests[k]]),
    );
    writeWhole(DIGESTS_FILE, JSON.stringify(ordered, null, 2) + "\n", "inventory");
    console.log(`wrote ${rel(DIGESTS_FILE)}`);
    return 0;
}

if (require.main === module) runCli(main);

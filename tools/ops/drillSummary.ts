// The restore drill's JSON (npm run ops -- drill --json) as Markdown for the CI job summary:
// `ts-node tools/ops/drillSummary.ts <file.json> <stack>`.
import * as fs from "fs";
import { drillMarkdown } from "./drill";

const [file, stack] = process.argv.slice(2);
if (!file || !stack) {
    console.error("usage: ts-node tools/ops/drillSummary.ts <drill.json> <stack>");
    process.exitCode = 2;
} else {
    let json: unknown;
    try {
        json = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        json = { error: `${file}: not the drill's JSON: ${(err as Error).message}` };
    }
    process.stdout.write(drillMarkdown(json, stack));
}

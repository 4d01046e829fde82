// `npm test [-- <mocha options>]`: the type check (tsc --noEmit) and the mocha suite, run at the
// same time on the machine's two cores (one each; the suite's few processes use what is left), so
// the run takes about as long as mocha alone. Mocha prints as it goes; tsc's errors, if any, are
// printed after. The exit code is mocha's, or tsc's when the suite passed and the types did not.
// Plain JavaScript run by the project's Node: no compile step before the type check.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const children = [];
let interrupted;

// Ctrl-C or a CI runner's SIGTERM stops both runs, not just this one.
for (const [signal, number] of [
    ["SIGINT", 2],
    ["SIGTERM", 15],
])
    process.on(signal, () => {
        interrupted = 128 + number;
        for (const child of children) child.kill(signal);
    });

/** Runs `node <script> <args>`; resolves with its exit code (1 when a signal ended it). */
function run(script, args, stdio) {
    const child = spawn(process.execPath, [script, ...args], { stdio });
    children.push(child);
    const output = [];
    child.stdout?.on("data", (b) => output.push(b));
    child.stderr?.on("data", (b) => output.push(b));
    return new Promise((resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? 1, output: Buffer.concat(output) }));
    });
}

const [tsc, mocha] = await Promise.all([
    run(require.resolve("typescript/bin/tsc"), ["--noEmit"], ["ignore", "pipe", "pipe"]),
    run(require.resolve("mocha/bin/mocha.js"), process.argv.slice(2), "inherit"),
]);
if (tsc.code !== 0) {
    process.stderr.write(tsc.output);
    process.stderr.write(`\ntype check failed (tsc --noEmit exited with ${tsc.code})\n`);
} else process.stdout.write("type check: tsc --noEmit found no errors\n");
process.exitCode = interrupted ?? (mocha.code !== 0 ? mocha.code : tsc.code);

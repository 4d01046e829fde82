// `npm run bench [-- [--runs N] [--tests]]`: median wall time of the offline preview (and of a
// diff against a git revision), and with --tests of the mocha suite and `npm test`, against the
// Pulumi SDK's own load time (the floor any in-process preview pays), reported as medians and
// ratios: the machines are shared and noisy, so no test asserts a time.
import { spawnSync } from "child_process";
import { PROJECT_ROOT } from "./offline/engine";
import { UsageError } from "./offline/stackfile";
import {
    parseCommandLine,
    processIo,
    rejectFlagsKeptByNpm,
    runCli,
    type CommandLine,
    type Io,
} from "./cli";

const NODE = process.execPath;

const COMMANDS: Record<string, string[]> = {
    "node -e \"require('@pulumi/pulumi')\" (SDK load)": [NODE, "-e", "require('@pulumi/pulumi')"],
    "npm run preview": ["npm", "run", "-s", "preview"],
    "npm run preview -- --stack prod": ["npm", "run", "-s", "preview", "--", "--stack", "prod"],
    // The base is extracted with git archive and previewed in a child process: about two previews.
    "npm run preview -- --diff HEAD": ["npm", "run", "-s", "preview", "--", "--diff", "HEAD"],
};

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function time([cmd, ...args]: string[]): number {
    const start = process.hrtime.bigint();
    const r = spawnSync(cmd!, args, { cwd: PROJECT_ROOT, stdio: "ignore" });
    if (r.status !== 0) throw new Error(`${[cmd, ...args].join(" ")} exited with ${r.status}`);
    return Number(process.hrtime.bigint() - start) / 1e6;
}

/** The test suite's commands (--tests): each takes tens of seconds a run. */
const TEST_COMMANDS: Record<string, string[]> = {
    "mocha (the suite alone)": [NODE, require.resolve("mocha/bin/mocha.js"), "--reporter", "dot"],
    "npm test (type check and suite)": ["npm", "test", "-s", "--", "--reporter", "dot"],
};

const USAGE = `Usage: npm run bench [-- [--runs <n>] [--tests]]

  --runs <n>  timed runs per command (default 7); the report gives each command's median and its
              ratio to the Pulumi SDK's load time
  --tests     also time the mocha suite and npm test (tens of seconds a run)
  --help, -h  show this help`;

const CLI = {
    command: "bench",
    usage: USAGE,
    flags: { runs: { type: "string" }, tests: { type: "boolean" } },
} as const satisfies CommandLine;

export function main(argv: readonly string[], io: Io = processIo()): void {
    rejectFlagsKeptByNpm(CLI.command, USAGE);
    const { values } = parseCommandLine(argv, CLI);
    if (values["help"]) {
        io.out(USAGE);
        return;
    }
    let runs = 7;
    if (values["runs"] !== undefined) {
        if (!/^[1-9][0-9]*$/.test(String(values["runs"])))
            throw new UsageError(
                `--runs: got "${String(values["runs"])}". Expected a positive integer.\n\n${USAGE}`,
            );
        runs = Number(values["runs"]);
    }
    const medians: Record<string, number> = {};
    const commands = { ...COMMANDS, ...(values["tests"] ? TEST_COMMANDS : {}) };
    for (const [label, command] of Object.entries(commands)) {
        time(command); // warm the file cache
        medians[label] = median(Array.from({ length: runs }, () => time(command)));
        io.out(
            `${label.padEnd(48)} median ${medians[label]!.toFixed(0).padStart(6)} ms  (${runs} runs)`,
        );
    }
    const [sdk, ...previews] = Object.values(medians);
    for (const [i, label] of Object.keys(medians).slice(1).entries())
        io.out(`ratio ${label} / SDK load: ${(previews[i]! / sdk!).toFixed(2)}`);
}

if (require.main === module) runCli(main);

// The commands' shared pieces: node:util.parseArgs with errors that carry the usage, flags npm kept
// for itself, paths resolved from where the user ran `npm run`, and the runner that turns a
// command's `main` into an exit code, writing through output sinks (the process's, or a test's).
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "node:util";
import { closest } from "../lib/schema";
import { ConfigError } from "../stacks/config";
import { PROJECT_ROOT } from "./offline/engine";
import { UsageError } from "./offline/stackfile";

/** Where a command writes and runs: stdout and stderr a line at a time, and its directory. */
export interface Io {
    /** A line on stdout (the newline is added). */
    out(line: string): void;
    /** A line on stderr (the newline is added). */
    err(line: string): void;
    /** Rewrites the current stderr line in place: only when stderr is a terminal. */
    rewrite?: (text: string) => void;
    /** The directory the command runs in. */
    cwd: string;
}

/** The process's own stdout, stderr and working directory. */
export function processIo(): Io {
    return {
        out: (line) => void process.stdout.write(`${line}\n`),
        err: (line) => void process.stderr.write(`${line}\n`),
        ...(process.stderr.isTTY === true
            ? { rewrite: (text: string) => void process.stderr.write(`\r\x1b[K${text}`) }
            : {}),
        cwd: process.cwd(),
    };
}

/** A command: its arguments and sinks in, its exit code out (nothing means 0). */
export type Main = (argv: readonly string[], io: Io) => Promise<number | void> | number | void;

/** How a command reports a failure it threw: writes it through `io`, returns the exit code. */
export type FailureReport = (err: unknown, argv: readonly string[], io: Io) => number;

/** Every failure ends as one clear message and a non-zero exit, never a stack trace. */
export function describeFailure(err: unknown): { message: string; code: number } {
    if (err instanceof UsageError) return { message: `error: ${err.message}`, code: 2 };
    if (err instanceof ConfigError) return { message: `error: ${err.message}`, code: 1 };
    const message = err instanceof Error ? err.message : String(err);
    return {
        message: `error: the program failed while building the stack: ${message}${debugHint(err)}`,
        code: 1,
    };
}

/** How to see an unexpected failure's stack trace; with LOGISTICS_DEBUG set, the trace itself. */
export function debugHint(err: unknown): string {
    return (
        "\n(set LOGISTICS_DEBUG=1 for the stack trace)" +
        (process.env["LOGISTICS_DEBUG"] && err instanceof Error ? `\n${err.stack}` : "")
    );
}

const reportFailure: FailureReport = (err, _argv, io) => {
    const { message, code } = describeFailure(err);
    io.err(message);
    return code;
};

/** Runs a command's `main` with `io` and returns its exit code, a failure reported as one message. */
export async function runMain(
    main: Main,
    argv: readonly string[],
    io: Io,
    report: FailureReport = reportFailure,
): Promise<number> {
    try {
        return (await main(argv, io)) ?? 0;
    } catch (err) {
        return report(err, argv, io);
    }
}

/**
 * Runs a command's `main` on the process's arguments and sinks, and sets the process's exit code:
 * every `npm run` tool ends this way.
 */
export function runCli(main: Main, report: FailureReport = reportFailure): void {
    void runMain(main, process.argv.slice(2), processIo(), report).then(
        (code) => (process.exitCode = code),
    );
}

/** The project a command works on: `cwd` when it holds a Pulumi.yaml, else this repo. */
export function projectRoot(cwd: string = process.cwd()): string {
    return fs.existsSync(path.join(cwd, "Pulumi.yaml")) ? cwd : PROJECT_ROOT;
}

export interface FlagSpec {
    type: "string" | "boolean";
    short?: string;
    /** What a string flag's value is, for the message when it is missing: `--stack needs <value>.` */
    value?: string;
}

export interface CommandLine {
    /** The npm script name, for messages: `npm run <command> -- …`. */
    command: string;
    usage: string;
    flags: Record<string, FlagSpec>;
    /** Whether bare words (an ops check) are accepted. */
    positionals?: boolean;
}

export interface Parsed {
    values: Record<string, string | boolean | undefined>;
    positionals: string[];
}

/**
 * Parses `argv` strictly. An unknown flag names the closest known one; a flag without its value
 * says so; both end with the usage. `--help` always parses (the caller prints the usage).
 */
export function parseCommandLine(argv: readonly string[], cli: CommandLine): Parsed {
    const options = { ...cli.flags, help: { type: "boolean" as const, short: "h" } };
    try {
        const { values, positionals, tokens } = parseArgs({
            args: [...argv],
            options,
            strict: true,
            allowPositionals: cli.positionals ?? false,
            tokens: true,
        });
        // parseArgs keeps the last of a repeated flag: `--stack dev --stack prod` is ambiguous.
        const given = new Map<string, string[]>();
        for (const t of tokens)
            if (t.kind === "option" && cli.flags[t.name]?.type === "string")
                given.set(t.name, [...(given.get(t.name) ?? []), t.value ?? ""]);
        for (const [name, vals] of given)
            if (new Set(vals).size > 1)
                throw new UsageError(
                    `--${name}: given ${vals.length} times (${vals.map((v) => JSON.stringify(v)).join(", ")}). ` +
                        `Expected it once.\n\n${cli.usage}`,
                );
        return { values: values as Parsed["values"], positionals };
    } catch (err) {
        if (err instanceof UsageError) throw err;
        throw new UsageError(`${describeParseError(err, argv, cli)}\n\n${cli.usage}`);
    }
}

function describeParseError(err: unknown, argv: readonly string[], cli: CommandLine): string {
    const code = (err as { code?: string }).code;
    const message = (err as Error).message;
    const known = Object.keys(cli.flags).map((f) => `--${f}`);
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
        const arg = /'([^']+)'/.exec(message)?.[1] ?? "";
        const flag = arg.split("=")[0]!;
        const guess = closest(flag, [...known, "--help"]);
        return `unknown argument "${arg}".${guess ? ` Did you mean ${guess}?` : ""}`;
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
        const flag = /'(-{1,2}[\w-]+)/.exec(message)?.[1] ?? "";
        const long = flag.startsWith("--")
            ? flag
            : `--${Object.entries(cli.flags).find(([, f]) => `-${f.short}` === flag)?.[0] ?? flag}`;
        if (cli.flags[long.slice(2)]?.type === "boolean") return `${long} takes no value.`;
        const value = cli.flags[long.slice(2)]?.value;
        if (value) return `${long} needs ${value}.`;
        // parseArgs refuses a value that starts with "-" (`--runs -1`): name it.
        const next = argv[argv.indexOf(flag) + 1];
        return next !== undefined && argv.includes(flag)
            ? `${long} needs a value: got "${next}", which reads as a flag.`
            : `${long} needs a value.`;
    }
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
        const arg = /'([^']+)'/.exec(message)?.[1] ?? argv.find((a) => !a.startsWith("-"));
        // A bare stack name (`npm run iam -- prod`) most likely meant --stack.
        const stackGiven = argv.some((a) => /^(--stack|-s)(=|$)/.test(a));
        const hint = cli.flags["stack"] && !stackGiven ? ` Did you mean --stack ${arg}?` : "";
        return `unexpected argument "${arg}": npm run ${cli.command} takes only flags.${hint}`;
    }
    return message;
}

/**
 * `npm run preview --stack prod` (without `--`) gives `--stack prod` to npm, which keeps it as
 * its own config (`npm_config_stack=prod`) and runs the command without it. The command would
 * then quietly use its default stack; instead, say how to pass flags through npm. Only checked
 * when npm runs this very script, and for the flags `usage` lists.
 */
export function rejectFlagsKeptByNpm(
    command: string,
    usage: string,
    argv: readonly string[] = process.argv.slice(2),
    /** Words the command takes as positionals (ops' check names), never a flag's value. */
    isPositional: (word: string) => boolean = () => false,
): void {
    if (process.env["npm_lifecycle_event"] !== command) return;
    const flags = [...new Set([...usage.matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1]!))];
    const takesValue = new Set([...usage.matchAll(/--([a-z][a-z-]*) <[^>]+>/g)].map((m) => m[1]!));
    // npm reads `--stack prod` as the boolean `--stack` and passes `prod` on as an argument.
    const words = argv.filter((a) => !a.startsWith("-") && !isPositional(a));
    const kept = flags
        .map((flag) => [flag, process.env[`npm_config_${flag.replace(/-/g, "_")}`]] as const)
        .filter(([, value]) => value !== undefined && value !== "")
        .map(([flag, value]) =>
            value === "true" && takesValue.has(flag) && words.length > 0
                ? `--${flag} ${words.shift()!}`
                : value === "true"
                  ? `--${flag}`
                  : `--${flag} ${value}`,
        );
    if (kept.length === 0) return;
    const shown = kept.join(" ");
    // The corrected command keeps the positionals first and whatever npm did pass on.
    const rest = [
        ...argv.filter((a) => !a.startsWith("-") && isPositional(a)),
        ...kept,
        ...argv.filter((a) => a.startsWith("-")),
        ...words,
    ].join(" ");
    throw new UsageError(
        `${shown}: npm took ${kept.length === 1 ? "this flag" : "these flags"} for itself, so npm run ${command} ` +
            `never saw ${kept.length === 1 ? "it" : "them"}. Pass a command's flags after "--": ` +
            `npm run ${command} -- ${rest}`,
    );
}

/**
 * A path the user typed, resolved from where they ran `npm run <command>` (npm sets INIT_CWD and
 * runs the command in the project root), or from the working directory otherwise. INIT_CWD is
 * trusted only when npm runs this very command: a child of `npm test` inherits the test's.
 */
export function userPath(p: string, command: string, cwd: string = process.cwd()): string {
    const fromNpm =
        process.env["npm_lifecycle_event"] === command ? process.env["INIT_CWD"] : undefined;
    return path.resolve(fromNpm || cwd, p);
}

// Test harness: the offline engine with the real stack files, plus small queries over a plan.
import { strict as assert } from "assert";
import * as fs from "fs";
import { spawn, spawnSync, type SpawnSyncReturns } from "child_process";
import * as path from "path";
import { ConfigError, parseStackConfig } from "../stacks/config";
import { runOffline, PROJECT_ROOT, type Plan, type PlannedResource } from "../tools/offline/engine";
import { readStackFile } from "../tools/offline/stackfile";
import { EVERY_FEATURE } from "../tools/offline/inventoryCases";
import { runMain, type FailureReport, type Io, type Main } from "../tools/cli";

export { PROJECT_ROOT };

/** The flat config of a shipped stack file, as the Pulumi CLI would pass it. */
export function stackConfig(stack: string): Record<string, string> {
    return readStackFile(PROJECT_ROOT, stack).config;
}

/**
 * A stack file's config with changes: a value is set (objects as JSON, like Pulumi), `undefined`
 * removes the key.
 */
export function withChanges(
    stack: string,
    changes: Record<string, unknown>,
): Record<string, string> {
    const config = stackConfig(stack);
    for (const [key, value] of Object.entries(changes)) {
        if (value === undefined) delete config[key];
        else config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return config;
}

const built = new Map<string, Promise<Plan>>();

/**
 * Builds the platform offline for a stack file, optionally with config changes. Each distinct
 * (stack, changes) is built once per test run (plans are deterministic; engine.test.ts checks
 * that) and frozen, so a test that edits a plan fails at the edit instead of changing what other
 * tests see: edit a `structuredClone` of it. A build that fails (bad config) is not kept.
 */
export function planFor(stack: string, changes?: Record<string, unknown>): Promise<Plan> {
    // `undefined` removes a key (withChanges): kept apart from a key left alone.
    const key = JSON.stringify([
        stack,
        changes === undefined
            ? null
            : Object.entries(changes).map(([k, v]) => [
                  k,
                  v === undefined ? ["removed"] : ["set", v],
              ]),
    ]);
    let plan = built.get(key);
    if (!plan) {
        plan = (
            changes
                ? runOffline({ stack, config: withChanges(stack, changes) })
                : runOffline({ stack })
        ).then(deepFreeze);
        built.set(key, plan);
        plan.catch(() => built.delete(key));
    }
    return plan;
}

function deepFreeze<T>(value: T): T {
    if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const v of Object.values(value)) deepFreeze(v);
    }
    return value;
}

/**
 * One component built offline on its own, under dev's provider config: `build` constructs it (and
 * only it) with args the test chooses. A component test's plan holds the component and its
 * resources, a tenth of the whole platform's; the wiring between components is tested on whole
 * plans (planFor). What `build` returns (a component's outputs) becomes the plan's outputs.
 */
export function componentPlan(
    build: () => void | Record<string, unknown>,
    stack = "dev",
): Promise<Plan> {
    return runOffline({
        stack,
        config: stackConfig(stack),
        // What `build` returns becomes the plan's outputs: a component's outputs, as a stack exports them.
        program: () => build() ?? {},
    });
}

export function resourcesOfType(plan: Plan, type: string): PlannedResource[] {
    return plan.resources.filter((r) => r.type === type);
}

export function resource(plan: Plan, type: string, name: string): PlannedResource {
    const found = plan.resources.find((r) => r.type === type && r.name === name);
    if (!found)
        throw new Error(
            `no ${type} named ${name}; have: ${
                resourcesOfType(plan, type)
                    .map((r) => r.name)
                    .join(", ") || "none of that type"
            }`,
        );
    return found;
}

/** Loads a stack file with `changes` applied; returns the config problems, or [] when it loads. */
export function configProblems(
    changes: Record<string, unknown>,
    { stack = "dev", allowPlaceholderProject = true } = {},
): string[] {
    try {
        parseStackConfig(withChanges(stack, changes), { allowPlaceholderProject });
        return [];
    } catch (err) {
        if (err instanceof ConfigError) return [...err.problems];
        throw err;
    }
}

/** Every optional feature switched on; defined beside the golden inventories, which cover it as a case. */
export { EVERY_FEATURE };

/** The input names of a type, read from its `<Name>Args` interface in the provider's .d.ts. */
export function argsOf(type: string): string[] {
    const [pkg, mod, name] = type.split(":") as [string, string, string];
    const [dir, file] = mod.split("/") as [string, string];
    const base = path.join(
        path.resolve(__dirname, ".."),
        "node_modules",
        "@pulumi",
        pkg === "gcp" ? "gcp" : pkg,
    );
    const folder = pkg === "gcp" ? path.join(base, dir) : base;
    const dts = fs
        .readdirSync(folder)
        .find((f) => f.toLowerCase() === `${file.toLowerCase()}.d.ts`);
    assert.ok(dts, `no .d.ts for ${type}`);
    const text = fs.readFileSync(path.join(folder, dts), "utf8");
    const body = text.split(`export interface ${name}Args {`)[1]?.split("\n}")[0];
    assert.ok(body, `no ${name}Args in ${dts}`);
    return [...body.matchAll(/^ {4}(\w+)\??:/gm)].map((m) => m[1]!);
}

/** Every custom resource type the platform creates, in either stack, every feature on. */
export async function platformTypes(): Promise<Set<string>> {
    const types = new Set<string>();
    for (const stack of ["dev", "prod"])
        for (const r of (await planFor(stack, EVERY_FEATURE)).resources)
            if (r.custom) types.add(r.type);
    return types;
}

/** What a command run in-process printed, as its process would have: every line ends with "\n". */
export interface Run {
    status: number;
    stdout: string;
    stderr: string;
}

/** Sinks that keep what a command prints, and read it back as a process's stdout and stderr. */
export function bufferIo(cwd = process.cwd()): Io & { stdout(): string; stderr(): string } {
    const out: string[] = [];
    const err: string[] = [];
    return {
        out: (line) => void out.push(`${line}\n`),
        err: (line) => void err.push(`${line}\n`),
        cwd,
        stdout: () => out.join(""),
        stderr: () => err.join(""),
    };
}

/**
 * Runs a tool's `main` in this process with `argv`, in `cwd` (default: this process's), through the same runner as `npm run`
 * (a failure reported as the command reports it): its exit code and what it printed.
 */
export async function runInProcess(
    main: Main,
    argv: readonly string[],
    { cwd = process.cwd(), report }: { cwd?: string; report?: FailureReport } = {},
): Promise<Run> {
    const io = bufferIo(cwd);
    const status = await runMain(main, argv, io, report);
    return { status, stdout: io.stdout(), stderr: io.stderr() };
}

/** The command line `npm run <tool>` starts: the project's Node running tools/<tool>.ts under ts-node. */
function toolCommand(tool: string, args: readonly string[]): string[] {
    return [
        require.resolve("ts-node/dist/bin.js"),
        "--transpile-only",
        "--project",
        path.join(PROJECT_ROOT, "tsconfig.json"),
        path.join(PROJECT_ROOT, "tools", `${tool}.ts`),
        ...args,
    ];
}

/**
 * Runs a tool (`tools/<name>.ts`) as its own process, as `npm run <name>` would, in `cwd`. Only
 * for what needs a real process: each command's one smoke test, signals, npm's own handling.
 */
export function runTool(
    tool: string,
    args: readonly string[],
    options: { cwd: string; env?: NodeJS.ProcessEnv },
): SpawnSyncReturns<string> {
    return spawnSync(process.execPath, toolCommand(tool, args), {
        cwd: options.cwd,
        encoding: "utf8",
        env: options.env ?? process.env,
        timeout: 120_000,
    });
}

/**
 * Starts a tool as its own process, like runTool, without waiting: a test file starts its
 * processes when it loads, so they run on another core while other tests run in this one, and
 * its tests await the results. A run killed by the 120 s limit has status null.
 */
export function startTool(
    tool: string,
    args: readonly string[],
    options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<ProcessRun> {
    return startProcess(process.execPath, toolCommand(tool, args), options);
}

/** A finished process: its exit code (null when a signal or the time limit ended it) and output. */
export interface ProcessRun {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** Starts `command` without waiting for it (see startTool); resolves when it has exited. */
export function startProcess(
    command: string,
    args: readonly string[],
    options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<ProcessRun> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, {
            cwd: options.cwd,
            env: options.env ?? process.env,
            timeout: 120_000,
        });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (b: Buffer) => out.push(b));
        child.stderr.on("data", (b: Buffer) => err.push(b));
        child.on("error", reject);
        child.on("close", (status) =>
            resolve({
                status,
                stdout: Buffer.concat(out).toString("utf8"),
                stderr: Buffer.concat(err).toString("utf8"),
            }),
        );
    });
}

/**
 * A resource built by hand for unit tests of the policies and the IAM model: URN
 * `urn:pulumi:prod::logistics::<type>::<name>`, no parent, protected unless told otherwise.
 */
export function handMadeResource(
    type: string,
    inputs: Record<string, unknown>,
    name = "r",
    protect = true,
): PlannedResource {
    return {
        urn: `urn:pulumi:prod::logistics::${type}::${name}`,
        type,
        name,
        custom: true,
        inputs,
        options: {
            protect,
            retainOnDelete: protect,
            deleteBeforeReplace: false,
            ignoreChanges: [],
            replaceOnChanges: [],
            additionalSecretOutputs: [],
        },
        dependencies: [],
    };
}

// The base of an offline diff: a plan saved with `npm run -s preview -- --json`, or a git
// revision previewed offline by its own code. The revision's files are extracted (git archive)
// under .cache/preview-base/ inside the project, so they resolve this checkout's node_modules (the
// base runs on the current dependencies), and its own tools/preview.ts runs in a child process
// with this process's environment: the base is built by the base's program, and nothing it loads
// leaks into the current run. It runs the revision's code, so diff against revisions you trust.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { Plan } from "./engine";
import { UsageError } from "./stackfile";
import { userPath } from "../cli";

export interface BasePlan {
    plan: Plan;
    /** How to name the base in the output: the file, or `<ref> (<short sha>)`. */
    label: string;
}

/** Loads the base named by `--diff`: a `.json` file if one exists there, else a git revision. */
export function loadBase(
    spec: string,
    stack: string,
    root: string,
    cwd: string = process.cwd(),
): BasePlan {
    // A relative plan path is the user's, from where they ran `npm run preview`.
    const file = userPath(spec, "preview", cwd);
    if (spec.endsWith(".json") || (fs.existsSync(file) && fs.statSync(file).isFile()))
        return { plan: readPlanFile(file, stack), label: spec };
    return planOfRevision(spec, stack, root);
}

export function readPlanFile(file: string, stack: string): Plan {
    if (!fs.existsSync(file))
        throw new UsageError(
            `--diff: ${file} does not exist. Expected a plan written by \`npm run -s preview -- --json > plan.json\`, or a git revision.`,
        );
    let plan: unknown;
    try {
        // Tolerate the banner `npm run` (without -s) prints before the JSON.
        const text = fs.readFileSync(file, "utf8");
        const start = text.search(/^[{[]/m);
        plan = JSON.parse(start > 0 ? text.slice(start) : text);
    } catch (err) {
        throw new UsageError(
            `--diff: ${file} is not JSON (${(err as Error).message}). Expected a plan written by \`npm run -s preview -- --json\`.`,
        );
    }
    return checkPlan(plan, file, stack);
}

function checkPlan(plan: unknown, source: string, stack: string): Plan {
    const p = plan as Partial<Plan> | null;
    const valid =
        p !== null &&
        typeof p === "object" &&
        typeof p.stack === "string" &&
        Array.isArray(p.resources) &&
        p.resources.every(
            (r) =>
                typeof r?.urn === "string" &&
                typeof r.type === "string" &&
                typeof r.inputs === "object" &&
                typeof r.options === "object",
        );
    if (!valid)
        throw new UsageError(
            `--diff: ${source} is not a plan (no stack, or resources without urn, type, inputs and options). ` +
                `Expected the output of \`npm run -s preview -- --json\`.`,
        );
    if (p.stack !== stack)
        throw new UsageError(
            `--diff: ${source} is a plan of stack "${p.stack}", not "${stack}". Pass --stack ${p.stack}, or a plan of ${stack}.`,
        );
    return { outputs: {}, secrets: [], warnings: [], ...p } as Plan;
}

function git(root: string, args: string[]): { ok: boolean; out: string; err: string } {
    const r = spawnSync("git", args, { cwd: root, encoding: "utf8", maxBuffer: 1 << 30 });
    if (r.error)
        throw new UsageError(
            `--diff: git is not available (${r.error.message}). Pass a plan.json instead.`,
        );
    return { ok: r.status === 0, out: r.stdout.trim(), err: r.stderr.trim() };
}

/** Bases being extracted or previewed, removed if the process is interrupted. */
const extracting = new Set<string>();
let handlersInstalled = false;

/**
 * Interrupted (Ctrl-C, a CI cancel), the extracted bases are removed before the process ends.
 * Extraction and the base's preview run synchronously, so a signal is handled once they return
 * (the child gets the terminal's SIGINT too): the finally of planOfRevision has then removed the
 * base, and the handler ends the process as the signal would have (exit 130 or 143).
 */
function onInterruptRemoveExtracted(): void {
    if (handlersInstalled) return;
    handlersInstalled = true;
    const removeAll = () => {
        for (const dir of extracting) fs.rmSync(dir, { recursive: true, force: true });
        extracting.clear();
    };
    for (const signal of ["SIGINT", "SIGTERM"] as const)
        process.on(signal, () => {
            removeAll();
            process.exit(signal === "SIGINT" ? 130 : 143);
        });
    process.on("exit", removeAll);
}

/** Previews `ref` offline with its own code and returns its plan. */
export function planOfRevision(ref: string, stack: string, root: string): BasePlan {
    if (ref.startsWith("-"))
        throw new UsageError(`--diff needs a git revision or a plan.json, got "${ref}".`);
    const sha = git(root, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
    if (!sha.ok)
        // --quiet silences only "unknown revision"; git's own reason (not a repository, dubious
        // ownership, a broken object) still comes on stderr and is the cause to show.
        throw new UsageError(
            `--diff: "${ref}" is neither a plan file nor a git revision of ${root}` +
                (sha.err ? ` (git: ${sha.err.split("\n").join(" ")})` : "") +
                `. Expected a branch, tag or commit (e.g. origin/main, HEAD~1), or a plan written by \`npm run -s preview -- --json\`.`,
        );
    const label = `${ref} (${sha.out.slice(0, 12)})`;
    const dir = path.join(root, ".cache", "preview-base", `${sha.out}-${process.pid}`);
    fs.rmSync(dir, { recursive: true, force: true });
    extracting.add(dir);
    onInterruptRemoveExtracted();
    fs.mkdirSync(dir, { recursive: true });
    try {
        const archive = spawnSync("git", ["archive", "--format=tar", sha.out], {
            cwd: root,
            maxBuffer: 1 << 30,
        });
        if (archive.signal) throw new UsageError(`--diff: interrupted (${archive.signal}).`);
        if (archive.status !== 0)
            throw new UsageError(`--diff: git archive ${ref} failed: ${String(archive.stderr)}`);
        const untar = spawnSync("tar", ["-x", "-C", dir], { input: archive.stdout });
        if (untar.status !== 0)
            throw new UsageError(`--diff: extracting ${ref} failed: ${String(untar.stderr)}`);
        if (!fs.existsSync(path.join(dir, "tools", "preview.ts")))
            throw new UsageError(
                `--diff: ${label} has no offline preview (tools/preview.ts). Diff against a later revision, or a plan.json.`,
            );
        const tsNode = require.resolve("ts-node/dist/bin.js", { paths: [root] });
        const run = spawnSync(
            process.execPath,
            [tsNode, "--transpile-only", "tools/preview.ts", "--stack", stack, "--json"],
            { cwd: dir, encoding: "utf8", maxBuffer: 1 << 30, env: process.env },
        );
        if (run.error)
            throw new UsageError(
                `--diff: could not run the offline preview of ${label}: ${run.error.message}`,
            );
        if (run.signal) throw new UsageError(`--diff: interrupted (${run.signal}).`);
        // The base's preview exits 1 on a mandatory policy violation; its plan is still valid.
        let plan: unknown;
        try {
            plan = JSON.parse(run.stdout);
        } catch {
            const why = (run.stderr || run.stdout).trim().split("\n").slice(-3).join("\n  ");
            throw new UsageError(
                `--diff: the offline preview of ${label} (stack ${stack}) failed:\n  ${why}`,
            );
        }
        return { plan: checkPlan(plan, label, stack), label };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
        extracting.delete(dir);
    }
}

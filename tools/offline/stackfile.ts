// Reads `Pulumi.<stack>.yaml` into the flat string map the Pulumi language host would hand the
// program, so the offline preview and the tests see config exactly as `pulumi up` does.
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { ConfigError, parseStackConfig, type StackConfig } from "../../stacks/config";
import { closest } from "../../lib/schema";
import { OFFLINE_SECRET_PLACEHOLDER } from "../../stacks/keys";

/** A problem with the invocation or the files, reported as a message without a stack trace. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

export interface StackFile {
    stack: string;
    file: string;
    /** `"<namespace>:<key>"` → value: scalars as text, objects and lists as JSON. */
    config: Record<string, string>;
    /** Keys (or key paths) holding `secure:` values, replaced by a marked placeholder offline. */
    secrets: string[];
}

/** Offline stand-in for a secret the stack file holds encrypted. */
export const SECRET_PLACEHOLDER = OFFLINE_SECRET_PLACEHOLDER;

/**
 * The attributes of a stack settings file
 * (https://www.pulumi.com/docs/iac/concepts/projects/stack-settings-file/).
 */
export const STACK_FILE_ATTRIBUTES = [
    "config",
    "environment",
    "secretsprovider",
    "encryptedkey",
    "encryptionsalt",
] as const;

/**
 * A stack file the offline tools cannot read as the Pulumi CLI would: a ConfigError (exit 1, like
 * bad config) whose message names the file.
 */
export class StackFileError extends ConfigError {
    constructor(
        readonly file: string,
        problems: readonly string[],
    ) {
        super(problems);
        this.message = `${path.basename(file)}: ${this.message}`;
        this.name = "StackFileError";
    }
}

/** Stack names with a `Pulumi.<stack>.yaml` in `root`. */
export function listStacks(root: string): string[] {
    return fs
        .readdirSync(root)
        .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

export function readStackFile(root: string, stack: string): StackFile {
    const key = contentKey(root, stack);
    const hit = key === undefined ? undefined : loaded.get(key);
    if (hit) return structuredClone(hit);
    const file = readOne(root, stack);
    const clash = sharedNameProblems(root, file);
    if (clash.length > 0) throw new StackFileError(file.file, clash);
    if (key !== undefined) {
        if (loaded.size >= 64) loaded.clear();
        loaded.set(key, structuredClone(file));
    }
    return file;
}

/**
 * Stack files read and checked, by `contentKey`: the result depends only on the folder's stack
 * files (the clash check reads every one of them), so the same texts give the same answer. Each
 * caller gets its own copy. Tests and tools read the same files hundreds of times in one process.
 */
const loaded = new Map<string, StackFile>();

/** The folder, the stack, and the name and text of every stack file in it; undefined if one cannot be read. */
function contentKey(root: string, stack: string): string | undefined {
    try {
        const parts: string[] = [root, stack];
        for (const f of fs
            .readdirSync(root)
            .filter((f) => /^Pulumi\.(.+)\.ya?ml$/.test(f))
            .sort())
            parts.push(f, fs.readFileSync(path.join(root, f), "utf8"));
        return JSON.stringify(parts);
    } catch {
        // Unreadable: read it the long way, which says what is wrong.
        return undefined;
    }
}

/**
 * Two stack files whose physical names collide (the same project and environment, or adopted
 * names) would deploy onto each other's buckets, datasets and services: refused here. A sibling
 * whose own config does not load is left to its own run to report.
 */
function sharedNameProblems(root: string, file: StackFile): string[] {
    const mine = scopedNames(file.config);
    if (!mine) return [];
    const problems: string[] = [];
    for (const other of listStacks(root)) {
        if (other === file.stack) continue;
        let theirs: Map<string, string> | undefined;
        try {
            theirs = scopedNames(readOne(root, other).config);
        } catch {
            continue;
        }
        if (!theirs) continue;
        const shared = [...mine.keys()].filter((k) => theirs.has(k)).map((k) => mine.get(k)!);
        if (shared.length > 0)
            problems.push(
                `logistics:environment: stack ${file.stack} and stack ${other} resolve to the same physical names ` +
                    `(${shared.slice(0, 4).join(", ")}${shared.length > 4 ? `, and ${shared.length - 4} more` : ""}), so ` +
                    `one would deploy onto the other's resources. Expected each stack its own project or environment ` +
                    `(or logistics:names for the names that differ).`,
            );
    }
    return problems;
}

/** A stack's physical names, keyed by where they must be unique: buckets globally, the rest per project. */
function scopedNames(config: Record<string, string>): Map<string, string> | undefined {
    let c: StackConfig;
    try {
        c = parseStackConfig(config, { allowPlaceholderProject: true });
    } catch {
        return undefined;
    }
    const n = c.names;
    const out = new Map<string, string>();
    for (const b of [n.dataBucket, n.backupsBucket, n.snapshotsBucket])
        out.set(`bucket ${b}`, `bucket "${b}"`);
    const perProject: [string, string][] = [
        ["dataset", n.datasets.raw],
        ["dataset", n.datasets.staging],
        ["dataset", n.datasets.marts],
        ["Composer environment", n.composerEnvironment],
        ["Cloud Run service", n.apiService],
        ["repository", n.imageRepository],
        ["secret", n.apiKeySecret],
        ["service account", n.serviceAccounts.api],
        ["service account", n.serviceAccounts.composer],
        ["service account", n.serviceAccounts.jobs],
        ["service account", n.serviceAccounts.deployer],
    ];
    for (const [what, name] of perProject)
        out.set(`${c.project} ${what} ${name}`, `${what} "${name}" in project "${c.project}"`);
    return out;
}

function readOne(root: string, stack: string): StackFile {
    const stacks = listStacks(root);
    if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !stacks.includes(stack))
        throw new UsageError(
            `unknown stack "${stack}". Stacks found in ${root}: ${stacks.join(", ") || "none"} ` +
                `(one Pulumi.<stack>.yaml each).`,
        );
    const file = ["yaml", "yml"]
        .map((ext) => path.join(root, `Pulumi.${stack}.${ext}`))
        .find((f) => fs.existsSync(f))!;
    let doc: unknown;
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new UsageError(
            `${file}: cannot be read (${e.code === "EISDIR" ? "it is a directory" : e.code === "EACCES" ? "permission denied" : e.message}). ` +
                `Expected a readable stack file.`,
        );
    }
    try {
        // merge: `<<: *defaults` merges as the Pulumi CLI's YAML reader does; without it the
        // yaml library keeps "<<" as a key.
        doc = YAML.parse(text, { merge: true });
    } catch (err) {
        throw new UsageError(`${path.basename(file)}: not valid YAML: ${(err as Error).message}`);
    }
    if (doc === null || doc === undefined) doc = {};
    if (typeof doc !== "object" || Array.isArray(doc))
        throw new UsageError(`${path.basename(file)}: expected a mapping with a "config:" key.`);
    const rawConfig = (doc as { config?: unknown }).config ?? {};
    if (typeof rawConfig !== "object" || rawConfig === null || Array.isArray(rawConfig))
        throw new UsageError(
            `${path.basename(file)}: "config:" must be a mapping of keys to values.`,
        );

    const problems: string[] = [];
    for (const attribute of Object.keys(doc as object))
        if (!(STACK_FILE_ATTRIBUTES as readonly string[]).includes(attribute)) {
            const guess = closest(attribute, STACK_FILE_ATTRIBUTES);
            problems.push(
                `${attribute}: not an attribute of a stack file, so nothing reads it. ${guess ? `Did you mean ${guess}? ` : ""}` +
                    `Expected ${STACK_FILE_ATTRIBUTES.join(", ")}; config keys go under config:.`,
            );
        }
    const environment = (doc as { environment?: unknown }).environment;
    if (environment !== undefined && environment !== null)
        problems.push(
            `environment: imports the Pulumi ESC environment${Array.isArray(environment) && environment.length > 1 ? "s" : ""} ` +
                `${JSON.stringify(environment)}, which the offline tools cannot evaluate (ESC is evaluated by Pulumi Cloud), ` +
                `so the keys it sets are unknown here. Expected the keys in config: for an offline run; ` +
                `npm run pulumi -- preview --stack ${stack} evaluates the import.`,
        );

    const secrets: string[] = [];
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(rawConfig as Record<string, unknown>)) {
        problems.push(...nonFinite(value, key));
        const plain = replaceSecrets(value, key, secrets);
        config[key] = typeof plain === "string" ? plain : JSON.stringify(plain);
    }
    if (problems.length > 0) {
        // List the config's own problems with the file's, so one run shows them all.
        try {
            parseStackConfig(config, { allowPlaceholderProject: true, stack });
        } catch (err) {
            // A non-finite number reaches the config as JSON's null: named above already.
            const named = problems.map((p) => p.slice(0, p.indexOf(": got YAML's")));
            if (err instanceof ConfigError)
                problems.push(
                    ...err.problems.filter(
                        (p) => !named.some((at) => p.startsWith(`${at}: got null.`)),
                    ),
                );
        }
        throw new StackFileError(file, problems);
    }
    return { stack, file, config, secrets };
}

/**
 * YAML's `.inf`, `-.inf` and `.nan` are numbers no setting takes, and JSON (how Pulumi hands
 * objects to the program) cannot carry them: named here as what they are.
 */
function nonFinite(value: unknown, at: string): string[] {
    if (typeof value === "number" && !Number.isFinite(value)) {
        const what = Number.isNaN(value)
            ? "YAML's .nan (not a number)"
            : `YAML's ${value > 0 ? "" : "-"}.inf (${value > 0 ? "" : "minus "}infinity)`;
        return [
            `${at}: got ${what}, which no setting accepts. Expected a finite number, or quotes ("${Number.isNaN(value) ? ".nan" : ".inf"}") for text.`,
        ];
    }
    if (value === null || typeof value !== "object") return [];
    if (Array.isArray(value)) return value.flatMap((v, i) => nonFinite(v, `${at}[${i}]`));
    return Object.entries(value).flatMap(([k, v]) => nonFinite(v, `${at}.${k}`));
}

/** `{ secure: "v1:…" }` cannot be decrypted without the stack's secrets provider. */
function replaceSecrets(value: unknown, at: string, secrets: string[]): unknown {
    if (value === null || typeof value !== "object") return value;
    if (!Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value) {
        secrets.push(at);
        return SECRET_PLACEHOLDER;
    }
    if (Array.isArray(value)) return value.map((v, i) => replaceSecrets(v, `${at}[${i}]`, secrets));
    return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, replaceSecrets(v, `${at}.${k}`, secrets)]),
    );
}

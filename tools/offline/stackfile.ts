// Reads `Pulumi.<stack>.yaml` into the flat string map the Pulumi language host would hand the
// program, so the offline preview and the tests see config exactly as `pulumi up` does.
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";

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
export const SECRET_PLACEHOLDER = "offline-placeholder-secret";

/** Stack names with a `Pulumi.<stack>.yaml` in `root`. */
export function listStacks(root: string): string[] {
    return fs
        .readdirSync(root)
        .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

export function readStackFile(root: string, stack: string): StackFile {
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
    try {
        doc = YAML.parse(fs.readFileSync(file, "utf8"));
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

    const secrets: string[] = [];
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(rawConfig as Record<string, unknown>)) {
        const plain = replaceSecrets(value, key, secrets);
        config[key] = typeof plain === "string" ? plain : JSON.stringify(plain);
    }
    return { stack, file, config, secrets };
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

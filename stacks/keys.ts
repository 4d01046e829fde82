// Config keys outside the program's schema: the gcp provider's own (read from the installed
// @pulumi/gcp), Pulumi's `pulumi:` keys, typos of a namespace, and secrets given in plaintext.
// Nothing in a stack file is ignored: a key nobody reads is an error with a suggestion.
import * as fs from "fs";
import * as path from "path";
import type { z } from "zod";
import { closest, isSensitive, show } from "../lib/schema";

/** Offline stand-in for a `secure:` value the stack file holds encrypted (no key to decrypt it). */
export const OFFLINE_SECRET_PLACEHOLDER = "offline-placeholder-secret";

/** A config key whose value Pulumi marks secret: its `secure:` form, or under the CLI, decrypted. */
export type IsSecret = (key: string) => boolean;

let gcpKeys: ReadonlyMap<string, string> | undefined;

/**
 * The gcp provider's config keys with their TypeScript types, read from the installed SDK's
 * `config/vars.d.ts`, so the list follows the provider version the lock file pins.
 */
export function gcpProviderKeys(): ReadonlyMap<string, string> {
    if (!gcpKeys) {
        const dir = path.dirname(require.resolve("@pulumi/gcp/package.json"));
        const text = fs.readFileSync(path.join(dir, "config", "vars.d.ts"), "utf8");
        gcpKeys = new Map(
            [...text.matchAll(/^export declare const (\w+): ([^;]+);$/gm)].map((m) => [
                `gcp:${m[1]!}`,
                m[2]!.replace(/ \| undefined$/, ""),
            ]),
        );
    }
    return gcpKeys;
}

/**
 * The gcp provider's config keys that hold credentials: those its SDK wraps in `pulumi.secret`
 * (accessToken), and `credentials`, which takes a service account key's JSON (or its path).
 */
let gcpSensitive: readonly string[] | undefined;
export function gcpSensitiveKeys(): readonly string[] {
    if (gcpSensitive) return gcpSensitive;
    const dir = path.dirname(require.resolve("@pulumi/gcp/package.json"));
    const text = fs.readFileSync(path.join(dir, "provider.js"), "utf8");
    const wrapped = [
        ...text.matchAll(/resourceInputs\["(\w+)"\] = args\?\.\w+ \? pulumi\.secret/g),
    ];
    gcpSensitive = [...new Set([...wrapped.map((m) => `gcp:${m[1]!}`), "gcp:credentials"])];
    return gcpSensitive;
}

/**
 * Pulumi's own keys a stack file may hold. `pulumi:tags` sets stack tags; disabling default
 * providers would leave every resource of this program (which uses the default gcp provider)
 * without one, so it is refused.
 */
const PULUMI_KEYS = ["pulumi:tags"] as const;

/** The `npm run pulumi` command that stores `key` (a key path for nested values) encrypted. */
export function setSecretCommand(key: string, stack: string | undefined): string {
    const nested = /[.[]/.test(key.slice(key.indexOf(":") + 1));
    return (
        `npm run pulumi -- config set --secret ${nested ? `--path '${key}'` : key} <value> ` +
        `--stack ${stack ?? "<stack>"}`
    );
}

/**
 * Problems with keys the schema does not declare: unknown namespaces, unknown gcp and pulumi
 * keys, provider keys of the wrong type or in plaintext. `known` are the schema's keys.
 */
export function foreignKeyProblems(
    raw: Readonly<Record<string, string>>,
    known: readonly string[],
    project: string,
    isSecret: IsSecret,
    stack: string | undefined,
): string[] {
    const problems: string[] = [];
    const provider = gcpProviderKeys();
    const sensitive = gcpSensitiveKeys();
    const everyKey = [...known, ...provider.keys(), ...PULUMI_KEYS];
    const guess = (key: string) => {
        const g = closest(key, everyKey);
        return g ? `Did you mean ${g}? ` : "";
    };
    for (const key of Object.keys(raw).sort()) {
        if (known.includes(key)) continue;
        const colon = key.indexOf(":");
        const ns = colon < 0 ? undefined : key.slice(0, colon);
        const value = raw[key]!;
        if (ns === undefined) {
            const g = closest(`${project}:${key}`, everyKey) ?? closest(`gcp:${key}`, everyKey);
            problems.push(
                `${key}: has no namespace, so nothing reads it. ${g ? `Did you mean ${g}? ` : ""}` +
                    `Expected <namespace>:<key>, e.g. ${project}:${key}.`,
            );
        } else if (ns === project)
            continue; // the schema's unknown-key message covers these
        else if (ns === "gcp") {
            const type = provider.get(key);
            if (type === undefined)
                problems.push(
                    `${key}: not a config key of the gcp provider. ${guess(key)}` +
                        `Expected one of the keys in @pulumi/gcp/config/vars.d.ts (gcp:project, gcp:region, gcp:zone, …).`,
                );
            else if (type === "boolean" && value !== "true" && value !== "false")
                problems.push(`${key}: got ${show(value)}. Expected true or false.`);
            else if (type.endsWith("[]") && !Array.isArray(decodeJson(value)))
                problems.push(`${key}: got ${show(decodeJson(value))}. Expected a list.`);
            else if (type.startsWith("{") && !isTextMap(decodeJson(value)))
                problems.push(
                    `${key}: got ${show(decodeJson(value))}. Expected a map of names to text (e.g. team: data-platform).`,
                );
            else if (
                type === "string" &&
                key !== "gcp:credentials" && // a key file's JSON contents are text to the provider
                typeof decodeJson(value) === "object" &&
                decodeJson(value) !== null
            )
                problems.push(`${key}: got ${show(decodeJson(value))}. Expected text.`);
            else if (type.startsWith("outputs.") && !isObject(decodeJson(value)))
                problems.push(
                    `${key}: got ${show(decodeJson(value))}. Expected an object (${type.split(".").pop()} in @pulumi/gcp).`,
                );
            else if (
                sensitive.includes(key) &&
                !isSecret(key) &&
                value !== OFFLINE_SECRET_PLACEHOLDER &&
                // gcp:credentials may also be a key file's path, which is no secret itself.
                (key !== "gcp:credentials" || value.trimStart().startsWith("{"))
            )
                problems.push(
                    `${key}: holds a credential in plaintext in the stack file. Expected it encrypted: ` +
                        `${setSecretCommand(key, stack)} (or leave it unset and use application-default credentials).`,
                );
        } else if (ns === "pulumi") {
            if (key === "pulumi:tags") {
                const tags = decodeJson(value);
                if (
                    tags === null ||
                    typeof tags !== "object" ||
                    Array.isArray(tags) ||
                    Object.values(tags).some((v) => typeof v !== "string")
                )
                    problems.push(
                        `${key}: got ${show(tags)}. Expected a map of tag names to text.`,
                    );
            } else if (key === "pulumi:disable-default-providers")
                problems.push(
                    `${key}: would disable the default providers this program creates every resource with. ` +
                        `Expected it unset: the program uses the default gcp provider, configured by gcp: keys.`,
                );
            else
                problems.push(
                    `${key}: not a Pulumi key a stack file may set. ${guess(key)}Expected ${PULUMI_KEYS.join(", ")}.`,
                );
        } else
            problems.push(
                `${key}: unknown namespace "${ns}", so nothing reads this key. ${guess(key)}` +
                    `Expected ${project}: keys (the program), gcp: keys (the Google provider) or ${PULUMI_KEYS.join(", ")}.`,
            );
    }
    return problems;
}

function isTextMap(v: unknown): boolean {
    return isObject(v) && Object.values(v as object).every((x) => typeof x === "string");
}

function isObject(v: unknown): boolean {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

function decodeJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/**
 * Every leaf the schema marks sensitive (`sensitive()` in lib/schema.ts) that holds a value in
 * plaintext: an error giving the command that stores it encrypted. `value` is the decoded config
 * value of `key`, before validation.
 */
export function plaintextSecretProblems(
    key: string,
    schema: z.core.$ZodType,
    value: unknown,
    isSecret: IsSecret,
    stack: string | undefined,
): string[] {
    if (isSecret(key)) return []; // Pulumi marks the whole key secret when any part is
    const problems: string[] = [];
    const visit = (s: z.core.$ZodType, v: unknown, at: string) => {
        if (v === undefined || v === null) return;
        if (isSensitive(s)) {
            if (v !== OFFLINE_SECRET_PLACEHOLDER)
                problems.push(
                    `${at}: is a secret given in plaintext in the stack file. Expected it encrypted: ` +
                        `${setSecretCommand(at, stack)}.`,
                );
            return;
        }
        const def = (s as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
        const inner = (def["innerType"] ?? def["in"]) as z.core.$ZodType | undefined;
        if (inner) return visit(inner, v, at);
        if (typeof v !== "object") return;
        if (def["type"] === "object")
            for (const [k, child] of Object.entries(
                def["shape"] as Record<string, z.core.$ZodType>,
            ))
                visit(child, (v as Record<string, unknown>)[k], `${at}.${k}`);
        else if (def["type"] === "record" && !Array.isArray(v))
            for (const [k, child] of Object.entries(v as Record<string, unknown>))
                visit(def["valueType"] as z.core.$ZodType, child, `${at}.${k}`);
        else if (def["type"] === "array" && Array.isArray(v))
            v.forEach((child, i) => visit(def["element"] as z.core.$ZodType, child, `${at}[${i}]`));
    };
    visit(schema, value, key);
    return problems;
}

/** Names that say their value is a secret: `API_TOKEN`, `webserver-secret_key`, `DB_PASSWORD`. */
const SECRET_NAME =
    /(^|[_-])(secret|secret_key|token|password|passwd|pwd|passphrase|credentials?|private_key|api_?key|fernet_key)($|[_-])|password$/i;

/** A value carrying a password in a URL (`postgres://user:pass@host`, an Airflow connection URI). */
const CREDENTIAL_URL = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i;

/**
 * Free-form maps whose entries may carry a secret by their name (Composer's environment
 * variables and Airflow overrides): such an entry in plaintext is refused like a marked leaf.
 */
export const SECRET_BY_NAME_MAPS: Readonly<Record<string, readonly string[]>> = {
    "logistics:composer": ["envVariables", "airflowConfigOverrides"],
};

export function secretByNameProblems(
    key: string,
    value: unknown,
    isSecret: IsSecret,
    stack: string | undefined,
): string[] {
    const maps = SECRET_BY_NAME_MAPS[key];
    if (!maps || isSecret(key) || !isObject(value)) return [];
    const problems: string[] = [];
    for (const map of maps) {
        const entries = (value as Record<string, unknown>)[map];
        if (!isObject(entries)) continue;
        for (const [name, v] of Object.entries(entries as Record<string, unknown>))
            if (
                (SECRET_NAME.test(name) || (typeof v === "string" && CREDENTIAL_URL.test(v))) &&
                v !== OFFLINE_SECRET_PLACEHOLDER
            )
                problems.push(
                    `${key}.${map}.${name}: ${SECRET_NAME.test(name) ? "is named as a secret" : "holds a URL with a password"} ` +
                        `and is given in plaintext in the stack file. Expected it ` +
                        `encrypted: ${setSecretCommand(`${key}.${map}.${name}`, stack)} (better still, keep it in ` +
                        `Secret Manager and read it from the DAG).`,
                );
    }
    return problems;
}

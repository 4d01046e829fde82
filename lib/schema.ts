// Building blocks for the stack config schema: leaf validators whose every failure reads
// "<what is wrong>. <what is accepted>.", so the loader only has to prefix the config key.
import { z } from "zod";
import { distance } from "fastest-levenshtein";

/** Renders a config value the way a user wrote it, for "got …" in messages. */
export function show(value: unknown): string {
    if (value === undefined) return "nothing";
    if (value === null) return "null";
    if (typeof value === "string") return JSON.stringify(value);
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    if (Array.isArray(value)) return `a list (${truncate(JSON.stringify(value))})`;
    return `an object (${truncate(JSON.stringify(value))})`;
}

function truncate(text: string): string {
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The error callback shared by every leaf: the problem comes from the input, the rest is fixed. */
function expect(accepted: string) {
    return (issue: { input?: unknown }) =>
        issue.input === undefined
            ? `is required but missing. Expected ${accepted}`
            : `got ${show(issue.input)}. Expected ${accepted}`;
}

/** An integer within [min, max]; `accepted` may add a reason (a GCP limit, a runbook rule). */
export function int(min: number, max: number, why?: string) {
    const accepted = `an integer from ${min} to ${max}${why ? ` (${why})` : ""}`;
    const error = expect(accepted);
    // abort: a value out of range is one problem; rules comparing it to other values then skip it.
    return z
        .number({ error })
        .int({ error, abort: true })
        .min(min, { error, abort: true })
        .max(max, { error, abort: true });
}

/** A number (not necessarily whole) within [min, max] of `unit`, e.g. vCPUs or GB. */
export function num(min: number, max: number, unit: string) {
    const error = expect(`${min} to ${max} ${unit}`);
    return z.number({ error }).min(min, { error, abort: true }).max(max, { error, abort: true });
}

export function bool() {
    return z.boolean({ error: expect("true or false") });
}

/** A string matching `pattern`; `accepted` describes the pattern in words. */
export function pattern(re: RegExp, accepted: string) {
    const error = expect(accepted);
    return z.string({ error }).regex(re, { error, abort: true });
}

/** One of a fixed list of values; `accepted` replaces the listing when the list is long. */
export function oneOf<const T extends readonly [string, ...string[]]>(
    values: T,
    what = "one of",
    accepted?: string,
) {
    return z.enum(values, { error: expect(accepted ?? `${what} ${values.join(", ")}`) });
}

/** A map with free keys (validated by `key`) and values validated by `value`. */
export function map<V extends z.ZodType>(key: z.ZodString, value: V, accepted: string) {
    return z.record(key, value, { error: expect(accepted) });
}

/**
 * A nested object that rejects unknown keys (typos), so the loader can suggest the closest. What
 * it accepts is read from the shape ("keys a, b and optionally c"); `note` adds what the keys
 * alone do not say (a unit, a choice between keys), in parentheses.
 */
export function section<S extends z.ZodRawShape>(shape: S, note?: string) {
    const accepted = `an object with ${describeKeys(shape)}${note ? ` (${note})` : ""}`;
    return z.strictObject(shape, { error: expect(accepted) });
}

/**
 * The keys of a shape in words, in the shape's order: "keys a, b", "optional keys c, d" or "keys
 * a, b and optionally c, d". A key is optional when it may be left out (`.optional()`,
 * `.default()`, `.prefault()`).
 */
export function describeKeys(shape: z.ZodRawShape): string {
    const keys = Object.keys(shape);
    const optional = keys.filter((k) => shape[k]!._zod.optin !== undefined);
    const required = keys.filter((k) => !optional.includes(k));
    const list = (ks: readonly string[]) => `key${ks.length === 1 ? "" : "s"} ${ks.join(", ")}`;
    if (required.length === 0) return `optional ${list(optional)}`;
    if (optional.length === 0) return list(required);
    return `${list(required)} and optionally ${optional.join(", ")}`;
}

/** Levenshtein distance ignoring case, for "did you mean" suggestions on unknown keys. */
export function editDistance(a: string, b: string): number {
    return distance(a.toLowerCase(), b.toLowerCase());
}

/** The closest known key, if it is close enough to be a likely typo. */
export function closest(unknown: string, known: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const candidate of known) {
        const d = editDistance(unknown, candidate);
        if (d < bestDistance) {
            best = candidate;
            bestDistance = d;
        }
    }
    const tolerance = Math.max(2, Math.floor(unknown.length / 3));
    return bestDistance <= tolerance ? best : undefined;
}

/** Whether `y-m-d` names a day of the calendar (2026-02-30 and 2026-13-01 do not). */
export function isCalendarDate(y: number, m: number, d: number): boolean {
    const t = new Date(Date.UTC(y, m - 1, d));
    return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** `YYYY-MM-DD`, a day that exists. */
export function calendarDate(example: string) {
    const accepted = `a date such as ${example}`;
    return pattern(/^\d{4}-\d{2}-\d{2}$/, accepted).refine(
        (s) => isCalendarDate(Number(s.slice(0, 4)), Number(s.slice(5, 7)), Number(s.slice(8, 10))),
        { error: (i) => `got ${show(i.input)}, not a date. Expected ${accepted}`, abort: true },
    );
}

/** `YYYY-MM-DDTHH:MM:SSZ`, a time that exists (no 2026-02-30, no 24:00). */
export function utcTimestamp(example: string) {
    const accepted = `a UTC timestamp such as ${example}`;
    return pattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, accepted).refine(
        (s) =>
            isCalendarDate(Number(s.slice(0, 4)), Number(s.slice(5, 7)), Number(s.slice(8, 10))) &&
            Number(s.slice(11, 13)) < 24 &&
            Number(s.slice(14, 16)) < 60 &&
            Number(s.slice(17, 19)) < 60,
        {
            error: (i) => `got ${show(i.input)}, not a date and time. Expected ${accepted}`,
            abort: true,
        },
    );
}

const SENSITIVE = new WeakSet<object>();

/**
 * Marks a leaf as a secret: a stack file must hold it encrypted (`config set --secret`), and the
 * loader refuses it in plaintext with the command that encrypts it (stacks/keys.ts).
 */
export function sensitive<T extends z.ZodType>(schema: T): T {
    SENSITIVE.add(schema);
    return schema;
}

export function isSensitive(schema: object): boolean {
    return SENSITIVE.has(schema);
}

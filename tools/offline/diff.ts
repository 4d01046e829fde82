// The offline twin of a pull request's `pulumi preview`: what a change creates, updates,
// replaces and deletes relative to a base plan (a git revision previewed offline, or a saved
// plan.json). Resources match by URN, as the engine matches them against its state.
//
// An update becomes a replacement when an identifying input changes (tools/offline/types.ts),
// when an input listed in the resource's replaceOnChanges changes, or when a BigQuery table loses
// or retypes a column. A resource whose URN changes while its identity stays is a rename: without
// an alias, Pulumi deletes the old one. Deleting or replacing a protected resource is called out.
import { UNKNOWN, type Plan, type PlannedResource } from "./engine";
import { irreversibleChanges } from "./irreversible";
import { displayType } from "./render";
import { accessChanges, renderAccessChanges, type AccessChange } from "./iamDiff";
import { ALL_INPUTS, RESOURCE_TYPES } from "./types";

export type Operation = "create" | "update" | "replace" | "delete";

export interface ChangedValue {
    /** Dotted path of the changed value (`lifecycleRules[0].condition.age`), or `options.<name>`. */
    path: string;
    before: unknown;
    after: unknown;
}

export interface ResourceChange {
    op: Operation;
    urn: string;
    type: string;
    name: string;
    /** Changed leaves, for updates and replacements. */
    changes: ChangedValue[];
    /** Why an update is a replacement. */
    replaceReasons: string[];
    /** Protected in the base: deleting or replacing it is refused by `pulumi up`. */
    protected: boolean;
    /** For a create or delete that is one half of a rename: the other URN. */
    renamedFrom?: string;
    renamedTo?: string;
}

export interface PlanDiff {
    stack: string;
    changes: ResourceChange[];
    unchanged: number;
    /** Stack outputs added, removed or changed, by name. */
    outputs: { added: string[]; removed: string[]; changed: string[] };
    /** Deletes and replacements of protected resources, as sentences. */
    protectedViolations: string[];
    /** Changes that do something other than they seem (a renamed grant), as sentences. */
    warnings: string[];
    /** Grants added or revoked, with the permissions they carry (tools/offline/iamDiff.ts). */
    access: AccessChange[];
    /** Changes GCP refuses or cannot undo (tools/offline/irreversible.ts), as sentences. */
    irreversible: string[];
}

const OPTIONS_COMPARED = [
    "protect",
    "retainOnDelete",
    "deleteBeforeReplace",
    "ignoreChanges",
    "replaceOnChanges",
] as const;

/** The leaves where `a` and `b` differ, as dotted paths; an unknown value differs from a known one. */
export function changedLeaves(a: unknown, b: unknown, at = ""): ChangedValue[] {
    if (a === b) return [];
    const isObj = (v: unknown) => v !== null && typeof v === "object";
    if (Array.isArray(a) && Array.isArray(b)) {
        const out: ChangedValue[] = [];
        for (let i = 0; i < Math.max(a.length, b.length); i++)
            out.push(...changedLeaves(a[i], b[i], `${at}[${i}]`));
        return out;
    }
    if (isObj(a) && isObj(b) && !Array.isArray(a) && !Array.isArray(b)) {
        const x = a as Record<string, unknown>;
        const y = b as Record<string, unknown>;
        const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort();
        return keys.flatMap((k) => changedLeaves(x[k], y[k], at ? `${at}.${k}` : k));
    }
    return [{ path: at, before: a, after: b }];
}

/** The top-level input a dotted path belongs to. */
function topKey(path: string): string {
    return path.split(/[.[]/)[0]!;
}

/** BigQuery's legacy type names and their standard SQL names are the same type. */
const TYPE_ALIASES: Readonly<Record<string, string>> = {
    INTEGER: "INT64",
    FLOAT: "FLOAT64",
    BOOLEAN: "BOOL",
    RECORD: "STRUCT",
};

function canonicalType(type: string): string {
    return TYPE_ALIASES[type] ?? type;
}

/** Columns (name → type) of a table's schema input, which the program passes as JSON text. */
function columns(schema: unknown): Map<string, string> | undefined {
    if (typeof schema !== "string" || schema === UNKNOWN) return undefined;
    try {
        const fields = JSON.parse(schema) as { name: string; type: string }[];
        return new Map(
            fields.map((f) => [f.name.toLowerCase(), canonicalType(f.type.toUpperCase())]),
        );
    } catch {
        return undefined;
    }
}

/** BigQuery changes a table's schema in place only by adding columns (or relaxing modes). */
export function schemaReplacement(before: unknown, after: unknown): string[] {
    const a = columns(before);
    const b = columns(after);
    if (!a || !b) return [];
    const reasons: string[] = [];
    for (const [name, type] of a) {
        const now = b.get(name);
        if (now === undefined) reasons.push(`column ${name} removed`);
        else if (now !== type) reasons.push(`column ${name} retyped ${type} → ${now}`);
    }
    return reasons;
}

function replaceReasons(base: PlannedResource, head: PlannedResource, changed: string[]): string[] {
    const reasons: string[] = [];
    const identity = RESOURCE_TYPES[head.type]?.identity;
    const inputKeys = [...new Set(changed.filter((p) => !p.startsWith("options.")).map(topKey))];
    for (const key of inputKeys) {
        if (identity === ALL_INPUTS)
            reasons.push(`${key} changed (${displayType(head.type)} cannot change in place)`);
        else if (identity?.includes(key))
            reasons.push(`${key} changed (identifies the resource in GCP)`);
        else if (
            head.options.replaceOnChanges.includes(key) ||
            head.options.replaceOnChanges.includes("*")
        )
            reasons.push(`${key} changed (replaceOnChanges)`);
    }
    if (head.type === "gcp:bigquery/table:Table" && inputKeys.includes("schema"))
        reasons.push(...schemaReplacement(base.inputs["schema"], head.inputs["schema"]));
    return reasons;
}

/** The values that name a resource in GCP, as a key to recognise it under another URN. */
function identityKey(r: PlannedResource): string | undefined {
    const facts = RESOURCE_TYPES[r.type];
    const identity = facts?.identity;
    if (!identity || identity === ALL_INPUTS || facts.generatedId) return undefined;
    const values = identity.map((k) => r.inputs[k]);
    if (values.every((v) => v === undefined) || values.includes(UNKNOWN)) return undefined;
    return `${r.type} ${JSON.stringify(values)}`;
}

export function diffPlans(base: Plan, head: Plan): PlanDiff {
    const before = new Map(base.resources.map((r) => [r.urn, r]));
    const after = new Map(head.resources.map((r) => [r.urn, r]));
    const changes: ResourceChange[] = [];
    let unchanged = 0;
    const change = (
        op: Operation,
        r: PlannedResource,
        extra: Partial<ResourceChange> = {},
    ): ResourceChange => ({
        op,
        urn: r.urn,
        type: r.type,
        name: r.name,
        changes: [],
        replaceReasons: [],
        protected: op !== "create" && (before.get(r.urn)?.options.protect ?? false),
        ...extra,
    });

    for (const [urn, h] of after) {
        const b = before.get(urn);
        if (!b) {
            changes.push(change("create", h));
            continue;
        }
        // Inputs under ignoreChanges are not diffed by the engine either.
        const ignored = (path: string) =>
            h.options.ignoreChanges.some(
                (i) => path === i || path.startsWith(`${i}.`) || path.startsWith(`${i}[`),
            );
        const diffs = [
            ...changedLeaves(b.inputs, h.inputs).filter((d) => !ignored(d.path)),
            ...OPTIONS_COMPARED.flatMap((o) =>
                changedLeaves(b.options[o], h.options[o], `options.${o}`),
            ),
        ];
        if (diffs.length === 0) {
            unchanged++;
            continue;
        }
        const reasons = h.custom
            ? replaceReasons(
                  b,
                  h,
                  diffs.map((d) => d.path),
              )
            : [];
        changes.push(
            change(reasons.length > 0 ? "replace" : "update", h, {
                changes: diffs,
                replaceReasons: reasons,
            }),
        );
    }
    for (const [urn, b] of before) if (!after.has(urn)) changes.push(change("delete", b));

    // A delete and a create of the same GCP resource under different URNs: a rename. Only a
    // one-to-one match counts; types whose id GCP assigns never match.
    const byKey = (op: Operation, plan: Map<string, PlannedResource>) => {
        const found = new Map<string, ResourceChange[]>();
        for (const c of changes.filter((c) => c.op === op)) {
            const key = identityKey(plan.get(c.urn)!);
            if (key) found.set(key, [...(found.get(key) ?? []), c]);
        }
        return found;
    };
    const created = byKey("create", after);
    for (const [key, [d, ...more]] of byKey("delete", before)) {
        const c = created.get(key);
        if (!d || more.length > 0 || !c || c.length !== 1) continue;
        d.renamedTo = c[0]!.urn;
        c[0]!.renamedFrom = d.urn;
    }

    const protectedViolations = changes
        .filter((c) => c.protected && (c.op === "delete" || c.op === "replace"))
        .map((c) =>
            c.op === "replace"
                ? `${displayType(c.type)} ${c.name} is protected and would be replaced (${c.replaceReasons.join("; ")}): ` +
                  `pulumi up refuses. Revert the change, or create the new resource beside it and move the data first.`
                : c.renamedTo
                  ? `${displayType(c.type)} ${c.name} is protected and its URN changed (now ${c.renamedTo}): ` +
                    `add an alias (aliases: [{ name: "${c.name}" }] or the old parent) so Pulumi keeps the same resource.`
                  : `${displayType(c.type)} ${c.name} is protected and would be deleted: pulumi up refuses. ` +
                    `Put it back in the program, or unprotect it in a reviewed change first.`,
        );

    // A renamed grant: Pulumi creates the new one (a no-op, GCP already has the binding), then
    // deletes the old one, which removes the binding both of them name.
    const warnings = changes
        .filter((c) => c.op === "delete" && c.renamedTo && /iam(member|binding)/i.test(c.type))
        .map(
            (c) =>
                `${displayType(c.type)} ${c.name} is renamed: pulumi up would create the new grant and then delete the old one, ` +
                `removing the binding both name. Add an alias (aliases: [{ name: "${c.name}" }]) so Pulumi keeps one resource.`,
        );

    const outputsBefore = base.outputs;
    const outputsAfter = head.outputs;
    const keysBefore = Object.keys(outputsBefore);
    const keysAfter = Object.keys(outputsAfter);
    const order: Record<Operation, number> = { delete: 0, replace: 1, update: 2, create: 3 };
    return {
        stack: head.stack,
        changes: changes.sort((a, b) => order[a.op] - order[b.op] || a.urn.localeCompare(b.urn)),
        unchanged,
        outputs: {
            added: keysAfter.filter((k) => !(k in outputsBefore)).sort(),
            removed: keysBefore.filter((k) => !(k in outputsAfter)).sort(),
            changed: keysAfter
                .filter(
                    (k) =>
                        k in outputsBefore &&
                        changedLeaves(outputsBefore[k], outputsAfter[k]).length > 0,
                )
                .sort(),
        },
        protectedViolations,
        warnings,
        access: accessChanges(base, head),
        irreversible: irreversibleChanges(
            changes.map((c) => ({ op: c.op, before: before.get(c.urn), after: after.get(c.urn) })),
        ),
    };
}

const SYMBOL: Record<Operation, string> = {
    create: "+ ",
    update: "~ ",
    replace: "+-",
    delete: "- ",
};
const MAX_SHOWN_VALUES = 8;

function show(value: unknown): string {
    if (value === undefined) return "(none)";
    const text = typeof value === "string" ? value : JSON.stringify(value);
    return text.length > 70 ? `${text.slice(0, 67)}...` : text;
}

export function renderDiff(diff: PlanDiff, baseLabel: string, headLabel: string): string {
    const lines = [`Offline diff of stack ${diff.stack}: ${baseLabel} → ${headLabel}`, ""];
    if (diff.changes.length === 0) lines.push("    no resource changes");
    for (const c of diff.changes) {
        const note = c.renamedFrom
            ? `  (renamed from ${c.renamedFrom.split("::").pop()})`
            : c.renamedTo
              ? `  (renamed to ${c.renamedTo.split("::").pop()})`
              : "";
        lines.push(
            `  ${SYMBOL[c.op]} ${displayType(c.type)}  ${c.name}  ${c.op}${c.protected && c.op !== "update" ? "  !! protected" : ""}${note}`,
        );
        for (const r of c.replaceReasons) lines.push(`        replaces: ${r}`);
        for (const v of c.changes.slice(0, MAX_SHOWN_VALUES))
            lines.push(`        ${v.path}: ${show(v.before)} → ${show(v.after)}`);
        if (c.changes.length > MAX_SHOWN_VALUES)
            lines.push(`        … and ${c.changes.length - MAX_SHOWN_VALUES} more values`);
    }
    const { added, removed, changed } = diff.outputs;
    if (added.length + removed.length + changed.length > 0) {
        lines.push("", "Outputs:");
        for (const k of added) lines.push(`  + ${k}`);
        for (const k of changed) lines.push(`  ~ ${k}`);
        for (const k of removed) lines.push(`  - ${k}`);
    }
    lines.push(...renderAccessChanges(diff.access));
    if (diff.warnings.length > 0) {
        lines.push("", "Warnings:");
        for (const w of diff.warnings) lines.push(`  ! ${w}`);
    }
    if (diff.irreversible.length > 0) {
        lines.push("", "Changes Google Cloud refuses or cannot undo:");
        for (const v of diff.irreversible) lines.push(`  !! ${v}`);
    }
    if (diff.protectedViolations.length > 0) {
        lines.push("", "Protected resources this change would delete or replace:");
        for (const v of diff.protectedViolations) lines.push(`  !! ${v}`);
    }
    const count = (op: Operation) => diff.changes.filter((c) => c.op === op).length;
    lines.push(
        "",
        `Resources: ${count("create")} to create, ${count("update")} to update, ${count("replace")} to replace, ` +
            `${count("delete")} to delete, ${diff.unchanged} unchanged`,
        "Replacements are judged from each type's identifying inputs (tools/offline/types.ts); values known " +
            "only after deploy and secret values compare as placeholders, so a change inside one shows only " +
            "in pulumi preview, the authority.",
    );
    return lines.join("\n");
}

// Golden inventories: per stack, a readable subset of what the plan declares (counts per type,
// chosen inputs and options per resource). Reviewers read their diffs as the spec of a change.
import type { Plan, PlannedResource } from "./engine";
import { displayType } from "./render";

export interface InventoryEntry {
    type: string;
    /** Subset of inputs; nested objects compared as subsets too. */
    inputs?: Record<string, unknown>;
    protect?: boolean;
    retainOnDelete?: boolean;
}

export interface Inventory {
    /** Resources by `<logical name>` → entry. */
    resources: Record<string, InventoryEntry>;
    /** Exact count of resources per displayed type. */
    counts: Record<string, number>;
    outputs: string[];
}

/**
 * Inputs left out of inventories: provider bookkeeping, and labels (the same standard set on
 * every resource, checked once by test/labels.test.ts).
 */
const DROP = new Set(["__defaults", "project", "labels"]);

/** Builds the full inventory of a plan (the regenerate command writes this). */
export function inventoryOf(plan: Plan): Inventory {
    const resources: Record<string, InventoryEntry> = {};
    for (const r of plan.resources) {
        if (r.type === "pulumi:pulumi:Stack") continue;
        resources[keyOf(r)] = {
            type: displayType(r.type),
            ...(Object.keys(r.inputs).length ? { inputs: pick(r.inputs) } : {}),
            ...(r.custom
                ? { protect: r.options.protect, retainOnDelete: r.options.retainOnDelete }
                : {}),
        };
    }
    const counts: Record<string, number> = {};
    for (const r of plan.resources)
        counts[displayType(r.type)] = (counts[displayType(r.type)] ?? 0) + 1;
    return {
        resources: sortKeys(resources),
        counts: sortKeys(counts),
        outputs: Object.keys(plan.outputs).sort(),
    };
}

/** Logical names are unique per type; the key joins them so the file reads as a list. */
function keyOf(r: PlannedResource): string {
    return `${r.name} (${displayType(r.type)})`;
}

function pick(inputs: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(
        Object.entries(inputs)
            .filter(([k]) => !DROP.has(k))
            .map(([k, v]) => [k, k === "schema" && typeof v === "string" ? columns(v) : v]),
    );
}

/** A BigQuery table schema (JSON text) as readable `name TYPE MODE` lines. */
function columns(schema: string): string[] | string {
    try {
        return (JSON.parse(schema) as { name: string; type: string; mode?: string }[]).map(
            (f) => `${f.name} ${f.type} ${f.mode ?? "NULLABLE"}`,
        );
    } catch {
        return schema;
    }
}

function sortKeys<T>(obj: Record<string, T>): Record<string, T> {
    return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Checks a plan against a (possibly hand-trimmed) inventory: every listed resource exists with
 * the listed values, and counts per type match exactly. Returns the mismatches, empty when none.
 */
export function compareInventory(expected: Inventory, plan: Plan): string[] {
    const actual = inventoryOf(plan);
    const problems: string[] = [];
    for (const [key, want] of Object.entries(expected.resources ?? {})) {
        const got = actual.resources[key];
        if (!got) {
            problems.push(`${key}: listed in the inventory but not in the plan`);
            continue;
        }
        problems.push(...subsetMismatches(want, got, key));
    }
    const types = new Set([...Object.keys(expected.counts ?? {}), ...Object.keys(actual.counts)]);
    for (const t of [...types].sort())
        if ((expected.counts ?? {})[t] !== actual.counts[t])
            problems.push(
                `count of ${t}: inventory says ${expected.counts?.[t] ?? 0}, plan has ${actual.counts[t] ?? 0}`,
            );
    const wantOutputs = JSON.stringify(expected.outputs ?? []);
    if (wantOutputs !== JSON.stringify(actual.outputs))
        problems.push(
            `outputs: inventory says ${wantOutputs}, plan has ${JSON.stringify(actual.outputs)}`,
        );
    return problems;
}

function subsetMismatches(want: unknown, got: unknown, at: string): string[] {
    if (want !== null && typeof want === "object" && !Array.isArray(want)) {
        if (got === null || typeof got !== "object" || Array.isArray(got))
            return [`${at}: expected an object, plan has ${JSON.stringify(got)}`];
        return Object.entries(want).flatMap(([k, v]) =>
            subsetMismatches(v, (got as Record<string, unknown>)[k], `${at}.${k}`),
        );
    }
    return JSON.stringify(want) === JSON.stringify(got)
        ? []
        : [`${at}: inventory says ${JSON.stringify(want)}, plan has ${JSON.stringify(got)}`];
}

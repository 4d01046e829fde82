// Renders an offline plan the way `pulumi preview` lays out its tree, plus counts and outputs.
import { UNKNOWN, type Plan, type PlannedResource } from "./engine";

/** `gcp:storage/bucket:Bucket` → `gcp:storage:Bucket`, as the Pulumi CLI prints types. */
export function displayType(type: string): string {
    const [pkg, mod, name] = type.split(":");
    if (pkg === undefined || mod === undefined || name === undefined) return type;
    return `${pkg}:${mod.split("/")[0]}:${name}`;
}

/** The inputs a reader checks first, per type, as dotted paths; other types show their scalars. */
const KEY_INPUTS: Readonly<Record<string, readonly string[]>> = {
    "gcp:storage/bucket:Bucket": [
        "name",
        "location",
        "versioning.enabled",
        "retentionPolicy.retentionPeriod",
        "retentionPolicy.isLocked",
        "softDeletePolicy.retentionDurationSeconds",
        "deletionPolicy",
    ],
    "gcp:bigquery/dataset:Dataset": [
        "datasetId",
        "location",
        "maxTimeTravelHours",
        "deletionPolicy",
    ],
    "gcp:bigquery/table:Table": [
        "tableId",
        "timePartitioning.field",
        "clusterings",
        "deletionProtection",
    ],
    "gcp:cloudrunv2/service:Service": [
        "name",
        "location",
        "template.containers.0.image",
        "template.scaling.minInstanceCount",
        "template.scaling.maxInstanceCount",
        "ingress",
        "deletionProtection",
    ],
    "gcp:composer/environment:Environment": [
        "name",
        "config.softwareConfig.imageVersion",
        "config.environmentSize",
        "config.workloadsConfig.scheduler.count",
        "config.workloadsConfig.worker.minCount",
        "config.workloadsConfig.worker.maxCount",
        "config.maintenanceWindow.recurrence",
        "deletionPolicy",
    ],
};
const HIDDEN_INPUTS = new Set(["labels", "project", "description", "__defaults"]);
const WRAP_WIDTH = 110;

function at(obj: unknown, dotted: string): unknown {
    return dotted
        .split(".")
        .reduce<unknown>(
            (o, k) =>
                o !== null && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined,
            obj,
        );
}

/**
 * A resource's key inputs as `key=value` parts, wrapped into lines of about `width` characters.
 * Nothing is cut: a setting like `retentionPolicy.isLocked` must never fall off the screen.
 */
export function keyInputs(r: PlannedResource, width = WRAP_WIDTH): string[] {
    const keys =
        KEY_INPUTS[r.type] ??
        Object.keys(r.inputs).filter((k) => {
            const v = r.inputs[k];
            return !HIDDEN_INPUTS.has(k) && v !== null && typeof v !== "object";
        });
    const parts = keys
        .map((k) => [k, at(r.inputs, k)] as const)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
    if (r.autoNamed) parts.unshift(`name=${r.autoNamed}`);
    const lines: string[] = [];
    for (const part of parts) {
        const last = lines.length - 1;
        if (last >= 0 && lines[last]!.length + 2 + part.length <= width) lines[last] += `  ${part}`;
        else lines.push(part);
    }
    return lines;
}

export function renderPlan(plan: Plan): string {
    const out: string[] = [];
    out.push(`Previewing update (${plan.stack}) — offline`);
    out.push(
        "Evaluated in-process on the Pulumi SDK's mock runtime: no credentials, no Pulumi CLI, no cloud calls.",
    );
    out.push("");

    const children = new Map<string | undefined, PlannedResource[]>();
    for (const r of plan.resources) {
        const list = children.get(r.parent) ?? [];
        list.push(r);
        children.set(r.parent, list);
    }
    const rows: [string, string, string, string[], string][] = [];
    const walk = (parent: string | undefined, indent: string): void => {
        const list = (children.get(parent) ?? []).sort(
            (a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name),
        );
        list.forEach((r, i) => {
            const last = i === list.length - 1;
            const branch = parent === undefined ? "" : last ? "└─ " : "├─ ";
            const marks = [
                r.options.protect ? "protected" : "",
                r.options.retainOnDelete ? "retain" : "",
            ]
                .filter(Boolean)
                .join(", ");
            const childIndent = parent === undefined ? indent : indent + (last ? "   " : "│  ");
            rows.push([
                `${indent}${branch}${displayType(r.type)}`,
                r.name,
                marks,
                keyInputs(r),
                childIndent,
            ]);
            walk(r.urn, childIndent);
        });
    };
    walk(undefined, "");
    const typeWidth = Math.max(4, ...rows.map((r) => [...r[0]].length));
    const nameWidth = Math.max(4, ...rows.map((r) => r[1].length));
    out.push(`     ${"Type".padEnd(typeWidth)}  ${"Name".padEnd(nameWidth)}  Plan    Info`);
    for (const [type, name, marks, inputs, childIndent] of rows) {
        const lock = marks ? "🔒" : "  ";
        out.push(
            ` +   ${type.padEnd(typeWidth)}  ${name.padEnd(nameWidth)}  create  ${lock} ${marks}`.trimEnd(),
        );
        // Key inputs go under the resource, inside the tree, as `pulumi preview --diff` nests details.
        for (const line of inputs) out.push(`     ${childIndent}   ${line}`);
    }

    out.push("");
    out.push("Resources:");
    out.push(`    + ${plan.resources.length} to create`);
    const protectedCount = plan.resources.filter((r) => r.options.protect).length;
    out.push(`    🔒 ${protectedCount} protected (pulumi up and destroy refuse to delete them)`);
    out.push("");
    out.push("Resources by type:");
    const counts = new Map<string, number>();
    for (const r of plan.resources)
        counts.set(displayType(r.type), (counts.get(displayType(r.type)) ?? 0) + 1);
    for (const [type, n] of [...counts].sort((a, b) => a[0].localeCompare(b[0])))
        out.push(`    ${String(n).padStart(3)}  ${type}`);
    out.push("");
    out.push("Outputs:");
    const outputs = Object.entries(plan.outputs);
    const keyWidth = Math.max(0, ...outputs.map(([k]) => k.length));
    for (const [k, v] of outputs)
        out.push(
            `    ${`${k}:`.padEnd(keyWidth + 1)} ${typeof v === "string" ? v : JSON.stringify(v)}`,
        );
    out.push("");
    out.push(
        `Values shown as "${UNKNOWN}" are computed by Google Cloud and cannot be known offline.`,
    );
    if (plan.secrets.length > 0)
        out.push(
            `Secrets in the stack file (${plan.secrets.join(", ")}) cannot be decrypted offline; ` +
                `a marked placeholder stands in for them.`,
        );
    for (const w of plan.warnings) out.push(`warning: ${w}`);
    return out.join("\n");
}

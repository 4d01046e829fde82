// The bulk-import file `pulumi import --file` reads, built from the offline plan: every resource
// of the stack with its type, logical name and parent, and the GCP id in the form its type's
// import expects (tools/offline/types.ts), filled in from the same inputs the program declares.
// What is imported is therefore exactly what the program will manage, under the same URNs.
//
// Components are listed as `component: true` entries (no id) so that imported resources land
// under the same parents as the program's; Pulumi creates such empty components during the
// import (CLI 3.94+). Types that are not imported, and resources whose id needs a value only the
// cloud knows, are returned as `skipped` with the reason.
import * as fs from "fs";
import { OFFLINE_PROJECT_NUMBER, UNKNOWN, type Plan, type PlannedResource } from "./engine";
import { RESOURCE_TYPES } from "./types";

export interface ImportEntry {
    type: string;
    name: string;
    /** The GCP id, for a resource; absent for a component. */
    id?: string;
    /** The `name` of the parent entry; absent under the stack. */
    parent?: string;
    component?: true;
    /** The provider plugin version, as the program's SDK pins it. */
    version?: string;
}

export interface ImportFile {
    resources: ImportEntry[];
}

export interface Skipped {
    type: string;
    name: string;
    reason: string;
}

export interface ImportPlan {
    file: ImportFile;
    skipped: Skipped[];
}

/** Thrown when a resource's import id cannot be filled in from the plan. */
class MissingValue extends Error {}

/** Fills an id template's `{input}` placeholders from a resource's inputs. */
export function fillTemplate(
    template: string,
    inputs: Record<string, unknown>,
    project: string,
): string {
    return template.replace(/\{(\w+)\}/g, (_, key: string) => {
        const value = inputs[key] ?? (key === "project" ? project : undefined);
        // A service agent's or federation principal's address holds the project's number.
        if (
            value === UNKNOWN ||
            (typeof value === "string" && value.includes(OFFLINE_PROJECT_NUMBER))
        )
            throw new MissingValue(
                `its ${key} is known only after deploy, so pulumi up creates it`,
            );
        if (typeof value !== "string" || value === "")
            throw new MissingValue(`its ${key} is not set in the plan`);
        return value;
    });
}

/** The provider plugin versions the program's SDKs are built for, by package (`gcp`, `random`). */
export function providerVersions(): Record<string, string> {
    const version = (pkg: string) =>
        (
            JSON.parse(fs.readFileSync(require.resolve(`@pulumi/${pkg}/package.json`), "utf8")) as {
                version: string;
            }
        ).version;
    return { gcp: version("gcp"), random: version("random") };
}

/**
 * The import file for `plan`. `project` is the GCP project the ids name (gcp:project). Throws
 * when a type has no import rule or two resources share a logical name (parents are referred to
 * by name), so that no partial file is ever produced.
 */
export function buildImportFile(
    plan: Plan,
    project: string,
    versions: Record<string, string>,
): ImportPlan {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const names = new Map<string, string>();
    for (const r of plan.resources) {
        const other = names.get(r.name);
        if (other)
            throw new Error(
                `two resources share the logical name "${r.name}" (${other} and ${r.urn}): an import file refers to parents by name.`,
            );
        names.set(r.name, r.urn);
    }
    const parentName = (r: PlannedResource): string | undefined => {
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        return parent && parent.type !== "pulumi:pulumi:Stack" ? parent.name : undefined;
    };
    const depth = (r: PlannedResource): number => {
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        return parent ? 1 + depth(parent) : 0;
    };

    const resources: ImportEntry[] = [];
    const skipped: Skipped[] = [];
    // Parents before children, then by URN: a stable, reviewable file.
    const ordered = plan.resources
        .filter((r) => r.type !== "pulumi:pulumi:Stack")
        .sort((a, b) => depth(a) - depth(b) || a.urn.localeCompare(b.urn));
    for (const r of ordered) {
        const parent = parentName(r);
        if (!r.custom) {
            resources.push({
                type: r.type,
                name: r.name,
                component: true,
                ...(parent ? { parent } : {}),
            });
            continue;
        }
        const rule = RESOURCE_TYPES[r.type]?.import;
        if (!rule)
            throw new Error(
                `${r.type} has no import rule: add one (an id template or a reason to skip) to tools/offline/types.ts.`,
            );
        if ("skip" in rule) {
            skipped.push({ type: r.type, name: r.name, reason: rule.skip });
            continue;
        }
        let id: string;
        try {
            id = fillTemplate(rule.id, r.inputs, project);
        } catch (err) {
            if (!(err instanceof MissingValue)) throw err;
            skipped.push({ type: r.type, name: r.name, reason: err.message });
            continue;
        }
        const pkg = r.type.split(":")[0]!;
        resources.push({
            type: r.type,
            name: r.name,
            id,
            ...(parent ? { parent } : {}),
            ...(versions[pkg] ? { version: versions[pkg] } : {}),
        });
    }
    const listed = new Set(resources.map((e) => e.name));
    for (const e of resources)
        if (e.parent && !listed.has(e.parent))
            throw new Error(`${e.name}'s parent ${e.parent} is not in the import file.`);
    return { file: { resources }, skipped };
}

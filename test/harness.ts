// Test harness: the offline engine with the real stack files, plus small queries over a plan.
import { ConfigError, parseStackConfig } from "../stacks/config";
import { runOffline, PROJECT_ROOT, type Plan, type PlannedResource } from "../tools/offline/engine";
import { readStackFile } from "../tools/offline/stackfile";

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

const shipped = new Map<string, Promise<Plan>>();

/**
 * Builds the platform offline for a stack file, optionally with config changes. The plan of an
 * unchanged stack file is built once per test run (plans are deterministic; engine.test.ts
 * checks that), so treat it as read-only.
 */
export function planFor(stack: string, changes?: Record<string, unknown>): Promise<Plan> {
    if (changes) return runOffline({ stack, config: withChanges(stack, changes) });
    if (!shipped.has(stack)) shipped.set(stack, runOffline({ stack }));
    return shipped.get(stack)!;
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

/** Every optional feature switched on (slots, dataset IAM, a restore), so tests see every type the program can create. */
export const EVERY_FEATURE: Record<string, unknown> = {
    "logistics:warehouse": {
        location: "US",
        iam: { marts: { "roles/bigquery.dataViewer": ["group:a@example.com"] } },
        reservation: { edition: "ENTERPRISE", baselineSlots: 50, maxSlots: 100 },
    },
    "logistics:restores": {
        r1: {
            table: "packages",
            requestedAt: "2026-11-25T00:00:00Z",
            backupDate: "2026-11-20",
            targetTable: "packages_r1",
        },
    },
    "logistics:ci": {
        repository: "example-org/logistics-platform",
        pullRequestPreviews: true,
        stateBucket: "example-org-pulumi-state",
        secretsKey: "projects/example-admin/locations/global/keyRings/pulumi/cryptoKeys/state",
    },
};

// The cases the golden inventories cover: each shipped stack as its file stands, and prod with
// every optional feature switched on, so every resource type the program can create is in one
// reviewed file.
import { runOffline, PROJECT_ROOT, type Plan } from "./engine";
import { readStackFile } from "./stackfile";

/** Every optional feature switched on (slots, dataset IAM, a restore), so tests see every type the program can create. */
export const EVERY_FEATURE: Record<string, unknown> = {
    "logistics:warehouse": {
        location: "US",
        iam: { marts: { "roles/bigquery.dataViewer": ["group:a@example.com"] } },
        // Managed disaster recovery: a replica of raw and a failover reservation in us-east4.
        replicaLocation: "us-east4",
        reservation: {
            edition: "ENTERPRISE_PLUS",
            baselineSlots: 50,
            maxSlots: 100,
            secondaryLocation: "us-east4",
        },
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
    "logistics:oncall": { members: ["group:data-oncall@example.com"] },
};

export interface InventoryCase {
    /** File name under test/inventories/ (without .yaml) and key in digests.json. */
    name: string;
    stack: string;
    /**
     * Config laid over the stack file: an object is merged key by key over the file's object of
     * the same key (so prod keeps its own warehouse snapshots under EVERY_FEATURE's slots), any
     * other value replaces it. None for a shipped stack.
     */
    overlay?: Record<string, unknown>;
    /** One line for the file's header. */
    about: string;
}

/**
 * prod, not dev, carries every feature: it is the stack whose protections, alert routing and
 * retention matter most, so the every-feature file shows the optional types as prod would get them.
 */
export const INVENTORY_CASES: readonly InventoryCase[] = [
    { name: "dev", stack: "dev", about: 'stack "dev" as Pulumi.dev.yaml stands' },
    { name: "prod", stack: "prod", about: 'stack "prod" as Pulumi.prod.yaml stands' },
    {
        name: "every-feature",
        stack: "prod",
        overlay: EVERY_FEATURE,
        about: 'stack "prod" with EVERY_FEATURE (tools/offline/inventoryCases.ts) laid over its config',
    },
];

/** A stack file's flat config with `overlay` laid over it (see InventoryCase.overlay). */
export function configWithOverlay(
    stack: string,
    overlay: Record<string, unknown>,
    root = PROJECT_ROOT,
): Record<string, string> {
    const config = { ...readStackFile(root, stack).config };
    const isObject = (v: unknown): v is Record<string, unknown> =>
        v !== null && typeof v === "object" && !Array.isArray(v);
    for (const [key, value] of Object.entries(overlay)) {
        let base: unknown;
        try {
            base = config[key] === undefined ? undefined : JSON.parse(config[key]);
        } catch {
            base = undefined;
        }
        const merged = isObject(base) && isObject(value) ? { ...base, ...value } : value;
        config[key] = typeof merged === "string" ? merged : JSON.stringify(merged);
    }
    return config;
}

/** The offline plan of a case. */
export function planOfCase(c: InventoryCase): Promise<Plan> {
    return c.overlay
        ? runOffline({ stack: c.stack, config: configWithOverlay(c.stack, c.overlay) })
        : runOffline({ stack: c.stack });
}

// Residency: every location any resource of the plan names — its own, a nested placement or
// replica, an explicit provider's default region — is one of the stack's allowed locations.
import { planPolicy, UNKNOWN, type PlanResource } from "./lib";

/** Input names that place a resource (any depth): the provider's naming for GCP locations. */
const LOCATION_KEYS = new Set([
    "location",
    "region",
    "zone",
    "locationId",
    "dataLocations",
    "locations",
    // Pub/Sub's message storage policy. https://cloud.google.com/pubsub/docs/resource-location-restriction
    "allowedPersistenceRegions",
    // A failover reservation's secondary: the raw dataset fails over (and is replicated) there.
    // https://cloud.google.com/bigquery/docs/managed-disaster-recovery
    "secondaryLocation",
]);

/** Where a location may legitimately be a non-place: a monitored resource's labels, a notification label. */
const SKIP_UNDER =
    /^(labels|userLabels|monitoredResource|filter|conditions|documentation|mosaicLayout|dashboardJson)/;

/** Every location a resource names, with its input path. */
export function locationsOf(r: PlanResource): [string, unknown][] {
    const out: [string, unknown][] = [];
    const walk = (v: unknown, path: string, key: string) => {
        if (SKIP_UNDER.test(path)) return;
        if (LOCATION_KEYS.has(key)) {
            if (Array.isArray(v)) v.forEach((x, i) => out.push([`${path}[${i}]`, x]));
            else if (typeof v === "string" || v === UNKNOWN) out.push([path, v]);
            return;
        }
        if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`, key));
        else if (v !== null && typeof v === "object")
            for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k, k);
    };
    walk(r.props, "", "");
    return out;
}

/** A zone's region (`us-central1-a` → `us-central1`). */
function regionOfZone(l: string): string {
    return /^[a-z]+-[a-z]+\d+-[a-z]$/.test(l) ? l.slice(0, -2) : l;
}

export const regionsEveryResource = planPolicy<{ allowed: string[] }>({
    name: "regions-every-resource",
    description:
        "Checks whether every location in the plan (any resource's location, region or zone, nested placements and replicas, an explicit provider's region) is allowed; Secret Manager's automatic replication stores data anywhere.",
    remediationSteps:
        "Use an allowed location (gcp:region and the logistics:* locations), user-managed replication for secrets, or extend allowed in policies/config/<stack>.json.",
    configSchema: {
        properties: {
            allowed: { type: "array", items: { type: "string" }, default: [] },
        },
    },
    check: (resources, report, { allowed }) => {
        const ok = new Set([...allowed.map((l) => l.toLowerCase()), "global"]);
        for (const r of resources) {
            for (const [path, l] of locationsOf(r)) {
                if (l === UNKNOWN) {
                    report(
                        r,
                        `${path} is known only after deploy: the resource's location cannot be judged.`,
                    );
                    continue;
                }
                const loc = String(l).toLowerCase();
                if (!ok.has(loc) && !ok.has(regionOfZone(loc)))
                    report(
                        r,
                        `${path} must be an allowed location (${allowed.join(", ")}), got ${String(l)}.`,
                    );
            }
            // Automatic replication keeps the payload in regions Google chooses.
            // https://cloud.google.com/secret-manager/docs/choosing-replication#automatic
            if (
                /^gcp:secretmanager\/secret:/.test(r.type) &&
                r.props["replication"]?.auto !== undefined
            )
                report(
                    r,
                    "replication.auto stores the secret in any region: use userManaged replicas in allowed locations.",
                );
        }
    },
});

export const residencyPlanPolicies = [regionsEveryResource];

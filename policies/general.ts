// Cross-cutting policies: labels, locations, protection of stateful resources.
import {
    BUCKET,
    COMPOSER,
    DATASET,
    get,
    resourcePolicy,
    RUN_SERVICE,
    TABLE,
    WIF_POOL,
    WIF_PROVIDER,
} from "./lib";

/** Resource types of the platform that take labels. */
export const LABELLED_TYPES = [
    BUCKET,
    DATASET,
    TABLE,
    RUN_SERVICE,
    COMPOSER,
    "gcp:bigquery/reservation:Reservation",
    "gcp:artifactregistry/repository:Repository",
    "gcp:secretmanager/secret:Secret",
];

/** Resource types that hold data or history. */
export const STATEFUL_TYPES = [
    BUCKET,
    DATASET,
    TABLE,
    COMPOSER,
    "gcp:artifactregistry/repository:Repository",
    "gcp:secretmanager/secret:Secret",
    // A deleted pool or provider keeps its id for 30 days: CI could not authenticate meanwhile.
    WIF_POOL,
    WIF_PROVIDER,
];

export const labelsRequired = resourcePolicy<{ keys: string[] }>({
    name: "labels-required",
    description:
        "Checks whether labellable resources carry the standard labels (environment, team, cost center, managed-by).",
    remediationSteps: "Pass naming.labels(...) to the resource's labels.",
    types: LABELLED_TYPES,
    configSchema: {
        properties: {
            keys: {
                type: "array",
                items: { type: "string" },
                default: ["environment", "team", "cost-center", "managed-by"],
            },
        },
    },
    check: (p, _a, report, { keys }) => {
        if (p.labels === undefined)
            return report(`Resource must carry the labels ${keys.join(", ")}.`);
        const missing = keys.filter((k) => !(k in p.labels));
        if (missing.length)
            report(
                `Resource must carry the label${missing.length > 1 ? "s" : ""} ${missing.join(", ")}.`,
            );
    },
});

// The pack stands alone (it runs with `pulumi preview --policy-pack` apart from the program), so
// its default list does not import the program's region list.
const US = [
    "US",
    "NAM4",
    "us-central1",
    "us-east1",
    "us-east4",
    "us-east5",
    "us-south1",
    "us-west1",
    "us-west2",
    "us-west3",
    "us-west4",
];

export const regionsAllowed = resourcePolicy<{ allowed: string[] }>({
    name: "regions-allowed",
    description:
        "Checks whether resources are placed only in the allowed locations (data residency).",
    remediationSteps:
        "Use an allowed location, or extend the policy's allowed list in policies/config/<stack>.json.",
    types: [
        BUCKET,
        DATASET,
        RUN_SERVICE,
        COMPOSER,
        "gcp:bigquery/reservation:Reservation",
        "gcp:artifactregistry/repository:Repository",
    ],
    configSchema: {
        properties: { allowed: { type: "array", items: { type: "string" }, default: US } },
    },
    check: (p, _a, report, { allowed }) => {
        const ok = new Set(allowed.map((l) => l.toLowerCase()));
        const places = [
            p.location,
            p.region,
            ...(get(p, "customPlacementConfig.dataLocations") ?? []),
        ].filter((l): l is string => typeof l === "string");
        for (const l of places)
            if (!ok.has(l.toLowerCase()))
                report(
                    `Resource must be in an allowed location (${allowed.join(", ")}), got ${l}.`,
                );
    },
});

export const statefulResourcesProtected = resourcePolicy({
    name: "stateful-resources-protected",
    description: "Checks whether resources holding data or history are protected (pulumi protect).",
    remediationSteps: "Set logistics:protectStatefulResources: true for the stack.",
    types: STATEFUL_TYPES,
    check: (_p, args, report) => {
        if (!args.opts.protect)
            report(
                "Stateful resource must be protected (protect: true) so no update or destroy can delete it.",
            );
    },
});

export const generalPolicies = [labelsRequired, regionsAllowed, statefulResourcesProtected];

// Readable golden inventories: per case, the resource counts per type and, per resource, only
// the inputs a reviewer decides on (REVIEWED_INPUTS). Their diff is the spec of a change; the
// whole plan is covered by the digests (planDigest.ts), so nothing left out goes unchecked.
import YAML, { isMap, isSeq, type Node } from "yaml";
import type { Plan, PlannedResource } from "./engine";
import { displayType } from "./render";

export interface ReviewedType {
    /** One line: why these inputs, and not the others, are what a reviewer decides on. */
    why: string;
    /**
     * Input paths, dotted; a list on the way is crossed element by element (`conditions.displayName`
     * is the displayName of every condition). A path absent from a resource is left out.
     */
    inputs: readonly string[];
    /** A readable form of one top-level input (e.g. a JSON schema as column lines). */
    shown?: Readonly<Record<string, (value: unknown) => unknown>>;
}

const COMPONENT = "a component: groups its children, which are listed under their own types";
const GRANT = ["role", "member", "condition"] as const;

/**
 * Per displayed type (`pkg:module:Name`), the inputs a reviewer decides on. Labels are left out
 * everywhere (one standard set, checked by test/labels.test.ts), and so is `project` (the stack's).
 * A type the plan has and this table does not fails the regeneration and the test: add it here.
 */
export const REVIEWED_INPUTS: Readonly<Record<string, ReviewedType>> = {
    "pulumi:pulumi:Stack": { why: "the stack's root: no inputs", inputs: [] },
    "logistics:stack:Platform": {
        why: "the budget the stack is held to",
        inputs: ["budget"],
    },
    "logistics:api:ApiService": { why: COMPONENT, inputs: [] },
    "logistics:backup:Restores": { why: COMPONENT, inputs: [] },
    "logistics:backup:ScheduledBackups": { why: COMPONENT, inputs: [] },
    "logistics:backup:TableSnapshots": { why: COMPONENT, inputs: [] },
    "logistics:bigquery:DatasetReplica": { why: COMPONENT, inputs: [] },
    "logistics:bigquery:Warehouse": { why: COMPONENT, inputs: [] },
    "logistics:ci:GithubFederation": { why: COMPONENT, inputs: [] },
    "logistics:composer:Orchestration": { why: COMPONENT, inputs: [] },
    "logistics:iam:Identities": { why: COMPONENT, inputs: [] },
    "logistics:iam:OnCallAccess": { why: COMPONENT, inputs: [] },
    "logistics:monitoring:Alerting": { why: COMPONENT, inputs: [] },
    "logistics:monitoring:FreshnessChecks": { why: COMPONENT, inputs: [] },
    "logistics:monitoring:PipelineDashboard": { why: COMPONENT, inputs: [] },
    "logistics:project:ProjectServices": { why: COMPONENT, inputs: [] },
    "logistics:storage:BackupStore": { why: COMPONENT, inputs: [] },
    "logistics:storage:DataLake": { why: COMPONENT, inputs: [] },

    "gcp:storage:Bucket": {
        why: "where data lives, how long it is kept and who can reach it; the description is the name",
        inputs: [
            "name",
            "location",
            "storageClass",
            "versioning",
            "lifecycleRules",
            "retentionPolicy",
            "softDeletePolicy",
            "publicAccessPrevention",
            "uniformBucketLevelAccess",
            "forceDestroy",
            "deletionPolicy",
        ],
    },
    "gcp:storage:BucketIAMMember": {
        why: "a grant: who, what, on which bucket",
        inputs: ["bucket", ...GRANT],
    },
    "gcp:bigquery:Dataset": {
        why: "location and expirations decide where data lives and when it goes; descriptions are prose",
        inputs: [
            "datasetId",
            "location",
            "defaultTableExpirationMs",
            "defaultPartitionExpirationMs",
            "maxTimeTravelHours",
            "deleteContentsOnDestroy",
            "deletionPolicy",
        ],
    },
    "gcp:bigquery:DatasetIamMember": {
        why: "a grant: who, what, on which dataset",
        inputs: ["datasetId", ...GRANT],
    },
    "gcp:bigquery:Table": {
        why: "the columns, partitioning and clustering are the data contract; descriptions are prose",
        inputs: [
            "datasetId",
            "tableId",
            "schema",
            "timePartitioning",
            "rangePartitioning",
            "requirePartitionFilter",
            "clusterings",
            "expirationTime",
            "deletionProtection",
        ],
        shown: { schema: schemaColumns },
    },
    "gcp:bigquery:DataTransferConfig": {
        why: "what runs when and as whom; the SQL is tested by backups, snapshots and freshness.test.ts",
        inputs: [
            "displayName",
            "dataSourceId",
            "schedule",
            "location",
            "serviceAccountName",
            "disabled",
        ],
    },
    "gcp:bigquery:Job": {
        why: "a one-off restore job: its id and location; its SQL is tested by backups.test.ts",
        inputs: ["jobId", "location"],
    },
    "gcp:bigquery:Reservation": {
        why: "slots are the largest BigQuery cost lever",
        inputs: [
            "name",
            "location",
            "secondaryLocation",
            "edition",
            "slotCapacity",
            "autoscale",
            "ignoreIdleSlots",
        ],
    },
    "gcp:bigquery:ReservationAssignment": {
        why: "which work runs on the reserved slots",
        inputs: ["assignee", "jobType", "location"],
    },
    "gcp:cloudrunv2:Service": {
        why: "what runs, how far it scales, who can reach it and as whom; env and probes are tested by compute.test.ts",
        inputs: [
            "name",
            "location",
            "ingress",
            "invokerIamDisabled",
            "deletionProtection",
            "template.containers.image",
            "template.containers.resources.limits",
            "template.scaling",
            "template.maxInstanceRequestConcurrency",
            "template.serviceAccount",
            "template.vpcAccess",
            "template.timeout",
        ],
    },
    "gcp:cloudrunv2:ServiceIamMember": {
        why: "a grant: who, what, on which service",
        inputs: ["name", ...GRANT],
    },
    "gcp:composer:Environment": {
        why: "Airflow version, size, resilience, networking and snapshots: cost and recovery; env variables are tested by compute.test.ts",
        inputs: [
            "name",
            "region",
            "config.softwareConfig.imageVersion",
            "config.softwareConfig.pypiPackages",
            "config.environmentSize",
            "config.resilienceMode",
            "config.workloadsConfig",
            "config.nodeConfig",
            "config.privateEnvironmentConfig",
            "config.maintenanceWindow.recurrence",
            "config.recoveryConfig.scheduledSnapshotsConfig",
            "deletionPolicy",
        ],
    },
    "gcp:iam:WorkloadIdentityPool": {
        why: "the pool CI federates into",
        inputs: ["workloadIdentityPoolId", "disabled", "deletionPolicy"],
    },
    "gcp:iam:WorkloadIdentityPoolProvider": {
        why: "which tokens are accepted: the condition and mapping are the security boundary",
        inputs: [
            "workloadIdentityPoolId",
            "workloadIdentityPoolProviderId",
            "attributeCondition",
            "attributeMapping",
            "oidc.issuerUri",
            "disabled",
            "deletionPolicy",
        ],
    },
    "gcp:kms:CryptoKeyIAMMember": {
        why: "a grant: who, what, on which key",
        inputs: ["cryptoKeyId", ...GRANT],
    },
    "gcp:logging:Metric": {
        why: "the metric an alert counts; its filter is tested by alerting.test.ts",
        inputs: ["name", "metricDescriptor"],
    },
    "gcp:monitoring:AlertPolicy": {
        why: "when it fires, how loud and whom it tells; filters and documentation are tested by alerting.test.ts",
        inputs: [
            "displayName",
            "severity",
            "enabled",
            "combiner",
            "conditions.displayName",
            "conditions.conditionThreshold.comparison",
            "conditions.conditionThreshold.thresholdValue",
            "conditions.conditionThreshold.duration",
            "conditions.conditionThreshold.aggregations.alignmentPeriod",
            "conditions.conditionAbsent.duration",
            "conditions.conditionMatchedLog",
            "notificationChannels",
            "alertStrategy.autoClose",
            "alertStrategy.notificationChannelStrategies.renotifyInterval",
        ],
    },
    "gcp:monitoring:Dashboard": {
        why: "layout only: its JSON is tested by alerting.test.ts",
        inputs: [],
    },
    "gcp:monitoring:NotificationChannel": {
        why: "where alerts go",
        inputs: ["displayName", "type", "labels", "enabled"],
    },
    "gcp:monitoring:UptimeCheckConfig": {
        why: "what is probed and how often",
        inputs: [
            "displayName",
            "period",
            "timeout",
            "httpCheck.path",
            "httpCheck.useSsl",
            "monitoredResource.type",
        ],
    },
    "gcp:projects:IAMMember": { why: "a project-wide grant: who and what", inputs: [...GRANT] },
    "gcp:projects:Service": {
        why: "an enabled API, and whether destroying the stack disables it",
        inputs: ["service", "disableOnDestroy"],
    },
    "gcp:projects:ServiceIdentity": {
        why: "a Google agent the project needs",
        inputs: ["service"],
    },
    "gcp:secretmanager:Secret": {
        why: "where the secret is replicated and whether it can be deleted",
        inputs: ["secretId", "replication", "deletionProtection"],
    },
    "gcp:secretmanager:SecretIamMember": {
        why: "a grant: who, what, on which secret",
        inputs: ["secretId", ...GRANT],
    },
    "gcp:secretmanager:SecretVersion": {
        why: "the value is a secret generated by the stack: nothing to decide",
        inputs: [],
    },
    "gcp:serviceaccount:Account": {
        why: "an identity the platform runs as",
        inputs: ["accountId", "displayName"],
    },
    "gcp:serviceaccount:IAMMember": {
        why: "a grant on a service account (who may act as it)",
        inputs: ["serviceAccountId", ...GRANT],
    },
    "gcp:artifactregistry:Repository": {
        why: "where images live and how long they are kept",
        inputs: [
            "repositoryId",
            "location",
            "format",
            "mode",
            "cleanupPolicies",
            "cleanupPolicyDryRun",
            "deletionPolicy",
        ],
    },
    "random:index:RandomPassword": { why: "the API key's strength", inputs: ["length", "special"] },
};

/** A type the plan creates that REVIEWED_INPUTS does not list. */
export class UnlistedTypeError extends Error {
    constructor(readonly types: readonly string[]) {
        super(
            `resource type${types.length > 1 ? "s" : ""} ${types.join(", ")} not in REVIEWED_INPUTS ` +
                "(tools/offline/inventory.ts): add each with the inputs a reviewer decides on " +
                "(or none) and a one-line reason, then run npm run inventory.",
        );
        this.name = "UnlistedTypeError";
    }
}

export interface ReadableInventory {
    /** `total`, then resources per displayed type. */
    counts: Record<string, number>;
    outputs: string[];
    /** Displayed type → resource name → reviewed inputs and options set away from the defaults. */
    resources: Record<string, Record<string, Record<string, unknown>>>;
}

/** The reviewed inputs of a plan; throws UnlistedTypeError for a type the table lacks. */
export function readableInventory(plan: Plan): ReadableInventory {
    const unlisted = [
        ...new Set(
            plan.resources.map((r) => displayType(r.type)).filter((t) => !REVIEWED_INPUTS[t]),
        ),
    ].sort();
    if (unlisted.length) throw new UnlistedTypeError(unlisted);

    const byType: Record<string, Record<string, Record<string, unknown>>> = {};
    const counts: Record<string, number> = {};
    for (const r of plan.resources) {
        const type = displayType(r.type);
        counts[type] = (counts[type] ?? 0) + 1;
        (byType[type] ??= {})[r.name] = entryOf(r, REVIEWED_INPUTS[type]!);
    }
    return {
        counts: { total: plan.resources.length, ...sortKeys(counts) },
        outputs: Object.keys(plan.outputs).sort(),
        resources: sortKeys(
            Object.fromEntries(Object.entries(byType).map(([t, rs]) => [t, sortKeys(rs)])),
        ),
    };
}

function entryOf(r: PlannedResource, spec: ReviewedType): Record<string, unknown> {
    const picked = pick(
        r.inputs,
        spec.inputs.map((p) => p.split(".")),
    ) as Record<string, unknown> | undefined;
    const entry: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(picked ?? {}))
        entry[k] = spec.shown?.[k] ? spec.shown[k](v) : v;
    // Options: shown only when set, so a protection that goes away shows as a removed line.
    if (r.options.protect) entry["protect"] = true;
    if (r.options.retainOnDelete) entry["retainOnDelete"] = true;
    if (r.options.deleteBeforeReplace) entry["deleteBeforeReplace"] = true;
    if (r.options.ignoreChanges.length)
        entry["ignoreChanges"] = [...r.options.ignoreChanges].sort();
    if (r.options.importId) entry["importId"] = r.options.importId;
    return entry;
}

/** The parts of `value` the paths reach, in the same shape; undefined when none is there. */
function pick(value: unknown, paths: readonly (readonly string[])[]): unknown {
    if (paths.some((p) => p.length === 0)) return value;
    if (Array.isArray(value)) return value.map((v) => pick(v, paths) ?? {});
    if (value === null || typeof value !== "object") return undefined;
    const heads = [...new Set(paths.map((p) => p[0]!))];
    const out: Record<string, unknown> = {};
    for (const head of heads) {
        if (!(head in value)) continue;
        const sub = pick(
            (value as Record<string, unknown>)[head],
            paths.filter((p) => p[0] === head).map((p) => p.slice(1)),
        );
        if (sub !== undefined) out[head] = sub;
    }
    return Object.keys(out).length ? out : undefined;
}

/** A BigQuery table schema (JSON text) as `name TYPE MODE` lines. */
function schemaColumns(schema: unknown): unknown {
    if (typeof schema !== "string") return schema;
    try {
        return (JSON.parse(schema) as { name: string; type: string; mode?: string }[]).map(
            (f) => `${f.name} ${f.type} ${f.mode ?? "NULLABLE"}`,
        );
    } catch {
        return schema;
    }
}

function sortKeys<T>(obj: Record<string, T>): Record<string, T> {
    return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Widest line a one-line (flow) map or list may make, indentation and key included. */
const LINE_WIDTH = 140;

/** The file text: header lines (each starting "# "), then the inventory as YAML. */
export function renderInventory(header: readonly string[], inventory: ReadableInventory): string {
    const doc = new YAML.Document(inventory);
    // A value prints on one line when it fits (a lifecycle rule, a scaling block); a type's
    // resources print one per line when all of them fit, so a type reads as a table.
    const fits = (indent: number, key: string, node: Node) =>
        indent + key.length + 2 + flowText(node).length <= LINE_WIDTH;
    const flowValues = (node: unknown, indent: number) => {
        if (!isMap(node) && !isSeq(node)) return;
        for (const item of node.items as unknown[]) {
            const [key, value] = isMap(node)
                ? [String((item as { key: unknown }).key), (item as { value: unknown }).value]
                : ["-", item];
            if (!isMap(value) && !isSeq(value)) continue;
            if (value.items.length === 0 || fits(indent, key, value)) value.flow = true;
            else flowValues(value, indent + 2);
        }
    };
    const resources = doc.get("resources", true);
    if (isMap(resources))
        for (const typePair of resources.items) {
            const entries = typePair.value;
            if (!isMap(entries)) continue;
            const all = entries.items.every(
                (e) => isMap(e.value) && fits(4, String(e.key), e.value),
            );
            for (const e of entries.items) {
                if (!isMap(e.value)) continue;
                if (all || e.value.items.length === 0) e.value.flow = true;
                else flowValues(e.value, 6);
            }
        }
    return (
        header.map((l) => `# ${l}\n`).join("") +
        doc.toString({ lineWidth: 0, flowCollectionPadding: true })
    );
}

function flowText(node: Node): string {
    return YAML.stringify(node.toJSON(), {
        collectionStyle: "flow",
        lineWidth: 0,
        flowCollectionPadding: true,
    }).trim();
}

/**
 * How a committed inventory text differs from the generated one, as lines naming the type,
 * resource and input; empty when the texts are equal.
 */
export function compareInventoryText(committed: string, generated: string): string[] {
    if (committed === generated) return [];
    let want: unknown;
    try {
        want = YAML.parse(committed);
    } catch (err) {
        return [`the committed file is not YAML: ${(err as Error).message.split("\n")[0]}`];
    }
    const problems = differences(want, YAML.parse(generated), []);
    return problems.length
        ? problems
        : ["same content, different text (header or layout): regenerate it"];
}

function differences(want: unknown, got: unknown, at: string[]): string[] {
    const where = at.join(" › ") || "(the whole file)";
    const isObj = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
    if (isObj(want) && isObj(got)) {
        const w = want as Record<string, unknown>;
        const g = got as Record<string, unknown>;
        const out: string[] = [];
        for (const k of Object.keys(w))
            if (!(k in g)) out.push(`${[...at, k].join(" › ")}: in the file, not in the plan`);
        for (const k of Object.keys(g))
            if (!(k in w)) out.push(`${[...at, k].join(" › ")}: in the plan, not in the file`);
        for (const k of Object.keys(w))
            if (k in g) out.push(...differences(w[k], g[k], [...at, k]));
        return out;
    }
    return JSON.stringify(want) === JSON.stringify(got)
        ? []
        : [`${where}: file has ${JSON.stringify(want)}, plan has ${JSON.stringify(got)}`];
}

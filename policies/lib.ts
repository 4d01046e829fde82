// Helpers for the pack's policies: typed props access that tolerates unknown and missing values.
import type {
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";
import { UnknownValueError } from "@pulumi/policy";

/** Every policy of this pack carries a remediation hint. */
export interface LogisticsResourcePolicy extends ResourceValidationPolicy {
    remediationSteps: string;
}

export interface ResourceRule<C extends object> {
    name: string;
    description: string;
    remediationSteps: string;
    /** Resource types the rule looks at (Pulumi type tokens). */
    types: readonly string[];
    configSchema?: PolicyConfigSchema;
    /**
     * "fail": a value known only after deploy is reported as a violation saying why (the policy
     * cannot judge it). Default: the SDK's advisory "can't run policy during preview".
     */
    unknown?: "fail";
    /** Reports problems; values may be undefined while the cloud has not computed them. */
    check(
        props: Record<string, any>,
        args: ResourceValidationArgs,
        report: ReportViolation,
        config: C,
    ): void;
}

/** Builds a resource policy that looks at `types` only. */
export function resourcePolicy<C extends object = Record<string, never>>(
    rule: ResourceRule<C>,
): LogisticsResourcePolicy {
    return {
        name: rule.name,
        description: rule.description,
        remediationSteps: rule.remediationSteps,
        ...(rule.configSchema ? { configSchema: rule.configSchema } : {}),
        validateResource: (args, report) => {
            if (!rule.types.includes(args.type)) return;
            try {
                rule.check(args.props ?? {}, args, report, args.getConfig<C>());
            } catch (err) {
                if (rule.unknown !== "fail" || !isUnknownValue(err)) throw err;
                report(cannotJudge(`A value ${rule.name} checks`, err));
            }
        },
    };
}

/** Reads a dotted path from props; undefined when any step is missing or unknown. */
export function get(obj: unknown, path: string): any {
    let o: any = obj;
    for (const k of path.split(".")) {
        if (o === null || typeof o !== "object") return undefined;
        o = o[k];
    }
    return o;
}

export const BUCKET = "gcp:storage/bucket:Bucket";
export const DATASET = "gcp:bigquery/dataset:Dataset";
export const TABLE = "gcp:bigquery/table:Table";
export const RUN_SERVICE = "gcp:cloudrunv2/service:Service";
export const RUN_INVOKER = "gcp:cloudrunv2/serviceIamMember:ServiceIamMember";
export const COMPOSER = "gcp:composer/environment:Environment";
export const ALERT_POLICY = "gcp:monitoring/alertPolicy:AlertPolicy";
export const SA_KEY = "gcp:serviceaccount/key:Key";
export const WIF_POOL = "gcp:iam/workloadIdentityPool:WorkloadIdentityPool";
export const WIF_PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider";

// ---- Unknown values, plan-wide context, exceptions ------------------------------------------

/** Marks a value known only after deploy in a {@link snapshot}. */
export const UNKNOWN: unique symbol = Symbol("known after deploy");
export type Unknown = typeof UNKNOWN;

/** Whether an error is the policy SDK's (or the offline runner's) "value unknown during preview". */
function isUnknownError(err: unknown): boolean {
    return err instanceof Error && err.constructor.name === "UnknownValueError";
}

/**
 * A plain copy of `props` in which every value the cloud has not computed yet is {@link UNKNOWN}.
 * Reading props directly throws at the first unknown, which would stop a check that covers many
 * resources; a snapshot lets the check judge what is known and report what is not.
 */
export function snapshot(value: unknown, depth = 0): any {
    if (value === null || typeof value !== "object" || depth > 32) return value;
    if (Array.isArray(value)) {
        const out: unknown[] = [];
        for (let i = 0; i < value.length; i++) out.push(read(value, i, depth));
        return out;
    }
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) out[k] = read(value, k, depth);
    return out;
}

function read(obj: any, key: string | number, depth: number): unknown {
    try {
        return snapshot(obj[key], depth + 1);
    } catch (err) {
        if (isUnknownError(err)) return UNKNOWN;
        throw err;
    }
}

/** A resource as the stack policies of this pack see it: plain props, unknowns marked. */
export interface PlanResource {
    type: string;
    urn: string;
    name: string;
    props: Record<string, any>;
}

/** An exception declared in a policy's config: the resource it waives and why. */
export interface PolicyException {
    /** The resource's URN (exact). */
    urn: string;
    /** Why the finding is accepted; shown in the output. */
    reason: string;
    /** Only findings whose message contains this text are waived; all of the policy's when absent. */
    finding?: string;
}

/** The `exceptions` key every exception-bearing policy accepts in its config. */
export const EXCEPTIONS_SCHEMA = {
    type: "array",
    default: [],
    items: {
        type: "object",
        required: ["urn", "reason"],
        additionalProperties: false,
        properties: {
            urn: { type: "string", pattern: "^urn:pulumi:" },
            reason: { type: "string", minLength: 10 },
            finding: { type: "string", minLength: 1 },
        },
    },
} as const;

/** Exceptions applied in this run, for {@link stackExceptionsApplied} to show. */
const applied = new Map<string, { policy: string; exception: PolicyException }>();

/** Whether `exceptions` waive `message` on `urn`; an applied one is recorded to be shown. */
export function waived(
    policy: string,
    exceptions: readonly PolicyException[] | undefined,
    urn: string,
    message: string,
): boolean {
    const e = (exceptions ?? []).find(
        (x) => x.urn === urn && (x.finding === undefined || message.includes(x.finding)),
    );
    if (!e) return false;
    applied.set(`${policy}\u0000${urn}\u0000${e.finding ?? ""}`, { policy, exception: e });
    return true;
}

/** The exceptions applied so far to resources of `urns`; clears them. */
export function takeAppliedExceptions(
    urns: ReadonlySet<string>,
): { policy: string; exception: PolicyException }[] {
    const out = [...applied.values()].filter((a) => urns.has(a.exception.urn));
    applied.clear();
    return out.sort(
        (a, b) =>
            a.policy.localeCompare(b.policy) || a.exception.urn.localeCompare(b.exception.urn),
    );
}

export interface PlanRule<C extends object> {
    name: string;
    description: string;
    remediationSteps: string;
    configSchema?: PolicyConfigSchema;
    /** Reports problems of the whole plan; `report` takes the resource the problem is on. */
    check(
        resources: readonly PlanResource[],
        report: (r: PlanResource, message: string) => void,
        config: C,
    ): void;
}

/**
 * Builds a stack policy over plain snapshots of every resource: a check that needs the whole plan
 * (the stack's project, custom roles, the registry) and must not go blind at one unknown value.
 * Findings on resources listed in the config's `exceptions` are waived and shown by
 * stack-exceptions-applied.
 */
export function planPolicy<C extends object = Record<string, never>>(
    rule: PlanRule<C>,
): StackValidationPolicy & { remediationSteps: string } {
    return {
        name: rule.name,
        description: rule.description,
        remediationSteps: rule.remediationSteps,
        configSchema: {
            ...(rule.configSchema ?? {}),
            properties: {
                ...(rule.configSchema?.properties ?? {}),
                exceptions: EXCEPTIONS_SCHEMA as never,
            },
        },
        validateStack: (args, report) => {
            const config = args.getConfig<C & { exceptions?: PolicyException[] }>();
            const resources = planResources(args.resources);
            rule.check(
                resources,
                (r, message) => {
                    if (!waived(rule.name, config.exceptions, r.urn, message))
                        report(message, r.urn);
                },
                config,
            );
        },
    };
}

const snapshots = new WeakMap<readonly PolicyResource[], PlanResource[]>();

/** Snapshots of a stack's resources, built once per validation run and shared by the policies. */
export function planResources(resources: readonly PolicyResource[]): PlanResource[] {
    let out = snapshots.get(resources);
    if (!out) {
        out = resources.map((r) => ({
            type: r.type,
            urn: r.urn,
            name: r.name,
            props: snapshot(r.props) ?? {},
        }));
        snapshots.set(resources, out);
    }
    return out;
}

/**
 * The stack's GCP project: the `project` most of the plan's resources name (the program sets it on
 * every resource). A resource added for another project does not change it.
 */
export function stackProject(resources: readonly PlanResource[]): string | undefined {
    const counts = new Map<string, number>();
    for (const r of resources)
        if (typeof r.props["project"] === "string")
            counts.set(r.props["project"], (counts.get(r.props["project"]) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** The type chain of a URN: `[..., parent component type, own type]`. */
export function typeChain(urn: string): string[] {
    return (urn.split("::")[2] ?? "").split("$");
}

/** What a stateful resource of the platform is, or undefined. */
export type StatefulKind =
    "backups-bucket" | "data-lake" | "raw-dataset" | "raw-table" | "composer" | "api-key-secret";

/**
 * Recognises the platform's stateful resources by what the same change cannot quietly edit: the
 * component they belong to (the URN's type chain) and their logical name within it (the URN's
 * last part, which names the physical resource's role: `<component>-bucket`, `<component>-raw`).
 * Labels are not used: a change that edits a label would switch the checks off.
 */
export function statefulKind(urn: string, type: string): StatefulKind | undefined {
    const chain = typeChain(urn);
    const parent = chain[chain.length - 2];
    const name = urn.split("::")[3] ?? "";
    if (type === BUCKET && parent === "logistics:storage:BackupStore" && name.endsWith("-bucket"))
        return "backups-bucket";
    if (type === BUCKET && parent === "logistics:storage:DataLake" && name.endsWith("-bucket"))
        return "data-lake";
    if (type === DATASET && parent === "logistics:bigquery:Warehouse" && name.endsWith("-raw"))
        return "raw-dataset";
    if (type === TABLE && parent === "logistics:bigquery:Warehouse" && /-raw-[^-]/.test(name))
        return "raw-table";
    if (type === COMPOSER && parent === "logistics:composer:Orchestration") return "composer";
    if (
        type === "gcp:secretmanager/secret:Secret" &&
        parent === "logistics:api:ApiService" &&
        name.endsWith("-key-secret")
    )
        return "api-key-secret";
    return undefined;
}

/**
 * Shows every exception the pack applied in this run, with its reason, as advisory findings: an
 * accepted risk stays visible in every preview. Listed last in all.ts, so it runs after the
 * policies that apply them.
 */
export const stackExceptionsApplied: StackValidationPolicy & { remediationSteps: string } = {
    name: "stack-exceptions-applied",
    description:
        "Checks whether policy exceptions from the stack's policy config were applied, and lists each with its reason.",
    remediationSteps:
        "Nothing to do while the reason holds; remove the exception from policies/config/<stack>.json once it no longer does.",
    enforcementLevel: "advisory",
    validateStack: (args, report) => {
        const urns = new Set(args.resources.map((r) => r.urn));
        for (const { policy, exception } of takeAppliedExceptions(urns))
            report(
                `exception to ${policy}${exception.finding ? ` ("${exception.finding}")` : ""}: ${exception.reason}`,
                exception.urn,
            );
    },
};

/** The label each stateful kind carries, which label-keyed checks rely on. */
export const STATEFUL_LABELS: Readonly<
    Record<StatefulKind, readonly [string, string] | undefined>
> = {
    "backups-bucket": ["purpose", "backups"],
    "data-lake": ["component", "data-lake"],
    "raw-dataset": ["dataset", "raw"],
    "raw-table": ["dataset", "raw"],
    composer: ["component", "composer"],
    "api-key-secret": ["component", "api"],
};

// ---------------------------------------------------------------------------------------------
// Values known only after deploy. During a preview the policy SDK hands policies props behind a
// proxy that throws UnknownValueError when a policy reads such a value; left uncaught, the SDK
// turns it into an advisory "can't run policy during preview" for the whole policy. The pack's
// data-loss and detection policies catch it themselves: a value they cannot judge is a violation
// (at the policy's level: mandatory in prod) unless the policy knows why it is safe.

/** Whether `err` is the SDK's "value known only after deploy" error. */
export function isUnknownValue(err: unknown): err is Error {
    return err instanceof UnknownValueError;
}

/** Runs `read`; returns UNKNOWN instead of throwing when it touches a value known only after deploy. */
export function known<T>(read: () => T): T | typeof UNKNOWN {
    try {
        return read();
    } catch (err) {
        if (isUnknownValue(err)) return UNKNOWN;
        throw err;
    }
}

/** The message for a value a policy cannot judge before deploy (why it fails rather than passes). */
export function cannotJudge(what: string, err: Error | string): string {
    const detail = typeof err === "string" ? err : err.message;
    return `${what} is known only after deploy (${detail}), so it cannot be checked before it takes effect. Set it to a value known at preview time.`;
}

/** A stack policy of this pack; every policy carries a remediation hint. */
export type LogisticsStackPolicy = StackValidationPolicy & { remediationSteps: string };

export interface StackRule<C extends object> {
    name: string;
    description: string;
    remediationSteps: string;
    configSchema?: PolicyConfigSchema;
    /**
     * Judges the stack; `each` runs a check per resource so that one value known only after
     * deploy makes only that resource fail (with why), never blinds the policy to the others.
     */
    check(
        resources: PolicyResource[],
        report: ReportViolation,
        config: C,
        each: (r: PolicyResource, what: string, fn: () => void) => void,
    ): void;
}

/** Builds a stack policy whose checks run resource by resource (see StackRule.check). */
export function stackPolicy<C extends object = Record<string, never>>(
    rule: StackRule<C>,
): LogisticsStackPolicy {
    return {
        name: rule.name,
        description: rule.description,
        remediationSteps: rule.remediationSteps,
        ...(rule.configSchema ? { configSchema: rule.configSchema } : {}),
        validateStack: (args, report) => {
            const each = (r: PolicyResource, what: string, fn: () => void) => {
                try {
                    fn();
                } catch (err) {
                    if (!isUnknownValue(err)) throw err;
                    report(cannotJudge(`${what} of ${r.name}`, err), r.urn);
                }
            };
            rule.check(args.resources, report, args.getConfig<C>(), each);
        },
    };
}

// ---------------------------------------------------------------------------------------------
// Stateful resources, recognised by what identifies them in the plan: the component that owns
// them (the type chain of their URN and their parent's name) and the physical name or id they
// configure. Never by a label: the change that edits a resource could edit its labels too.

/** The type of the component a resource belongs to (its parent's type), if any. */
export function componentType(urn: string): string | undefined {
    const chain = typeChain(urn);
    return chain.length > 1 ? chain[chain.length - 2] : undefined;
}

/** The logical name of a resource's parent: the parent resource's, else undefined. */
function parentName(r: PolicyResource): string | undefined {
    return r.parent?.name;
}

/**
 * Whether `r` is the child `<component name>-<suffix>` of a component of type `component`:
 * the way components/ name their children (STYLE.md: children named from the component's name).
 */
export function isChild(r: PolicyResource, component: string, suffix: string): boolean {
    if (componentType(r.urn) !== component) return false;
    const parent = parentName(r);
    return parent !== undefined ? r.name === `${parent}-${suffix}` : r.name.endsWith(`-${suffix}`);
}

export const DATA_LAKE = "logistics:storage:DataLake";
export const BACKUP_STORE = "logistics:storage:BackupStore";
export const WAREHOUSE = "logistics:bigquery:Warehouse";
export const SCHEDULED_BACKUPS = "logistics:backup:ScheduledBackups";
export const FRESHNESS_CHECKS = "logistics:monitoring:FreshnessChecks";
export const RESTORES = "logistics:backup:Restores";
export const API_SERVICE = "logistics:api:ApiService";
export const TRANSFER = "gcp:bigquery/dataTransferConfig:DataTransferConfig";
export const BQ_JOB = "gcp:bigquery/job:Job";
export const CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel";

/** A string prop, or undefined when absent or not a string; throws for an unknown value. */
function str(r: PolicyResource, key: string): string | undefined {
    const v = r.props[key];
    return typeof v === "string" ? v : undefined;
}

export interface Stateful {
    /** Buckets holding the data lake: its component's bucket, and any bucket of the same name. */
    dataLake: PolicyResource[];
    /** The backups bucket(s), recognised the same way. */
    backups: PolicyResource[];
    /** Physical names of the backups buckets. */
    backupsBucketNames: Set<string>;
    /** The raw datasets: the warehouse's `raw` dataset and any dataset with its id. */
    rawDatasets: PolicyResource[];
    /** Dataset ids of the raw datasets. */
    rawDatasetIds: Set<string>;
    /** Tables in a raw dataset, wherever they are declared. */
    rawTables: PolicyResource[];
    /** Tables whose dataset is known only after deploy: they may be raw tables. */
    unknownDatasetTables: PolicyResource[];
}

/**
 * The stateful resources of a stack. Names and ids the cloud computes are left out of the name
 * sets (a bucket whose name is unknown is judged by its component alone).
 */
export function stateful(resources: readonly PolicyResource[]): Stateful {
    const namesOf = (rs: PolicyResource[], key: string) =>
        new Set(
            rs
                .map((r) => known(() => str(r, key)))
                .filter((n): n is string => typeof n === "string"),
        );
    const sameName = (own: PolicyResource[], type: string, key: string) => {
        const names = namesOf(own, key);
        return resources.filter(
            (r) =>
                r.type === type &&
                (own.includes(r) ||
                    names.has((known(() => str(r, key)) as string | undefined) ?? "\0")),
        );
    };
    const lake = resources.filter((r) => r.type === BUCKET && isChild(r, DATA_LAKE, "bucket"));
    const backups = resources.filter(
        (r) => r.type === BUCKET && isChild(r, BACKUP_STORE, "bucket"),
    );
    const raw = resources.filter((r) => r.type === DATASET && isChild(r, WAREHOUSE, "raw"));
    const rawDatasets = sameName(raw, DATASET, "datasetId");
    const rawDatasetIds = namesOf(rawDatasets, "datasetId");
    const rawTables: PolicyResource[] = [];
    const unknownDatasetTables: PolicyResource[] = [];
    for (const r of resources.filter((x) => x.type === TABLE)) {
        const id = known(() => str(r, "datasetId"));
        if (id === UNKNOWN) unknownDatasetTables.push(r);
        else if ((id !== undefined && rawDatasetIds.has(id)) || isRawTableChild(r))
            rawTables.push(r);
    }
    const backupBuckets = sameName(backups, BUCKET, "name");
    return {
        dataLake: sameName(lake, BUCKET, "name"),
        backups: backupBuckets,
        backupsBucketNames: namesOf(backupBuckets, "name"),
        rawDatasets,
        rawDatasetIds,
        rawTables,
        unknownDatasetTables,
    };
}

/** The warehouse names its raw tables `<warehouse>-raw-<table>`. */
function isRawTableChild(r: PolicyResource): boolean {
    if (componentType(r.urn) !== WAREHOUSE) return false;
    const parent = parentName(r);
    return parent !== undefined ? r.name.startsWith(`${parent}-raw-`) : /-raw-/.test(r.name);
}

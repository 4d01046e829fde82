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

/** Marks a value the policy could not read because the cloud computes it. */
export const UNKNOWN = Symbol("known after deploy");

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

/** The type chain of a URN (`logistics:stack:Platform`, …, the resource's own type last). */
export function typeChain(urn: string): string[] {
    return (urn.split("::")[2] ?? "").split("$");
}

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

// The typed stack config: one schema composed of the components' sections, every problem reported
// at once. Each component declares its section, its defaults and the rules within it next to
// itself (components/<entity>.schema.ts); this file maps the sections to keys, declares the
// stack-wide keys, and holds the rules across keys.
//
// The loader reads the flat map `pulumi.runtime.allConfig()` gives ("logistics:api" → JSON text),
// so it behaves the same under the Pulumi CLI, in tests and in the offline preview. Each top-level
// key is validated on its own, so one bad section never hides the problems of another; rules that
// compare two values run once both values are valid.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { bool, closest, map, oneOf, pattern, section, show } from "../lib/schema";
import {
    foreignKeyProblems,
    OFFLINE_SECRET_PLACEHOLDER,
    plaintextSecretProblems,
    secretByNameProblems,
    type IsSecret,
} from "./keys";
import { alerting } from "../components/alerting.schema";
import { api } from "../components/apiService.schema";
import { backupPoint, backups } from "../components/backupStore.schema";
import { dataLake } from "../components/dataLake.schema";
import { ci, subjectProblems } from "../components/githubFederation.schema";
import {
    bucketPlacement,
    GCP_REGIONS,
    isRegion,
    type BucketPlacement,
} from "../components/locations";
import { oncall } from "../components/onCall.schema";
import { composer } from "../components/orchestration.schema";
import { restores } from "../components/restores.schema";
import { warehouse } from "../components/warehouse.schema";
import { bucketNameProblem, names, physicalNames, registryPath, type PhysicalNames } from "./names";
import { naming } from "./naming";
import { snapshotRestoreProblems, snapshotTimeProblems } from "./snapshots";
import { computeRegion, failover, failoverProblems } from "./failover";
import { budget, estimates } from "./estimates";
import { managedDrPairProblem } from "../components/datasetReplica";

export { GCP_REGIONS };

/** The Pulumi project name, and so the namespace of this program's config keys. */
export const PROJECT = "logistics";

/** Project ids starting with this are the placeholders shipped in the stack files. */
export const PLACEHOLDER_PROJECT_PREFIX = "replace-me-";

/** Label keys the platform sets on everything; user labels may not override them. */
export const STANDARD_LABEL_KEYS = ["environment", "team", "cost-center", "managed-by"] as const;
/** Label keys the platform sets on some resources (which component, dataset, purpose). */
export const RESOURCE_LABEL_KEYS = ["component", "dataset", "purpose"] as const;
const RESERVED_LABEL_KEYS: readonly string[] = [...STANDARD_LABEL_KEYS, ...RESOURCE_LABEL_KEYS];

// GCP label rules: https://cloud.google.com/resource-manager/docs/labels-overview#requirements
const labelKey = pattern(
    /^[a-z][a-z0-9_-]{0,62}$/,
    "a label key: 1-63 lowercase letters, digits, '_' or '-', starting with a letter",
);
const labelValue = pattern(
    /^[a-z0-9_-]{0,63}$/,
    "a label value: at most 63 lowercase letters, digits, '_' or '-'",
);

/**
 * Every config key the program reads, with its schema. A default is written once, in the
 * section that owns the key (a section's own default is `.prefault({})`: its fields' defaults).
 * `Pulumi.yaml` documents the same keys; a test keeps the two in step.
 */
export const CONFIG_SCHEMA = {
    /** GCP project id the stack deploys into (the Google provider reads it too). */
    "gcp:project": pattern(
        /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
        "a GCP project id: 6-30 lowercase letters, digits or '-', starting with a letter",
    ),
    /** Default region for regional resources (the Google provider reads it too). */
    "gcp:region": oneOf(GCP_REGIONS, "a GCP region, one of"),
    /** Environment name used in physical names and labels (`dev`, `prod`, …). */
    "logistics:environment": pattern(
        /^[a-z][a-z0-9]{1,9}$/,
        "2-10 lowercase letters or digits, starting with a letter (e.g. dev, prod)",
    ),
    /** Naming prefix: physical names are `<prefix>-<environment>-<name>`. */
    "logistics:prefix": pattern(
        /^[a-z][a-z0-9]{1,7}$/,
        "2-8 lowercase letters or digits, starting with a letter (e.g. lgx)",
    ),
    /** Ownership labels; merged with the standard set on every resource that takes labels. */
    "logistics:labels": section({
        /** Owning team, label `team`. */
        team: labelValue.min(1, { error: () => "is empty. Expected the owning team's name" }),
        /** Cost center, label `cost-center`. */
        costCenter: labelValue.min(1, { error: () => "is empty. Expected a cost center code" }),
        /** Further labels; they may not redefine the standard keys. */
        extra: map(labelKey, labelValue, "a map of label keys to label values").default({}),
    }),
    /**
     * Protect stateful resources (buckets, datasets, tables, secrets, Composer): `protect`,
     * `retainOnDelete` and GCP deletion protection. Default true; only a throwaway stack turns it off.
     */
    "logistics:protectStatefulResources": bool().default(true),
    /** logistics-api on Cloud Run: image, scaling (the runbook's --min/--max-instances), size, access. */
    "logistics:api": api,
    /** Cloud Composer: image, size, workers (the runbook's "scale workers"), packages, maintenance. */
    "logistics:composer": composer,
    /** The data bucket: versioning, soft delete, staging/ cleanup, raw/ tiering. */
    "logistics:dataLake": dataLake,
    /** The backups bucket and the Composer snapshots bucket. */
    "logistics:backups": backups,
    /** BigQuery datasets, raw tables and slots. */
    "logistics:warehouse": warehouse,
    /** Restores to run: id → table, source (backup date or time-travel timestamp), target. */
    "logistics:restores": restores,
    /** Notification channels, routing by severity, thresholds, freshness per raw table. */
    "logistics:alerting": alerting,
    /** GitHub Actions through Workload Identity Federation; absent: no federation (deploys by hand). */
    "logistics:ci": ci.optional(),
    /** Physical names adopted from an existing platform (docs/migrating-from-terraform.md). */
    "logistics:names": names.default({}),
    /** The on-call engineers: read access for `npm run ops` (docs/ops.md). */
    "logistics:oncall": oncall,
    /** Usage assumptions of the cost estimate (`--cost`); defaults in stacks/estimates.ts. */
    "logistics:estimates": estimates,
    /** The monthly budget the cost policy holds the estimate to; absent: no limit. */
    "logistics:budget": budget,
    /**
     * This stack serves production. Components never read it; the config does: a production
     * stack may not turn alerting off without `logistics:acknowledge.alertingOffInProduction`.
     * Data, not the environment's name, says what is production (STYLE.md §5). Default false.
     */
    "logistics:production": bool().default(false),
    /** Explicit acknowledgements of settings that are refused by default (README: Configuration). */
    "logistics:acknowledge": section({
        /**
         * The stack's name, acknowledging that `logistics:environment` differs from it (names
         * and labels then say another environment than the stack). Naming the stack keeps a
         * copied stack file from carrying the acknowledgement over.
         */
        environmentNotStackName: pattern(
            /^[A-Za-z0-9_.-]+$/,
            "the name of this stack, e.g. prod-eu",
        ).optional(),
        /** Acknowledges alerting.enabled: false in a stack with logistics:production: true. */
        alertingOffInProduction: bool().optional(),
    }).default({}),
    /** Compute in another region than gcp:region (docs/runbook.md, "Regional failover"); absent: none. */
    "logistics:failover": failover,
};

type Schema = typeof CONFIG_SCHEMA;
type Key = keyof Schema;
type Values = { [K in Key]: z.output<Schema[K]> };

/** The validated config every component reads. */
export interface StackConfig {
    project: string;
    region: string;
    /** Where Composer, the API and its registry run: logistics:failover.region, else gcp:region. */
    computeRegion: string;
    environment: string;
    prefix: string;
    labels: Values["logistics:labels"];
    protectStatefulResources: boolean;
    /** logistics:production: the stack serves production (the pack-config gate reads it). */
    production: boolean;
    api: Values["logistics:api"];
    composer: Values["logistics:composer"];
    dataLake: Values["logistics:dataLake"];
    backups: Values["logistics:backups"];
    warehouse: Values["logistics:warehouse"];
    restores: Values["logistics:restores"];
    alerting: Values["logistics:alerting"];
    ci: Values["logistics:ci"];
    oncall: Values["logistics:oncall"];
    estimates: Values["logistics:estimates"];
    budget: Values["logistics:budget"];
    /** Physical names: the naming rules' defaults with `logistics:names` applied. */
    names: PhysicalNames;
    /** Locations with defaults applied (gcp:region where a section sets none), resolved once here. */
    locations: {
        lake: BucketPlacement;
        backups: BucketPlacement;
        snapshots: BucketPlacement;
        /** BigQuery datasets (and the reservation). */
        warehouse: string;
    };
}

/** Config keys without a default: a stack file must set them. */
export const REQUIRED_KEYS: readonly Key[] = (Object.keys(CONFIG_SCHEMA) as Key[]).filter(
    (k) => CONFIG_SCHEMA[k].safeParse(undefined).success === false,
);

/**
 * Bad config. Extends `RunError` so the Pulumi CLI prints the message without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
    constructor(public readonly problems: readonly string[]) {
        super(
            `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

export interface LoadOptions {
    /** Accept the placeholder project ids of the shipped stack files (offline preview, tests). */
    allowPlaceholderProject?: boolean;
    /** The present, for checks of restore requests (default: the clock). */
    now?: Date;
    /**
     * The stack's name, for commands in messages and the environment-name check (default: the
     * running program's stack). Unset in a direct call: the environment-name check is skipped.
     */
    stack?: string;
    /**
     * Keys Pulumi marks secret (under the CLI: from the language host). Offline, a `secure:`
     * value arrives as the marked placeholder instead. Default: the running program's.
     */
    secretKeys?: readonly string[];
}

/** Reads and validates the config of the running program (CLI, tests or offline preview). */
export function loadStackConfig(options: LoadOptions = {}): StackConfig {
    const raw = pulumi.runtime.allConfig();
    // The SDK knows which keys the CLI decrypted; its accessor is internal, hence the guard.
    const isConfigSecret = (pulumi.runtime as { isConfigSecret?: (k: string) => boolean })
        .isConfigSecret;
    const secretKeys = Object.keys(raw).filter((k) => isConfigSecret?.(k) === true);
    return parseStackConfig(raw, { stack: pulumi.getStack(), secretKeys, ...options });
}

/**
 * Validates a flat config map (`"<namespace>:<key>"` → value as Pulumi passes it: plain text for
 * scalars, JSON for objects). Throws a ConfigError listing every problem.
 */
export function parseStackConfig(
    raw: Readonly<Record<string, string>>,
    options: LoadOptions = {},
): StackConfig {
    const problems: string[] = [];
    const values: Partial<Values> = {};
    const known = Object.keys(CONFIG_SCHEMA) as Key[];
    const secretKeys = options.secretKeys ?? [];
    const isSecret: IsSecret = (k) => secretKeys.includes(k);

    for (const key of Object.keys(raw).sort()) {
        if (key.startsWith(`${PROJECT}:`) && !(known as string[]).includes(key)) {
            // `config set logistics:api.minInstances 3` without --path stores the dotted key whole.
            const dot = key.search(/[.[]/);
            const parent = dot > 0 ? key.slice(0, dot) : undefined;
            if (parent && (known as string[]).includes(parent)) {
                const stackFlag = options.stack ? ` --stack ${options.stack}` : "";
                problems.push(
                    `${key}: a key named with its path, which Pulumi stores whole and nothing reads. ` +
                        `Expected the value inside ${parent}: remove this key (npm run pulumi -- config rm '${key}'${stackFlag}) ` +
                        `and set it with --path (npm run pulumi -- config set --path '${key}' <value>${stackFlag}).`,
                );
                continue;
            }
            const guess = closest(key, known);
            problems.push(
                `${key}: unknown config key. ${guess ? `Did you mean ${guess}? ` : ""}Known keys: ${known
                    .filter((k) => k.startsWith(`${PROJECT}:`))
                    .join(", ")}.`,
            );
        }
    }

    problems.push(...foreignKeyProblems(raw, known, PROJECT, isSecret, options.stack));

    for (const key of known) {
        problems.push(
            ...plaintextSecretProblems(
                key,
                CONFIG_SCHEMA[key],
                decode(raw[key]),
                isSecret,
                options.stack,
            ),
            ...secretByNameProblems(key, decode(raw[key]), isSecret, options.stack),
        );
        const result = CONFIG_SCHEMA[key].safeParse(decode(raw[key]));
        if (result.success) (values as Record<string, unknown>)[key] = result.data;
        else problems.push(...result.error.issues.flatMap((issue) => formatIssue(key, issue)));
    }

    if (problems.length === 0) problems.push(...crossKeyProblems(values as Values, options));
    if (problems.length > 0) throw new ConfigError(problems);

    const v = values as Values;
    return {
        project: v["gcp:project"],
        region: v["gcp:region"],
        computeRegion: computeRegion(v["gcp:region"], v["logistics:failover"]),
        environment: v["logistics:environment"],
        prefix: v["logistics:prefix"],
        labels: v["logistics:labels"],
        protectStatefulResources: v["logistics:protectStatefulResources"],
        production: v["logistics:production"],
        api: v["logistics:api"],
        composer: v["logistics:composer"],
        dataLake: v["logistics:dataLake"],
        backups: v["logistics:backups"],
        warehouse: v["logistics:warehouse"],
        restores: v["logistics:restores"],
        alerting: v["logistics:alerting"],
        ci: v["logistics:ci"],
        oncall: v["logistics:oncall"],
        estimates: v["logistics:estimates"],
        budget: v["logistics:budget"],
        names: namesOf(v),
        locations: resolveLocations(v),
    };
}

/**
 * Pulumi hands the program strings: scalars as written, objects and lists as JSON. Values that
 * parse as JSON are typed by it ("2" → 2, "true" → true); anything else stays a string.
 */
function decode(text: string | undefined): unknown {
    if (text === undefined) return undefined;
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/** `logistics:api` + ["maxInstances"] → `logistics:api.maxInstances`; indexes as `[0]`, odd keys quoted. */
function keyPath(key: string, path: readonly PropertyKey[]): string {
    return path.reduce<string>((out, p) => {
        if (typeof p === "number") return `${out}[${p}]`;
        const k = String(p);
        return `${out}.${/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k)}`;
    }, key);
}

function formatIssue(key: Key, issue: z.core.$ZodIssue): string[] {
    const path = keyPath(key, issue.path);
    if (issue.code === "unrecognized_keys") {
        const known = knownKeysAt(key, issue.path);
        return issue.keys.map((k) => {
            const guess = closest(k, known);
            const hint = guess ? `Did you mean ${guess}? ` : "";
            const list = known.length ? `Known keys: ${known.join(", ")}.` : "";
            return `${keyPath(path, [k])}: unknown key. ${hint}${list}`.trimEnd();
        });
    }
    if (issue.code === "invalid_key")
        return [
            `${path}: invalid key ${show(issue.path.at(-1))}. ` +
                `${issue.issues.map((i) => i.message.replace(/^got .*?\. /, "")).join("; ")}.`,
        ];
    // A `secure:` value where the schema wants a number, a boolean or a list: offline it reads as
    // the placeholder, which no such key takes; say so instead of quoting the placeholder.
    const secret = `got ${JSON.stringify(OFFLINE_SECRET_PLACEHOLDER)}`;
    if (issue.message.startsWith(secret)) {
        const takes = issue.message.slice(secret.length).replace(/^[.,]?\s*Expected\s*/, "");
        return [
            `${path}: is encrypted in the stack file (secure:), but it takes ${takes}, which the ` +
                `offline tools cannot read from a secret. Expected it in plaintext (it is no secret).`,
        ];
    }
    return [`${path}: ${issue.message}.`];
}

/** The keys a nested section accepts, read from the schema itself so suggestions never go stale. */
function knownKeysAt(key: Key, path: readonly PropertyKey[]): string[] {
    let schema: z.core.$ZodType = CONFIG_SCHEMA[key];
    for (const step of [...path, undefined]) {
        schema = unwrap(schema);
        if (step === undefined) break;
        // A map's entry (restores, channels) or a list's element: step into its value's schema.
        const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
        if (def["type"] === "record") {
            schema = def["valueType"] as z.core.$ZodType;
            continue;
        }
        if (def["type"] === "array") {
            schema = def["element"] as z.core.$ZodType;
            continue;
        }
        const shape = (schema as z.ZodObject).shape as Record<string, z.core.$ZodType> | undefined;
        if (!shape || !(String(step) in shape)) return [];
        schema = shape[String(step)]!;
    }
    const shape = (schema as z.ZodObject).shape as Record<string, unknown> | undefined;
    return shape ? Object.keys(shape) : [];
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
    let s = schema;
    for (;;) {
        const def = (s as { _zod: { def: { innerType?: z.core.$ZodType; in?: z.core.$ZodType } } })
            ._zod.def;
        if (def.innerType) s = def.innerType;
        else if (def.in) s = def.in;
        else return s;
    }
}

/**
 * Restores: the request is not in the future, and its source is still there at the time of the
 * request (a backup inside the retention horizon, a timestamp inside the time-travel window).
 */
function restoreProblems(v: Values, now: Date): string[] {
    const problems: string[] = [];
    const DAY = 86_400_000;
    for (const [id, r] of Object.entries(v["logistics:restores"])) {
        const key = `logistics:restores.${id}`;
        const requested = Date.parse(r.requestedAt);
        if (Number.isNaN(requested) || requested > now.getTime()) {
            problems.push(
                `${key}.requestedAt: got "${r.requestedAt}", in the future or not a date. Expected the time the restore was asked for.`,
            );
            continue;
        }
        if (r.backupDate !== undefined) {
            // The backup of a day exists once that day's export has run.
            const time = v["logistics:backups"].exportTime;
            const date = Date.parse(backupPoint(r.backupDate, time));
            const horizon = v["logistics:backups"].deleteAfterDays;
            if (Number.isNaN(date) || date >= requested)
                problems.push(
                    `${key}.backupDate: got "${r.backupDate}", no backup of which was taken before requestedAt ` +
                        `(backups run daily at ${time} UTC). Expected the date of an earlier daily backup.`,
                );
            else if (requested - date > horizon * DAY)
                problems.push(
                    `${key}.backupDate: got "${r.backupDate}", older than the backups' ${horizon}-day horizon ` +
                        `(logistics:backups.deleteAfterDays) at requestedAt. Expected a date within ${horizon} days before it.`,
                );
        }
        if (r.snapshot !== undefined)
            problems.push(...snapshotRestoreProblems(v, key, r.snapshot, requested));
        if (r.timestamp !== undefined) {
            const ts = Date.parse(r.timestamp);
            const window = v["logistics:warehouse"].timeTravelHours;
            if (Number.isNaN(ts) || ts >= requested)
                problems.push(
                    `${key}.timestamp: got "${r.timestamp}", not a time before requestedAt. Expected a past time to travel to.`,
                );
            else if (requested - ts > window * 3_600_000)
                problems.push(
                    `${key}.timestamp: got "${r.timestamp}", outside the ${window} h time-travel window ` +
                        `(logistics:warehouse.timeTravelHours) before requestedAt. Expected a time within it, or restore a backup.`,
                );
        }
    }
    return problems;
}

/** Every location with its default applied. */
function resolveLocations(v: Values): StackConfig["locations"] {
    const region = v["gcp:region"];
    const b = v["logistics:backups"];
    return {
        lake: bucketPlacement(v["logistics:dataLake"].location, region),
        backups: bucketPlacement(b.location, region, b.dualRegion),
        snapshots: bucketPlacement(b.snapshotLocation, region),
        warehouse: v["logistics:warehouse"].location ?? region,
    };
}

/** Rules between keys; run only when every key is valid on its own. */
/** The physical names of a validated config: defaults from the naming rules, then overrides. */
function namesOf(v: Values): PhysicalNames {
    return physicalNames(
        naming({
            project: v["gcp:project"],
            prefix: v["logistics:prefix"],
            environment: v["logistics:environment"],
            labels: v["logistics:labels"],
        }),
        v["logistics:names"],
    );
}

function crossKeyProblems(v: Values, options: LoadOptions): string[] {
    const problems: string[] = [];
    const project = v["gcp:project"];
    if (project.startsWith(PLACEHOLDER_PROJECT_PREFIX) && !options.allowPlaceholderProject)
        problems.push(
            `gcp:project: got ${show(project)}, the placeholder shipped in the stack file. ` +
                `Set your project: npm run pulumi -- config set gcp:project <your-project-id> --stack ${options.stack ?? "<name>"}.`,
        );
    for (const key of Object.keys(v["logistics:labels"].extra))
        if (RESERVED_LABEL_KEYS.includes(key))
            problems.push(
                `logistics:labels.extra.${key}: redefines a standard label. ` +
                    `Remove it; the platform sets ${RESERVED_LABEL_KEYS.join(", ")} itself.`,
            );
    // BigQuery loads (ingestion, restores) and exports (backups) need a bucket in the dataset's
    // region when the dataset is regional; a multi-region dataset is checked by GCP itself.
    const at = resolveLocations(v);
    if (isRegion(at.warehouse))
        for (const [key, placement] of [
            [
                v["logistics:backups"].dualRegion
                    ? "logistics:backups.dualRegion"
                    : "logistics:backups.location",
                at.backups,
            ],
            ["logistics:dataLake.location", at.lake],
        ] as const)
            if (placement.dataLocations || placement.location.toLowerCase() !== at.warehouse)
                problems.push(
                    `${key}: places the bucket in ${placement.dataLocations?.join("+") ?? placement.location}, while the BigQuery ` +
                        `datasets are in the region ${at.warehouse}. Expected ${at.warehouse}: BigQuery loads, exports and ` +
                        `restores a regional dataset only through a bucket in its region.`,
                );
    const region = v["gcp:region"];
    // A deploy may only run images from the project's own registry (Container Registry is gone).
    const image = v["logistics:api"].image;
    const registry = registryPath(
        computeRegion(region, v["logistics:failover"]),
        project,
        namesOf(v).imageRepository,
    );
    problems.push(...failoverProblems(region, v["logistics:failover"]));
    if (image.includes("/") && !image.startsWith(`${registry}/`))
        problems.push(
            `logistics:api.image: got ${show(image)}, an image outside the project's registry. ` +
                `Expected an image pushed to ${registry}/, written as <name>:<tag> or <name>@sha256:<digest> ` +
                `(or the full path under ${registry}/).`,
        );
    // Every reserved key may appear on one resource (a bucket has component and purpose, …).
    problems.push(...restoreProblems(v, options.now ?? new Date()));
    problems.push(...snapshotTimeProblems(v["logistics:warehouse"], v["logistics:composer"]));
    const replica = v["logistics:warehouse"].replicaLocation;
    if (replica !== undefined && replica.toLowerCase() === at.warehouse.toLowerCase())
        problems.push(
            `logistics:warehouse.replicaLocation: got "${replica}", the datasets' own location. Expected another ` +
                `region or multi-region: a replica protects only from outside its primary's location.`,
        );
    // Managed DR fails over the reservation with the replica it is attached to: one secondary.
    const secondary = v["logistics:warehouse"].reservation?.secondaryLocation;
    const key = "logistics:warehouse.reservation.secondaryLocation";
    if (secondary !== undefined && secondary.toLowerCase() === at.warehouse.toLowerCase())
        problems.push(
            `${key}: got "${secondary}", the datasets' own location. Expected another location: the primary and secondary of a failover reservation differ.`,
        );
    else if (secondary !== undefined && secondary.toLowerCase() !== replica?.toLowerCase())
        problems.push(
            `${key}: got "${secondary}", while logistics:warehouse.replicaLocation is ${replica ? `"${replica}"` : "unset"}. ` +
                `Expected the replica's location: BigQuery attaches a dataset to a failover reservation only when its replica is in the reservation's secondary location (https://cloud.google.com/bigquery/docs/managed-disaster-recovery#attach_a_dataset_to_a_reservation).`,
        );
    else if (secondary !== undefined) {
        const pair = managedDrPairProblem(at.warehouse, secondary);
        if (pair)
            problems.push(`${key}: got "${secondary}" for datasets in "${at.warehouse}": ${pair}.`);
    }
    const overrides = v["logistics:names"];
    const backups = namesOf(v).backupsBucket;
    if (overrides.dataBucket && !overrides.backupsBucket && backups.length > 63)
        problems.push(
            `logistics:names.dataBucket: makes the default backups bucket "${backups}" ${backups.length} characters long. ` +
                `Expected at most 63: set logistics:names.backupsBucket to the backups bucket's name.`,
        );
    // A dotted bucket name is a domain Google must have verified; "<domain>-backups" is not one.
    else if (overrides.dataBucket?.includes(".") && !overrides.backupsBucket)
        problems.push(
            `logistics:names.dataBucket: got ${show(overrides.dataBucket)}, a domain name, which makes the default backups ` +
                `bucket ${show(backups)}: a dotted name whose domain nobody can verify. Expected logistics:names.backupsBucket ` +
                `set to the backups bucket's name.`,
        );
    const ciConfig = v["logistics:ci"];
    if (ciConfig) problems.push(...subjectProblems(ciConfig, v["logistics:environment"]));
    problems.push(...identityProblems(v, options.stack));
    const labelCount = RESERVED_LABEL_KEYS.length + Object.keys(v["logistics:labels"].extra).length;
    if (labelCount > 64)
        problems.push(
            `logistics:labels.extra: makes up to ${labelCount} labels on one resource ` +
                `(${RESERVED_LABEL_KEYS.length} set by the platform + ${labelCount - RESERVED_LABEL_KEYS.length} extra). ` +
                `GCP accepts at most 64 per resource: keep extra to ${64 - RESERVED_LABEL_KEYS.length}.`,
        );
    return problems;
}

/**
 * Who the stack is: an environment other than the stack's name, and alerting off in production,
 * each need their explicit acknowledgement; default bucket names must be names GCS accepts.
 */
function identityProblems(v: Values, stack: string | undefined): string[] {
    const problems: string[] = [];
    const env = v["logistics:environment"];
    const ack = v["logistics:acknowledge"];
    if (stack !== undefined) {
        const acked = ack.environmentNotStackName;
        if (env !== stack && acked !== stack)
            problems.push(
                `logistics:environment: got ${show(env)} in stack ${show(stack)}, so physical names and labels say ` +
                    `${show(env)}. Expected the stack's name, or, if meant, acknowledge it: ` +
                    `logistics:acknowledge.environmentNotStackName: ${stack}.`,
            );
        else if (acked !== undefined && acked !== stack)
            problems.push(
                `logistics:acknowledge.environmentNotStackName: got ${show(acked)}, which is not this stack (${show(stack)}). ` +
                    `Expected ${stack}, or remove it.`,
            );
        else if (acked !== undefined && env === stack)
            problems.push(
                `logistics:acknowledge.environmentNotStackName: acknowledges a difference that is not there ` +
                    `(logistics:environment is the stack's name). Expected it removed.`,
            );
    }
    if (
        v["logistics:production"] &&
        !v["logistics:alerting"].enabled &&
        !ack.alertingOffInProduction
    )
        problems.push(
            "logistics:alerting.enabled: is false in a production stack (logistics:production: true): nobody is " +
                "paged. Expected true, or acknowledge it: logistics:acknowledge.alertingOffInProduction: true.",
        );
    if (ack.alertingOffInProduction && v["logistics:alerting"].enabled)
        problems.push(
            "logistics:acknowledge.alertingOffInProduction: acknowledges alerting off, but logistics:alerting.enabled " +
                "is true. Expected it removed.",
        );
    // Default bucket names come from the project id: one GCS refuses (a project id with a
    // misspelt "google") is named here, with the override that avoids it.
    const overrides = v["logistics:names"];
    const physical = namesOf(v);
    for (const key of ["dataBucket", "snapshotsBucket", "backupsBucket"] as const) {
        if (overrides[key] || (key === "backupsBucket" && overrides.dataBucket)) continue;
        const problem = bucketNameProblem(physical[key]);
        if (problem)
            problems.push(
                `gcp:project: makes the default ${key} ${show(physical[key])}, ${problem}; Cloud Storage refuses it. ` +
                    `Expected a project whose bucket names GCS accepts, or set logistics:names.${key}.`,
            );
    }
    return problems;
}

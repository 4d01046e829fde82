// The monthly cost estimate of a plan: list prices (prices.json) times what each resource declares,
// plus usage assumptions (logistics:estimates). Pure: the preview and the cost policy both call it.
import PRICES from "./prices.json";
import { resolveEstimates, type Estimates, type EstimatesConfig } from "../../stacks/estimates";

/** What the estimate reads of a resource: the plan's or a policy's view of it. */
export interface CostResource {
    type: string;
    name: string;
    props: Record<string, unknown>;
}

export interface CostItem {
    type: string;
    name: string;
    monthlyUsd: number;
    /** How the figure was reached: quantities, prices, assumptions, unverified prices. */
    basis: string;
}

export interface Assumption {
    key: string;
    value: unknown;
    /** false: the stack set it in logistics:estimates; true: the default. */
    isDefault: boolean;
}

export interface CostEstimate {
    monthlyUsd: number;
    items: CostItem[];
    /** The usage figures the estimate assumed (logistics:estimates and its defaults). */
    assumptions: Assumption[];
    /** Prices used that could not be confirmed from Google's page, with the reason. */
    unverifiedPrices: { key: string; reason: string }[];
    /** Resources of a type (or kind) the data file has no price for: the total leaves them out. */
    notPriced: { type: string; name: string }[];
    /**
     * logistics:estimates entries no resource takes (a misspelt bucket role or dataset id): their
     * volume is in no figure, so the output names them instead of ignoring them.
     */
    unmatchedEstimates: { key: string; reason: string }[];
    /** Buckets and datasets no usage estimate names: priced at nothing, which may be wrong. */
    unestimated: { type: string; name: string; reason: string }[];
    /** What the figures are: list prices, what is left out. */
    basis: string;
}

export const PLATFORM_TYPE = "logistics:stack:Platform";
const MONTH_HOURS = PRICES.hoursPerMonth;
const MONTH_SECONDS = MONTH_HOURS * 3600;

type PriceKey = keyof typeof PRICES.prices;
interface Price {
    value: number;
    unit: string;
    source: string;
    verified: boolean;
    reason?: string;
}

/** One price of the data file; unknown keys are a programming error. */
export function price(key: string): Price {
    const p = (PRICES.prices as Record<string, Price>)[key];
    if (!p) throw new Error(`prices.json has no price "${key}"`);
    return p;
}

/** Collects the prices an item used, so its basis can name the unverified ones. */
class Pricer {
    readonly used = new Set<string>();
    get(key: PriceKey | string): number {
        this.used.add(key);
        return price(key).value;
    }
    note(): string {
        const unverified = [...this.used].filter((k) => !price(k).verified);
        return unverified.length ? `; unverified: ${unverified.join(", ")}` : "";
    }
}

/** Reads a dotted path; undefined when a step is missing or its value is not known yet. */
export function read(obj: unknown, path: string): unknown {
    let o: unknown = obj;
    for (const k of path.split(".")) {
        if (o === null || typeof o !== "object") return undefined;
        try {
            o = (o as Record<string, unknown>)[k];
        } catch {
            // A policy's props throw on values the cloud computes: not known, so not priced.
            return undefined;
        }
    }
    return o === "(known after deploy)" ? undefined : o;
}

const num = (v: unknown): number | undefined =>
    typeof v === "number"
        ? v
        : typeof v === "string" && /^\d+(\.\d+)?$/.test(v)
          ? Number(v)
          : undefined;

/** `"2"` or `"1000m"` vCPUs. */
export function parseCpu(v: unknown): number | undefined {
    if (typeof v !== "string" && typeof v !== "number") return undefined;
    const s = String(v);
    const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(s);
    return m ? Number(m[1]) / (m[2] ? 1000 : 1) : undefined;
}

/** `"512Mi"`, `"1Gi"`, `"1G"` → GiB (Cloud Run's Kubernetes quantities). */
export function parseMemoryGib(v: unknown): number | undefined {
    if (typeof v !== "string") return undefined;
    const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(v);
    if (!m) return undefined;
    const factor: Record<string, number> = {
        "": 1 / 2 ** 30,
        Ki: 1 / 2 ** 20,
        Mi: 1 / 2 ** 10,
        Gi: 1,
        Ti: 2 ** 10,
        k: 1e3 / 2 ** 30,
        M: 1e6 / 2 ** 30,
        G: 1e9 / 2 ** 30,
        T: 1e12 / 2 ** 30,
    };
    return Number(m[1]) * factor[m[2] ?? ""]!;
}

const usd = (n: number) => `$${n.toFixed(2)}`;
const fmt = (n: number) => (Number.isInteger(n) ? String(n) : String(Number(n.toFixed(6))));

// ---------------------------------------------------------------------------------------------
// Cloud Storage

/** A lifecycle rule as the bucket declares it. */
interface Rule {
    action?: { type?: string; storageClass?: string };
    condition?: Record<string, unknown>;
}

/** Where a bucket's data sits for pricing: one region, or a multi-region / dual-region. */
export function storageTier(location: unknown, dualRegion: boolean): "region" | "multiRegion" {
    if (dualRegion) return "multiRegion";
    return typeof location === "string" && /^(US|EU|ASIA)$/i.test(location)
        ? "multiRegion"
        : "region";
}

export interface StreamCost {
    monthlyUsd: number;
    /** GB at rest per storage class in the steady state. */
    gbByClass: Record<string, number>;
    /** Monthly early-deletion charge (included in monthlyUsd). */
    earlyDeletionUsd: number;
    /** Age at which objects end, and why. */
    endDays: number;
    endedByRule: boolean;
}

/**
 * The steady-state monthly cost of `gbPerDay` written into a bucket whose lifecycle `rules` apply:
 * each object spends the days between its class changes in each class, and ends at the earliest
 * Delete age (not before the retention period), else after `keepDays`. Deleting before a class's
 * minimum storage duration bills the remaining days (https://cloud.google.com/storage/pricing,
 * early deletion). The duration is counted from the object's creation, and a lifecycle class
 * change is taken as free of early-deletion charges: both as Google describes lifecycle
 * transitions as we read them, not confirmed from the stored pages.
 */
export function streamCost(
    gbPerDay: number,
    rules: readonly Rule[],
    startClass: string,
    tier: "region" | "multiRegion",
    keepDays: number,
    retentionDays: number,
    pricer: Pricer,
): StreamCost {
    const plainAge = (r: Rule) => {
        const c = r.condition ?? {};
        const other = Object.keys(c).filter(
            (k) => k !== "age" && k !== "matchesPrefixes" && c[k] !== undefined,
        );
        return other.length === 0 ? num(c["age"]) : undefined;
    };
    const transitions = rules
        .filter((r) => r.action?.type === "SetStorageClass" && r.action.storageClass)
        .map((r) => ({ age: plainAge(r), cls: r.action!.storageClass! }))
        .filter((t): t is { age: number; cls: string } => t.age !== undefined)
        .sort((a, b) => a.age - b.age);
    const deleteAges = rules
        .filter((r) => r.action?.type === "Delete")
        .map(plainAge)
        .filter((a): a is number => a !== undefined);
    const ruleEnd = deleteAges.length ? Math.min(...deleteAges) : undefined;
    // A Delete rule does not act on an object its retention policy still holds.
    const endDays = ruleEnd !== undefined ? Math.max(ruleEnd, retentionDays) : keepDays;
    const gbByClass: Record<string, number> = {};
    let cls = startClass;
    let from = 0;
    for (const t of [...transitions.filter((t) => t.age < endDays), { age: endDays, cls: "" }]) {
        gbByClass[cls] = (gbByClass[cls] ?? 0) + gbPerDay * (t.age - from);
        from = t.age;
        if (t.cls) cls = t.cls;
    }
    let monthlyUsd = 0;
    for (const [c, gb] of Object.entries(gbByClass))
        monthlyUsd += gb * pricer.get(`storage.${tier}.${c}`);
    let earlyDeletionUsd = 0;
    if (ruleEnd !== undefined && cls !== "STANDARD") {
        const minimum = pricer.get(`storage.minimumDays.${cls}`);
        // GB deleted per month × price per GB-month × remaining months = gbPerDay × price × days.
        earlyDeletionUsd =
            gbPerDay * pricer.get(`storage.${tier}.${cls}`) * Math.max(0, minimum - endDays);
    }
    return {
        monthlyUsd: monthlyUsd + earlyDeletionUsd,
        gbByClass,
        earlyDeletionUsd,
        endDays,
        endedByRule: ruleEnd !== undefined,
    };
}

/** Bucket locations the data file's Cloud Storage prices are for. */
const PRICED_LOCATIONS = ["US", "US-CENTRAL1", "US-EAST1"];

/** The bucket's role in logistics:estimates.storageGbPerDay: its purpose, else its component. */
function bucketRole(props: Record<string, unknown>): string | undefined {
    const r = read(props, "labels.purpose") ?? read(props, "labels.component");
    return typeof r === "string" ? r : undefined;
}

function bucketItem(r: CostResource, usage: Estimates): CostItem {
    const pricer = new Pricer();
    const role = bucketRole(r.props);
    const location = read(r.props, "location");
    const dual = read(r.props, "customPlacementConfig.dataLocations") !== undefined;
    const tier = storageTier(location, dual);
    const startClass = String(read(r.props, "storageClass") ?? "STANDARD").toUpperCase();
    const rules = (read(r.props, "lifecycleRules") as Rule[] | undefined) ?? [];
    const retentionDays = (num(read(r.props, "retentionPolicy.retentionPeriod")) ?? 0) / 86400;
    const streams = Object.entries(usage.storageGbPerDay).filter(
        ([key]) => role !== undefined && (key === role || key.startsWith(`${role}/`)),
    );
    if (streams.length === 0)
        return {
            type: r.type,
            name: r.name,
            monthlyUsd: 0,
            basis: `${NO_VOLUME} "${role ?? "(no purpose or component label)"}" in logistics:estimates.storageGbPerDay`,
        };
    let total = 0;
    const parts: string[] = [];
    for (const [key, gbPerDay] of streams) {
        const prefix = key.includes("/") ? `${key.slice(key.indexOf("/") + 1)}/` : undefined;
        const applies = rules.filter((rule) => {
            const prefixes = read(rule, "condition.matchesPrefixes") as string[] | undefined;
            if (!prefixes || prefixes.length === 0) return true;
            return prefix !== undefined && prefixes.some((p) => prefix.startsWith(p));
        });
        const s = streamCost(
            gbPerDay,
            applies,
            startClass,
            tier,
            usage.keepDays,
            retentionDays,
            pricer,
        );
        total += s.monthlyUsd;
        const classes = Object.entries(s.gbByClass)
            .map(([c, gb]) => `${fmt(gb)} GB ${c}`)
            .join(", ");
        parts.push(
            `${key}: ${fmt(gbPerDay)} GB/day kept ${fmt(s.endDays)} days ${s.endedByRule ? "(lifecycle Delete)" : "(keepDays)"} → ${classes}` +
                (s.earlyDeletionUsd > 0 ? `, early deletion ${usd(s.earlyDeletionUsd)}` : ""),
        );
    }
    return {
        type: r.type,
        name: r.name,
        monthlyUsd: total,
        basis:
            `${parts.join("; ")}; ${tier === "multiRegion" ? "multi-region" : "regional"} ${String(location)} at ` +
            `${tier === "multiRegion" ? "US" : "us-central1 / us-east1"} prices` +
            (PRICED_LOCATIONS.includes(String(location).toUpperCase()) && !dual
                ? ""
                : ` (prices.json has none for ${String(location)}${dual ? " dual-region" : ""}: an approximation)`) +
            pricer.note(),
    };
}

// ---------------------------------------------------------------------------------------------
// Cloud Run

/** Which billing a Cloud Run v2 service's containers imply. */
export function runBilling(containers: readonly unknown[]): "instance" | "request" {
    // The provider: cpuIdle is true by default only when `resources` is not set; with resources
    // set it must be set to true explicitly (node_modules/@pulumi/gcp/types/input.d.ts,
    // ServiceTemplateContainerResources.cpuIdle). cpuIdle false = instance-based billing
    // (https://cloud.google.com/run/docs/configuring/billing-settings).
    const idle = containers.map((c) => {
        const resources = read(c, "resources");
        if (resources === undefined) return true;
        return read(resources, "cpuIdle") === true;
    });
    return idle.every((i) => i) ? "request" : "instance";
}

function runItem(r: CostResource, usage: Estimates): CostItem {
    const pricer = new Pricer();
    const containers = (read(r.props, "template.containers") as unknown[] | undefined) ?? [];
    // Unset limits: Cloud Run services' usual defaults, 1 vCPU and 512 MiB (not confirmed here;
    // https://cloud.google.com/run/docs/configuring/services/cpu). The stacks always set both.
    const cpu = containers.reduce<number>(
        (s, c) => s + (parseCpu(read(c, "resources.limits.cpu")) ?? 1),
        0,
    );
    const mem = containers.reduce<number>(
        (s, c) => s + (parseMemoryGib(read(c, "resources.limits.memory")) ?? 0.5),
        0,
    );
    const min =
        num(read(r.props, "template.scaling.minInstanceCount")) ??
        num(read(r.props, "scaling.minInstanceCount")) ??
        0;
    const billing = runBilling(containers);
    const extra = usage.apiExtraInstances;
    let monthly: number;
    let how: string;
    if (billing === "instance") {
        const perInstance =
            MONTH_SECONDS *
            (cpu * pricer.get("run.instanceBased.vcpuSecond") +
                mem * pricer.get("run.instanceBased.gibSecond"));
        monthly = (min + extra) * perInstance;
        how =
            `instance-based billing (a container sets resources without cpuIdle: true): ` +
            `(${fmt(min)} min + ${fmt(extra)} extra instances) × ${fmt(cpu)} vCPU, ${fmt(mem)} GiB × ${MONTH_HOURS} h`;
    } else {
        const concurrency = num(read(r.props, "template.maxInstanceRequestConcurrency")) ?? 80;
        const idle =
            min *
            MONTH_SECONDS *
            (cpu * pricer.get("run.requestBased.idleVcpuSecond") +
                mem * pricer.get("run.requestBased.idleGibSecond"));
        const activeSeconds =
            (usage.apiRequestsPerMonth * usage.apiRequestSeconds) / concurrency +
            extra * MONTH_SECONDS;
        const active =
            activeSeconds *
            (cpu * pricer.get("run.requestBased.vcpuSecond") +
                mem * pricer.get("run.requestBased.gibSecond"));
        const requests =
            (usage.apiRequestsPerMonth / 1e6) * pricer.get("run.requestBased.perMillionRequests");
        monthly = idle + active + requests;
        how =
            `request-based billing: ${fmt(min)} idle min instances × ${fmt(cpu)} vCPU, ${fmt(mem)} GiB × ${MONTH_HOURS} h; ` +
            `${fmt(usage.apiRequestsPerMonth)} requests × ${fmt(usage.apiRequestSeconds)} s / concurrency ${fmt(concurrency)}`;
    }
    return { type: r.type, name: r.name, monthlyUsd: monthly, basis: `${how}${pricer.note()}` };
}

// ---------------------------------------------------------------------------------------------
// Composer, BigQuery, and the small ones

function composerItem(r: CostResource, usage: Estimates): CostItem {
    const pricer = new Pricer();
    const image = read(r.props, "config.softwareConfig.imageVersion");
    // DCU pricing is Composer 3's; Composer 2 and 1 are billed differently.
    if (typeof image !== "string" || !image.startsWith("composer-3"))
        return item(r, 0, `${NOT_PRICED}only Composer 3 is priced (image ${String(image)})`);
    const size = String(read(r.props, "config.environmentSize") ?? "ENVIRONMENT_SIZE_SMALL");
    const resilient = read(r.props, "config.resilienceMode") === "HIGH_RESILIENCE";
    const w = "config.workloadsConfig";
    const schedulers = num(read(r.props, `${w}.scheduler.count`)) ?? 1;
    const workers = usage.composerWorkers ?? num(read(r.props, `${w}.worker.minCount`)) ?? 1;
    const triggerers = num(read(r.props, `${w}.triggerer.count`)) ?? 0;
    const dagProcessors = num(read(r.props, `${w}.dagProcessor.count`)) ?? 1;
    const components = schedulers + workers + triggerers + dagProcessors + 1; // + web server
    const infra =
        pricer.get(`composer.environmentDcu.${size}`) *
        (resilient ? pricer.get("composer.highResilienceFactor") : 1);
    const dcu = infra + components * pricer.get("composer.componentDcu");
    const monthly =
        dcu * MONTH_HOURS * pricer.get("composer.dcuHour") +
        usage.composerDatabaseGib * MONTH_HOURS * pricer.get("composer.databaseGibHour");
    return {
        type: r.type,
        name: r.name,
        monthlyUsd: monthly,
        basis:
            `${fmt(dcu)} DCU (${size}${resilient ? ", HIGH_RESILIENCE" : ""}: ${fmt(infra)}; ` +
            `${fmt(schedulers)} schedulers, ${fmt(workers)} workers, ${fmt(dagProcessors)} DAG processors, ` +
            `${fmt(triggerers)} triggerers, 1 web server) × ${MONTH_HOURS} h; ` +
            `database ${fmt(usage.composerDatabaseGib)} GiB${pricer.note()}`,
    };
}

function datasetId(r: CostResource): string {
    return String(read(r.props, "labels.dataset") ?? read(r.props, "datasetId") ?? r.name);
}

/** How an item priced at nothing for want of a usage estimate starts its basis. */
const NO_VOLUME = "no volume for";

/**
 * The storageGbPerDay and bigQueryGb entries that name no bucket role and no dataset of the plan:
 * of `own`, the entries the stack file sets (default: every entry); the defaults name the
 * platform's own resources, which a stack may rename.
 */
export function unmatchedEstimates(
    usage: Estimates,
    custom: readonly CostResource[],
    own: { storageGbPerDay: readonly string[]; bigQueryGb: readonly string[] } = {
        storageGbPerDay: Object.keys(usage.storageGbPerDay),
        bigQueryGb: Object.keys(usage.bigQueryGb),
    },
): { key: string; reason: string }[] {
    const roles = new Set(
        custom
            .filter((r) => r.type === "gcp:storage/bucket:Bucket")
            .map((r) => bucketRole(r.props))
            .filter((role): role is string => role !== undefined),
    );
    const datasets = new Set(
        custom.filter((r) => r.type === "gcp:bigquery/dataset:Dataset").map(datasetId),
    );
    const out: { key: string; reason: string }[] = [];
    for (const key of own.storageGbPerDay)
        if (!roles.has(key.split("/")[0]!))
            out.push({
                key: `logistics:estimates.storageGbPerDay.${key}`,
                reason: `no bucket has the purpose or component "${key.split("/")[0]}" (the plan's: ${[...roles].sort().join(", ") || "none"})`,
            });
    for (const id of own.bigQueryGb)
        if (!datasets.has(id))
            out.push({
                key: `logistics:estimates.bigQueryGb.${id}`,
                reason: `no dataset "${id}" (the plan's: ${[...datasets].sort().join(", ") || "none"})`,
            });
    return out;
}

function datasetItem(r: CostResource, usage: Estimates): CostItem {
    const pricer = new Pricer();
    const id = datasetId(r);
    const gb = usage.bigQueryGb[id];
    if (!gb)
        return {
            type: r.type,
            name: r.name,
            monthlyUsd: 0,
            basis: `${NO_VOLUME} dataset "${id}" in logistics:estimates.bigQueryGb`,
        };
    const model = read(r.props, "storageBillingModel") === "PHYSICAL" ? "physical" : "logical";
    const monthly =
        gb.active * pricer.get(`bigquery.storage.${model}.active`) +
        gb.longTerm * pricer.get(`bigquery.storage.${model}.longTerm`);
    return {
        type: r.type,
        name: r.name,
        monthlyUsd: monthly,
        basis: `${fmt(gb.active)} GB active + ${fmt(gb.longTerm)} GB long-term, ${model} storage billing${pricer.note()}`,
    };
}

function reservationItem(r: CostResource, usage: Estimates): CostItem {
    const pricer = new Pricer();
    const edition = String(read(r.props, "edition") ?? "ENTERPRISE");
    const slots = num(read(r.props, "slotCapacity")) ?? 0;
    const rate = pricer.get(`bigquery.slotHour.${edition}`);
    const monthly = (slots * MONTH_HOURS + usage.autoscaleSlotHours) * rate;
    return {
        type: r.type,
        name: r.name,
        monthlyUsd: monthly,
        basis: `${fmt(slots)} baseline slots × ${MONTH_HOURS} h + ${fmt(usage.autoscaleSlotHours)} autoscaled slot-hours, ${edition} pay as you go${pricer.note()}`,
    };
}

/** Seconds of an uptime check's period (`"60s"`); the API's default is 60 s. */
function periodSeconds(v: unknown): number {
    const m = typeof v === "string" ? /^(\d+)s$/.exec(v) : null;
    return m ? Number(m[1]) : 60;
}

type Rule2 = (r: CostResource, usage: Estimates, all: readonly CostResource[]) => CostItem;

const item = (r: CostResource, monthlyUsd: number, basis: string): CostItem => ({
    type: r.type,
    name: r.name,
    monthlyUsd,
    basis,
});

/** Pricing per resource type; types not listed have no charge of their own. */
const RULES: Record<string, Rule2> = {
    "gcp:storage/bucket:Bucket": bucketItem,
    "gcp:cloudrunv2/service:Service": runItem,
    "gcp:composer/environment:Environment": composerItem,
    "gcp:bigquery/dataset:Dataset": datasetItem,
    "gcp:bigquery/reservation:Reservation": reservationItem,
    "gcp:secretmanager/secretVersion:SecretVersion": (r) => {
        const p = new Pricer();
        return item(
            r,
            p.get("secretmanager.versionLocationMonth"),
            `1 active version, 1 location (automatic replication bills as one)${p.note()}`,
        );
    },
    "gcp:secretmanager/secret:Secret": (r, usage, all) => {
        const p = new Pricer();
        const secrets = all.filter((x) => x.type === r.type).length;
        const ops = usage.secretAccessesPerMonth / secrets;
        return item(
            r,
            (ops / 10_000) * p.get("secretmanager.per10kAccesses"),
            `${fmt(ops)} access operations (secretAccessesPerMonth shared by ${secrets} secret(s))${p.note()}`,
        );
    },
    "gcp:artifactregistry/repository:Repository": (r, usage) => {
        const p = new Pricer();
        return item(
            r,
            usage.imagesGb * p.get("artifactregistry.gbMonth"),
            `${fmt(usage.imagesGb)} GB of images${p.note()}`,
        );
    },
    "gcp:monitoring/alertPolicy:AlertPolicy": (r) => {
        const p = new Pricer();
        const conditions = (read(r.props, "conditions") as unknown[] | undefined)?.length ?? 1;
        return item(
            r,
            conditions * p.get("monitoring.alertConditionMonth"),
            `${conditions} condition(s)${p.note()}`,
        );
    },
    "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig": (r) => {
        const p = new Pricer();
        const regions = (read(r.props, "selectedRegions") as unknown[] | undefined)?.length;
        // Unset selectedRegions: checks run from every checker region; six assumed.
        const checkers = regions ?? 6;
        const executions = (MONTH_SECONDS / periodSeconds(read(r.props, "period"))) * checkers;
        return item(
            r,
            (executions / 1000) * p.get("monitoring.per1000UptimeExecutions"),
            `${fmt(executions)} executions (every ${periodSeconds(read(r.props, "period"))} s from ${checkers} checker regions${regions === undefined ? ", assumed" : ""})${p.note()}`,
        );
    },
};

/** The marker of an item the estimate could not price (and left out of the total). */
export const NOT_PRICED = "not priced: ";

/**
 * Types with no charge of their own (or priced elsewhere), with why. Any other type without a
 * pricing rule is reported as not priced, never silently as free.
 */
const FREE_BASIS: Record<string, string> = {
    "gcp:projects/service:Service": "enabling an API is free",
    "gcp:projects/serviceIdentity:ServiceIdentity": "a service agent is free",
    "gcp:projects/iAMMember:IAMMember": "IAM is free",
    "gcp:serviceaccount/account:Account": "service accounts are free",
    "gcp:serviceaccount/iAMMember:IAMMember": "IAM is free",
    "gcp:storage/bucketIAMMember:BucketIAMMember": "IAM is free",
    "gcp:bigquery/datasetIamMember:DatasetIamMember": "IAM is free",
    "gcp:secretmanager/secretIamMember:SecretIamMember": "IAM is free",
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember": "IAM is free",
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": "IAM is free",
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": "workload identity federation is free",
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider":
        "workload identity federation is free",
    "gcp:monitoring/notificationChannel:NotificationChannel": "notification channels are free",
    "gcp:monitoring/dashboard:Dashboard": "dashboards are free",
    "gcp:bigquery/reservationAssignment:ReservationAssignment": "priced on its reservation",
    "random:index/randomPassword:RandomPassword": "generated locally",
    "gcp:bigquery/dataTransferConfig:DataTransferConfig":
        "scheduled queries: the bytes they scan are part of queryTibPerMonth (or the reservation)",
    "gcp:bigquery/job:Job": "load jobs are free; a query job's scan is part of queryTibPerMonth",
    "gcp:bigquery/table:Table": "storage is priced on its dataset (logistics:estimates.bigQueryGb)",
    "gcp:logging/metric:Metric": "log-based metric: ingestion volume not estimated",
};

/** The usage assumptions a plan carries: the Platform component's `estimates` input. */
export function usageOf(resources: readonly CostResource[]): {
    values: Estimates;
    given: string[];
    own: { storageGbPerDay: string[]; bigQueryGb: string[] };
} {
    const platform = resources.find((r) => r.type === PLATFORM_TYPE);
    const config = (read(platform?.props, "estimates") ?? {}) as EstimatesConfig;
    return resolveEstimates(config);
}

/**
 * The budget a plan carries (`logistics:budget.monthlyUsd`); undefined: no limit; "unreadable":
 * set but hidden (a secret or a value not known yet), which a policy must not take as no limit.
 */
export function budgetOf(resources: readonly CostResource[]): number | undefined | "unreadable" {
    const platform = resources.find((r) => r.type === PLATFORM_TYPE);
    if (!platform) return undefined;
    let budget: unknown;
    try {
        budget = platform.props["budget"];
    } catch {
        return "unreadable";
    }
    if (budget === undefined) return undefined;
    if (budget === null || typeof budget !== "object") return "unreadable";
    let value: unknown;
    try {
        value = (budget as Record<string, unknown>)["monthlyUsd"];
    } catch {
        return "unreadable";
    }
    if (value === undefined) return undefined;
    return typeof value === "number" ? value : "unreadable";
}

/** The monthly estimate of `resources` (custom resources are priced; components carry usage). */
export function estimateCost(resources: readonly CostResource[]): CostEstimate {
    const { values: usage, given, own } = usageOf(resources);
    const custom = resources.filter(
        (r) => !r.type.startsWith("logistics:") && r.type !== "pulumi:pulumi:Stack",
    );
    const items: CostItem[] = custom.map((r) => {
        const rule = RULES[r.type];
        if (rule) return rule(r, usage, custom);
        return item(
            r,
            0,
            FREE_BASIS[r.type] ??
                `${NOT_PRICED}no price for ${r.type} in tools/offline/prices.json`,
        );
    });
    const reservations = custom.filter((r) => r.type === "gcp:bigquery/reservation:Reservation");
    const datasets = custom.filter((r) => r.type === "gcp:bigquery/dataset:Dataset");
    if (datasets.length > 0) {
        const p = new Pricer();
        items.push(
            reservations.length > 0
                ? {
                      type: "bigquery:analysis",
                      name: "on-demand queries",
                      monthlyUsd: 0,
                      basis: "queries run on the reservation's slots",
                  }
                : {
                      type: "bigquery:analysis",
                      name: "on-demand queries",
                      monthlyUsd: usage.queryTibPerMonth * p.get("bigquery.onDemandTib"),
                      basis: `${fmt(usage.queryTibPerMonth)} TiB scanned per month, on-demand${p.note()}`,
                  },
        );
    }
    const used = new Set<string>();
    for (const i of items)
        for (const m of i.basis.matchAll(/unverified: ([^;]+)/g))
            m[1]!.split(", ").forEach((k) => used.add(k));
    const rounded = items.map((i) => ({ ...i, monthlyUsd: round(i.monthlyUsd) }));
    return {
        monthlyUsd: round(items.reduce((s, i) => s + i.monthlyUsd, 0)),
        items: rounded,
        assumptions: Object.entries(usage)
            .filter(([, v]) => v !== undefined)
            .map(([key, value]) => ({ key, value, isDefault: !given.includes(key) })),
        unverifiedPrices: [...used].sort().map((key) => ({ key, reason: price(key).reason ?? "" })),
        notPriced: rounded
            .filter((i) => i.basis.startsWith(NOT_PRICED))
            .map((i) => ({ type: i.type, name: i.name })),
        unmatchedEstimates: unmatchedEstimates(usage, custom, own),
        unestimated: rounded
            .filter((i) => i.basis.startsWith(NO_VOLUME))
            .map((i) => ({ type: i.type, name: i.name, reason: i.basis })),
        basis:
            `GCP list prices (tools/offline/prices.json), ${MONTH_HOURS} h a month, before free tiers ` +
            `and discounts; usage from logistics:estimates (defaults where unset) marked as assumptions; ` +
            `network egress and operations not included` +
            (used.size
                ? `; ${used.size} price(s) not confirmed from Google's pages (unverifiedPrices)`
                : ""),
    };
}

export function round(n: number): number {
    return Math.round(n * 100) / 100;
}

export interface CostDelta {
    deltaMonthlyUsd: number;
    items: { type: string; name: string; beforeUsd: number; afterUsd: number; deltaUsd: number }[];
}

/** Per resource (type and name) and in total: what the change adds to or removes from the month. */
export function costDelta(before: CostEstimate, after: CostEstimate): CostDelta {
    const key = (i: CostItem) => `${i.type}\u0000${i.name}`;
    const b = new Map(before.items.map((i) => [key(i), i]));
    const a = new Map(after.items.map((i) => [key(i), i]));
    const items = [...new Set([...b.keys(), ...a.keys()])]
        .map((k) => {
            const x = b.get(k);
            const y = a.get(k);
            const beforeUsd = x?.monthlyUsd ?? 0;
            const afterUsd = y?.monthlyUsd ?? 0;
            return {
                type: (y ?? x)!.type,
                name: (y ?? x)!.name,
                beforeUsd,
                afterUsd,
                deltaUsd: round(afterUsd - beforeUsd),
            };
        })
        .filter((i) => i.deltaUsd !== 0)
        .sort(
            (p, q) => Math.abs(q.deltaUsd) - Math.abs(p.deltaUsd) || p.name.localeCompare(q.name),
        );
    return { deltaMonthlyUsd: round(after.monthlyUsd - before.monthlyUsd), items };
}

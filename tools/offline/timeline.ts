// How long a `pulumi up` takes: the plan's dependency graph, typical durations per type and
// operation, and Pulumi's parallelism give the schedule, its critical path and when the data
// layer is usable. Pure functions over small graphs, so tests can build them by hand.

/** A resource operation in the schedule. */
export interface TimelineNode {
    urn: string;
    type: string;
    name: string;
    /** Minutes the operation takes; components take none. */
    minutes: number;
    /** URNs it waits for: dependencies (dependsOn and input references) and its parent. */
    after: string[];
}

export type Op = "create" | "update" | "replace" | "delete";

/** A typical duration, its operation and where the figure comes from. */
interface Duration {
    create: number;
    update: number;
    delete: number;
    source: string;
}

const COMPOSER_DOCS = "https://cloud.google.com/composer/docs/composer-3/create-environments";
const TYPICAL = "typical provider call and operation, not a published figure";

/**
 * Typical minutes per type and operation. Composer's are Google's ("about 25 minutes",
 * GCP-FACTS.md); the rest are the usual length of the API call or long-running operation the
 * provider waits for, and are estimates.
 */
export const DURATIONS: Readonly<Record<string, Duration>> = {
    "gcp:composer/environment:Environment": {
        create: 25,
        update: 25,
        delete: 15,
        source: `${COMPOSER_DOCS}: creating an environment takes about 25 minutes; updates are of the same order`,
    },
    "gcp:projects/service:Service": { create: 1, update: 0.2, delete: 1, source: TYPICAL },
    "gcp:cloudrunv2/service:Service": { create: 1.5, update: 1, delete: 0.5, source: TYPICAL },
    "gcp:serviceaccount/account:Account": {
        create: 0.5,
        update: 0.2,
        delete: 0.2,
        source: TYPICAL,
    },
    "gcp:projects/serviceIdentity:ServiceIdentity": {
        create: 0.5,
        update: 0.2,
        delete: 0.1,
        source: TYPICAL,
    },
    "gcp:projects/iAMMember:IAMMember": { create: 0.5, update: 0.5, delete: 0.5, source: TYPICAL },
    "gcp:bigquery/reservation:Reservation": {
        create: 0.5,
        update: 0.5,
        delete: 0.5,
        source: TYPICAL,
    },
    "gcp:bigquery/job:Job": {
        create: 0.5,
        update: 0.1,
        delete: 0.1,
        source: "pulumi up returns once the job exists, not when it finishes (GCP-FACTS.md)",
    },
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": {
        create: 0.5,
        update: 0.3,
        delete: 0.3,
        source: TYPICAL,
    },
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": {
        create: 0.5,
        update: 0.3,
        delete: 0.3,
        source: TYPICAL,
    },
    "gcp:artifactregistry/repository:Repository": {
        create: 0.3,
        update: 0.2,
        delete: 0.2,
        source: TYPICAL,
    },
};

/** Everything else: a single short API call. */
export const DEFAULT_DURATION: Duration = {
    create: 0.2,
    update: 0.2,
    delete: 0.2,
    source: TYPICAL,
};

/** Minutes of `op` on a resource of `type`; components and provider-less resources take none. */
export function durationOf(type: string, op: Op): number {
    if (type.startsWith("logistics:") || type === "pulumi:pulumi:Stack") return 0;
    if (type.startsWith("random:")) return 0;
    const d = DURATIONS[type] ?? DEFAULT_DURATION;
    return op === "replace" ? d.create : d[op];
}

export interface Scheduled {
    urn: string;
    start: number;
    finish: number;
    /** The node whose finish decided the start (undefined: started at 0 or on a free worker). */
    decidedBy?: string;
}

/**
 * The schedule of a `pulumi up`: each operation starts once everything it waits for has finished
 * and, with `parallel` limited, a worker is free (Pulumi's `--parallel`). The CLI's help for
 * `pulumi up` says "Defaults to unbounded. (default 2147483647)"
 * (https://www.pulumi.com/docs/iac/cli/commands/pulumi_up/); older CLIs used a fixed default, so
 * a finite `parallel` models them. Ready operations take free workers in the order they became
 * ready, then in the plan's order; with a finite `parallel` this list schedule is an
 * approximation (and, as any list schedule, may shorten when an edge is added).
 */
export function schedule(
    nodes: readonly TimelineNode[],
    parallel = Infinity,
): Map<string, Scheduled> {
    const byUrn = new Map(nodes.map((n) => [n.urn, n]));
    const order = new Map(nodes.map((n, i) => [n.urn, i]));
    const waits = new Map(
        nodes.map((n) => [n.urn, [...new Set(n.after)].filter((u) => byUrn.has(u) && u !== n.urn)]),
    );
    const out = new Map<string, Scheduled>();
    const pending = new Set(nodes.map((n) => n.urn));
    // Workers busy until these times (only operations that take time hold one).
    const busy: number[] = [];
    while (pending.size > 0) {
        const ready = [...pending]
            .filter((u) => waits.get(u)!.every((d) => out.has(d)))
            .map((u) => {
                const deps = waits.get(u)!;
                let at = 0;
                let decidedBy: string | undefined;
                for (const d of deps) {
                    const f = out.get(d)!.finish;
                    if (f > at || (f === at && decidedBy === undefined && f > 0)) {
                        at = f;
                        decidedBy = d;
                    }
                }
                return { u, at, decidedBy };
            })
            .sort((a, b) => a.at - b.at || order.get(a.u)! - order.get(b.u)!);
        if (ready.length === 0)
            throw new Error(`dependency cycle among ${[...pending].slice(0, 3).join(", ")}`);
        // Take the earliest-ready operation; with every worker busy it waits for the first free one.
        const { u, at, decidedBy } = ready[0]!;
        const minutes = byUrn.get(u)!.minutes;
        let start = at;
        if (minutes > 0 && Number.isFinite(parallel)) {
            busy.sort((a, b) => a - b);
            while (busy.length > 0 && busy[0]! <= start) busy.shift();
            if (busy.length >= parallel) start = Math.max(start, busy.shift()!);
            busy.push(start + minutes);
        }
        out.set(u, {
            urn: u,
            start,
            finish: start + minutes,
            ...(decidedBy !== undefined && start === at ? { decidedBy } : {}),
        });
        pending.delete(u);
    }
    return out;
}

/** When everything has finished. */
export function makespan(s: ReadonlyMap<string, Scheduled>): number {
    let m = 0;
    for (const x of s.values()) m = Math.max(m, x.finish);
    return m;
}

/** The chain that ends last, first operation first (operations that take no time left out). */
export function criticalPath(
    nodes: readonly TimelineNode[],
    s: ReadonlyMap<string, Scheduled>,
): TimelineNode[] {
    const byUrn = new Map(nodes.map((n) => [n.urn, n]));
    let last: Scheduled | undefined;
    for (const x of s.values()) if (!last || x.finish > last.finish) last = x;
    const chain: TimelineNode[] = [];
    for (let cur = last; cur; cur = cur.decidedBy ? s.get(cur.decidedBy) : undefined) {
        const n = byUrn.get(cur.urn)!;
        if (n.minutes > 0) chain.unshift(n);
    }
    return chain;
}

/** Which API (`<name>.googleapis.com`) a resource type's calls go to. */
export function apiOf(type: string): string[] {
    // Components make no calls of their own.
    if (!type.startsWith("gcp:")) return [];
    const mod = type.split(":")[1]?.split("/")[0] ?? "";
    const byModule: Record<string, string[]> = {
        storage: ["storage.googleapis.com"],
        bigquery: type.includes("reservation")
            ? ["bigqueryreservation.googleapis.com"]
            : type.includes("dataTransferConfig")
              ? ["bigquerydatatransfer.googleapis.com"]
              : ["bigquery.googleapis.com"],
        composer: ["composer.googleapis.com"],
        cloudrunv2: ["run.googleapis.com"],
        artifactregistry: ["artifactregistry.googleapis.com"],
        secretmanager: ["secretmanager.googleapis.com"],
        monitoring: ["monitoring.googleapis.com"],
        logging: ["logging.googleapis.com"],
        serviceaccount: ["iam.googleapis.com"],
        iam: ["iam.googleapis.com"],
        // Enabling an API and generating a service agent go to Service Usage, always on.
        projects: /serviceIdentity|\/service:Service$/.test(type)
            ? ["serviceusage.googleapis.com"]
            : ["cloudresourcemanager.googleapis.com"],
    };
    return byModule[mod] ?? [];
}

/** An edge to an API the resource does not call: it waits for nothing it needs. */
export interface NeedlessEdge {
    from: { type: string; name: string };
    to: { type: string; name: string };
    /** Minutes the resource starts later because of this edge alone (0: it costs nothing now). */
    delayMinutes: number;
}

const SERVICE = "gcp:projects/service:Service";

/**
 * Edges from a resource to an enabled API (`projects.Service`) whose calls it does not make, and
 * how much later each makes it start than its other dependencies would.
 */
export function needlessEdges(
    nodes: readonly TimelineNode[],
    s: ReadonlyMap<string, Scheduled>,
    serviceOf: (n: TimelineNode) => string | undefined,
): NeedlessEdge[] {
    const byUrn = new Map(nodes.map((n) => [n.urn, n]));
    const out: NeedlessEdge[] = [];
    for (const n of nodes) {
        if (n.minutes === 0 && n.type.startsWith("logistics:")) continue;
        const uses = apiOf(n.type);
        const needless = n.after.filter((u) => {
            const d = byUrn.get(u);
            const api = d && d.type === SERVICE ? serviceOf(d) : undefined;
            return api !== undefined && !uses.includes(api);
        });
        if (needless.length === 0) continue;
        const needed = n.after.filter((u) => !needless.includes(u) && s.has(u));
        const without = Math.max(0, ...needed.map((u) => s.get(u)!.finish));
        for (const u of needless) {
            const d = byUrn.get(u)!;
            out.push({
                from: { type: n.type, name: n.name },
                to: { type: d.type, name: d.name },
                delayMinutes: Math.max(0, (s.get(u)?.finish ?? 0) - without),
            });
        }
    }
    return out;
}

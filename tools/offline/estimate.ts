// `--cost` and `--timeline` of `npm run preview`: the cost and deploy-time sections of a plan or
// of a diff, as JSON and as text. The preview calls these; the arithmetic is in cost.ts and timeline.ts.
import { costDelta, estimateCost, type CostDelta, type CostEstimate } from "./cost";
import type { PlanDiff } from "./diff";
import type { Plan, PlannedResource } from "./engine";
import { displayType } from "./render";
import {
    criticalPath,
    durationOf,
    makespan,
    needlessEdges,
    schedule,
    type NeedlessEdge,
    type Op,
    type TimelineNode,
} from "./timeline";

export interface EstimateFlags {
    cost: boolean;
    timeline: boolean;
}

export const ESTIMATE_USAGE = `  --cost          estimated monthly cost per resource and in total (usage assumptions from
                  logistics:estimates); with --diff the delta is always shown
  --timeline      deploy time of a full \`pulumi up\` from nothing: critical path, when the data
                  layer is usable, API edges that wait for nothing needed; with --diff, also the
                  change's own minutes`;

/** The plan's resources as the cost module reads them. */
export function costResources(plan: Plan) {
    return plan.resources.map((r) => ({ type: r.type, name: r.name, props: r.inputs }));
}

// ---------------------------------------------------------------------------------------------
// Timeline of a plan

const DATA_LAYER = new Set([
    "gcp:storage/bucket:Bucket",
    "gcp:bigquery/dataset:Dataset",
    "gcp:bigquery/table:Table",
    "gcp:bigquery/job:Job",
]);

/**
 * The plan as a schedule's nodes: each resource waits for its recorded dependencies (dependsOn
 * and input references; a component stands for everything under it) and for its parent, which
 * registers only after its own dependencies. `ops` gives each URN's operation (default create);
 * a URN mapped to `undefined` takes no time (unchanged).
 */
export function planNodes(plan: Plan, ops?: ReadonlyMap<string, Op | undefined>): TimelineNode[] {
    const children = new Map<string, string[]>();
    for (const r of plan.resources)
        if (r.parent) children.set(r.parent, [...(children.get(r.parent) ?? []), r.urn]);
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const descendants = (urn: string): string[] =>
        (children.get(urn) ?? []).flatMap((c) => [c, ...descendants(c)]);
    return plan.resources.map((r: PlannedResource) => {
        const after = new Set<string>();
        for (const d of r.dependencies) {
            after.add(d);
            if (byUrn.get(d) && !byUrn.get(d)!.custom) descendants(d).forEach((x) => after.add(x));
        }
        if (r.parent) after.add(r.parent);
        const op = ops ? ops.get(r.urn) : "create";
        return {
            urn: r.urn,
            type: r.type,
            name: r.name,
            minutes: op === undefined ? 0 : durationOf(r.type, op),
            after: [...after],
        };
    });
}

export interface TimelineSection {
    parallel: number | "unbounded";
    fullRebuild: { minutes: number };
    dataLayerUsable: { minutes: number };
    criticalPath: { type: string; name: string; minutes: number }[];
    needlessEdges: NeedlessEdge[];
    basis: string;
    change?: { minutes: number; criticalPath: { type: string; name: string; minutes: number }[] };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** The full rebuild of `plan`: every resource created from nothing. */
export function timelineOf(plan: Plan, parallel = Infinity): TimelineSection {
    const nodes = planNodes(plan);
    const s = schedule(nodes, parallel);
    const apiOfService = (n: TimelineNode) => {
        const r = plan.resources.find((x) => x.urn === n.urn);
        const svc = r?.inputs["service"];
        return typeof svc === "string" ? svc : undefined;
    };
    const data = nodes.filter((n) => DATA_LAYER.has(n.type));
    return {
        parallel: Number.isFinite(parallel) ? parallel : "unbounded",
        fullRebuild: { minutes: round1(makespan(s)) },
        dataLayerUsable: {
            minutes: round1(Math.max(0, ...data.map((n) => s.get(n.urn)!.finish))),
        },
        criticalPath: criticalPath(nodes, s).map((n) => ({
            type: n.type,
            name: n.name,
            minutes: n.minutes,
        })),
        needlessEdges: needlessEdges(nodes, s, apiOfService),
        basis:
            "typical minutes per type and operation (tools/offline/timeline.ts DURATIONS, with sources); " +
            "dependencies as recorded in the plan plus each resource's parent; `pulumi up --parallel` " +
            "unbounded (the CLI's default) unless given; data layer: buckets, datasets, tables, restore jobs",
    };
}

/** The change of a diff: only created, updated, replaced and deleted resources take time. */
export function changeTimeline(base: Plan, head: Plan, diff: PlanDiff, parallel = Infinity) {
    const ops = new Map<string, Op | undefined>();
    for (const c of diff.changes) if (c.op !== "delete") ops.set(c.urn, c.op);
    const nodes = planNodes(head, ops);
    const s = schedule(nodes, parallel);
    // Deletes run after every create and update, dependents first; replaced resources' old copies too.
    const delOps = new Map<string, Op | undefined>();
    for (const c of diff.changes)
        if (c.op === "delete" || c.op === "replace") delOps.set(c.urn, "delete");
    const reversed = planNodes(base, delOps).map((n) => ({ ...n, after: [] as string[] }));
    const byUrn = new Map(reversed.map((n) => [n.urn, n]));
    for (const r of base.resources)
        for (const d of [...r.dependencies, ...(r.parent ? [r.parent] : [])])
            byUrn.get(d)?.after.push(r.urn);
    const deletes = schedule(reversed, parallel);
    const path = criticalPath(nodes, s).map((n) => ({
        type: n.type,
        name: n.name,
        minutes: n.minutes,
    }));
    return { minutes: round1(makespan(s) + makespan(deletes)), criticalPath: path };
}

// ---------------------------------------------------------------------------------------------
// Text

const usd = (n: number) => `${n < 0 ? "-" : ""}$${Math.abs(n).toFixed(2)}`;

export function renderCost(estimate: CostEstimate): string {
    const priced = estimate.items.filter((i) => i.monthlyUsd !== 0);
    const lines = [`Estimated monthly cost: ${usd(estimate.monthlyUsd)}`, ""];
    const width = Math.max(...priced.map((i) => usd(i.monthlyUsd).length), 5);
    for (const i of [...priced].sort((a, b) => b.monthlyUsd - a.monthlyUsd)) {
        lines.push(`  ${usd(i.monthlyUsd).padStart(width)}  ${displayType(i.type)}  ${i.name}`);
        lines.push(`  ${" ".repeat(width)}    ${i.basis}`);
    }
    lines.push(
        `  ${estimate.items.length - priced.length} more resources cost nothing of their own (IAM, accounts, APIs, tables, …)`,
        "",
        "Assumptions (logistics:estimates; * = default):",
    );
    for (const a of estimate.assumptions)
        lines.push(`  ${a.isDefault ? "*" : " "} ${a.key}: ${JSON.stringify(a.value)}`);
    if (estimate.notPriced.length > 0) {
        lines.push("", "Not priced (left out of the total):");
        for (const r of estimate.notPriced) lines.push(`  - ${displayType(r.type)}  ${r.name}`);
    }
    if (estimate.unmatchedEstimates.length > 0) {
        lines.push("", "Estimates no resource takes (in no figure; check the key):");
        for (const u of estimate.unmatchedEstimates) lines.push(`  - ${u.key}: ${u.reason}`);
    }
    if (estimate.unverifiedPrices.length > 0) {
        lines.push("", "Prices not confirmed from Google's pages:");
        for (const p of estimate.unverifiedPrices) lines.push(`  - ${p.key}: ${p.reason}`);
    }
    lines.push("", `Basis: ${estimate.basis}.`);
    return lines.join("\n");
}

export function renderCostDelta(
    delta: CostDelta,
    before: number,
    after: number,
    stack?: string,
): string {
    const lines = [
        `Monthly cost: ${usd(before)} → ${usd(after)} (${delta.deltaMonthlyUsd >= 0 ? "+" : ""}${usd(delta.deltaMonthlyUsd)})`,
    ];
    for (const i of delta.items)
        lines.push(
            `  ${i.deltaUsd >= 0 ? "+" : ""}${usd(i.deltaUsd)}  ${displayType(i.type)}  ${i.name}  (${usd(i.beforeUsd)} → ${usd(i.afterUsd)})`,
        );
    const flags = stack ? `--stack ${stack} --cost` : "--cost";
    lines.push(`  (estimate: npm run preview -- ${flags} shows its basis and assumptions)`);
    return lines.join("\n");
}

export function renderTimeline(t: TimelineSection): string {
    const lines = [
        `Full rebuild (pulumi up from nothing, --parallel ${t.parallel}): ${t.fullRebuild.minutes} min`,
        `Data layer usable (buckets, datasets, tables, restores): ${t.dataLayerUsable.minutes} min`,
        "Critical path:",
        ...t.criticalPath.map(
            (n) => `  ${String(n.minutes).padStart(5)} min  ${displayType(n.type)}  ${n.name}`,
        ),
    ];
    const delaying = t.needlessEdges.filter((e) => e.delayMinutes > 0);
    lines.push(
        `API edges to services a resource does not call: ${t.needlessEdges.length}` +
            (t.needlessEdges.length ? `, ${delaying.length} of them delaying it` : ""),
    );
    for (const e of delaying.slice(0, 10))
        lines.push(`  ${e.from.name} waits ${round1(e.delayMinutes)} min for ${e.to.name}`);
    if (t.change) lines.push(`This change: ${t.change.minutes} min`);
    lines.push(`Basis: ${t.basis}.`);
    return lines.join("\n");
}

/** The cost section of `--json`. */
export function costJson(estimate: CostEstimate, delta?: CostDelta) {
    return {
        ...estimate,
        ...(delta ? { deltaMonthlyUsd: delta.deltaMonthlyUsd, deltaItems: delta.items } : {}),
    };
}

/** What `--cost` / `--timeline` add to a plain preview: JSON sections and text. */
export function estimatePlan(plan: Plan, flags: EstimateFlags): { json: object; text: string } {
    const json: Record<string, unknown> = {};
    const text: string[] = [];
    if (flags.cost) {
        const estimate = estimateCost(costResources(plan));
        json["cost"] = costJson(estimate);
        text.push(renderCost(estimate));
    }
    if (flags.timeline) {
        const t = timelineOf(plan);
        json["timeline"] = t;
        text.push(renderTimeline(t));
    }
    return { json, text: text.map((t) => `\n\n${t}`).join("") };
}

/** What a diff adds: the cost delta always, the full cost with --cost, the change's minutes with --timeline. */
export function estimateDiff(
    base: Plan,
    head: Plan,
    diff: PlanDiff,
    flags: EstimateFlags,
): { json: object; text: string } {
    const before = estimateCost(costResources(base));
    const after = estimateCost(costResources(head));
    const delta = costDelta(before, after);
    const json: Record<string, unknown> = {
        cost: flags.cost
            ? costJson(after, delta)
            : {
                  monthlyUsd: after.monthlyUsd,
                  deltaMonthlyUsd: delta.deltaMonthlyUsd,
                  deltaItems: delta.items,
              },
    };
    const text = [renderCostDelta(delta, before.monthlyUsd, after.monthlyUsd, head.stack)];
    if (flags.cost) text.push(renderCost(after));
    if (flags.timeline) {
        const t = { ...timelineOf(head), change: changeTimeline(base, head, diff) };
        json["timeline"] = t;
        text.push(renderTimeline(t));
    }
    return { json, text: text.map((t) => `\n\n${t}`).join("") };
}

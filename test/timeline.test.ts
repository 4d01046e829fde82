// The deploy-time model: scheduling on small synthetic graphs (properties checked with fast-check),
// and the prod plan's full rebuild against the targets of the wiring (Composer + 10 minutes, the
// data layer within 5 minutes whatever Composer takes, every resource still after its API).
import * as assert from "assert";
import fc from "fast-check";
import { diffPlans } from "../tools/offline/diff";
import { changeTimeline, planNodes, timelineOf } from "../tools/offline/estimate";
import {
    apiOf,
    criticalPath,
    DURATIONS,
    makespan,
    schedule,
    type TimelineNode,
} from "../tools/offline/timeline";
import type { Plan } from "../tools/offline/engine";
import * as fs from "fs";
import * as path from "path";
import { planFor, PROJECT_ROOT } from "./harness";

const node = (urn: string, minutes: number, after: string[] = []): TimelineNode => ({
    urn,
    type: "t",
    name: urn,
    minutes,
    after,
});

describe("timeline: scheduling", () => {
    it("a chain takes the sum of its operations", () => {
        const nodes = [node("a", 1), node("b", 2, ["a"]), node("c", 3, ["b"])];
        const s = schedule(nodes);
        assert.equal(makespan(s), 6);
        assert.deepEqual(
            criticalPath(nodes, s).map((n) => n.urn),
            ["a", "b", "c"],
        );
    });

    it("parallel branches take the longest", () => {
        const nodes = [node("root", 1), node("short", 3, ["root"]), node("long", 5, ["root"])];
        const s = schedule(nodes);
        assert.equal(makespan(s), 6);
        assert.deepEqual(
            criticalPath(nodes, s).map((n) => n.urn),
            ["root", "long"],
        );
    });

    it("limits concurrent operations to --parallel", () => {
        const nodes = [node("a", 1), node("b", 1), node("c", 1)];
        assert.equal(makespan(schedule(nodes)), 1);
        assert.equal(makespan(schedule(nodes, 2)), 2);
        assert.equal(makespan(schedule(nodes, 1)), 3);
    });

    it("refuses a cycle", () => {
        assert.throws(
            () => schedule([node("a", 1, ["b"]), node("b", 1, ["a"])]),
            /dependency cycle/,
        );
    });

    /** A random DAG: edges only from lower to higher index. */
    const dag = fc.integer({ min: 1, max: 12 }).chain((n) =>
        fc.record({
            minutes: fc.array(fc.integer({ min: 0, max: 30 }), { minLength: n, maxLength: n }),
            edges: fc.array(
                fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 })),
                { maxLength: 30 },
            ),
            extra: fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 })),
        }),
    );
    const build = (minutes: number[], edges: [number, number][]) =>
        minutes.map((m, i) =>
            node(
                `n${i}`,
                m,
                edges
                    .filter(([a, b]) => a !== b && Math.max(a, b) === i)
                    .map(([a, b]) => `n${Math.min(a, b)}`),
            ),
        );

    it("adding an edge never shortens a full rebuild (unbounded parallelism)", () => {
        fc.assert(
            fc.property(dag, ({ minutes, edges, extra }) => {
                const before = makespan(schedule(build(minutes, edges)));
                const after = makespan(schedule(build(minutes, [...edges, extra])));
                return after >= before;
            }),
        );
    });

    it("the critical path adds up to the full rebuild and follows edges", () => {
        fc.assert(
            fc.property(dag, ({ minutes, edges }) => {
                const nodes = build(minutes, edges);
                const s = schedule(nodes);
                const path = criticalPath(nodes, s);
                const total = path.reduce((t, n) => t + n.minutes, 0);
                for (let i = 1; i < path.length; i++)
                    // each step starts no earlier than the one before it finishes
                    assert.ok(s.get(path[i]!.urn)!.start >= s.get(path[i - 1]!.urn)!.finish);
                return total === makespan(s);
            }),
        );
    });

    it("no operation starts before what it waits for has finished", () => {
        fc.assert(
            fc.property(dag, fc.integer({ min: 1, max: 4 }), ({ minutes, edges }, parallel) => {
                const nodes = build(minutes, edges);
                const s = schedule(nodes, parallel);
                return nodes.every((n) =>
                    n.after.every((d) => s.get(n.urn)!.start >= s.get(d)!.finish),
                );
            }),
        );
    });
});

describe("timeline: the prod plan", () => {
    let plan: Plan;
    before(async () => {
        plan = await planFor("prod");
    });

    it("rebuilds in Composer's creation plus at most 10 minutes", () => {
        const t = timelineOf(plan);
        const composer = DURATIONS["gcp:composer/environment:Environment"]!.create;
        assert.ok(t.fullRebuild.minutes <= composer + 10, `${t.fullRebuild.minutes} min`);
        assert.equal(t.criticalPath.at(-1)!.type, "gcp:composer/environment:Environment");
    });

    it("has the data layer usable within 5 minutes, whatever Composer and its API take", () => {
        // Composer's API and environment made to take 1000 minutes: the data layer must not move.
        const nodes = planNodes(plan).map((n) =>
            n.type === "gcp:composer/environment:Environment" ||
            (n.type === "gcp:projects/service:Service" && n.name.endsWith("-apis-composer"))
                ? { ...n, minutes: 1000 }
                : n,
        );
        const s = schedule(nodes);
        const data = nodes.filter((n) =>
            [
                "gcp:storage/bucket:Bucket",
                "gcp:bigquery/dataset:Dataset",
                "gcp:bigquery/table:Table",
                "gcp:bigquery/job:Job",
            ].includes(n.type),
        );
        assert.ok(data.length >= 9, "buckets, datasets and raw tables are in the plan");
        const usable = Math.max(...data.map((n) => s.get(n.urn)!.finish));
        assert.ok(usable <= 5, `data layer usable after ${usable} min`);
        assert.equal(timelineOf(plan).dataLayerUsable.minutes <= 5, true);
    });

    it("still has every resource wait for the APIs it calls", () => {
        const nodes = planNodes(plan);
        const byUrn = new Map(nodes.map((n) => [n.urn, n]));
        const closure = (urn: string, seen = new Set<string>()): Set<string> => {
            for (const d of byUrn.get(urn)!.after)
                if (!seen.has(d)) {
                    seen.add(d);
                    closure(d, seen);
                }
            return seen;
        };
        const services = new Map(
            plan.resources
                .filter((r) => r.type === "gcp:projects/service:Service")
                .map((r) => [r.inputs["service"] as string, r.urn]),
        );
        let checked = 0;
        for (const n of nodes) {
            const needed = apiOf(n.type).filter((api) => services.has(api));
            if (needed.length === 0) continue;
            const waits = closure(n.urn);
            for (const api of needed)
                assert.ok(waits.has(services.get(api)!), `${n.name} ↛ ${api}`);
            checked++;
        }
        assert.ok(checked > 60, `${checked} resources checked`);
    });

    it("no longer makes the data layer wait for APIs it does not call", () => {
        const t = timelineOf(plan);
        const dataTypes = [
            "gcp:storage/bucket:Bucket",
            "gcp:bigquery/dataset:Dataset",
            "gcp:bigquery/table:Table",
        ];
        assert.deepEqual(
            t.needlessEdges.filter((e) => dataTypes.includes(e.from.type)),
            [],
        );
    });

    it("gives docs/runbook.md's full-recovery durations as the timeline computes them", () => {
        const t = timelineOf(plan);
        const runbook = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "runbook.md"), "utf8");
        const row = runbook.split("\n").find((l) => l.startsWith("| 2 ") && l.includes("Rebuild"));
        assert.ok(row, "the full recovery table's step 2");
        const figure = (re: RegExp) => Number(re.exec(row)?.[1]);
        assert.equal(figure(/data layer .* usable after ([\d.]+) min/), t.dataLayerUsable.minutes);
        assert.equal(figure(/full rebuild takes ([\d.]+) min/), t.fullRebuild.minutes);
        assert.equal(
            figure(/Composer's creation \(([\d.]+) min\)/),
            DURATIONS["gcp:composer/environment:Environment"]!.create,
        );
        assert.equal(figure(/\| (\d+) min +\|$/), Math.ceil(t.fullRebuild.minutes));
    });

    it("times a change by the operations it runs: a Cloud Run update, a Composer update", async () => {
        const api = {
            image: "logistics-api:0.1.0",
            minInstances: 3,
            maxInstances: 20,
            cpu: "2",
            memory: "1Gi",
            invokers: ["group:logistics-api-clients@example.com"],
        };
        const scaled = await planFor("prod", { "logistics:api": api });
        assert.deepEqual(changeTimeline(plan, scaled, diffPlans(plan, scaled)), {
            minutes: DURATIONS["gcp:cloudrunv2/service:Service"]!.update,
            criticalPath: [
                {
                    type: "gcp:cloudrunv2/service:Service",
                    name: "lgx-prod-api-service",
                    minutes: DURATIONS["gcp:cloudrunv2/service:Service"]!.update,
                },
            ],
        });
        assert.equal(changeTimeline(plan, plan, diffPlans(plan, plan)).minutes, 0);
    });
});

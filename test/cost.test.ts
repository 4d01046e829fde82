// The cost estimate: price arithmetic against hand-computed figures, the delta of known changes on
// the real plan, the budget policy, and the config sections' messages.
import * as assert from "assert";
import {
    budgetOf,
    costDelta,
    estimateCost,
    parseMemoryGib,
    price,
    runBilling,
    streamCost,
    type CostResource,
} from "../tools/offline/cost";
import { costResources, estimateDiff } from "../tools/offline/estimate";
import { diffPlans } from "../tools/offline/diff";
import PRICES from "../tools/offline/prices.json";
import { loadPolicyConfig, runPolicies } from "../tools/offline/policy";
import { main } from "../tools/preview";
import { configProblems, EVERY_FEATURE, planFor, runInProcess } from "./harness";

const RUN = "gcp:cloudrunv2/service:Service";
const BUCKET = "gcp:storage/bucket:Bucket";

/** One resource plus the Platform component carrying the given estimates. */
function withUsage(r: CostResource, estimates: Record<string, unknown> = {}): CostResource[] {
    return [{ type: "logistics:stack:Platform", name: "p", props: { estimates, budget: {} } }, r];
}

const itemOf = (resources: CostResource[], name: string) =>
    estimateCost(resources).items.find((i) => i.name === name)!;

describe("cost: price arithmetic", () => {
    it("uses the data file's prices the examples below were computed with", () => {
        // If a price is updated, recompute the examples by hand.
        assert.deepEqual(
            [
                "run.instanceBased.vcpuSecond",
                "run.instanceBased.gibSecond",
                "run.requestBased.idleVcpuSecond",
                "run.requestBased.idleGibSecond",
                "run.requestBased.vcpuSecond",
                "run.requestBased.gibSecond",
                "run.requestBased.perMillionRequests",
                "storage.multiRegion.STANDARD",
                "storage.multiRegion.COLDLINE",
                "storage.multiRegion.ARCHIVE",
                "storage.region.STANDARD",
                "storage.region.ARCHIVE",
                "storage.minimumDays.ARCHIVE",
                "composer.dcuHour",
                "composer.databaseGibHour",
                "bigquery.slotHour.ENTERPRISE",
            ].map((k) => price(k).value),
            [
                0.000018, 0.000002, 0.0000025, 0.0000025, 0.000024, 0.0000025, 0.4, 0.026, 0.00875,
                0.003, 0.02, 0.0012, 365, 0.06, 0.000232877, 0.06,
            ],
        );
    });

    it("gives every price its Google page, the date read, and a reason when unverified", () => {
        for (const [key, p] of Object.entries(PRICES.prices)) {
            const entry = p as { source: string; read: string; verified: boolean; reason?: string };
            assert.match(entry.source, /^https:\/\/cloud\.google\.com\//, key);
            assert.match(entry.read, /^\d{4}-\d{2}-\d{2}$/, key);
            assert.equal(entry.verified || (entry.reason ?? "").length > 0, true, key);
        }
    });

    it("prices Cloud Run min instances by instance time when resources are set without cpuIdle", () => {
        // 2 instances × 2,628,000 s × (2 vCPU × 0.000018 + 1 GiB × 0.000002) = 2 × 99.864 = 199.728
        const service: CostResource = {
            type: RUN,
            name: "api",
            props: {
                template: {
                    scaling: { minInstanceCount: 2 },
                    containers: [{ resources: { limits: { cpu: "2", memory: "1Gi" } } }],
                },
            },
        };
        const item = itemOf(withUsage(service), "api");
        assert.equal(item.monthlyUsd, 199.73);
        assert.match(item.basis, /^instance-based billing/);
    });

    it("prices request-based billing (cpuIdle: true) as idle instances, request time and requests", () => {
        // idle: 1 × 2,628,000 × (1 × 0.0000025 + 0.5 × 0.0000025) = 9.855
        // active: 1,000,000 × 0.5 s / 10 = 50,000 s × (0.000024 + 0.5 × 0.0000025) = 1.2625
        // requests: 1 × 0.40 = 0.40; total 11.5175
        const service: CostResource = {
            type: RUN,
            name: "api",
            props: {
                template: {
                    scaling: { minInstanceCount: 1 },
                    maxInstanceRequestConcurrency: 10,
                    containers: [
                        { resources: { cpuIdle: true, limits: { cpu: "1", memory: "512Mi" } } },
                    ],
                },
            },
        };
        const item = itemOf(
            withUsage(service, { apiRequestsPerMonth: 1_000_000, apiRequestSeconds: 0.5 }),
            "api",
        );
        assert.equal(item.monthlyUsd, 11.52);
    });

    it("reads Cloud Run's billing from cpuIdle as the provider defaults it", () => {
        assert.equal(runBilling([{ image: "x" }]), "request");
        assert.equal(runBilling([{ resources: { limits: { cpu: "1" } } }]), "instance");
        assert.equal(runBilling([{ resources: { cpuIdle: false } }]), "instance");
        assert.equal(runBilling([{ resources: { cpuIdle: true } }]), "request");
        assert.equal(parseMemoryGib("512Mi"), 0.5);
        assert.equal(parseMemoryGib("2Gi"), 2);
    });

    it("prices a tiered bucket's classes over each object's life", () => {
        // 1 GB/day: 30 days Standard, 150 Coldline, 220 Archive (deleted at 400, past Archive's 365)
        // = 30 × 0.026 + 150 × 0.00875 + 220 × 0.003 = 0.78 + 1.3125 + 0.66 = 2.7525, no early deletion
        const bucket: CostResource = {
            type: BUCKET,
            name: "b",
            props: {
                location: "US",
                labels: { component: "backups" },
                lifecycleRules: [
                    {
                        action: { type: "SetStorageClass", storageClass: "COLDLINE" },
                        condition: { age: 30 },
                    },
                    {
                        action: { type: "SetStorageClass", storageClass: "ARCHIVE" },
                        condition: { age: 180 },
                    },
                    { action: { type: "Delete" }, condition: { age: 400 } },
                    { action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: 7 } },
                ],
            },
        };
        const item = itemOf(withUsage(bucket, { storageGbPerDay: { backups: 1 } }), "b");
        assert.equal(item.monthlyUsd, 2.75);
        assert.doesNotMatch(item.basis, /early deletion/);
    });

    it("names estimates no bucket or dataset takes instead of ignoring them", () => {
        const bucket: CostResource = {
            type: BUCKET,
            name: "b",
            props: { location: "US", labels: { component: "backups" } },
        };
        const dataset: CostResource = {
            type: "gcp:bigquery/dataset:Dataset",
            name: "d",
            props: { datasetId: "raw" },
        };
        const estimates = {
            storageGbPerDay: { backups: 1, "data-lak/raw": 3 },
            bigQueryGb: { raw: { active: 1, longTerm: 0 }, rwa: { active: 5, longTerm: 0 } },
        };
        const [platform, b] = withUsage(bucket, estimates);
        assert.deepEqual(estimateCost([platform!, b!, dataset]).unmatchedEstimates, [
            {
                key: "logistics:estimates.storageGbPerDay.data-lak/raw",
                reason: 'no bucket has the purpose or component "data-lak" (the plan\'s: backups)',
            },
            {
                key: "logistics:estimates.bigQueryGb.rwa",
                reason: 'no dataset "rwa" (the plan\'s: raw)',
            },
        ]);
    });

    it("charges early deletion when a tiered class is deleted before its minimum duration", () => {
        // Regional, 2 GB/day: 30 days Standard, then Archive until deleted at 100 days.
        // at rest: 60 GB × 0.02 + 140 GB × 0.0012 = 1.2 + 0.168 = 1.368
        // early deletion: 2 GB/day × 0.0012 × (365 − 100) days = 0.636; total 2.004
        const s = streamCost(
            2,
            [
                {
                    action: { type: "SetStorageClass", storageClass: "ARCHIVE" },
                    condition: { age: 30 },
                },
                { action: { type: "Delete" }, condition: { age: 100 } },
            ],
            "STANDARD",
            "region",
            365,
            0,
            { get: (k: string) => price(k).value } as never,
        );
        assert.deepEqual(s.gbByClass, { STANDARD: 60, ARCHIVE: 140 });
        assert.equal(Math.round(s.earlyDeletionUsd * 1000) / 1000, 0.636);
        assert.equal(Math.round(s.monthlyUsd * 1000) / 1000, 2.004);
    });

    it("keeps objects a retention policy holds past a shorter Delete age", () => {
        const s = streamCost(
            1,
            [{ action: { type: "Delete" }, condition: { age: 10 } }],
            "STANDARD",
            "region",
            365,
            30,
            { get: (k: string) => price(k).value } as never,
        );
        assert.deepEqual(s.gbByClass, { STANDARD: 30 });
    });

    it("applies prefix rules only to that prefix's volume", () => {
        // staging/ 1 GB/day deleted at 30 days: 30 GB × 0.026 = 0.78; raw/ 1 GB/day kept 100 days: 2.6
        const bucket: CostResource = {
            type: BUCKET,
            name: "lake",
            props: {
                location: "US",
                labels: { component: "data-lake" },
                lifecycleRules: [
                    {
                        action: { type: "Delete" },
                        condition: { age: 30, matchesPrefixes: ["staging/"] },
                    },
                ],
            },
        };
        const item = itemOf(
            withUsage(bucket, {
                storageGbPerDay: { "data-lake/raw": 1, "data-lake/staging": 1 },
                keepDays: 100,
            }),
            "lake",
        );
        assert.equal(item.monthlyUsd, 3.38);
    });

    it("prices Composer by DCU-hours and database storage", () => {
        // (4 DCU × 2 for HIGH_RESILIENCE + 2 schedulers + 2 workers + 1 DAG processor + 1 web server)
        // = 14 DCU × 730 h × 0.06 = 613.2; database 10 GiB × 730 h × 0.000232877 = 1.70; 614.90
        const env: CostResource = {
            type: "gcp:composer/environment:Environment",
            name: "c",
            props: {
                config: {
                    softwareConfig: { imageVersion: "composer-3-airflow-2.10.5" },
                    environmentSize: "ENVIRONMENT_SIZE_MEDIUM",
                    resilienceMode: "HIGH_RESILIENCE",
                    workloadsConfig: {
                        scheduler: { count: 2 },
                        worker: { minCount: 2, maxCount: 10 },
                    },
                },
            },
        };
        assert.equal(itemOf(withUsage(env), "c").monthlyUsd, 614.9);
    });

    it("prices a reservation's baseline slots and replaces on-demand queries by it", () => {
        // 100 slots × 730 h × 0.06 = 4380
        const ds: CostResource = {
            type: "gcp:bigquery/dataset:Dataset",
            name: "raw",
            props: { datasetId: "raw" },
        };
        const res: CostResource = {
            type: "gcp:bigquery/reservation:Reservation",
            name: "slots",
            props: { edition: "ENTERPRISE", slotCapacity: 100 },
        };
        const e = estimateCost([...withUsage(ds, { bigQueryGb: {} }), res]);
        assert.equal(e.items.find((i) => i.name === "slots")!.monthlyUsd, 4380);
        assert.equal(e.items.find((i) => i.name === "on-demand queries")!.monthlyUsd, 0);
    });

    it("marks every usage figure as an assumption and names the unverified prices", () => {
        const e = estimateCost(
            withUsage(
                {
                    type: BUCKET,
                    name: "b",
                    props: { location: "US", labels: { component: "backups" } },
                },
                { keepDays: 30 },
            ),
        );
        assert.deepEqual(
            e.assumptions.find((a) => a.key === "keepDays"),
            { key: "keepDays", value: 30, isDefault: false },
        );
        assert.equal(e.assumptions.find((a) => a.key === "imagesGb")!.isDefault, true);
        assert.deepEqual(
            e.unverifiedPrices.map((p) => p.key),
            ["storage.multiRegion.STANDARD"],
        );
        assert.match(e.basis, /1 price\(s\) not confirmed/);
    });
});

describe("cost: delta of known changes on the prod plan", function () {
    let base: CostResource[];
    before(async () => {
        base = costResources(await planFor("prod"));
    });
    const delta = async (changes: Record<string, unknown>) =>
        costDelta(estimateCost(base), estimateCost(costResources(await planFor("prod", changes))));
    const apiOf = (changes: Record<string, unknown>) => ({
        "logistics:api": {
            image: "logistics-api:0.1.0",
            minInstances: 2,
            maxInstances: 20,
            cpu: "2",
            memory: "1Gi",
            invokers: ["group:logistics-api-clients@example.com"],
            ...changes,
        },
    });

    it("maxInstances changes nothing (instances above the minimum are a usage assumption)", async () => {
        const d = await delta(apiOf({ maxInstances: 7 }));
        assert.equal(d.deltaMonthlyUsd, 0);
        assert.deepEqual(d.items, []);
    });

    it("one more min instance of 2 vCPU / 1 GiB adds its instance time", async () => {
        // 2,628,000 s × (2 × 0.000018 + 0.000002) = 99.864
        const d = await delta(apiOf({ minInstances: 3 }));
        assert.equal(d.deltaMonthlyUsd, 99.86);
        assert.deepEqual(
            d.items.map((i) => [i.name, i.deltaUsd]),
            [["lgx-prod-api-service", 99.86]],
        );
    });

    it("a 100-slot Enterprise reservation in place of prod's autoscaled Enterprise Plus one adds its baseline", async () => {
        // Prod: 0 baseline + 3000 autoscaled slot-hours × 0.10 = 300 (no on-demand queries).
        // Enterprise, 100 baseline: 100 × 730 × 0.06 + 3000 × 0.06 = 4560; + 4260.
        const d = await delta({
            "logistics:warehouse": {
                location: "US",
                timeTravelHours: 168,
                snapshots: { expirationDays: 35, time: "05:00" },
                reservation: { edition: "ENTERPRISE", baselineSlots: 100, maxSlots: 300 },
            },
        });
        assert.equal(d.deltaMonthlyUsd, 4260);
        assert.deepEqual(d.items.map((i) => [i.name, i.deltaUsd]).sort(), [
            ["lgx-prod-warehouse-slots", 4260],
        ]);
        // Without a reservation, on-demand queries come back: 2 TiB × 6.25 − 300.
        const onDemand = await delta({
            "logistics:warehouse": {
                location: "US",
                timeTravelHours: 168,
                snapshots: { expirationDays: 35, time: "05:00" },
            },
        });
        assert.deepEqual(onDemand.items.map((i) => [i.name, i.deltaUsd]).sort(), [
            ["lgx-prod-warehouse-slots", -300],
            ["on-demand queries", 12.5],
        ]);
    });
});

describe("cost: the budget policy", () => {
    const costViolations = async (changes: Record<string, unknown>) =>
        (await runPolicies(await planFor("prod", changes), loadPolicyConfig("prod"))).filter(
            (v) => v.policy === "stack-cost-within-budget",
        );

    it("fails prod's preview when the estimate exceeds logistics:budget.monthlyUsd", async () => {
        const v = await costViolations({ "logistics:budget": { monthlyUsd: 100 } });
        assert.equal(v.length, 1);
        assert.equal(v[0]!.enforcementLevel, "mandatory");
        assert.match(
            v[0]!.message,
            /^The stack's estimated monthly cost \$\d+\.\d\d must not exceed logistics:budget\.monthlyUsd \(\$100\.00\); largest: lgx-prod-composer-environment \$\d+\.\d\d, /,
        );
    });

    it("passes within the budget, and sets no limit without one", async () => {
        assert.deepEqual(await costViolations({}), []);
        assert.deepEqual(await costViolations({ "logistics:budget": {} }), []);
    });

    it("counts usage assumptions from the stack file, as the preview does", async () => {
        // The same budget passes with the default usage and fails with ten more API instances.
        const budget = { "logistics:budget": { monthlyUsd: 1500 } };
        assert.deepEqual(await costViolations(budget), []);
        assert.equal(
            (await costViolations({ ...budget, "logistics:estimates": { apiExtraInstances: 10 } }))
                .length,
            1,
        );
    });

    it("fails on a usage estimate that names no resource, which would price its resource at nothing", async () => {
        // `raw` misspelt: the raw dataset loses its volume and the total drops under the budget.
        const bigQueryGb = {
            rwa: { active: 5000, longTerm: 0 },
            staging: { active: 10, longTerm: 0 },
            marts: { active: 20, longTerm: 20 },
        };
        const v = await costViolations({ "logistics:estimates": { bigQueryGb } });
        assert.equal(v.length, 1, JSON.stringify(v));
        assert.equal(v[0]!.enforcementLevel, "mandatory");
        assert.match(
            v[0]!.message,
            /^Every usage estimate must name a resource of the stack to check logistics:budget\.monthlyUsd; logistics:estimates\.bigQueryGb\.rwa: no dataset "rwa" \(the plan's: .*raw.*\)\.$/,
        );
        // Without a budget the preview lists it (tools/offline/estimate.ts); no policy fails.
        assert.deepEqual(
            await costViolations({ "logistics:estimates": { bigQueryGb }, "logistics:budget": {} }),
            [],
        );
    });

    it("fails on a bucket or dataset no usage estimate names, which would be priced at nothing", async () => {
        const { withResources, judgePlan } = await import("./mutations");
        const gcp = await import("@pulumi/gcp");
        const plan = await withResources(() => {
            new gcp.storage.Bucket("exports-bucket", {
                name: "acme-exports",
                location: "US",
                labels: { purpose: "exports" },
            });
            new gcp.bigquery.Dataset("exports-dataset", {
                datasetId: "exports",
                location: "US",
                labels: { dataset: "exports" },
            });
        });
        const v = (await judgePlan(plan)).violations.filter(
            (x) => x.policy === "stack-cost-within-budget",
        );
        assert.equal(v.length, 1, JSON.stringify(v));
        assert.equal(v[0]!.enforcementLevel, "mandatory");
        assert.match(
            v[0]!.message,
            /^Every bucket and dataset must have a usage estimate to check logistics:budget\.monthlyUsd; none for: /,
        );
        assert.ok(
            v[0]!.message.includes(
                'exports-bucket (no volume for "exports" in logistics:estimates.storageGbPerDay)',
            ) &&
                v[0]!.message.includes(
                    'exports-dataset (no volume for dataset "exports" in logistics:estimates.bigQueryGb)',
                ),
            v[0]!.message,
        );
    });

    it("keeps the default volume of a bucket or dataset a stack's own map leaves out", async () => {
        const lake = async (changes: Record<string, unknown>) =>
            estimateCost(costResources(await planFor("prod", changes))).items.find(
                (i) => i.name === "lgx-prod-lake-bucket",
            )!;
        const raw = async (changes: Record<string, unknown>) =>
            estimateCost(costResources(await planFor("prod", changes))).items.find(
                (i) => i.name === "lgx-prod-warehouse-raw",
            )!;
        // Setting only the backups' volume, or only marts', keeps the lake's and raw's defaults.
        const only = {
            "logistics:estimates": {
                storageGbPerDay: { backups: 3 },
                bigQueryGb: { marts: { active: 1, longTerm: 1 } },
            },
        };
        assert.equal((await lake(only)).monthlyUsd, (await lake({})).monthlyUsd);
        assert.ok((await lake(only)).monthlyUsd > 0);
        assert.equal((await raw(only)).monthlyUsd, (await raw({})).monthlyUsd);
        assert.match((await raw(only)).basis, /^50 GB active \+ 200 GB long-term/);
    });

    it("refuses a budget it cannot read rather than taking it as no limit", () => {
        const platform = (budget: unknown) => [
            { type: "logistics:stack:Platform", name: "p", props: { budget } },
        ];
        assert.equal(budgetOf(platform({ monthlyUsd: 5 })), 5);
        assert.equal(budgetOf(platform({})), undefined);
        assert.equal(budgetOf(platform("[secret]")), "unreadable");
        assert.equal(budgetOf(platform({ monthlyUsd: "(known after deploy)" })), "unreadable");
        const hidden = new Proxy(
            {},
            {
                get() {
                    throw new Error("unknown during preview");
                },
            },
        );
        assert.equal(
            budgetOf([{ type: "logistics:stack:Platform", name: "p", props: hidden }]),
            "unreadable",
        );
    });
});

describe("cost: config", () => {
    const cases: [string, Record<string, unknown>, string[]][] = [
        [
            "negative budget",
            { "logistics:budget": { monthlyUsd: -5 } },
            ["logistics:budget.monthlyUsd: got -5. Expected 0 to 100000000 USD."],
        ],
        [
            "budget as text",
            { "logistics:budget": { monthlyUsd: "lots" } },
            ['logistics:budget.monthlyUsd: got "lots". Expected 0 to 100000000 USD.'],
        ],
        [
            "negative volume",
            { "logistics:estimates": { storageGbPerDay: { backups: -1 } } },
            ["logistics:estimates.storageGbPerDay.backups: got -1. Expected 0 to 1000000 GB."],
        ],
        [
            "bad bucket role",
            { "logistics:estimates": { storageGbPerDay: { "Data Lake": 1 } } },
            [
                'logistics:estimates.storageGbPerDay."Data Lake": invalid key "Data Lake". Expected a bucket\'s purpose or component label, optionally /<prefix> (e.g. data-lake/raw).',
            ],
        ],
        [
            "keepDays zero",
            { "logistics:estimates": { keepDays: 0 } },
            ["logistics:estimates.keepDays: got 0. Expected an integer from 1 to 36500."],
        ],
    ];
    for (const [title, changes, expected] of cases)
        it(`rejects ${title}`, () => assert.deepEqual(configProblems(changes), expected));

    it("suggests the key for a typo", () => {
        const [problem] = configProblems({ "logistics:estimates": { keepDay: 3 } });
        assert.match(
            problem!,
            /^logistics:estimates\.keepDay: unknown key\. Did you mean keepDays\?/,
        );
    });
});

describe("cost: what it cannot price", () => {
    it("reports a type without a price instead of taking it as free", () => {
        const vm: CostResource = { type: "gcp:compute/instance:Instance", name: "vm", props: {} };
        const e = estimateCost(withUsage(vm));
        assert.deepEqual(e.notPriced, [{ type: "gcp:compute/instance:Instance", name: "vm" }]);
        assert.equal(
            e.items.find((i) => i.name === "vm")!.basis,
            "not priced: no price for gcp:compute/instance:Instance in tools/offline/prices.json",
        );
    });

    it("prices only Composer 3 by DCU", () => {
        const env: CostResource = {
            type: "gcp:composer/environment:Environment",
            name: "c2",
            props: { config: { softwareConfig: { imageVersion: "composer-2.9.7-airflow-2.9.3" } } },
        };
        assert.deepEqual(estimateCost(withUsage(env)).notPriced, [
            { type: "gcp:composer/environment:Environment", name: "c2" },
        ]);
    });

    it("prices every resource of both stacks, with every optional feature on", async () => {
        for (const stack of ["dev", "prod"])
            for (const changes of [{}, EVERY_FEATURE])
                assert.deepEqual(
                    estimateCost(costResources(await planFor(stack, changes))).notPriced,
                    [],
                    stack,
                );
    });

    it("makes the budget policy fail on a resource it cannot price", async () => {
        const { stackCostWithinBudget } = await import("../policies/cost");
        const messages: string[] = [];
        await stackCostWithinBudget.validateStack!(
            {
                resources: [
                    {
                        type: "logistics:stack:Platform",
                        name: "p",
                        props: { budget: { monthlyUsd: 10 } },
                    },
                    { type: "gcp:compute/instance:Instance", name: "vm", props: {} },
                ],
            } as never,
            (m: string) => messages.push(m),
        );
        assert.deepEqual(messages, [
            "Every resource must have a price to check logistics:budget.monthlyUsd; not priced: vm (gcp:compute/instance:Instance). Add the type's price to tools/offline/prices.json and tools/offline/cost.ts.",
        ]);
    });
});

describe("cost and timeline: the --diff JSON sections", () => {
    it("carry the shapes the preview documents: cost with deltaMonthlyUsd, timeline with change.minutes", async () => {
        const base = await planFor("prod");
        const head = await planFor("prod", {
            "logistics:api": {
                image: "logistics-api:0.1.0",
                minInstances: 3,
                maxInstances: 20,
                cpu: "2",
                memory: "1Gi",
                invokers: ["group:logistics-api-clients@example.com"],
            },
        });
        const { json } = estimateDiff(base, head, diffPlans(base, head), {
            cost: true,
            timeline: true,
        }) as { json: Record<string, Record<string, unknown>> };
        const cost = json["cost"]!;
        assert.deepEqual(Object.keys(cost).sort(), [
            "assumptions",
            "basis",
            "deltaItems",
            "deltaMonthlyUsd",
            "items",
            "monthlyUsd",
            "notPriced",
            "unestimated",
            "unmatchedEstimates",
            "unverifiedPrices",
        ]);
        // One more 2 vCPU / 1 GiB instance: 2,628,000 s × (2 × 0.000018 + 0.000002) = 99.864.
        assert.equal(cost["deltaMonthlyUsd"], 99.86);
        for (const item of cost["items"] as object[])
            assert.deepEqual(Object.keys(item), ["type", "name", "monthlyUsd", "basis"]);
        const timeline = json["timeline"]!;
        for (const key of ["fullRebuild", "dataLayerUsable"])
            assert.equal(typeof (timeline[key] as { minutes: unknown }).minutes, "number", key);
        for (const step of timeline["criticalPath"] as object[])
            assert.deepEqual(Object.keys(step), ["type", "name", "minutes"]);
        const change = timeline["change"] as { minutes: number; criticalPath: { name: string }[] };
        assert.ok(change.minutes > 0);
        assert.deepEqual(
            change.criticalPath.map((s) => s.name),
            ["lgx-prod-api-service"],
        );
    });
});

describe("cost and timeline: the preview's flags", () => {
    for (const stack of ["dev", "prod"])
        it(`--cost --timeline --json give the sections on ${stack}`, async () => {
            const r = await runInProcess(main, [
                "--stack",
                stack,
                "--json",
                "--cost",
                "--timeline",
            ]);
            assert.equal(r.status, 0, r.stderr);
            const out = JSON.parse(r.stdout) as {
                cost: { monthlyUsd: number; items: object[]; assumptions: object[] };
                timeline: {
                    fullRebuild: { minutes: number };
                    dataLayerUsable: { minutes: number };
                    criticalPath: object[];
                };
            };
            assert.ok(out.cost.monthlyUsd > 0);
            for (const item of out.cost.items)
                assert.deepEqual(Object.keys(item), ["type", "name", "monthlyUsd", "basis"]);
            // The shipped stacks' estimates all name a bucket role or dataset of the plan.
            assert.deepEqual((out.cost as { unmatchedEstimates?: unknown }).unmatchedEstimates, []);
            assert.ok(out.cost.assumptions.length > 0);
            assert.ok(out.timeline.fullRebuild.minutes > out.timeline.dataLayerUsable.minutes);
            assert.deepEqual(Object.keys(out.timeline.criticalPath[0]!), [
                "type",
                "name",
                "minutes",
            ]);
        });
});

// logistics:failover: compute moves to another region, data stays. Checked on the offline diff of
// the shipped stacks against the same stacks with a failover block.
import { strict as assert } from "assert";
import { diffPlans } from "../tools/offline/diff";
import { configProblems, planFor } from "./harness";

/** What a regional failover may replace or update: Composer, the API, its registry and their wiring. */
const COMPUTE = new Set([
    "gcp:composer/environment:Environment",
    "gcp:artifactregistry/repository:Repository",
    "gcp:cloudrunv2/service:Service",
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
    "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig",
]);

describe("regional failover (logistics:failover)", () => {
    for (const stack of ["prod", "dev"])
        it(`${stack}: replaces Composer, the API and its registry in the new region, and touches no data resource`, async () => {
            // Built afresh: the shared shipped plan is only as read-only as every other test keeps it.
            const base = await planFor(stack, {});
            const head = await planFor(stack, { "logistics:failover": { region: "us-east4" } });
            const diff = diffPlans(base, head);
            const outside = diff.changes.filter((c) => !COMPUTE.has(c.type));
            assert.deepEqual(
                outside.map((c) => `${c.op} ${c.type} ${c.name}`),
                [],
                "only compute changes (buckets, datasets, tables, schedules, restores and grants stay)",
            );
            const replaced = diff.changes.filter((c) => c.op === "replace").map((c) => c.name);
            // The service's invoker grants move with it, every one of them.
            const invokers = base.resources
                .filter((r) => r.type === "gcp:cloudrunv2/serviceIamMember:ServiceIamMember")
                .map((r) => r.name);
            assert.ok(invokers.length >= 1);
            assert.deepEqual(
                replaced.sort(),
                [
                    `lgx-${stack}-api-images`,
                    `lgx-${stack}-api-service`,
                    `lgx-${stack}-composer-environment`,
                    ...invokers,
                ].sort(),
            );
            const composer = diff.changes.find(
                (c) => c.name === `lgx-${stack}-composer-environment`,
            )!;
            assert.deepEqual(
                composer.changes.find((v) => v.path === "region"),
                {
                    path: "region",
                    before: "us-central1",
                    after: "us-east4",
                },
            );
            // The API runs the same image from the new region's registry.
            const api = diff.changes.find((c) => c.name === `lgx-${stack}-api-service`)!;
            const image = api.changes.find((v) => v.path === "template.containers[0].image")!;
            assert.match(String(image.after), /^us-east4-docker\.pkg\.dev\//);
            // Protected compute must be unprotected first (docs/runbook.md, "Regional failover").
            assert.deepEqual(
                diff.protectedViolations.map((v) => v.split(" is protected")[0]),
                stack === "prod"
                    ? [
                          "gcp:artifactregistry:Repository lgx-prod-api-images",
                          "gcp:composer:Environment lgx-prod-composer-environment",
                      ]
                    : [],
            );
        });

    it("refuses a failover to the region it fails over from, or to no region", () => {
        assert.deepEqual(configProblems({ "logistics:failover": { region: "us-central1" } }), [
            'logistics:failover.region: got "us-central1", the same as gcp:region. Expected another region (e.g. us-east1), or remove logistics:failover to run compute in gcp:region.',
        ]);
        assert.equal(configProblems({ "logistics:failover": { region: "mars-north1" } }).length, 1);
        assert.match(
            configProblems({ "logistics:failover": { region: "mars-north1" } })[0]!,
            /^logistics:failover\.region: got "mars-north1"\. Expected a GCP region, one of/,
        );
        assert.match(
            configProblems({ "logistics:failover": {} })[0]!,
            /^logistics:failover\.region: /,
        );
    });
});

// Managed disaster recovery as config: an Enterprise Plus reservation with a secondary location,
// the raw dataset's replica there attached to it as its failover reservation, the rules BigQuery
// documents for it, and what the recovery matrix says of it.
import { strict as assert } from "assert";
import { managedDrPairProblem } from "../components/datasetReplica";
import { allPolicies } from "../policies/all";
import { runPolicies } from "../tools/offline/policy";
import type { Plan } from "../tools/offline/engine";
import { parseStackConfig } from "../stacks/config";
import { matrixBasis, recoveryMatrix } from "../tools/offline/recoveryMatrix";
import { configProblems, planFor, resource, withChanges } from "./harness";

const dr = (warehouse: Record<string, unknown>, reservation: Record<string, unknown> = {}) => ({
    "logistics:warehouse": {
        location: "US",
        snapshots: { expirationDays: 35 },
        replicaLocation: "us-east4",
        ...warehouse,
        reservation: {
            edition: "ENTERPRISE_PLUS",
            baselineSlots: 0,
            maxSlots: 100,
            secondaryLocation: "us-east4",
            ...reservation,
        },
    },
});
const KEY = "logistics:warehouse.reservation.secondaryLocation";

describe("managed disaster recovery", () => {
    it("declares the failover reservation, a PIPELINE assignment and the attach job after the replica", async () => {
        const plan = await planFor("prod", dr({}));
        const reservation = resource(
            plan,
            "gcp:bigquery/reservation:Reservation",
            "lgx-prod-warehouse-slots",
        );
        assert.equal(reservation.inputs["secondaryLocation"], "us-east4");
        assert.equal(reservation.inputs["edition"], "ENTERPRISE_PLUS");
        assert.equal(reservation.inputs["location"], "US");
        const assignments = plan.resources
            .filter((r) => r.type === "gcp:bigquery/reservationAssignment:ReservationAssignment")
            .map((r) => r.inputs["jobType"])
            .sort();
        assert.deepEqual(assignments, ["PIPELINE", "QUERY"]);
        const jobs = plan.resources.filter(
            (r) => r.type === "gcp:bigquery/job:Job" && r.name.startsWith("lgx-prod-raw-replica-"),
        );
        const sql = (r: (typeof jobs)[number]) => (r.inputs["query"] as { query: string }).query;
        assert.deepEqual(jobs.map(sql).sort(), [
            "ALTER SCHEMA `replace-me-logistics-prod.raw` ADD REPLICA `us-east4` OPTIONS (location = 'us-east4')",
            "ALTER SCHEMA `replace-me-logistics-prod.raw` SET OPTIONS (failover_reservation = 'replace-me-logistics-prod.lgx-prod-slots')",
        ]);
        const attach = jobs.find((j) => sql(j).includes("failover_reservation"))!;
        const add = jobs.find((j) => sql(j).includes("ADD REPLICA"))!;
        assert.equal(attach.inputs["location"], "US");
        assert.match(String(attach.inputs["jobId"]), /^failover_raw_[0-9a-f]{12}$/);
        assert.equal(attach.options.retainOnDelete, true);
        // It runs after the replica and the reservation exist.
        const deps = attach.dependencies;
        assert.ok(deps.includes(add.urn), `attach waits for the replica: ${deps.join(", ")}`);
        assert.ok(
            deps.includes(reservation.urn),
            `attach waits for the reservation: ${deps.join(", ")}`,
        );
        // A plain replica: neither the attach job nor a PIPELINE assignment.
        const plain = await planFor("prod", {
            "logistics:warehouse": { location: "US", replicaLocation: "us-east4" },
        });
        assert.equal(
            plain.resources.filter((r) => String(r.inputs["query"] ?? "").includes("failover"))
                .length + plain.resources.filter((r) => r.inputs["jobType"] === "PIPELINE").length,
            0,
        );
    });

    it("needs edition ENTERPRISE_PLUS", () => {
        assert.deepEqual(configProblems(dr({}, { edition: "ENTERPRISE" }), { stack: "prod" }), [
            `${KEY}: got "us-east4" with edition ENTERPRISE. Expected edition ENTERPRISE_PLUS: BigQuery offers managed disaster recovery (a failover reservation) with Enterprise Plus only.`,
        ]);
    });

    it("needs the replica in the secondary location, and a secondary other than the primary", () => {
        assert.deepEqual(configProblems(dr({ replicaLocation: "us-east1" }), { stack: "prod" }), [
            `${KEY}: got "us-east4", while logistics:warehouse.replicaLocation is "us-east1". Expected the replica's location: BigQuery attaches a dataset to a failover reservation only when its replica is in the reservation's secondary location (https://cloud.google.com/bigquery/docs/managed-disaster-recovery#attach_a_dataset_to_a_reservation).`,
        ]);
        assert.match(
            configProblems(dr({ replicaLocation: undefined }), { stack: "prod" })[0]!,
            /^logistics:warehouse\.reservation\.secondaryLocation: got "us-east4", while logistics:warehouse\.replicaLocation is unset\./,
        );
        const same = configProblems(dr({ replicaLocation: "US" }, { secondaryLocation: "US" }), {
            stack: "prod",
        });
        assert.ok(
            same.includes(
                `${KEY}: got "US", the datasets' own location. Expected another location: the primary and secondary of a failover reservation differ.`,
            ),
            same.join("\n"),
        );
    });

    it("refuses the pairs BigQuery refuses: across groups, and a multi-region with the region holding its data", () => {
        assert.deepEqual(
            configProblems(
                dr({ replicaLocation: "us-central1" }, { secondaryLocation: "us-central1" }),
                {
                    stack: "prod",
                },
            ),
            [
                `${KEY}: got "us-central1" for datasets in "US": BigQuery refuses the pair us-central1 - US multi-region, whose data may be in us-central1. Expected another region of US, e.g. us-east1 or us-east4 (https://cloud.google.com/bigquery/docs/managed-disaster-recovery#locations).`,
            ],
        );
        assert.deepEqual(
            configProblems(dr({ replicaLocation: "EU" }, { secondaryLocation: "EU" }), {
                stack: "prod",
            }),
            [
                `${KEY}: got "EU" for datasets in "US": "US" (US) and "EU" (EU) lie in different groups. Expected a pair within one of ASIA, AU, CA, DE, EU, IN, US (https://cloud.google.com/bigquery/docs/managed-disaster-recovery#locations).`,
            ],
        );
        assert.equal(managedDrPairProblem("us-east1", "us-west1"), undefined);
        // europe-west3 is in two groups (DE and EU): a pair within either is allowed.
        assert.equal(managedDrPairProblem("europe-west3", "europe-west1"), undefined);
        assert.equal(managedDrPairProblem("EU", "europe-west3"), undefined);
        assert.equal(managedDrPairProblem("europe-west3", "europe-west10"), undefined);
        assert.match(
            managedDrPairProblem("europe-west10", "europe-west1")!,
            /^"europe-west10" \(DE\) and "europe-west1" \(EU\) lie in different groups\./,
        );
        assert.equal(
            managedDrPairProblem("europe-west4", "EU"),
            managedDrPairProblem("EU", "europe-west4"),
        );
        assert.match(
            managedDrPairProblem("EU", "europe-west4")!,
            /refuses the pair europe-west4 - EU multi-region/,
        );
        assert.match(
            managedDrPairProblem("us-east1", "southamerica-east1")!,
            /^"southamerica-east1" is not a location BigQuery offers for a failover reservation\./,
        );
    });

    it("makes the managed-DR secondary the matrix's source for the loss of the data location, figures marked documented", () => {
        const config = parseStackConfig(withChanges("prod", dr({})), {
            allowPlaceholderProject: true,
        });
        const row = recoveryMatrix(config, "prod").find((r) =>
            r.failure.startsWith("loss of the data location"),
        )!;
        assert.match(row.source, /^managed disaster recovery: hard failover/);
        assert.match(row.rpo, /^up to 15 min \(Google's stated target/);
        assert.match(
            matrixBasis(config),
            /\(5 min RTO, 15 min RPO\) are Google's stated objectives .* not measured/,
        );
    });

    it("policies: the replica's two statements pass the raw-data policy, other SQL there does not; the secondary is a placement", async () => {
        const violations = async (
            policy: string,
            plan: Plan,
            params: Record<string, unknown> = {},
        ) =>
            (
                await runPolicies(
                    plan,
                    { [policy]: { enforcementLevel: "mandatory", ...params } } as never,
                    allPolicies.filter((x) => x.name === policy),
                )
            ).map((v) => v.message);
        const plan = await planFor("prod");
        const policy = "bigquery-scheduled-sql-keeps-raw-data";
        assert.deepEqual(await violations(policy, plan), []);
        const tampered: Plan = {
            ...plan,
            resources: plan.resources.map((r) =>
                r.urn.includes("DatasetReplica$gcp:bigquery/job:Job") &&
                String((r.inputs["query"] as { query: string }).query).includes("failover")
                    ? {
                          ...r,
                          inputs: {
                              ...r.inputs,
                              query: {
                                  query: "DELETE FROM raw.packages WHERE TRUE",
                                  useLegacySql: false,
                              },
                          },
                      }
                    : r,
            ),
        };
        assert.equal((await violations(policy, tampered)).length, 1);
        const residency = await violations("regions-every-resource", plan, {
            allowed: ["US", "us-central1", "us-east1"],
        });
        assert.ok(
            residency.includes(
                "secondaryLocation must be an allowed location (US, us-central1, us-east1), got us-east4.",
            ),
            residency.join("\n"),
        );
    });
});

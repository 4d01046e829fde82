// Region loss as config: turbo replication of the backups bucket where Cloud Storage allows it,
// and what the recovery matrix says each placement keeps.
import { strict as assert } from "assert";
import { parseStackConfig } from "../stacks/config";
import { backupReplication, recoveryMatrix } from "../tools/offline/recoveryMatrix";
import { configProblems, planFor, resource, withChanges } from "./harness";

const BUCKET = "gcp:storage/bucket:Bucket";
const prodBackups = () => JSON.parse(withChanges("prod", {})["logistics:backups"]!) as object;
const backups = (changes: Record<string, unknown>) => ({
    "logistics:backups": { ...prodBackups(), ...changes },
});
const replication = (changes: Record<string, unknown>) =>
    backupReplication(
        parseStackConfig(withChanges("prod", backups(changes)), { allowPlaceholderProject: true }),
    );

describe("region loss: the backups bucket's replication", () => {
    it("turns turbo replication on for a dual-region, configurable or predefined", async () => {
        const plan = await planFor(
            "prod",
            backups({
                location: undefined,
                dualRegion: ["us-central1", "us-east1"],
                turboReplication: true,
            }),
        );
        const bucket = resource(plan, BUCKET, "lgx-prod-backups-bucket");
        assert.equal(bucket.inputs["rpo"], "ASYNC_TURBO");
        assert.deepEqual(bucket.inputs["customPlacementConfig"], {
            dataLocations: ["US-CENTRAL1", "US-EAST1"],
        });
        assert.deepEqual(
            configProblems(backups({ location: "NAM4", turboReplication: true }), {
                stack: "prod",
            }),
            [],
        );
        // Off by default: the bucket takes Cloud Storage's default replication.
        const shipped = resource(await planFor("prod"), BUCKET, "lgx-prod-backups-bucket");
        assert.equal(shipped.inputs["rpo"], undefined);
    });

    it("refuses turbo replication where Cloud Storage has none (a multi-region, a region)", () => {
        assert.deepEqual(configProblems(backups({ turboReplication: true }), { stack: "prod" }), [
            'logistics:backups.turboReplication: is true for "US", not a dual-region. Expected dualRegion: [region, region] or a predefined dual-region (NAM4, EUR4, EUR5, EUR7, EUR8, ASIA1): Cloud Storage replicates with turbo replication between the two regions of a dual-region only.',
        ]);
        assert.deepEqual(configProblems({ "logistics:backups": { turboReplication: true } }), [
            "logistics:backups.turboReplication: is true for a bucket in gcp:region, not a dual-region. Expected dualRegion: [region, region] or a predefined dual-region (NAM4, EUR4, EUR5, EUR7, EUR8, ASIA1): Cloud Storage replicates with turbo replication between the two regions of a dual-region only.",
        ]);
        assert.deepEqual(configProblems({ "logistics:backups": { turboReplication: "yes" } }), [
            'logistics:backups.turboReplication: got "yes". Expected true or false.',
        ]);
    });

    it("says what each placement keeps through a region's loss, and its replication RPO", () => {
        assert.match(
            replication({}),
            /\(US\) keeps the backups .* default replication copies 99\.9% of new objects within 1 hour, all within 12 hours/,
        );
        assert.match(
            replication({
                location: undefined,
                dualRegion: ["us-central1", "us-east1"],
                turboReplication: true,
            }),
            /\(us-central1\+us-east1\) keeps .* turbo replication copies every new object within 15 minutes/,
        );
        assert.equal(
            backupReplication(
                parseStackConfig(withChanges("dev", {}), { allowPlaceholderProject: true }),
            ),
            "The backups bucket is in one region (us-central1): its loss takes the backups with it.",
        );
    });
});

describe("region loss: a replica of the raw dataset", () => {
    const replicaAt = (location: string) => ({
        "logistics:warehouse": {
            location: "US",
            snapshots: { expirationDays: 35 },
            replicaLocation: location,
        },
    });

    it("adds it once by a job in the primary's location, kept when the config drops it", async () => {
        const plan = await planFor("prod", replicaAt("EU"));
        const jobs = plan.resources.filter(
            (r) => r.type === "gcp:bigquery/job:Job" && r.name.startsWith("lgx-prod-raw-replica-"),
        );
        assert.equal(jobs.length, 1);
        const job = jobs[0]!;
        assert.equal(
            (job.inputs["query"] as { query: string }).query,
            "ALTER SCHEMA `replace-me-logistics-prod.raw` ADD REPLICA `EU` OPTIONS (location = 'EU')",
        );
        assert.equal(job.inputs["location"], "US");
        assert.match(String(job.inputs["jobId"]), /^replica_raw_eu_[0-9a-f]{12}$/);
        assert.equal(job.options.retainOnDelete, true);
        assert.deepEqual(job.options.ignoreChanges, ["query", "load", "labels", "location"]);
        // Another location is another job; the same one, the same job.
        const east = await planFor("prod", replicaAt("us-east4"));
        const eastJob = east.resources.find((r) => r.name.startsWith("lgx-prod-raw-replica-"))!;
        assert.notEqual(eastJob.inputs["jobId"], job.inputs["jobId"]);
        assert.equal(
            (await planFor("prod", replicaAt("EU"))).resources.find((r) =>
                r.name.startsWith("lgx-prod-raw-replica-"),
            )!.inputs["jobId"],
            job.inputs["jobId"],
        );
    });

    it("refuses a replica in the datasets' own location, and a location BigQuery does not have", () => {
        assert.deepEqual(configProblems(replicaAt("US"), { stack: "prod" }), [
            "logistics:warehouse.replicaLocation: got \"US\", the datasets' own location. Expected another region or multi-region: a replica protects only from outside its primary's location.",
        ]);
        assert.match(
            configProblems(replicaAt("NAM4"), { stack: "prod" })[0]!,
            /^logistics:warehouse\.replicaLocation: got "NAM4"\. Expected a region \(e\.g\. us-central1, see gcp:region\) or US or EU/,
        );
    });

    it("covers the loss of the data location in the recovery matrix", () => {
        const rows = recoveryMatrix(
            parseStackConfig(withChanges("prod", replicaAt("EU")), {
                allowPlaceholderProject: true,
            }),
            "prod",
        );
        const row = rows.find((r) => r.failure.startsWith("loss of the data location"))!;
        assert.match(row.source, /^cross-region replica of raw in EU/);
        assert.match(row.commands, /ALTER SCHEMA raw SET OPTIONS \(primary_replica = 'EU'\)/);
    });
});

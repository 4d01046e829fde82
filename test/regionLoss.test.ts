// Region loss as config: turbo replication of the backups bucket where Cloud Storage allows it,
// and what the recovery matrix says each placement keeps.
import { strict as assert } from "assert";
import { parseStackConfig } from "../stacks/config";
import { backupReplication } from "../tools/offline/recoveryMatrix";
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

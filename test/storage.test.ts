// Data lake and backups buckets: lifecycle, retention, versioning, placement and protection.
import { strict as assert } from "assert";
import { backupLifecycleRules } from "../components/backupStore";
import { dataLakeLifecycleRules } from "../components/dataLake";
import { parseStackConfig } from "../stacks/config";
import { planFor, resource, withChanges } from "./harness";

const BUCKET = "gcp:storage/bucket:Bucket";

function settings(stack: string, changes: Record<string, unknown> = {}) {
    return parseStackConfig(withChanges(stack, changes), { allowPlaceholderProject: true });
}

describe("data lake", () => {
    it("deletes staging/ after 30 days by default: the runbook's weekly gsutil rm", () => {
        const config = settings("dev", { "logistics:dataLake": {} });
        assert.deepEqual(dataLakeLifecycleRules(config.dataLake)[0], {
            action: { type: "Delete" },
            condition: { age: 30, matchesPrefixes: ["staging/"] },
        });
    });

    it("takes the staging retention, raw/ tiering and versioning from config", () => {
        const config = settings("dev", {
            "logistics:dataLake": {
                stagingRetentionDays: 14,
                versioning: false,
                rawTiering: { nearlineAfterDays: 60, archiveAfterDays: 400 },
            },
        });
        assert.deepEqual(dataLakeLifecycleRules(config.dataLake), [
            { action: { type: "Delete" }, condition: { age: 14, matchesPrefixes: ["staging/"] } },
            {
                action: { type: "SetStorageClass", storageClass: "NEARLINE" },
                condition: { age: 60, matchesPrefixes: ["raw/"] },
            },
            {
                action: { type: "SetStorageClass", storageClass: "ARCHIVE" },
                condition: { age: 400, matchesPrefixes: ["raw/"] },
            },
            // No noncurrent-version rule without versioning.
            { action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: 7 } },
        ]);
    });

    it("is private, uniformly accessed, versioned and protected in prod", async () => {
        const plan = await planFor("prod");
        const lake = resource(plan, BUCKET, "lgx-prod-lake-bucket");
        assert.equal(lake.inputs["name"], "replace-me-logistics-prod-lgx-prod-lake");
        assert.equal(lake.inputs["uniformBucketLevelAccess"], true);
        assert.equal(lake.inputs["publicAccessPrevention"], "enforced");
        assert.deepEqual(lake.inputs["versioning"], { enabled: true });
        assert.deepEqual(lake.inputs["softDeletePolicy"], { retentionDurationSeconds: 30 * 86400 });
        assert.equal(
            lake.inputs["forceDestroy"],
            undefined,
            "never forceDestroy a bucket holding data",
        );
        assert.equal(lake.inputs["deletionPolicy"], "PREVENT");
        assert.deepEqual(lake.options, { ...lake.options, protect: true, retainOnDelete: true });
        assert.equal(
            plan.outputs["stagingPrefix"],
            "gs://replace-me-logistics-prod-lgx-prod-lake/staging/",
        );
    });

    it("can be torn down in dev, where protection is off", async () => {
        const lake = resource(await planFor("dev"), BUCKET, "lgx-dev-lake-bucket");
        assert.equal(lake.options.protect, false);
        assert.equal(lake.inputs["deletionPolicy"], undefined);
    });

    it("turns soft delete off with 0", async () => {
        const plan = await planFor("dev", { "logistics:dataLake": { softDeleteDays: 0 } });
        assert.deepEqual(resource(plan, BUCKET, "lgx-dev-lake-bucket").inputs["softDeletePolicy"], {
            retentionDurationSeconds: 0,
        });
    });
});

describe("backups", () => {
    it("is $BUCKET-backups: the data bucket's name plus -backups", async () => {
        const plan = await planFor("prod");
        assert.equal(plan.outputs["backupsBucket"], `${plan.outputs["dataBucket"]}-backups`);
    });

    it("in prod: multi-region, locked 30-day retention, tiering, deletion at the horizon", async () => {
        const b = resource(await planFor("prod"), BUCKET, "lgx-prod-backups-bucket");
        assert.equal(b.inputs["location"], "US");
        assert.deepEqual(b.inputs["retentionPolicy"], {
            retentionPeriod: "2592000",
            isLocked: true,
        });
        assert.deepEqual(b.inputs["versioning"], { enabled: false });
        assert.deepEqual(b.inputs["lifecycleRules"], [
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
        ]);
        assert.equal(b.options.protect, true);
        assert.equal(b.options.retainOnDelete, true);
    });

    it("in dev: versioned, unlocked, noncurrent versions kept until the horizon", async () => {
        const b = resource(await planFor("dev"), BUCKET, "lgx-dev-backups-bucket");
        assert.deepEqual(b.inputs["versioning"], { enabled: true });
        assert.equal(b.inputs["retentionPolicy"], undefined);
        assert.ok(
            (b.inputs["lifecycleRules"] as unknown[]).some(
                (r) =>
                    JSON.stringify(r) ===
                    JSON.stringify({
                        action: { type: "Delete" },
                        condition: { daysSinceNoncurrentTime: 90 },
                    }),
            ),
        );
    });

    it("keeps Composer snapshots in their own bucket, in the configured region", async () => {
        const plan = await planFor("prod");
        const s = resource(plan, BUCKET, "lgx-prod-backups-snapshots");
        assert.equal(s.inputs["location"], "US-EAST1");
        assert.equal(
            plan.outputs["composerSnapshotUrl"],
            "gs://replace-me-logistics-prod-lgx-prod-snapshots/snapshots",
        );
    });

    it("places a configurable dual-region in its continent", () => {
        const config = settings("prod", {
            "logistics:backups": {
                dualRegion: ["us-central1", "us-east4"],
                requireMultiRegion: true,
            },
        });
        assert.deepEqual(config.locations.backups, {
            location: "US",
            dataLocations: ["US-CENTRAL1", "US-EAST4"],
        });
    });

    it("deletes backups only after the configured horizon", () => {
        const config = settings("dev", {
            "logistics:backups": { deleteAfterDays: 45, tiering: {} },
        });
        assert.deepEqual(backupLifecycleRules(config.backups).slice(0, 1), [
            { action: { type: "Delete" }, condition: { age: 45 } },
        ]);
    });
});

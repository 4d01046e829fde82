// Component tests of the storage layer's BackupStore: built on its own offline (componentPlan),
// with settings parsed by its own schema (components/backupStore.schema.ts). Where the stack puts
// the buckets and who it grants are tested on whole plans (storage.test.ts, regionLoss.test.ts).
import { strict as assert } from "assert";
import * as gcp from "@pulumi/gcp";
import { BackupStore } from "../components/backupStore";
import { backups } from "../components/backupStore.schema";
import type { BucketPlacement } from "../components/locations";
import { componentPlan, resource, resourcesOfType } from "./harness";

const BUCKET = "gcp:storage/bucket:Bucket";
const BUCKET_GRANT = "gcp:storage/bucketIAMMember:BucketIAMMember";
const ACCOUNT = "gcp:serviceaccount/account:Account";

const LABELS = { team: "data-platform" };
const JOBS = "serviceAccount:jobs@acme-dev.iam.gserviceaccount.com";
const COMPOSER = "serviceAccount:composer@acme-dev.iam.gserviceaccount.com";

interface Rule {
    action: { type: string; storageClass?: string };
    condition: Record<string, unknown>;
}

describe("component: BackupStore", () => {
    const store = (
        settings: unknown,
        {
            protect = false,
            placement = { location: "US" } as BucketPlacement,
            snapshotPlacement = { location: "US-EAST1" } as BucketPlacement,
            iam = undefined as Record<string, string[]> | undefined,
            snapshotIam = undefined as Record<string, string[]> | undefined,
            withAccount = false,
        } = {},
    ) =>
        componentPlan(() => {
            const accounts = withAccount
                ? [new gcp.serviceaccount.Account("jobs", { accountId: "jobs" })]
                : undefined;
            const s = new BackupStore("backups", {
                bucketName: "acme-backups",
                snapshotBucketName: "acme-snapshots",
                settings: backups.parse(settings),
                placement,
                snapshotPlacement,
                labels: LABELS,
                protect,
                ...(iam ? { iam } : {}),
                ...(snapshotIam ? { snapshotIam } : {}),
                ...(accounts ? { accounts } : {}),
            });
            return {
                bucketName: s.bucketName,
                bucketUrl: s.bucketUrl,
                snapshotBucketName: s.snapshotBucketName,
                snapshotUrl: s.snapshotUrl,
            };
        });

    it("with its schema's defaults: a versioned backups bucket tiered at 30/90 days and deleted at 400", async () => {
        const plan = await store({});
        assert.deepEqual(
            resourcesOfType(plan, BUCKET)
                .map((b) => b.name)
                .sort(),
            ["backups-bucket", "backups-snapshots"],
        );
        const b = resource(plan, BUCKET, "backups-bucket").inputs;
        assert.equal(b["name"], "acme-backups");
        assert.equal(b["location"], "US");
        assert.equal(b["customPlacementConfig"], undefined);
        assert.equal(b["uniformBucketLevelAccess"], true);
        assert.equal(b["publicAccessPrevention"], "enforced");
        assert.deepEqual(b["versioning"], { enabled: true });
        assert.equal(b["retentionPolicy"], undefined, "no retention policy unless configured");
        assert.equal(b["rpo"], undefined, "default replication unless turbo is asked for");
        assert.deepEqual(b["labels"], { team: "data-platform", purpose: "backups" });
        assert.deepEqual(b["lifecycleRules"] as Rule[], [
            {
                action: { type: "SetStorageClass", storageClass: "COLDLINE" },
                condition: { age: 30 },
            },
            {
                action: { type: "SetStorageClass", storageClass: "ARCHIVE" },
                condition: { age: 90 },
            },
            { action: { type: "Delete" }, condition: { age: 400 } },
            // Versioned: a noncurrent version is kept as long as a backup lives.
            { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 400 } },
            { action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: 7 } },
        ]);
    });

    it("keeps Composer snapshots in their own versioned bucket, in their own placement, deleted at the horizon", async () => {
        const plan = await store({ deleteAfterDays: 200, tiering: {} });
        const s = resource(plan, BUCKET, "backups-snapshots").inputs;
        assert.equal(s["name"], "acme-snapshots");
        assert.equal(s["location"], "US-EAST1");
        assert.equal(s["uniformBucketLevelAccess"], true);
        assert.equal(s["publicAccessPrevention"], "enforced");
        assert.deepEqual(s["versioning"], { enabled: true });
        assert.deepEqual(s["labels"], { team: "data-platform", purpose: "composer-snapshots" });
        assert.deepEqual(s["lifecycleRules"] as Rule[], [
            { action: { type: "Delete" }, condition: { age: 200 } },
            { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 30 } },
            { action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: 7 } },
        ]);
        // No tiering configured: the backups bucket only deletes at the horizon.
        const b = resource(plan, BUCKET, "backups-bucket").inputs;
        assert.deepEqual(
            (b["lifecycleRules"] as Rule[]).map((r) => r.action.type),
            ["Delete", "Delete", "AbortIncompleteMultipartUpload"],
        );
        assert.deepEqual((b["lifecycleRules"] as Rule[])[0]!.condition, { age: 200 });
    });

    it("protects both buckets only when asked, in Pulumi and in GCP, and never drops their objects", async () => {
        for (const protect of [true, false]) {
            const plan = await store({}, { protect });
            for (const name of ["backups-bucket", "backups-snapshots"]) {
                const b = resource(plan, BUCKET, name);
                assert.equal(b.options.protect, protect, name);
                assert.equal(b.options.retainOnDelete, protect, name);
                assert.equal(b.inputs["deletionPolicy"], protect ? "PREVENT" : undefined, name);
                assert.equal(b.inputs["forceDestroy"] ?? false, false, name);
            }
        }
    });

    it("turns prod's settings into a locked retention policy, no versioning, a dual-region with turbo replication", async () => {
        const plan = await store(
            {
                versioning: false,
                retention: { days: 30, locked: true },
                dualRegion: ["us-central1", "us-east1"],
                turboReplication: true,
                deleteAfterDays: 400,
            },
            { placement: { location: "US", dataLocations: ["US-CENTRAL1", "US-EAST1"] } },
        );
        const b = resource(plan, BUCKET, "backups-bucket").inputs;
        assert.equal(b["location"], "US");
        assert.deepEqual(b["customPlacementConfig"], {
            dataLocations: ["US-CENTRAL1", "US-EAST1"],
        });
        assert.equal(b["rpo"], "ASYNC_TURBO");
        // 30 days in seconds, as the provider takes it.
        assert.deepEqual(b["retentionPolicy"], { retentionPeriod: "2592000", isLocked: true });
        assert.deepEqual(b["versioning"], { enabled: false });
        // Without versioning there is no noncurrent version to expire.
        assert.ok(
            !(b["lifecycleRules"] as Rule[]).some((r) => "daysSinceNoncurrentTime" in r.condition),
            JSON.stringify(b["lifecycleRules"]),
        );
        // The snapshots bucket keeps its own placement and versioning whatever the backups' settings.
        const s = resource(plan, BUCKET, "backups-snapshots").inputs;
        assert.equal(s["customPlacementConfig"], undefined);
        assert.equal(s["rpo"], undefined);
        assert.equal(s["retentionPolicy"], undefined);
        assert.deepEqual(s["versioning"], { enabled: true });
    });

    it("writes an unlocked retention policy when locked is left out", async () => {
        const plan = await store({ versioning: false, retention: { days: 1 } });
        assert.deepEqual(resource(plan, BUCKET, "backups-bucket").inputs["retentionPolicy"], {
            retentionPeriod: "86400",
            isLocked: false,
        });
    });

    it("grants each bucket its own members, one grant each, after the accounts exist", async () => {
        const plan = await store(
            {},
            {
                iam: { "roles/storage.objectUser": [JOBS] },
                snapshotIam: { "roles/storage.objectAdmin": [COMPOSER, COMPOSER] },
                withAccount: true,
            },
        );
        const grants = resourcesOfType(plan, BUCKET_GRANT)
            .map((g) => [g.name, g.inputs["bucket"], g.inputs["role"], g.inputs["member"]])
            .sort();
        assert.deepEqual(grants, [
            [
                "backups-bucket-storage.objectUser-jobs",
                "acme-backups",
                "roles/storage.objectUser",
                JOBS,
            ],
            [
                "backups-snapshots-storage.objectAdmin-composer",
                "acme-snapshots",
                "roles/storage.objectAdmin",
                COMPOSER,
            ],
        ]);
        const account = resourcesOfType(plan, ACCOUNT)[0]!.urn;
        for (const g of resourcesOfType(plan, BUCKET_GRANT))
            assert.ok(g.dependencies.includes(account), `${g.name} waits for the account`);
    });

    it("makes no grant without IAM", async () => {
        assert.deepEqual(resourcesOfType(await store({}), BUCKET_GRANT), []);
    });

    it("exports the buckets' names, the backups URL and the snapshots folder Composer writes to", async () => {
        const plan = await store({}, { iam: { "roles/storage.objectUser": [JOBS] } });
        assert.deepEqual(plan.outputs, {
            bucketName: "acme-backups",
            bucketUrl: "gs://acme-backups",
            snapshotBucketName: "acme-snapshots",
            snapshotUrl: "gs://acme-snapshots/snapshots",
        });
    });
});

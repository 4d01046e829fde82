// Component tests: each component built on its own offline (componentPlan), with settings parsed by
// its own schema (components/<entity>.schema.ts), so what a component does with its args is
// checked without the rest of the platform. How the stack wires components together is tested on
// whole plans (warehouse.test.ts, storage.test.ts, backups.test.ts, …).
import { strict as assert } from "assert";
import { DataLake } from "../components/dataLake";
import { dataLake } from "../components/dataLake.schema";
import { Warehouse, readRawSchemas } from "../components/warehouse";
import { warehouse } from "../components/warehouse.schema";
import { RAW_TABLE_NAMES } from "../components/rawTables";
import { componentPlan, resource, resourcesOfType } from "./harness";

const BUCKET = "gcp:storage/bucket:Bucket";
const BUCKET_GRANT = "gcp:storage/bucketIAMMember:BucketIAMMember";
const DATASET = "gcp:bigquery/dataset:Dataset";
const TABLE = "gcp:bigquery/table:Table";
const RESERVATION = "gcp:bigquery/reservation:Reservation";
const ASSIGNMENT = "gcp:bigquery/reservationAssignment:ReservationAssignment";

const LABELS = { team: "data-platform" };

describe("component: DataLake", () => {
    const lake = (settings: unknown, protect: boolean, iam?: Record<string, string[]>) =>
        componentPlan(() => {
            new DataLake("lake", {
                bucketName: "acme-lake",
                location: "US",
                settings: dataLake.parse(settings),
                labels: LABELS,
                protect,
                ...(iam ? { iam } : {}),
            });
        });

    it("with its schema's defaults: one private bucket, versioned, staging/ deleted after 30 days", async () => {
        const plan = await lake({}, false);
        assert.deepEqual(
            plan.resources.map((r) => r.type).sort(),
            ["logistics:storage:DataLake", BUCKET, "pulumi:pulumi:Stack"].sort(),
        );
        const b = resource(plan, BUCKET, "lake-bucket").inputs;
        assert.equal(b["name"], "acme-lake");
        assert.equal(b["location"], "US");
        assert.equal(b["uniformBucketLevelAccess"], true);
        assert.equal(b["publicAccessPrevention"], "enforced");
        assert.deepEqual(b["versioning"], { enabled: true });
        assert.deepEqual(b["softDeletePolicy"], { retentionDurationSeconds: 7 * 86400 });
        assert.deepEqual(b["labels"], LABELS);
        const rules = b["lifecycleRules"] as { action: object; condition: object }[];
        assert.deepEqual(rules[0], {
            action: { type: "Delete" },
            condition: { age: 30, matchesPrefixes: ["staging/"] },
        });
    });

    it("protects the bucket only when asked, in Pulumi and in GCP", async () => {
        for (const protect of [true, false]) {
            const b = resource(await lake({}, protect), BUCKET, "lake-bucket");
            assert.equal(b.options.protect, protect);
            assert.equal(b.options.retainOnDelete, protect);
            // The provider's deletion policy: PREVENT keeps GCP from deleting the bucket at all.
            assert.equal(b.inputs["deletionPolicy"], protect ? "PREVENT" : undefined);
            assert.equal(b.inputs["forceDestroy"] ?? false, false, "never drops its objects");
        }
    });

    it("turns settings into the bucket's rules: no versioning, tiering of raw/, a shorter staging life", async () => {
        const plan = await lake(
            {
                versioning: false,
                stagingRetentionDays: 7,
                rawTiering: { nearlineAfterDays: 30 },
            },
            false,
        );
        const b = resource(plan, BUCKET, "lake-bucket").inputs;
        assert.deepEqual(b["versioning"], { enabled: false });
        const rules = b["lifecycleRules"] as {
            action: { type: string; storageClass?: string };
            condition: { age?: number; matchesPrefixes?: string[] };
        }[];
        assert.deepEqual(rules[0]!.condition, { age: 7, matchesPrefixes: ["staging/"] });
        assert.ok(
            rules.some(
                (r) =>
                    r.action.type === "SetStorageClass" &&
                    r.action.storageClass === "NEARLINE" &&
                    r.condition.age === 30 &&
                    r.condition.matchesPrefixes?.[0] === "raw/",
            ),
            JSON.stringify(rules),
        );
    });

    it("grants each configured member its role on the bucket, one grant each", async () => {
        const plan = await lake({}, false, {
            "roles/storage.objectViewer": ["group:analysts@example.com", "user:a@example.com"],
        });
        const grants = resourcesOfType(plan, BUCKET_GRANT).map((g) => [
            g.inputs["role"],
            g.inputs["member"],
        ]);
        assert.deepEqual(grants.sort(), [
            ["roles/storage.objectViewer", "group:analysts@example.com"],
            ["roles/storage.objectViewer", "user:a@example.com"],
        ]);
    });
});

describe("component: Warehouse", () => {
    const schemas = readRawSchemas();
    const build = (settings: unknown, protect = false) =>
        componentPlan(() => {
            new Warehouse("wh", {
                project: "acme-dev",
                location: "US",
                settings: warehouse.parse(settings),
                labels: LABELS,
                protect,
                reservationName: "acme-slots",
                datasetIds: { raw: "raw", staging: "staging", marts: "marts" },
                schemas,
            });
        });

    it("with its schema's defaults: three datasets with 168 h of time travel and every raw table, on demand", async () => {
        const plan = await build({});
        const datasets = resourcesOfType(plan, DATASET);
        assert.deepEqual(datasets.map((d) => d.inputs["datasetId"]).sort(), [
            "marts",
            "raw",
            "staging",
        ]);
        for (const d of datasets) {
            assert.equal(d.inputs["location"], "US");
            assert.equal(d.inputs["maxTimeTravelHours"], "168");
            assert.equal(d.inputs["deleteContentsOnDestroy"], false);
        }
        assert.deepEqual(
            resourcesOfType(plan, TABLE)
                .map((t) => t.inputs["tableId"])
                .sort(),
            [...RAW_TABLE_NAMES].sort(),
        );
        assert.deepEqual(resourcesOfType(plan, RESERVATION), []);
        assert.deepEqual(resourcesOfType(plan, ASSIGNMENT), []);
    });

    it("protects datasets and tables only when asked", async () => {
        for (const protect of [true, false]) {
            const plan = await build({}, protect);
            for (const r of [...resourcesOfType(plan, DATASET), ...resourcesOfType(plan, TABLE)])
                assert.equal(r.options.protect, protect, r.name);
        }
    });

    it("turns a reservation setting into slots with autoscaling and a secondary location for failover", async () => {
        const plan = await build({
            replicaLocation: "us-east4",
            reservation: {
                edition: "ENTERPRISE_PLUS",
                baselineSlots: 50,
                maxSlots: 200,
                secondaryLocation: "us-east4",
            },
        });
        const [slots] = resourcesOfType(plan, RESERVATION);
        assert.ok(slots, "a reservation");
        assert.equal(slots.inputs["name"], "acme-slots");
        assert.equal(slots.inputs["edition"], "ENTERPRISE_PLUS");
        assert.equal(slots.inputs["slotCapacity"], 50);
        assert.deepEqual(slots.inputs["autoscale"], { maxSlots: 150 });
        assert.equal(slots.inputs["secondaryLocation"], "us-east4");
        assert.ok(resourcesOfType(plan, ASSIGNMENT).length > 0, "work is assigned to the slots");
    });
});

// Component tests of the data layer's jobs and schedules: ScheduledBackups, TableSnapshots,
// Restores, DatasetReplica and FreshnessChecks, each built on its own offline (componentPlan), with
// settings parsed by the schema that owns them (backups, warehouse.snapshots, restores, alerting).
// The SQL is written out here as BigQuery will run it: a test comparing it with the function that
// builds it would check nothing. Whole-plan wiring: backups.test.ts, snapshots.test.ts,
// regionLoss.test.ts, managedDr.test.ts, alerting.test.ts.
import { strict as assert } from "assert";
import * as gcp from "@pulumi/gcp";
import { ScheduledBackups } from "../components/scheduledBackups";
import { backups } from "../components/backupStore.schema";
import { TableSnapshots } from "../components/tableSnapshots";
import { warehouse } from "../components/warehouse.schema";
import { Restores } from "../components/restores";
import { restores } from "../components/restores.schema";
import { DatasetReplica } from "../components/datasetReplica";
import { FreshnessChecks } from "../components/freshnessChecks";
import { alerting } from "../components/alerting.schema";
import type { TableLayout } from "../components/sql";
import { componentPlan, resource, resourcesOfType } from "./harness";
import type { Plan, PlannedResource } from "../tools/offline/engine";

const TRANSFER = "gcp:bigquery/dataTransferConfig:DataTransferConfig";
const JOB = "gcp:bigquery/job:Job";
const DATASET = "gcp:bigquery/dataset:Dataset";
const DATASET_GRANT = "gcp:bigquery/datasetIamMember:DatasetIamMember";
const ACCOUNT_GRANT = "gcp:serviceaccount/iAMMember:IAMMember";
const SERVICE_IDENTITY = "gcp:projects/serviceIdentity:ServiceIdentity";
const ACCOUNT = "gcp:serviceaccount/account:Account";
const PROJECT_SERVICE = "gcp:projects/service:Service";

const PROJECT = "acme-dev";
const LABELS = { team: "data-platform" };
const JOBS_EMAIL = "jobs@acme-dev.iam.gserviceaccount.com";
const JOBS_NAME = `projects/acme-dev/serviceAccounts/${JOBS_EMAIL}`;
const JOB_RECORD = ["query", "load", "labels", "location"];

const byName = (plan: Plan, type: string) =>
    Object.fromEntries(resourcesOfType(plan, type).map((r) => [r.name, r]));
const waitsFor = (r: PlannedResource, on: PlannedResource) =>
    assert.ok(r.dependencies.includes(on.urn), `${r.name} waits for ${on.name}`);

describe("component: ScheduledBackups", () => {
    const schedule = (settings: unknown, bucket?: "resource") =>
        componentPlan(() => {
            const account = new gcp.serviceaccount.Account("jobs", { accountId: "jobs" });
            const bucketName =
                bucket === "resource"
                    ? new gcp.storage.Bucket("b", { name: "acme-backups-2", location: "US" }).name
                    : "acme-backups";
            const s = new ScheduledBackups("backup", {
                project: PROJECT,
                rawDataset: "raw",
                location: "US",
                tables: ["packages", "customers"],
                bucket: bucketName,
                time: backups.parse(settings).exportTime,
                serviceAccountEmail: JOBS_EMAIL,
                serviceAccountName: JOBS_NAME,
                accounts: [account],
            });
            return { transferConfigs: s.transferConfigs };
        });

    it("exports each table daily at the schema's 02:15, as Parquet objects named by the run's date, never overwriting", async () => {
        const plan = await schedule({});
        const configs = byName(plan, TRANSFER);
        assert.deepEqual(Object.keys(configs).sort(), ["backup-customers", "backup-packages"]);
        const p = configs["backup-packages"]!.inputs;
        assert.equal(p["displayName"], "backup raw.packages");
        assert.equal(p["location"], "US");
        assert.equal(p["dataSourceId"], "scheduled_query");
        assert.equal(p["schedule"], "every day 02:15");
        assert.equal(p["serviceAccountName"], JOBS_EMAIL);
        assert.deepEqual(p["params"], {
            query: [
                "EXECUTE IMMEDIATE FORMAT(",
                `  """EXPORT DATA OPTIONS (uri = 'gs://acme-backups/packages_%s_*.parquet', format = 'PARQUET', overwrite = false)`,
                '  AS SELECT * FROM `acme-dev.raw.packages`""",',
                "  FORMAT_DATE('%Y%m%d', @run_date)",
                ")",
            ].join("\n"),
        });
        assert.match(
            (configs["backup-customers"]!.inputs["params"] as { query: string }).query,
            /uri = 'gs:\/\/acme-backups\/customers_%s_\*\.parquet'[^]*FROM `acme-dev\.raw\.customers`/,
        );
    });

    it("runs at the configured export time, into a bucket known only at deploy time", async () => {
        const plan = await schedule({ exportTime: "02:40" }, "resource");
        for (const c of resourcesOfType(plan, TRANSFER)) {
            assert.equal(c.inputs["schedule"], "every day 02:40");
            assert.match(
                (c.inputs["params"] as { query: string }).query,
                /uri = 'gs:\/\/acme-backups-2\//,
            );
        }
    });

    it("lets the transfer service's agent act as the jobs account, and starts no schedule before that grant", async () => {
        const plan = await schedule({});
        const agent = resource(plan, SERVICE_IDENTITY, "backup-agent");
        assert.deepEqual(agent.inputs, {
            project: PROJECT,
            service: "bigquerydatatransfer.googleapis.com",
        });
        const grant = resource(plan, ACCOUNT_GRANT, "backup-agent-token-creator");
        assert.deepEqual(grant.inputs, {
            serviceAccountId: JOBS_NAME,
            role: "roles/iam.serviceAccountTokenCreator",
            member: "serviceAccount:service-<project-number>@gcp-sa-bigquerydatatransfer.iam.gserviceaccount.com",
        });
        waitsFor(grant, agent);
        waitsFor(grant, resourcesOfType(plan, ACCOUNT)[0]!);
        for (const c of resourcesOfType(plan, TRANSFER)) waitsFor(c, grant);
    });

    it("exports the schedules' names by table", async () => {
        const plan = await schedule({});
        assert.deepEqual(Object.keys(plan.outputs["transferConfigs"] as object).sort(), [
            "customers",
            "packages",
        ]);
    });
});

describe("component: TableSnapshots", () => {
    const snapshots = (
        settings: unknown,
        { protect = false, readers = undefined as string[] | undefined, after = false } = {},
    ) =>
        componentPlan(() => {
            const s = warehouse.parse({ snapshots: settings }).snapshots!;
            const api = after
                ? [
                      new gcp.projects.Service("transfer-api", {
                          service: "bigquerydatatransfer.googleapis.com",
                      }),
                  ]
                : undefined;
            const c = new TableSnapshots("snap", {
                project: PROJECT,
                rawDataset: "raw",
                location: "EU",
                tables: ["packages", "tracking_events"],
                expirationDays: s.expirationDays,
                time: s.time,
                serviceAccountEmail: JOBS_EMAIL,
                serviceAccountMember: `serviceAccount:${JOBS_EMAIL}`,
                ...(readers ? { readers } : {}),
                labels: LABELS,
                protect,
                ...(api ? { schedulesAfter: api } : {}),
            });
            return { dataset: c.dataset };
        });

    it("keeps snapshots in their own dataset, where they expire after the configured days and outlive the dataset's deletion", async () => {
        const plan = await snapshots({ expirationDays: 35 });
        const d = resource(plan, DATASET, "snap-dataset").inputs;
        assert.equal(d["datasetId"], "snapshots");
        assert.equal(d["location"], "EU");
        assert.equal(d["defaultTableExpirationMs"], 3_024_000_000); // 35 days
        assert.equal(d["deleteContentsOnDestroy"], false);
        assert.equal(d["description"], "Daily snapshots of the raw tables, kept 35 days.");
        assert.deepEqual(d["labels"], { team: "data-platform", dataset: "snapshots" });
        assert.deepEqual(plan.outputs, { dataset: "snapshots" });
    });

    it("snapshots each table daily at the schema's 05:00, or the configured time, as of the run's scheduled time", async () => {
        const configs = byName(await snapshots({ expirationDays: 7 }), TRANSFER);
        assert.deepEqual(Object.keys(configs).sort(), ["snap-packages", "snap-tracking_events"]);
        const p = configs["snap-packages"]!.inputs;
        assert.equal(p["displayName"], "snapshot raw.packages");
        assert.equal(p["location"], "EU");
        assert.equal(p["dataSourceId"], "scheduled_query");
        assert.equal(p["schedule"], "every day 05:00");
        assert.equal(p["serviceAccountName"], JOBS_EMAIL);
        assert.deepEqual(p["params"], {
            query: [
                "EXECUTE IMMEDIATE FORMAT(",
                '  """CREATE SNAPSHOT TABLE `acme-dev.snapshots.packages_%s`',
                '  CLONE `acme-dev.raw.packages` FOR SYSTEM_TIME AS OF TIMESTAMP \'%s\'""",',
                "  FORMAT_DATE('%Y%m%d', @run_date),",
                "  FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%SZ', @run_time, 'UTC')",
                ")",
            ].join("\n"),
        });
        const later = byName(await snapshots({ expirationDays: 7, time: "06:30" }), TRANSFER);
        assert.equal(later["snap-tracking_events"]!.inputs["schedule"], "every day 06:30");
    });

    it("protects the dataset only when asked, in Pulumi and in BigQuery", async () => {
        for (const protect of [true, false]) {
            const d = resource(
                await snapshots({ expirationDays: 7 }, { protect }),
                DATASET,
                "snap-dataset",
            );
            assert.equal(d.options.protect, protect);
            assert.equal(d.options.retainOnDelete, protect);
            assert.equal(d.inputs["deletionPolicy"], protect ? "PREVENT" : undefined);
        }
    });

    it("lets the jobs account write snapshots and the readers read them, each member once", async () => {
        const grants = (plan: Plan) =>
            resourcesOfType(plan, DATASET_GRANT)
                .map((g) => [g.name, g.inputs["role"], g.inputs["member"]])
                .sort();
        const writer = [
            "snap-bigquery.dataEditor-jobs",
            "roles/bigquery.dataEditor",
            `serviceAccount:${JOBS_EMAIL}`,
        ];
        assert.deepEqual(grants(await snapshots({ expirationDays: 7 })), [writer]);
        const plan = await snapshots(
            { expirationDays: 7 },
            { readers: ["group:oncall@example.com", "group:oncall@example.com"] },
        );
        assert.deepEqual(grants(plan), [
            writer,
            [
                "snap-bigquery.dataViewer-group-oncall@example.com",
                "roles/bigquery.dataViewer",
                "group:oncall@example.com",
            ],
        ]);
        for (const g of resourcesOfType(plan, DATASET_GRANT))
            assert.equal(g.inputs["datasetId"], "snapshots");
    });

    it("starts the schedules after the writer's grant and what they are told to wait for; the dataset waits for neither", async () => {
        const plan = await snapshots({ expirationDays: 7 }, { after: true });
        const api = resourcesOfType(plan, PROJECT_SERVICE)[0]!;
        const grant = resource(plan, DATASET_GRANT, "snap-bigquery.dataEditor-jobs");
        for (const c of resourcesOfType(plan, TRANSFER)) {
            waitsFor(c, api);
            waitsFor(c, grant);
        }
        assert.ok(!resource(plan, DATASET, "snap-dataset").dependencies.includes(api.urn));
    });
});

// A small declared layout: the restores' DDL must carry its types, modes, partitioning and clustering.
const PACKAGES: TableLayout = {
    partitioned: true,
    clusterings: ["status"],
    columns: [
        { name: "package_id", type: "STRING", mode: "REQUIRED" },
        { name: "status", type: "STRING" },
        { name: "weight", type: "FLOAT" },
        { name: "_loaded_at", type: "TIMESTAMP", mode: "REQUIRED" },
    ],
};
const PACKAGES_DDL = [
    "(",
    "  package_id STRING NOT NULL,",
    "  status STRING,",
    "  weight FLOAT64,",
    "  _loaded_at TIMESTAMP NOT NULL",
    ")",
    "PARTITION BY TIMESTAMP_TRUNC(_loaded_at, DAY)",
    "CLUSTER BY status",
];
const EVENTS: TableLayout = {
    partitioned: false,
    clusterings: [],
    columns: [{ name: "event_id", type: "STRING", mode: "REQUIRED" }],
};

describe("component: Restores", () => {
    const run = (entries: unknown) =>
        componentPlan(() => {
            const r = new Restores("restores", {
                project: PROJECT,
                rawDataset: "raw",
                location: "US",
                backupsBucket: "acme-backups",
                snapshotsDataset: "table_snapshots",
                restores: restores.parse(entries),
                layouts: { packages: PACKAGES, tracking_events: EVENTS, customers: EVENTS },
                labels: LABELS,
            });
            return { jobs: r.jobs };
        });
    const REQUESTED = "2026-11-26T09:00:00Z";
    const onlyJob = (plan: Plan) => {
        const jobs = resourcesOfType(plan, JOB);
        assert.equal(jobs.length, 1, jobs.map((j) => j.name).join(", "));
        return jobs[0]!;
    };
    const queryOf = (job: PlannedResource) => (job.inputs["query"] as { query: string }).query;

    it("runs no job without entries", async () => {
        assert.deepEqual(resourcesOfType(await run({}), JOB), []);
    });

    it("loads a daily backup into a new table with the declared schema, refusing a table that exists", async () => {
        const job = onlyJob(
            await run({
                "packages-from-backup": {
                    table: "packages",
                    requestedAt: REQUESTED,
                    backupDate: "2026-11-20",
                    targetTable: "packages_20261120",
                },
            }),
        );
        assert.equal(
            queryOf(job),
            [
                "ASSERT NOT EXISTS (SELECT 1 FROM `acme-dev`.raw.INFORMATION_SCHEMA.TABLES WHERE table_name = 'packages_20261120')",
                "  AS 'raw.packages_20261120 exists: a backup restores into a new table only';",
                "LOAD DATA INTO `acme-dev.raw.packages_20261120`",
                ...PACKAGES_DDL,
                "FROM FILES (format = 'PARQUET', uris = ['gs://acme-backups/packages_20261120_*.parquet']);",
            ].join("\n"),
        );
        const id = job.inputs["jobId"] as string;
        assert.match(id, /^restore_packages_from_backup_[0-9a-f]{12}$/);
        assert.equal(job.name, `restores-packages-from-backup-${id.slice(-12)}`);
        assert.equal(job.inputs["location"], "US");
        assert.deepEqual(job.inputs["labels"], { team: "data-platform", purpose: "restore" });
        // A script: no destination, no dispositions (empty unsets the provider's defaults).
        assert.equal((job.inputs["query"] as Record<string, unknown>)["useLegacySql"], false);
        assert.equal((job.inputs["query"] as Record<string, unknown>)["createDisposition"], "");
        assert.equal((job.inputs["query"] as Record<string, unknown>)["writeDisposition"], "");
        assert.equal(
            (job.inputs["query"] as Record<string, unknown>)["destinationTable"],
            undefined,
        );
    });

    it("reads a table back in time into a new table with its layout, or in place in one transaction", async () => {
        const intoNew = onlyJob(
            await run({
                before: {
                    table: "packages",
                    requestedAt: REQUESTED,
                    timestamp: "2026-11-25T22:00:00Z",
                    targetTable: "packages_before",
                },
            }),
        );
        assert.equal(
            queryOf(intoNew),
            [
                "CREATE TABLE `acme-dev.raw.packages_before`",
                ...PACKAGES_DDL,
                "AS SELECT package_id, status, weight, _loaded_at FROM `acme-dev.raw.packages` FOR SYSTEM_TIME AS OF TIMESTAMP '2026-11-25T22:00:00Z';",
            ].join("\n"),
        );
        const inPlace = onlyJob(
            await run({
                "events-back": {
                    table: "tracking_events",
                    requestedAt: REQUESTED,
                    timestamp: "2026-11-25T22:00:00Z",
                    replace: true,
                },
            }),
        );
        assert.equal(
            queryOf(inPlace),
            [
                "CREATE TEMP TABLE restore_point AS",
                "SELECT * FROM `acme-dev.raw.tracking_events` FOR SYSTEM_TIME AS OF TIMESTAMP '2026-11-25T22:00:00Z';",
                "BEGIN TRANSACTION;",
                "TRUNCATE TABLE `acme-dev.raw.tracking_events`;",
                "INSERT INTO `acme-dev.raw.tracking_events`",
                "SELECT * FROM restore_point;",
                "COMMIT TRANSACTION;",
            ].join("\n"),
        );
    });

    it("clones a table snapshot from the snapshots dataset it is given, into a new table or in place", async () => {
        const plan = await run({
            "customers-copy": {
                table: "customers",
                requestedAt: REQUESTED,
                snapshot: "2026-11-20",
                targetTable: "customers_copy",
            },
            "customers-back": {
                table: "customers",
                requestedAt: REQUESTED,
                snapshot: "2026-11-21",
                replace: true,
            },
        });
        const jobs = resourcesOfType(plan, JOB);
        const copy = jobs.find((j) => j.name.startsWith("restores-customers-copy-"))!;
        const back = jobs.find((j) => j.name.startsWith("restores-customers-back-"))!;
        assert.equal(
            queryOf(copy),
            "CREATE TABLE `acme-dev.raw.customers_copy`\nCLONE `acme-dev.table_snapshots.customers_20261120`;",
        );
        assert.equal(
            queryOf(back),
            [
                "BEGIN TRANSACTION;",
                "TRUNCATE TABLE `acme-dev.raw.customers`;",
                "INSERT INTO `acme-dev.raw.customers`",
                "SELECT * FROM `acme-dev.table_snapshots.customers_20261121`;",
                "COMMIT TRANSACTION;",
            ].join("\n"),
        );
        assert.deepEqual(Object.keys(plan.outputs["jobs"] as object).sort(), [
            "customers-back",
            "customers-copy",
        ]);
    });

    it("keeps each job as a record: never deleted, never changed, the same id for the same entry and a new one for a changed entry", async () => {
        const entry = {
            table: "tracking_events",
            requestedAt: REQUESTED,
            timestamp: "2026-11-25T22:00:00Z",
            replace: true,
        };
        const first = onlyJob(await run({ again: entry }));
        assert.equal(first.options.retainOnDelete, true);
        assert.equal(first.options.protect, false);
        assert.deepEqual(first.options.ignoreChanges, JOB_RECORD);
        const same = onlyJob(await run({ again: { ...entry } }));
        assert.equal(same.inputs["jobId"], first.inputs["jobId"]);
        assert.equal(same.name, first.name);
        const changed = onlyJob(
            await run({ again: { ...entry, timestamp: "2026-11-25T21:00:00Z" } }),
        );
        assert.notEqual(changed.inputs["jobId"], first.inputs["jobId"]);
        assert.notEqual(
            changed.name,
            first.name,
            "a changed entry is a new resource, not an update",
        );
    });
});

describe("component: DatasetReplica", () => {
    const replica = (replicaLocation: string, managedDr = false, labels = LABELS) =>
        componentPlan(() => {
            const reservation = managedDr
                ? new gcp.bigquery.Reservation("slots", {
                      name: "acme-slots",
                      location: "US",
                      slotCapacity: 50,
                      edition: "ENTERPRISE_PLUS",
                  })
                : undefined;
            const r = new DatasetReplica("raw-replica", {
                project: PROJECT,
                dataset: "raw",
                location: "US",
                replicaLocation,
                ...(reservation
                    ? { failoverReservation: "acme-slots", attachAfter: [reservation] }
                    : {}),
                labels,
            });
            return { jobId: r.jobId, ...(r.attachJobId ? { attachJobId: r.attachJobId } : {}) };
        });

    it("adds the replica once, by one job in the dataset's location, kept as a record", async () => {
        const plan = await replica("us-east4");
        const [job, ...others] = resourcesOfType(plan, JOB);
        assert.deepEqual(others, [], "no attach job without managed disaster recovery");
        const id = job!.inputs["jobId"] as string;
        assert.match(id, /^replica_raw_us_east4_[0-9a-f]{12}$/);
        assert.equal(job!.name, `raw-replica-${id.slice(-12)}`);
        assert.equal(job!.inputs["location"], "US");
        assert.deepEqual(job!.inputs["labels"], { team: "data-platform", purpose: "replica" });
        assert.deepEqual(job!.inputs["query"], {
            query: "ALTER SCHEMA `acme-dev.raw` ADD REPLICA `us-east4` OPTIONS (location = 'us-east4')",
            useLegacySql: false,
            createDisposition: "",
            writeDisposition: "",
        });
        assert.equal(job!.options.retainOnDelete, true);
        assert.deepEqual(job!.options.ignoreChanges, JOB_RECORD);
        assert.deepEqual(plan.outputs, { jobId: id });
    });

    it("keeps the job id while only other inputs change, and takes a new one for another location", async () => {
        const id = async (location: string, labels = LABELS) =>
            resourcesOfType(await replica(location, false, labels), JOB)[0]!.inputs["jobId"];
        assert.equal(await id("us-east4", { team: "other" }), await id("us-east4"));
        assert.notEqual(await id("us-west1"), await id("us-east4"));
        assert.match(String(await id("us-west1")), /^replica_raw_us_west1_/);
    });

    it("with managed disaster recovery, attaches the dataset to the failover reservation after the replica and the reservation", async () => {
        const plan = await replica("us-east4", true);
        const jobs = resourcesOfType(plan, JOB);
        const replicaJob = jobs.find((j) => String(j.inputs["jobId"]).startsWith("replica_"))!;
        const attach = jobs.find((j) => String(j.inputs["jobId"]).startsWith("failover_"))!;
        assert.equal(jobs.length, 2);
        assert.match(attach.inputs["jobId"] as string, /^failover_raw_[0-9a-f]{12}$/);
        assert.equal(attach.inputs["location"], "US");
        assert.deepEqual(attach.inputs["labels"], { team: "data-platform", purpose: "failover" });
        assert.equal(
            (attach.inputs["query"] as { query: string }).query,
            "ALTER SCHEMA `acme-dev.raw` SET OPTIONS (failover_reservation = 'acme-dev.acme-slots')",
        );
        assert.equal(attach.options.retainOnDelete, true);
        assert.deepEqual(attach.options.ignoreChanges, JOB_RECORD);
        waitsFor(attach, replicaJob);
        waitsFor(attach, resourcesOfType(plan, "gcp:bigquery/reservation:Reservation")[0]!);
        assert.equal(plan.outputs["attachJobId"], attach.inputs["jobId"]);
    });
});

describe("component: FreshnessChecks", () => {
    const ALERTING = {
        channels: { oncall: { level: 1, email: "oncall@example.com" } },
        routes: { high: ["oncall"], medium: ["oncall"], low: ["oncall"] },
    };
    const checks = (settings: Record<string, unknown>, maxAgeHours: Record<string, number>) =>
        componentPlan(() => {
            const a = alerting.parse({ ...ALERTING, ...settings });
            new FreshnessChecks("freshness", {
                project: PROJECT,
                rawDataset: "raw",
                location: "US",
                maxAgeHours,
                everyMinutes: a.freshnessCheckMinutes,
                graceHours: a.freshnessGraceHours,
                serviceAccountEmail: JOBS_EMAIL,
            });
        });

    it("checks each table hourly (the schema's default) against its threshold, with 48 h of grace for a new empty table", async () => {
        const configs = byName(await checks({}, { packages: 6, customers: 24 }), TRANSFER);
        assert.deepEqual(Object.keys(configs).sort(), [
            "freshness-customers",
            "freshness-packages",
        ]);
        const p = configs["freshness-packages"]!.inputs;
        assert.equal(p["displayName"], "freshness raw.packages (6 h)");
        assert.equal(p["location"], "US");
        assert.equal(p["dataSourceId"], "scheduled_query");
        assert.equal(p["schedule"], "every 60 minutes");
        assert.equal(p["serviceAccountName"], JOBS_EMAIL);
        assert.deepEqual(p["params"], {
            query: [
                "ASSERT (",
                "  SELECT IFNULL(TIMESTAMP_DIFF(CURRENT_TIMESTAMP(), MAX(_loaded_at), MINUTE) <= 360,",
                "    (SELECT creation_time FROM `acme-dev`.raw.INFORMATION_SCHEMA.TABLES WHERE table_name = 'packages') > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 48 HOUR))",
                "  FROM `acme-dev.raw.packages`",
                ") AS 'raw.packages is stale: no row loaded in the last 6 h (MAX(_loaded_at))'",
            ].join("\n"),
        });
        assert.equal(
            configs["freshness-customers"]!.inputs["displayName"],
            "freshness raw.customers (24 h)",
        );
        assert.match(
            (configs["freshness-customers"]!.inputs["params"] as { query: string }).query,
            /MINUTE\) <= 1440,/,
        );
    });

    it("takes its schedule and grace period from the alerting settings", async () => {
        const configs = byName(
            await checks({ freshnessCheckMinutes: 15, freshnessGraceHours: 0 }, { packages: 2 }),
            TRANSFER,
        );
        const p = configs["freshness-packages"]!.inputs;
        assert.equal(p["schedule"], "every 15 minutes");
        assert.match((p["params"] as { query: string }).query, /INTERVAL 0 HOUR\)\)/);
        assert.match((p["params"] as { query: string }).query, /MINUTE\) <= 120,/);
    });
});

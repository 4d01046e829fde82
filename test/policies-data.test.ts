// Data loss: deliberately bad changes to prod (stack-file edits, resources added at stack level and
// inside components, edited components) must each be blocked, for the reason the policy gives.
import { strict as assert } from "assert";
import * as gcp from "@pulumi/gcp";
import * as random from "@pulumi/random";
import { unsafeDeleteRule } from "../policies/storage";
import { analyseSql } from "../policies/sql";
import { freshnessCheckSql } from "../components/sql";
import type { Plan } from "../tools/offline/engine";
import {
    judgePlan,
    reasonsFor,
    withEditedResource,
    withResources,
    withStackEdit,
    type Verdict,
} from "./mutations";

const PROJECT = "replace-me-logistics-prod";
const LAKE = `${PROJECT}-lgx-prod-lake`;
const BACKUPS = `${LAKE}-backups`;

/** Stack-file edits of prod and the policy (or config error) each must be blocked by. */
const STACK_EDITS: [string, Record<string, unknown>, RegExp][] = [
    [
        "staging/ deleted after 1 day",
        { "logistics:dataLake": { location: "US", stagingRetentionDays: 1, softDeleteDays: 30 } },
        /^gcs-data-lake-lifecycle-safe: .*deletes staging\/ at age 1 days, below the configured 30-day staging retention/,
    ],
    [
        "noncurrent versions deleted after 1 day",
        {
            "logistics:dataLake": {
                location: "US",
                softDeleteDays: 30,
                noncurrentVersionRetentionDays: 1,
            },
        },
        /^gcs-data-lake-lifecycle-safe: .*deletes noncurrent versions after 1 days, below the 30-day floor/,
    ],
    [
        "data lake soft delete off",
        { "logistics:dataLake": { location: "US", softDeleteDays: 0 } },
        /^gcs-data-lake-lifecycle-safe: Data lake bucket must keep deleted objects restorable for at least 30 days \(soft delete\), got 0\./,
    ],
    [
        "backups retention unlocked",
        {
            "logistics:backups": {
                location: "US",
                versioning: false,
                retention: { days: 30, locked: false },
                snapshotLocation: "us-east1",
            },
        },
        /^gcs-backups-retention-locked: Backups bucket's retention policy must be locked/,
    ],
    [
        "backups retention shortened to 1 day",
        {
            "logistics:backups": {
                location: "US",
                versioning: false,
                retention: { days: 1, locked: true },
                snapshotLocation: "us-east1",
            },
        },
        /^gcs-backups-retention-locked: Backups bucket must retain objects at least 30 days, got 1\./,
    ],
    [
        "backups versioned instead of retained",
        {
            "logistics:backups": {
                location: "US",
                versioning: true,
                snapshotLocation: "us-east1",
            },
        },
        /^gcs-backups-retention-locked: Backups bucket must have a retention policy of at least 30 days\./,
    ],
    [
        "backups deleted after 31 days",
        {
            "logistics:backups": {
                location: "US",
                versioning: false,
                retention: { days: 30, locked: true },
                deleteAfterDays: 31,
                tiering: { coldlineAfterDays: 10, archiveAfterDays: 20 },
                snapshotLocation: "us-east1",
            },
        },
        /^gcs-backups-retention-locked: .*deletes live objects at age 31 days, below the 400-day floor/,
    ],
    [
        "the staging dataset renamed onto the raw dataset's id (its table expiry now hits raw)",
        {
            "logistics:names": { datasets: { staging: "raw" } },
            "logistics:warehouse": {
                location: "US",
                timeTravelHours: 168,
                stagingTableExpirationDays: 30,
            },
        },
        /^bigquery-raw-data-no-expiry: Raw dataset must not expire its tables \(defaultTableExpirationMs is set\)\./,
    ],
    [
        "raw tables unprotected",
        { "logistics:protectStatefulResources": false },
        /^bigquery-raw-tables-deletion-protected: Raw table must have deletionProtection: true\./,
    ],
];

describe("data loss in prod (mutations)", function () {
    this.timeout(600_000);

    for (const [what, changes, reason] of STACK_EDITS)
        it(`stack file: ${what}`, async () => {
            const v = await withStackEdit(changes);
            assert.ok(v.blocked, `${what}: not blocked`);
            assert.ok(
                v.reasons.some((r) => reason.test(r)),
                `${what}: ${JSON.stringify(v.reasons, null, 1)}`,
            );
        });

    it("stack file: an in-place restore (the sanctioned rewrite of a raw table) is not blocked", async () => {
        const v = await withStackEdit({
            "logistics:restores": {
                r1: {
                    table: "packages",
                    requestedAt: "2026-11-25T00:00:00Z",
                    timestamp: "2026-11-24T12:00:00Z",
                    replace: true,
                },
            },
        });
        assert.deepEqual(v.reasons, []);
    });

    // Resources added at stack level and inside components, all in one run; each is judged alone.
    let plan: Plan;
    let verdict: Verdict;
    const sq = (name: string, query: string, parent?: gcp.bigquery.DataTransferConfigArgs) =>
        new gcp.bigquery.DataTransferConfig(name, {
            dataSourceId: "scheduled_query",
            displayName: name,
            location: "US",
            schedule: "every 24 hours",
            params: { query },
            ...parent,
        });
    const ADDED: [string, RegExp][] = [
        [
            "x-table-expiry",
            /^bigquery-raw-data-no-expiry: Raw table must not expire its data \(expirationTime is set\)\./,
        ],
        [
            "x-partition-expiry",
            /^bigquery-raw-data-no-expiry: .*timePartitioning\.expirationMs is set/,
        ],
        [
            "x-unknown-dataset-table",
            /^bigquery-raw-data-no-expiry: Table sets expirationTime and its dataset is known only after deploy/,
        ],
        [
            "x-raw-dataset-twin",
            /^bigquery-raw-data-no-expiry: Raw dataset must not expire its tables \(defaultPartitionExpirationMs is set\)\./,
        ],
        [
            "x-delete",
            /^bigquery-scheduled-sql-keeps-raw-data: .*DELETE replace-me-logistics-prod\.raw\.packages changes data in the raw dataset raw/,
        ],
        ["x-update", /UPDATE raw\.packages changes data in the raw dataset raw/],
        ["x-merge", /MERGE raw\.customers changes data/],
        ["x-truncate", /TRUNCATE raw\.tracking_events changes data/],
        ["x-drop", /DROP TABLE raw\.packages changes data/],
        ["x-drop-schema", /DROP SCHEMA raw changes data/],
        ["x-replace", /CREATE OR REPLACE TABLE raw\.packages changes data/],
        ["x-alter", /ALTER TABLE raw\.packages changes data/],
        ["x-alter-schema", /ALTER SCHEMA raw changes data/],
        ["x-load-overwrite", /LOAD DATA OVERWRITE raw\.packages changes data/],
        ["x-dynamic", /EXECUTE IMMEDIATE runs a statement built at run time/],
        ["x-call", /CALL runs a procedure whose statements are not in the plan/],
        ["x-unqualified", /DELETE packages does not name its dataset/],
        ["x-nested", /DELETE raw\.packages changes data/],
        ["x-unparseable", /SQL does not parse as BigQuery SQL/],
        [
            "x-truncating-destination",
            /Transfer config must not overwrite tables in the raw dataset raw\./,
        ],
        [
            "x-job-delete",
            /^bigquery-scheduled-sql-keeps-raw-data: BigQuery job must not change raw data: DELETE/,
        ],
        [
            "x-job-load-truncate",
            /BigQuery job must not overwrite a raw table \(load into raw\.packages with WRITE_TRUNCATE\)/,
        ],
        [
            "lgx-prod-backup-schedule-x-disabled",
            /^bigquery-backups-export-to-backups-bucket: Backup transfer config must not be disabled\./,
        ],
        [
            "lgx-prod-backup-schedule-x-elsewhere",
            /must write into the backups bucket \(gs:\/\/replace-me-logistics-prod-lgx-prod-lake-backups\/\), got gs:\/\/exfil-bucket\/p_\*\.parquet/,
        ],
        [
            "lgx-prod-backup-schedule-x-unscheduled",
            /Backup transfer config must run on its schedule \(disableAutoScheduling is set\)\./,
        ],
        ["x-lake-twin", /^gcs-data-lake-lifecycle-safe: .*deletes live objects outside staging\//],
        [
            "x-backups-twin",
            /^gcs-backups-retention-locked: Backups bucket's retention policy must be locked/,
        ],
        [
            "x-transfer-delete",
            /^gcs-transfer-keeps-data: Transfer job must not delete objects from replace-me-logistics-prod-lgx-prod-lake after transfer\./,
        ],
    ];

    before(async () => {
        plan = await withResources((inside) => {
            const raw = "raw";
            new gcp.bigquery.Table("x-table-expiry", {
                datasetId: raw,
                tableId: "packages_copy",
                expirationTime: 1,
            });
            new gcp.bigquery.Table("x-partition-expiry", {
                datasetId: raw,
                tableId: "events_copy",
                timePartitioning: { type: "DAY", expirationMs: 86400000 },
            });
            const suffix = new random.RandomString("x-suffix", { length: 4, special: false });
            new gcp.bigquery.Table("x-unknown-dataset-table", {
                datasetId: suffix.result,
                tableId: "t",
                expirationTime: 1,
            });
            new gcp.bigquery.Dataset("x-raw-dataset-twin", {
                datasetId: raw,
                location: "US",
                defaultPartitionExpirationMs: 86400000,
            });
            sq("x-delete", `DELETE FROM \`${PROJECT}.raw.packages\` WHERE TRUE`);
            sq("x-update", "UPDATE raw.packages SET status = 'X' WHERE TRUE");
            sq(
                "x-merge",
                "MERGE raw.customers USING staging.c ON FALSE WHEN NOT MATCHED BY SOURCE THEN DELETE",
            );
            sq("x-truncate", "TRUNCATE TABLE raw.tracking_events");
            sq("x-drop", "DROP TABLE IF EXISTS raw.packages");
            sq("x-drop-schema", "DROP SCHEMA raw CASCADE");
            sq(
                "x-replace",
                "CREATE OR REPLACE TABLE raw.packages AS SELECT * FROM raw.packages LIMIT 0",
            );
            sq(
                "x-alter",
                "ALTER TABLE raw.packages SET OPTIONS (expiration_timestamp = CURRENT_TIMESTAMP())",
            );
            sq(
                "x-alter-schema",
                "ALTER SCHEMA raw SET OPTIONS (default_table_expiration_days = 1)",
            );
            sq(
                "x-load-overwrite",
                "LOAD DATA OVERWRITE raw.packages FROM FILES (format = 'CSV', uris = ['gs://x/y.csv'])",
            );
            sq("x-dynamic", "EXECUTE IMMEDIATE CONCAT('DELETE FROM raw.', 'packages WHERE TRUE')");
            sq("x-call", "CALL staging.cleanup()");
            sq("x-unqualified", "DELETE FROM packages WHERE TRUE");
            sq("x-nested", "BEGIN IF TRUE THEN DELETE FROM raw.packages WHERE TRUE; END IF; END");
            sq("x-unparseable", "DELEET FROM raw.packages");
            sq("x-truncating-destination", "SELECT 1 AS x", {
                destinationDatasetId: raw,
                params: {
                    query: "SELECT 1 AS x",
                    destination_table_name_template: "packages",
                    write_disposition: "WRITE_TRUNCATE",
                },
            } as unknown as gcp.bigquery.DataTransferConfigArgs);
            new gcp.bigquery.Routine("x-procedure", {
                datasetId: "staging",
                routineId: "cleanup",
                routineType: "PROCEDURE",
                language: "SQL",
                definitionBody: "BEGIN TRUNCATE TABLE raw.packages; END",
            });
            new gcp.bigquery.Job("x-job-delete", {
                jobId: "x-job-delete",
                location: "US",
                query: { query: "DELETE FROM raw.packages WHERE TRUE", useLegacySql: false },
            });
            new gcp.bigquery.Job("x-job-load-truncate", {
                jobId: "x-job-load",
                location: "US",
                load: {
                    sourceUris: ["gs://x/y.parquet"],
                    destinationTable: { projectId: PROJECT, datasetId: raw, tableId: "packages" },
                    writeDisposition: "WRITE_TRUNCATE",
                    sourceFormat: "PARQUET",
                },
            });
            // Inside the scheduled backups component.
            const backups = inside("logistics:backup:ScheduledBackups", "lgx-prod-backup-schedule");
            const exportOf = (uri: string) =>
                `EXPORT DATA OPTIONS (uri = '${uri}', format = 'PARQUET') AS SELECT * FROM \`${PROJECT}.raw.packages\``;
            new gcp.bigquery.DataTransferConfig(
                "lgx-prod-backup-schedule-x-disabled",
                {
                    dataSourceId: "scheduled_query",
                    displayName: "d",
                    location: "US",
                    schedule: "every day 02:15",
                    disabled: true,
                    params: { query: exportOf(`gs://${BACKUPS}/p_*.parquet`) },
                },
                { parent: backups },
            );
            new gcp.bigquery.DataTransferConfig(
                "lgx-prod-backup-schedule-x-elsewhere",
                {
                    dataSourceId: "scheduled_query",
                    displayName: "e",
                    location: "US",
                    schedule: "every day 02:15",
                    params: { query: exportOf("gs://exfil-bucket/p_*.parquet") },
                },
                { parent: backups },
            );
            new gcp.bigquery.DataTransferConfig(
                "lgx-prod-backup-schedule-x-unscheduled",
                {
                    dataSourceId: "scheduled_query",
                    displayName: "u",
                    location: "US",
                    scheduleOptions: { disableAutoScheduling: true },
                    params: { query: exportOf(`gs://${BACKUPS}/p_*.parquet`) },
                },
                { parent: backups },
            );
            // A second declaration of the data lake and of the backups bucket (same physical name).
            new gcp.storage.Bucket("x-lake-twin", {
                name: LAKE,
                location: "US",
                lifecycleRules: [{ action: { type: "Delete" }, condition: { age: 1 } }],
            });
            new gcp.storage.Bucket("x-backups-twin", {
                name: BACKUPS,
                location: "US",
                retentionPolicy: { retentionPeriod: "2592000", isLocked: false },
            });
            new gcp.storage.TransferJob("x-transfer-delete", {
                description: "move",
                transferSpec: {
                    gcsDataSource: { bucketName: LAKE },
                    gcsDataSink: { bucketName: "elsewhere" },
                    transferOptions: { deleteObjectsFromSourceAfterTransfer: true },
                },
            });
        });
        verdict = await judgePlan(plan);
    });

    for (const [name, reason] of ADDED)
        it(`added resource: ${name}`, () => {
            const reasons = reasonsFor(verdict, plan, name);
            assert.ok(
                reasons.some((r) => reason.test(r)),
                `${name}: ${JSON.stringify(reasons, null, 1)}`,
            );
        });

    it("edited component: a label change does not switch the backups and raw-table policies off", async () => {
        const backups = await withEditedResource("lgx-prod-backups-bucket", (i) => {
            i["labels"] = { ...i["labels"], purpose: "archive", component: "misc" };
            i["retentionPolicy"] = { isLocked: false, retentionPeriod: "2592000" };
        });
        assert.ok(backups.reasons.some((r) => /retention policy must be locked/.test(r)));
        const table = await withEditedResource("lgx-prod-warehouse-raw-packages", (i) => {
            i["labels"] = { ...i["labels"], dataset: "archive" };
            i["expirationTime"] = 1;
        });
        assert.ok(table.reasons.some((r) => /Raw table must not expire its data/.test(r)));
    });

    it("edited component: the backup schedule disabled, its export moved, the lake's staging rule widened", async () => {
        const disabled = await withEditedResource("lgx-prod-backup-schedule-packages", (i) => {
            i["disabled"] = true;
        });
        assert.ok(
            disabled.reasons.includes(
                "bigquery-backups-export-to-backups-bucket: Backup transfer config must not be disabled.",
            ),
        );
        assert.ok(
            disabled.reasons.some((r) =>
                r.startsWith("stack-raw-tables-backed-up: Raw table raw.packages"),
            ),
        );
        const empty = await withEditedResource("lgx-prod-backup-schedule-customers", (i) => {
            i["params"].query = String(i["params"].query).replace(
                "raw.customers`",
                "raw.customers` WHERE FALSE",
            );
        });
        assert.ok(
            empty.reasons.some((r) =>
                r.startsWith("stack-raw-tables-backed-up: Raw table raw.customers must have"),
            ),
            JSON.stringify(empty.reasons),
        );
        const rare = await withEditedResource("lgx-prod-backup-schedule-customers", (i) => {
            i["schedule"] = "every 9999 hours";
        });
        assert.ok(
            rare.reasons.includes(
                'bigquery-backups-export-to-backups-bucket: Backup transfer config must run at least daily, got "every 9999 hours".',
            ),
            JSON.stringify(rare.reasons),
        );
        const rule = await withEditedResource("lgx-prod-lake-bucket", (i) => {
            i["lifecycleRules"][0].condition.matchesPrefixes = [""];
        });
        assert.ok(
            rule.reasons.some((r) =>
                /deletes live objects outside staging\/ \(matchesPrefixes \[""\]\)/.test(r),
            ),
        );
    });
});

describe("data-loss rules (pure functions)", () => {
    const limits = { prefix: "staging/", minAge: 30, minNoncurrentDays: 7 };
    const cases: [Record<string, unknown>, string | undefined][] = [
        [{ age: 30, matchesPrefixes: ["staging/"] }, undefined],
        [{ age: 30, matchesPrefixes: ["staging/tmp/"] }, undefined],
        [
            { age: 0, matchesPrefixes: ["staging/"] },
            "deletes staging/ at age 0 days, below the configured 30-day staging retention",
        ],
        [
            { matchesPrefixes: ["staging/"], createdBefore: "2030-01-01" },
            "deletes staging/ without an age condition, below the configured 30-day staging retention",
        ],
        [
            { age: 30, matchesPrefixes: ["staging/", "raw/"] },
            'deletes live objects outside staging/ (matchesPrefixes ["staging/","raw/"])',
        ],
        [{ age: 365 }, "deletes live objects outside staging/ (matchesPrefixes [])"],
        [
            { age: 30, matchesSuffixes: [".csv"] },
            "deletes live objects outside staging/ (matchesPrefixes [])",
        ],
        [{ daysSinceNoncurrentTime: 30 }, undefined],
        [
            { daysSinceNoncurrentTime: 1 },
            "deletes noncurrent versions after 1 days, below the 7-day floor",
        ],
        [
            { numNewerVersions: 1 },
            "deletes noncurrent versions without a daysSinceNoncurrentTime, below the 7-day floor",
        ],
        [
            { numNewerVersions: 0, age: 1 },
            "deletes live objects outside staging/ (matchesPrefixes [])",
        ],
        [
            { withState: "ANY", age: 1 },
            "deletes live objects outside staging/ (matchesPrefixes [])",
        ],
    ];
    for (const [condition, expected] of cases)
        it(`Delete rule ${JSON.stringify(condition)}`, () =>
            assert.equal(unsafeDeleteRule(condition, limits), expected));

    it("reads the scheduled backups' EXECUTE IMMEDIATE FORMAT(…) export and its source table", () => {
        const sql =
            "EXECUTE IMMEDIATE FORMAT(\"\"\"EXPORT DATA OPTIONS (uri = 'gs://b/p_%s_*.parquet', format = 'PARQUET') AS SELECT * FROM `p.raw.packages`\"\"\", FORMAT_DATE('%Y%m%d', @run_date))";
        assert.deepEqual(analyseSql(sql, new Set(["raw"])), {
            problems: [],
            exports: [
                { uri: "gs://b/p_0_*.parquet", reads: [["p", "raw", "packages"]], whole: true },
            ],
            asserts: [],
            opaque: [],
        });
    });

    it("reads a freshness check's bound through its new-table grace period, and nothing looser", () => {
        const sql = freshnessCheckSql({ project: "p", dataset: "raw" }, "packages", 6, 48);
        const read = (q: string) =>
            analyseSql(q, new Set(["raw"])).asserts.map((a) => [a.minutes, a.graceHours]);
        assert.deepEqual(read(sql), [[[360], [48]]]);
        for (const loosened of [
            sql.replace("<= 360,", "<= 360 OR TRUE,"), // the bound decides nothing
            sql.replace("INTERVAL 48 HOUR", "INTERVAL 48 DAY"), // a grace in other units
            sql.replace(/\(SELECT creation_time[^)]*\)/, "TRUE"), // always within the grace
            sql.replace("IFNULL(", "COALESCE(TRUE, "), // never the bound
        ])
            assert.deepEqual(read(loosened), [[[], []]], loosened);
    });
});

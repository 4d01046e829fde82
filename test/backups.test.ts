// Scheduled backups and restores as config.
import { strict as assert } from "assert";
import {
    backupExportSql,
    backupRestoreSql,
    backupUri,
    timeTravelRestoreSql,
    timeTravelSql,
} from "../components/sql";
import { RAW_TABLES, readRawSchemas } from "../components/warehouse";
import { ConfigError, parseStackConfig } from "../stacks/config";
import { RAW_TABLE_NAMES } from "../components/rawTables";
import { restoreJobId, type RestoreConfig } from "../components/restores.schema";
import { planFor, resource, resourcesOfType, withChanges } from "./harness";

const PROD_RAW = { project: "replace-me-logistics-prod", dataset: "raw" };
const P_RAW = { project: "p", dataset: "raw" };

const TRANSFER = "gcp:bigquery/dataTransferConfig:DataTransferConfig";
const JOB = "gcp:bigquery/job:Job";
const BACKUPS = "replace-me-logistics-prod-lgx-prod-lake-backups";
const NOW = new Date("2026-11-26T12:00:00Z");

const RESTORES: Record<string, RestoreConfig> = {
    "packages-from-backup": {
        table: "packages",
        requestedAt: "2026-11-26T09:00:00Z",
        backupDate: "2026-11-20",
        targetTable: "packages_20261120",
    },
    "events-time-travel": {
        table: "tracking_events",
        requestedAt: "2026-11-26T09:00:00Z",
        timestamp: "2026-11-25T22:00:00Z",
        replace: true,
    },
};

/** Problems of the prod stack with `restores`, checked at NOW. */
function restoreProblems(restores: Record<string, unknown>): string[] {
    try {
        parseStackConfig(withChanges("prod", { "logistics:restores": restores }), {
            allowPlaceholderProject: true,
            now: NOW,
        });
        return [];
    } catch (err) {
        if (err instanceof ConfigError) return [...err.problems];
        throw err;
    }
}

describe("scheduled backups", () => {
    it("export every raw table daily at 02:15 UTC, as the jobs account, where the data is", async () => {
        const plan = await planFor("prod");
        const configs = resourcesOfType(plan, TRANSFER).filter((c) =>
            c.name.includes("-backup-schedule-"),
        );
        assert.deepEqual(
            configs.map((c) => c.inputs["displayName"]).sort(),
            RAW_TABLE_NAMES.map((t) => `backup raw.${t}`).sort(),
        );
        for (const c of configs) {
            assert.equal(c.inputs["dataSourceId"], "scheduled_query");
            assert.equal(c.inputs["schedule"], "every day 02:15");
            assert.equal(c.inputs["location"], "US");
            assert.equal(
                c.inputs["serviceAccountName"],
                "lgx-prod-jobs@replace-me-logistics-prod.iam.gserviceaccount.com",
            );
            assert.equal(
                c.inputs["destinationDatasetId"],
                undefined,
                "EXPORT DATA writes no table",
            );
        }
        const packages = resource(plan, TRANSFER, "lgx-prod-backup-schedule-packages");
        assert.equal(
            (packages.inputs["params"] as { query: string }).query,
            backupExportSql(PROD_RAW, "packages", BACKUPS),
        );
        // Scheduled queries wait for the tables they read.
        assert.ok(
            packages.dependencies.some((d) => d.endsWith("::lgx-prod-warehouse-raw-packages")),
        );
    });

    it("write the runbook's <table>_<YYYYMMDD> objects, never overwriting one", () => {
        const sql = backupExportSql(P_RAW, "packages", "b");
        assert.match(
            sql,
            /EXPORT DATA OPTIONS \(uri = 'gs:\/\/b\/packages_%s_\*\.parquet', format = 'PARQUET', overwrite = false\)/,
        );
        assert.match(sql, /SELECT \* FROM `p\.raw\.packages`/);
        assert.match(sql, /FORMAT_DATE\('%Y%m%d', @run_date\)/);
        assert.equal(backupUri("b", "packages", "20240101"), "gs://b/packages_20240101_*.parquet");
    });

    it("run inside the runbook's daily window only", () => {
        const got = (() => {
            try {
                parseStackConfig(
                    withChanges("dev", { "logistics:backups": { exportTime: "03:10" } }),
                    { allowPlaceholderProject: true },
                );
                return [];
            } catch (err) {
                return (err as ConfigError).problems;
            }
        })();
        assert.deepEqual(got, [
            `logistics:backups.exportTime: got "03:10". Expected a time from 02:00 to 02:59 UTC (the runbook's daily window), e.g. 02:15.`,
        ]);
    });
});

describe("restores", () => {
    it("turn a backup entry into a Parquet LOAD DATA script and a time-travel entry into a query", async () => {
        const plan = await planFor("prod", { "logistics:restores": RESTORES });
        // Named after the entry and its job id's hash: a changed entry is a new resource.
        const named = (id: string) =>
            `lgx-prod-restores-${id}-${restoreJobId(id, RESTORES[id]!).slice(-12)}`;
        const load = resource(plan, JOB, named("packages-from-backup"));
        assert.deepEqual(load.inputs["query"], {
            query: backupRestoreSql(
                PROD_RAW,
                BACKUPS,
                "packages",
                "20261120",
                { ...RAW_TABLES.packages, columns: readRawSchemas()["packages"]! },
                "packages_20261120",
            ),
            useLegacySql: false,
            createDisposition: "",
            writeDisposition: "",
        });
        assert.equal(load.inputs["load"], undefined);
        const query = resource(plan, JOB, named("events-time-travel"));
        // Once a job exists nothing of it changes: a later change to the SQL this program
        // generates must not replace a job that has run (BigQuery refuses a job id twice).
        for (const job of [load, query])
            assert.deepEqual(job.options["ignoreChanges"], ["query", "load", "labels", "location"]);
        assert.deepEqual(query.inputs["query"], {
            query: timeTravelRestoreSql(
                PROD_RAW,
                "tracking_events",
                "2026-11-25T22:00:00Z",
                { ...RAW_TABLES.tracking_events, columns: readRawSchemas()["tracking_events"]! },
                "replace",
            ),
            useLegacySql: false,
            createDisposition: "",
            writeDisposition: "",
        });
        assert.equal(
            timeTravelRestoreSql(
                P_RAW,
                "t",
                "x",
                {
                    partitioned: true,
                    clusterings: ["a", "b"],
                    columns: [
                        { name: "a", type: "STRING", mode: "REQUIRED" },
                        { name: "b", type: "INT64" },
                    ],
                },
                { newTable: "n" },
            ),
            [
                "CREATE TABLE `p.raw.n`",
                "(",
                "  a STRING NOT NULL,",
                "  b INT64",
                ")",
                "PARTITION BY TIMESTAMP_TRUNC(_loaded_at, DAY)",
                "CLUSTER BY a, b",
                "AS SELECT a, b FROM `p.raw.t` FOR SYSTEM_TIME AS OF TIMESTAMP 'x';",
            ].join("\n"),
        );
        assert.equal(
            timeTravelRestoreSql(
                P_RAW,
                "t",
                "x",
                { partitioned: false, clusterings: [], columns: [] },
                "replace",
            ),
            [
                "CREATE TEMP TABLE restore_point AS",
                "SELECT * FROM `p.raw.t` FOR SYSTEM_TIME AS OF TIMESTAMP 'x';",
                "BEGIN TRANSACTION;",
                "TRUNCATE TABLE `p.raw.t`;",
                "INSERT INTO `p.raw.t`",
                "SELECT * FROM restore_point;",
                "COMMIT TRANSACTION;",
            ].join("\n"),
        );
        assert.match(timeTravelSql(P_RAW, "t", "x"), /FOR SYSTEM_TIME AS OF TIMESTAMP 'x'$/);
        for (const job of [load, query]) {
            assert.equal(
                job.options.retainOnDelete,
                true,
                "removing the entry removes nothing in BigQuery",
            );
            assert.ok(
                job.dependencies.some((d) => d.endsWith("::lgx-prod-warehouse-raw-packages")),
                "waits for the tables",
            );
            assert.ok(
                job.dependencies.some((d) => d.endsWith("::lgx-prod-backups-bucket")),
                "waits for the backups bucket",
            );
            assert.equal(job.inputs["location"], "US");
        }
        assert.deepEqual(Object.keys(plan.outputs["restoreJobs"] as object).sort(), [
            "events-time-travel",
            "packages-from-backup",
        ]);
    });

    it("derive job ids from the entry: the same entry never runs twice, a changed one runs anew", () => {
        const r = RESTORES["packages-from-backup"];
        assert.equal(restoreJobId("a", r), restoreJobId("a", { ...r }));
        assert.match(
            restoreJobId("packages-from-backup", r),
            /^restore_packages_from_backup_[0-9a-f]{12}$/,
        );
        assert.notEqual(
            restoreJobId("a", r),
            restoreJobId("a", { ...r, backupDate: "2026-11-21" }),
        );
        assert.notEqual(restoreJobId("a", r), restoreJobId("b", r));
        // Pinned: a changed id would run every listed restore again on the next deploy.
        const inPlace = {
            timestamp: "2026-11-24T12:00:00Z",
            replace: true,
            table: "packages",
            requestedAt: "2026-11-25T00:00:00Z",
        } as const;
        assert.equal(restoreJobId("r1", inPlace), "restore_r1_e0ecc69d38c6");
        assert.equal(
            restoreJobId("r1", {
                table: "packages",
                requestedAt: "2026-11-25T00:00:00Z",
                backupDate: "2026-11-20",
                targetTable: "packages_r1",
            }),
            "restore_r1_14c5097de900",
        );
    });

    it("accept the examples", () => assert.deepEqual(restoreProblems(RESTORES), []));

    const cases: [string, Record<string, unknown>, string[]][] = [
        [
            "both a backup date and a timestamp",
            {
                table: "packages",
                requestedAt: "2026-11-26T09:00:00Z",
                backupDate: "2026-11-20",
                timestamp: "2026-11-26T08:00:00Z",
                targetTable: "packages_r",
            },
            [
                "logistics:restores.x: sets backupDate and timestamp of backupDate, timestamp and snapshot. Expected exactly one: backupDate (a daily backup), timestamp (time travel) or snapshot (a daily table snapshot).",
            ],
        ],
        [
            "no target",
            { table: "packages", requestedAt: "2026-11-26T09:00:00Z", backupDate: "2026-11-20" },
            [
                "logistics:restores.x: sets neither of targetTable and replace. Expected exactly one: targetTable (a new table in raw) or replace: true.",
            ],
        ],
        [
            "a target that is an existing raw table",
            {
                table: "packages",
                requestedAt: "2026-11-26T09:00:00Z",
                backupDate: "2026-11-20",
                targetTable: "customers",
            },
            [
                'logistics:restores.x.targetTable: got "customers", an existing raw table. Expected a new table name, or replace: true.',
            ],
        ],
        [
            "an unknown table",
            {
                table: "parcels",
                requestedAt: "2026-11-26T09:00:00Z",
                backupDate: "2026-11-20",
                targetTable: "packages_r",
            },
            [
                'logistics:restores.x.table: got "parcels". Expected a raw table, one of packages, tracking_events, customers.',
            ],
        ],
        [
            "a request in the future",
            {
                table: "packages",
                requestedAt: "2026-11-27T09:00:00Z",
                backupDate: "2026-11-20",
                targetTable: "packages_r",
            },
            [
                'logistics:restores.x.requestedAt: got "2026-11-27T09:00:00Z", in the future or not a date. Expected the time the restore was asked for.',
            ],
        ],
        [
            "a backup date after the request",
            {
                table: "packages",
                requestedAt: "2026-11-26T01:00:00Z",
                backupDate: "2026-11-26",
                targetTable: "packages_r",
            },
            [
                'logistics:restores.x.backupDate: got "2026-11-26", no backup of which was taken before requestedAt (backups run daily at 02:15 UTC). Expected the date of an earlier daily backup.',
            ],
        ],
        [
            "a backup beyond the retention horizon",
            {
                table: "packages",
                requestedAt: "2026-11-26T09:00:00Z",
                backupDate: "2025-01-01",
                targetTable: "packages_r",
            },
            [
                'logistics:restores.x.backupDate: got "2025-01-01", older than the backups\' 400-day horizon (logistics:backups.deleteAfterDays) at requestedAt. Expected a date within 400 days before it.',
            ],
        ],
        [
            "a timestamp outside the time-travel window",
            {
                table: "packages",
                requestedAt: "2026-11-26T09:00:00Z",
                timestamp: "2026-11-10T00:00:00Z",
                replace: true,
            },
            [
                'logistics:restores.x.timestamp: got "2026-11-10T00:00:00Z", outside the 168 h time-travel window (logistics:warehouse.timeTravelHours) before requestedAt. Expected a time within it, or restore a backup.',
            ],
        ],
        [
            "a timestamp that is not UTC",
            {
                table: "packages",
                requestedAt: "2026-11-26T09:00:00Z",
                timestamp: "2026-11-25 10:00",
                replace: true,
            },
            [
                'logistics:restores.x.timestamp: got "2026-11-25 10:00". Expected a UTC timestamp such as 2026-11-26T09:30:00Z.',
            ],
        ],
    ];

    cases.push([
        "a backup restored in place",
        {
            table: "packages",
            requestedAt: "2026-11-26T09:00:00Z",
            backupDate: "2026-11-20",
            replace: true,
        },
        [
            "logistics:restores.x.replace: is true for a backup restore. Expected targetTable: a backup loads into a new table; compare it with the live one, then swap (docs/runbook.md).",
        ],
    ]);

    it(`reject bad restore entries with exact messages (${cases.length} cases)`, () => {
        for (const [title, entry, expected] of cases)
            assert.deepEqual(restoreProblems({ x: entry }), expected, title);
        assert.deepEqual(restoreProblems({ X: RESTORES["events-time-travel"] }), [
            "logistics:restores.X: invalid key \"X\". Expected a restore id: lowercase letters, digits and '-', e.g. packages-2026-11-20.",
        ]);
    });

    it("stay valid on later runs: the checks are anchored on requestedAt, not on the day of the run", () => {
        const later = new Date("2027-06-01T00:00:00Z");
        assert.doesNotThrow(() =>
            parseStackConfig(withChanges("prod", { "logistics:restores": RESTORES }), {
                allowPlaceholderProject: true,
                now: later,
            }),
        );
    });
});

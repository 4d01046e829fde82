// The table-snapshot tier: config rules, the scheduled snapshots and their dataset, snapshot
// restores (SQL parsed, dry-run pieces, job ids), and the jobs account's permissions for them.
import { strict as assert } from "assert";
import { parse } from "sql-parser-cst";
import { restoreJobId } from "../components/restores.schema";
import {
    restoreDryRunStatements,
    snapshotRestoreSql,
    snapshotSql,
    snapshotStatement,
} from "../components/sql";
import { verifyRestoreSql } from "../tools/ops/sql";
import { ConfigError, parseStackConfig } from "../stacks/config";
import { checkAccess, loadRoles, missingLines, modelInput } from "../tools/offline/iam";
import type { Plan } from "../tools/offline/engine";
import { planFor, resource, resourcesOfType, withChanges } from "./harness";

const TRANSFER = "gcp:bigquery/dataTransferConfig:DataTransferConfig";
const DATASET = "gcp:bigquery/dataset:Dataset";
const JOB = "gcp:bigquery/job:Job";
const RAW = { project: "p", dataset: "raw" };
const SNAP = { project: "p", dataset: "snapshots" };
const NOW = new Date("2026-11-26T12:00:00Z");

const parses = (sql: string) => parse(sql, { dialect: "bigquery", paramTypes: ["@name"] });

/** Problems of the prod stack with `changes`, checked at NOW. */
function prodProblems(changes: Record<string, unknown>): string[] {
    try {
        parseStackConfig(withChanges("prod", changes), { allowPlaceholderProject: true, now: NOW });
        return [];
    } catch (err) {
        if (err instanceof ConfigError) return [...err.problems];
        throw err;
    }
}

const entry = (e: Record<string, unknown>) => ({
    "logistics:restores": { x: { table: "packages", requestedAt: "2026-11-26T09:00:00Z", ...e } },
});

describe("table snapshots: config", () => {
    const warehouse = (snapshots: unknown) => ({
        "logistics:warehouse": { location: "US", snapshots },
    });
    const cases: [string, Record<string, unknown>, string[]][] = [
        [
            "an expiration under a day",
            warehouse({ expirationDays: 0 }),
            [
                "logistics:warehouse.snapshots.expirationDays: got 0. Expected an integer from 1 to 3650 (days a snapshot is kept).",
            ],
        ],
        [
            "a time that is not HH:MM",
            warehouse({ expirationDays: 35, time: "5am" }),
            [
                'logistics:warehouse.snapshots.time: got "5am". Expected a time HH:MM (UTC), e.g. 05:00.',
            ],
        ],
        [
            "a time inside Composer's maintenance window",
            warehouse({ expirationDays: 35, time: "03:30" }),
            [
                'logistics:warehouse.snapshots.time: got "03:30", inside Composer\'s maintenance window (logistics:composer.maintenanceWindow: "00:00" for 4 h) on MO, TU, WE, TH, FR, SA, SU. Expected a time outside every maintenance slot: loads may stop part-way during maintenance.',
            ],
        ],
        [
            "a snapshot restore in a stack without snapshots",
            { ...warehouse(undefined), ...entry({ snapshot: "2026-11-20", targetTable: "p_r" }) },
            [
                'logistics:restores.x.snapshot: got "2026-11-20", but the stack takes no table snapshots. Expected logistics:warehouse.snapshots set, or restore with backupDate or timestamp.',
            ],
        ],
        [
            "a snapshot taken after the request",
            entry({
                snapshot: "2026-11-26",
                targetTable: "p_r",
                requestedAt: "2026-11-26T04:59:00Z",
            }),
            [
                'logistics:restores.x.snapshot: got "2026-11-26", no snapshot of which was taken before requestedAt (snapshots run daily at 05:00 UTC). Expected the date of an earlier daily snapshot.',
            ],
        ],
        [
            "a snapshot past its expiration",
            entry({ snapshot: "2026-10-20", replace: true }),
            [
                'logistics:restores.x.snapshot: got "2026-10-20", older than the snapshots\' 35-day expiration (logistics:warehouse.snapshots.expirationDays) at requestedAt. Expected a date within 35 days before it, or restore a backup (backupDate).',
            ],
        ],
        [
            "a snapshot and a timestamp",
            entry({ snapshot: "2026-11-20", timestamp: "2026-11-25T00:00:00Z", replace: true }),
            [
                "logistics:restores.x: sets timestamp and snapshot of backupDate, timestamp and snapshot. Expected exactly one: backupDate (a daily backup), timestamp (time travel) or snapshot (a daily table snapshot).",
            ],
        ],
        [
            "no source at all",
            entry({ replace: true }),
            [
                "logistics:restores.x: sets none of backupDate, timestamp and snapshot. Expected exactly one: backupDate (a daily backup), timestamp (time travel) or snapshot (a daily table snapshot).",
            ],
        ],
    ];
    it(`reject bad snapshot settings and entries with exact messages (${cases.length} cases)`, () => {
        for (const [title, changes, expected] of cases)
            assert.deepEqual(prodProblems(changes), expected, title);
    });

    it("accept a snapshot restore inside the expiration, into a new table or in place", () => {
        assert.deepEqual(prodProblems(entry({ snapshot: "2026-10-23", targetTable: "p_r" })), []);
        assert.deepEqual(prodProblems(entry({ snapshot: "2026-11-25", replace: true })), []);
        // The check follows the window: with maintenance from 22:00 for 6 h, 21:00 is free and
        // 23:00 is not.
        const at = (time: string) =>
            prodProblems({
                "logistics:warehouse": { location: "US", snapshots: { expirationDays: 35, time } },
                "logistics:composer": {
                    ...JSON.parse(withChanges("prod", {})["logistics:composer"]!),
                    maintenanceWindow: {
                        start: "22:00",
                        hours: 6,
                        days: ["MO", "TU", "WE", "TH", "FR", "SA", "SU"],
                    },
                },
            });
        assert.deepEqual(at("21:00"), []);
        assert.equal(at("23:00").length, 1);
        assert.match(at("23:00")[0]!, /^logistics:warehouse\.snapshots\.time: got "23:00", inside/);
    });

    it("leave the ids of existing restore entries alone (a snapshot key only enters entries that set it)", () => {
        const r = {
            table: "packages",
            requestedAt: "2026-11-25T00:00:00Z",
            backupDate: "2026-11-20",
            targetTable: "packages_r1",
        } as const;
        assert.equal(restoreJobId("r1", r), "restore_r1_14c5097de900");
        assert.notEqual(
            restoreJobId("r1", { ...r, backupDate: undefined, snapshot: "2026-11-20" }),
            restoreJobId("r1", r),
        );
    });
});

describe("table snapshots: SQL", () => {
    it("snapshot each table as of the run's scheduled time, named by its date", () => {
        const sql = snapshotSql(RAW, SNAP, "packages");
        parses(sql);
        const inner = snapshotStatement(sql, "2026-11-20T05:00:00Z");
        assert.equal(
            inner,
            "CREATE SNAPSHOT TABLE `p.snapshots.packages_20261120`\n" +
                "  CLONE `p.raw.packages` FOR SYSTEM_TIME AS OF TIMESTAMP '2026-11-20T05:00:00Z'",
        );
        parses(inner!);
        assert.equal(snapshotStatement("SELECT 1", "2026-11-20T05:00:00Z"), undefined);
    });

    it("restore by clone into a new table, or in place in one transaction; dry-run pieces for each", () => {
        const clone = snapshotRestoreSql(RAW, SNAP, "packages", "20261120", { newTable: "p_r" });
        assert.equal(clone, "CREATE TABLE `p.raw.p_r`\nCLONE `p.snapshots.packages_20261120`;");
        parses(clone);
        assert.deepEqual(restoreDryRunStatements(clone), [{ sql: clone, creates: "p.raw.p_r" }]);
        const inPlace = snapshotRestoreSql(RAW, SNAP, "packages", "20261120", "replace");
        parses(inPlace);
        assert.deepEqual(restoreDryRunStatements(inPlace), [
            { part: "its snapshot read", sql: "SELECT * FROM `p.snapshots.packages_20261120`" },
            { part: "its TRUNCATE", sql: "TRUNCATE TABLE `p.raw.packages`" },
        ]);
    });

    it("compare a restored table with the snapshot it came from, across datasets", () => {
        const sql = verifyRestoreSql(
            RAW,
            { table: "packages_20261120", dataset: "snapshots" },
            { table: "packages", loadedBy: "2026-11-20T05:00:00.000Z" },
            "package_id",
        );
        parses(sql);
        assert.ok(sql.includes("FROM `p.snapshots.packages_20261120`"));
        assert.ok(sql.includes("FROM `p.raw.packages` WHERE _loaded_at <= TIMESTAMP"));
    });
});

describe("table snapshots: the plan", () => {
    it("prod snapshots every raw table daily at 05:00 into a dataset whose tables expire after 35 days", async () => {
        const plan = await planFor("prod");
        const configs = resourcesOfType(plan, TRANSFER).filter((c) =>
            c.name.startsWith("lgx-prod-snapshots-"),
        );
        assert.deepEqual(configs.map((c) => c.inputs["displayName"]).sort(), [
            "snapshot raw.customers",
            "snapshot raw.packages",
            "snapshot raw.tracking_events",
        ]);
        for (const c of configs) {
            assert.equal(c.inputs["schedule"], "every day 05:00");
            assert.equal(c.inputs["location"], "US");
            assert.match(
                c.inputs["serviceAccountName"] as string,
                /^lgx-prod-jobs@/,
                "runs as the jobs account",
            );
            const query = (c.inputs["params"] as { query: string }).query;
            parses(query);
        }
        const dataset = resource(plan, DATASET, "lgx-prod-snapshots-dataset");
        assert.equal(dataset.inputs["datasetId"], "snapshots");
        assert.equal(dataset.inputs["defaultTableExpirationMs"], 35 * 86_400_000);
        assert.equal(dataset.inputs["location"], "US", "a snapshot lives in its source's location");
        assert.equal(dataset.options.protect, true);
    });

    it("a stack without the key takes no snapshots", async () => {
        const plan = await planFor("dev");
        assert.deepEqual(
            plan.resources
                .filter((r) => r.name.startsWith("lgx-dev-snapshots-"))
                .map((r) => r.name),
            [],
        );
    });

    it("a snapshot restore entry becomes a clone job, in place a transaction", async () => {
        const plan = await planFor("prod", {
            "logistics:restores": {
                clone: {
                    table: "packages",
                    requestedAt: "2026-11-25T00:00:00Z",
                    snapshot: "2026-11-20",
                    targetTable: "packages_r",
                },
                back: {
                    table: "customers",
                    requestedAt: "2026-11-25T00:00:00Z",
                    snapshot: "2026-11-20",
                    replace: true,
                },
            },
        });
        const jobs = resourcesOfType(plan, JOB);
        const query = (name: string) =>
            (jobs.find((j) => j.name.startsWith(name))!.inputs["query"] as { query: string }).query;
        assert.equal(
            query("lgx-prod-restores-clone-"),
            "CREATE TABLE `replace-me-logistics-prod.raw.packages_r`\nCLONE `replace-me-logistics-prod.snapshots.packages_20261120`;",
        );
        assert.match(query("lgx-prod-restores-back-"), /^BEGIN TRANSACTION;\nTRUNCATE TABLE/);
    });
});

describe("table snapshots: permissions", () => {
    it("the on-call reads the snapshots (restore-plan, verify-restore); without the grant it cannot", async () => {
        const changes = { "logistics:oncall": { members: ["group:oncall@example.com"] } };
        const withOncall = modelInput(
            parseStackConfig(withChanges("prod", changes), { allowPlaceholderProject: true }),
        );
        const plan: Plan = JSON.parse(JSON.stringify(await planFor("prod", changes)));
        const grant = resource(
            plan,
            "gcp:bigquery/datasetIamMember:DatasetIamMember",
            "lgx-prod-snapshots-bigquery.dataViewer-group-oncall@example.com",
        );
        assert.equal(grant.inputs["member"], "group:oncall@example.com");
        assert.deepEqual(missingLines(checkAccess(plan, withOncall, loadRoles())), []);
        plan.resources = plan.resources.filter((r) => r !== grant);
        assert.deepEqual(missingLines(checkAccess(plan, withOncall, loadRoles())), [
            "oncall: missing bigquery.tables.get on projects/replace-me-logistics-prod/datasets/snapshots, needed to read the table snapshots (restore-plan, verify-restore) — https://cloud.google.com/bigquery/docs/access-control",
            "oncall: missing bigquery.tables.getData on projects/replace-me-logistics-prod/datasets/snapshots, needed to read the table snapshots (restore-plan, verify-restore) — https://cloud.google.com/bigquery/docs/access-control",
        ]);
    });

    const roles = loadRoles();
    const input = modelInput(
        parseStackConfig(withChanges("prod", {}), { allowPlaceholderProject: true }),
    );
    it("the jobs account may write snapshots; without its grant on the dataset it may not", async () => {
        const plan: Plan = JSON.parse(JSON.stringify(await planFor("prod")));
        assert.deepEqual(missingLines(checkAccess(plan, input, roles)), []);
        plan.resources = plan.resources.filter(
            (r) => !(r.name.startsWith("lgx-prod-snapshots-") && r.type.includes("IamMember")),
        );
        assert.deepEqual(missingLines(checkAccess(plan, input, roles)), [
            "jobs: missing bigquery.tables.create on projects/replace-me-logistics-prod/datasets/snapshots, needed to write the daily table snapshots into the snapshots dataset — https://cloud.google.com/bigquery/docs/table-snapshots-create#permissions",
            "jobs: missing bigquery.tables.updateData on projects/replace-me-logistics-prod/datasets/snapshots, needed to write the daily table snapshots into the snapshots dataset — https://cloud.google.com/bigquery/docs/table-snapshots-create#permissions",
        ]);
    });
});

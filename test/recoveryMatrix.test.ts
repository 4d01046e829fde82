// The recovery matrix: derived from a stack's config (each failure's source follows the settings
// that decide it), and docs/runbook.md holds prod's as the generator writes it.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseStackConfig } from "../stacks/config";
import { markers, outsideOf, recoveryMatrix, withMatrix } from "../tools/offline/recoveryMatrix";
import type { BucketPlacement } from "../components/locations";
import { matrixMarkdown } from "../tools/matrix";
import { PROJECT_ROOT, withChanges } from "./harness";

const matrixOf = (changes: Record<string, unknown> = {}) =>
    Object.fromEntries(
        recoveryMatrix(
            parseStackConfig(withChanges("prod", changes), { allowPlaceholderProject: true }),
            "prod",
        ).map((r) => [r.failure.replace(/ \(.*\)$/, ""), r]),
    );
const prodBackups = () => JSON.parse(withChanges("prod", {})["logistics:backups"]!) as object;

describe("recovery matrix", () => {
    it("docs/runbook.md holds prod's matrix as npm run matrix -- --stack prod --write writes it", async () => {
        const file = path.join(PROJECT_ROOT, "docs", "runbook.md");
        const text = fs.readFileSync(file, "utf8");
        const expected = withMatrix(text, "prod", await matrixMarkdown(PROJECT_ROOT, "prod"));
        assert.ok(expected, `docs/runbook.md lacks ${markers("prod").join(" … ")}`);
        assert.ok(
            expected === text,
            "docs/runbook.md's recovery matrix is out of step with Pulumi.prod.yaml: run npm run matrix -- --stack prod --write",
        );
    });

    it("prod: time travel, then snapshots, then backups, a Composer snapshot elsewhere, managed DR: every row covered", () => {
        const m = matrixOf();
        assert.deepEqual(
            Object.values(m).map((r) => [r.failure, r.source.split(" (")[0], r.rpo.split(" (")[0]]),
            [
                ["bad load", "time travel", "0"],
                ["dropped table", "time travel", "0"],
                ["corruption found after 10 days", "table snapshot", "up to 24 h"],
                ["corruption found after 60 days", "daily Parquet backup", "up to 24 h"],
                [
                    "loss of the compute region (us-central1)",
                    "Composer snapshot in us-east1",
                    "up to 24 h of Airflow metadata",
                ],
                [
                    "loss of the data location (US)",
                    "managed disaster recovery: hard failover of the ENTERPRISE_PLUS reservation lgx-prod-slots with its replica of raw in us-east4",
                    "up to 15 min",
                ],
            ],
        );
        assert.ok(Object.values(m).every((r) => !r.source.startsWith("NOT COVERED")));
        const dr = m["loss of the data location"]!;
        assert.match(dr.restoreTime, /^5 min \(Google's stated RTO once the failover starts\)/);
        assert.match(
            dr.commands,
            /bigqueryreservation\.googleapis\.com\/v1\/projects\/<project>\/locations\/us-east4\/reservations\/lgx-prod-slots:failoverReservation/,
        );
        assert.match(
            m["loss of the compute region"]!.commands,
            /npm run ops -- load-composer-snapshot --stack prod$/,
        );
        // 250 GB (the default raw estimate): copy 60 s + 1250 s, load 60 s + 2500 s, clone 60 s.
        assert.deepEqual(
            ["bad load", "corruption found after 10 days", "corruption found after 60 days"].map(
                (f) => m[f]!.restoreTime,
            ),
            ["22 min", "1 min", "43 min"],
        );
    });

    it("follows the config: no snapshots, a short horizon, a larger dataset, snapshots in the compute region", () => {
        const noSnapshots = matrixOf({ "logistics:warehouse": { location: "US" } });
        assert.match(
            noSnapshots["corruption found after 10 days"]!.source,
            /^daily Parquet backup/,
        );
        const shortHorizon = matrixOf({
            "logistics:backups": {
                ...prodBackups(),
                deleteAfterDays: 40,
                tiering: { coldlineAfterDays: 30 },
            },
        });
        assert.equal(
            shortHorizon["corruption found after 60 days"]!.source,
            "NOT COVERED: past time travel (168 h), the snapshots (35 d) and the backups (40 d)",
        );
        const longSnapshots = matrixOf({
            "logistics:warehouse": { location: "US", snapshots: { expirationDays: 90 } },
        });
        assert.match(
            longSnapshots["corruption found after 60 days"]!.source,
            /^table snapshot .* kept 90 d/,
        );
        const bigger = matrixOf({
            "logistics:estimates": { bigQueryGb: { raw: { active: 1000, longTerm: 0 } } },
        });
        // 1 TB at the assumed 100 MB/s load: 10,000 s + 60 s.
        assert.equal(bigger["corruption found after 60 days"]!.restoreTime, "2 h 48 min");
        const sameRegion = matrixOf({
            "logistics:backups": { ...prodBackups(), snapshotLocation: "us-central1" },
        });
        assert.match(
            sameRegion["loss of the compute region"]!.source,
            /^NOT COVERED: the Composer snapshots bucket is in the compute region \(us-central1\)/,
        );
    });

    it("covers the data location only with backups outside it", () => {
        const eu = matrixOf({
            "logistics:warehouse": { location: "US", snapshots: { expirationDays: 35 } },
            "logistics:backups": { ...prodBackups(), location: "EU" },
        });
        assert.match(
            eu["loss of the data location"]!.source,
            /^daily Parquet backup .* from the backups bucket outside US/,
        );
        const dual = matrixOf({
            "logistics:warehouse": { location: "US", snapshots: { expirationDays: 35 } },
            "logistics:backups": {
                ...prodBackups(),
                location: undefined,
                dualRegion: ["us-east1", "us-west1"],
            },
        });
        assert.match(dual["loss of the data location"]!.source, /^NOT COVERED/);
    });
});

describe("recovery matrix: a plain replica (no managed disaster recovery)", () => {
    // Prod's warehouse with its replica but without the failover reservation: the replica alone.
    const plain = () =>
        matrixOf({
            "logistics:warehouse": {
                location: "US",
                snapshots: { expirationDays: 35, time: "05:00" },
                replicaLocation: "us-east4",
            },
        })["loss of the data location"]!;

    it("says the replica cannot be promoted while the primary's region is down, as Google does", () => {
        // https://cloud.google.com/bigquery/docs/data-replication: a secondary replica is promoted
        // only while the primary region is online; a failover with the primary region down is
        // managed disaster recovery's hard failover (https://cloud.google.com/bigquery/docs/managed-disaster-recovery).
        const row = plain();
        assert.match(
            row.source,
            /^cross-region replica of raw in us-east4, read-only: BigQuery promotes it only while the primary's region is up \(a failover needs managed disaster recovery, logistics:warehouse\.reservation\.secondaryLocation\)/,
        );
        assert.doesNotMatch(row.source, /failover of|managed disaster recovery:/);
        assert.match(row.restoreTime, /^reads at once; writes when the primary's region is back/);
    });

    it("proposes no failover, and the promotion only once the primary's region is back", () => {
        const row = plain();
        assert.doesNotMatch(row.commands, /failoverReservation/);
        const promote = row.commands.indexOf("primary_replica = 'us-east4'");
        const back = row.commands.indexOf("once the primary's region is back:");
        assert.ok(promote > 0 && back >= 0 && back < promote, row.commands);
        // The reads come first, and every bq query of DDL or reads runs as standard SQL.
        assert.ok(row.commands.indexOf(`SELECT`) < back, row.commands);
        for (const q of row.commands.split(/; /).filter((c) => c.startsWith("bq query")))
            assert.match(q, /--nouse_legacy_sql/, q);
    });

    it("claims none of managed disaster recovery's figures", () => {
        const row = plain();
        assert.doesNotMatch(`${row.rpo} ${row.restoreTime}`, /15 min|5 min/);
        assert.match(row.rpo, /^the replication lag, no published bound/);
    });
});

describe("recovery matrix: outsideOf", () => {
    it("tells whether a bucket survives the loss of a BigQuery location", () => {
        const cases: [BucketPlacement, string, boolean][] = [
            [{ location: "US" }, "US", false],
            [{ location: "NAM4" }, "US", false],
            [{ location: "EUR4" }, "US", true],
            [{ location: "EU" }, "US", true],
            [{ location: "US", dataLocations: ["US-EAST1", "US-WEST1"] }, "US", false],
            [{ location: "US-EAST1" }, "US", false],
            [{ location: "EUROPE-WEST1" }, "US", true],
            [{ location: "US-CENTRAL1" }, "us-central1", false],
            [{ location: "US-EAST1" }, "us-central1", true],
            [{ location: "US", dataLocations: ["US-EAST1", "US-CENTRAL1"] }, "us-central1", false],
            [{ location: "US", dataLocations: ["US-EAST1", "US-WEST1"] }, "us-central1", true],
            [{ location: "US" }, "us-central1", false],
            [{ location: "EU" }, "us-central1", true],
        ];
        for (const [bucket, location, expected] of cases)
            assert.equal(
                outsideOf(bucket, location),
                expected,
                `${JSON.stringify(bucket)} vs ${location}`,
            );
    });
});

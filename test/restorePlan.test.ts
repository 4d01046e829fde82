// `npm run ops -- restore-plan`: the ladder's choice for tables of known size and age, served by
// the loopback BigQuery fake through the real client; its printed entry loads as stack config.
import { strict as assert } from "assert";
import type { CheckContext, TableInfo, Warehouse } from "../tools/ops/checks/check";
import {
    dailyPointAtOrBefore,
    duration,
    estimateSeconds,
    restorePlan,
} from "../tools/ops/restorePlan";
import { startFakeBigQuery, type FakeServer } from "./fakes/bigqueryServer";
import { runOps } from "./fakes/opsInProcess";

const DAY = 86_400_000;
const GB = 1_000_000_000;
const day = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString().slice(0, 10);
const compact = (d: string) => d.replace(/-/g, "");

function plan(server: FakeServer, ...argv: string[]) {
    return runOps(["restore-plan", "--stack", "prod", ...argv, "--api-endpoint", server.url]);
}

/** A prod warehouse whose packages table holds 20 GB, created 100 days ago, with these snapshots. */
function warehouse(snapshotDays: number[], { dropped = false } = {}) {
    const sizes: Record<string, { numBytes: number; numRows: number; creationTime: number }> = {};
    if (!dropped)
        sizes["raw.packages"] = {
            numBytes: 20 * GB,
            numRows: 1000,
            creationTime: Date.now() - 100 * DAY,
        };
    for (const d of snapshotDays)
        sizes[`snapshots.packages_${compact(day(d))}`] = {
            numBytes: 20 * GB,
            numRows: 900,
            creationTime: Date.now() - d * DAY,
        };
    return startFakeBigQuery({
        tables: Object.keys(sizes),
        sizes,
        answer: () => ({ fields: [], rows: [] }),
    });
}

describe("restore-plan", () => {
    let server: FakeServer | undefined;
    afterEach(async () => {
        await server?.close();
        server = undefined;
    });

    it("inside the time-travel window: time travel, nothing lost, time from the table's size", async () => {
        server = await warehouse([1, 2]);
        const to = new Date(Date.now() - 2 * 3_600_000).toISOString().slice(0, 19) + "Z";
        const r = await plan(server, "--table", "packages", "--to", to);
        assert.equal(r.code, 0, r.stderr);
        // 20 GB at the assumed 200 MB/s query copy, plus 60 s for the job: 160 s.
        assert.match(
            r.stdout,
            new RegExp(
                `time travel restores packages to ${to.replace("Z", "\\.000Z")} \\(RPO 0 s, about 3 min\\)`,
            ),
        );
        assert.match(r.stdout, /raw\.packages: 20000000000 bytes, 1000 rows, created/);
        assert.match(r.stdout, /throughput: assumed \(not measured/);
        assert.match(
            r.stdout,
            new RegExp(`      timestamp: "${to}"\\n      targetTable: packages_restored_`),
        );
        assert.ok(
            server.requests.some((q) => q.path.endsWith("/datasets/raw/tables/packages")),
            "tables.get on the live table",
        );
    });

    it("past the window: the day's snapshot by clone, losing the time since it was taken", async () => {
        server = await warehouse([10]);
        const to = `${day(10)}T06:00:00Z`;
        const r = await plan(server, "--table", "packages", "--to", to);
        assert.equal(r.code, 0, r.stderr);
        assert.match(
            r.stdout,
            new RegExp(
                `snapshot restores packages to ${day(10)}T05:00:00\\.000Z \\(RPO 1 h, about 1 min\\)`,
            ),
        );
        assert.match(
            r.stdout,
            /time travel .* not valid: the point is past the 168 h time-travel window/,
        );
        assert.match(r.stdout, new RegExp(`      snapshot: "${day(10)}"`));
    });

    it("before the day's snapshot, or with the snapshot gone: the closest point wins, a backup if it is closer", async () => {
        // 03:00: the day's backup (02:15) is 45 min back; the snapshot before it is the day before's 05:00.
        server = await warehouse([10, 11]);
        const early = await plan(server, "--table", "packages", "--to", `${day(10)}T03:00:00Z`);
        assert.equal(early.code, 0, early.stderr);
        // 20 GB at the assumed 100 MB/s Parquet load, plus 60 s: 260 s.
        assert.match(
            early.stdout,
            new RegExp(
                `backup restores packages to ${day(10)}T02:15:00\\.000Z \\(RPO 45 min, about 4 min\\)`,
            ),
        );
        assert.match(early.stdout, /snapshot +\S+ +22 h +1 min +valid/);
        assert.match(early.stdout, /a backup's files are not looked up/);
        await server.close();
        server = await warehouse([]);
        const gone = await plan(server, "--table", "packages", "--to", `${day(10)}T06:00:00Z`);
        assert.equal(gone.code, 0, gone.stderr);
        assert.match(gone.stdout, /backup restores packages to .* \(RPO 3 h 45 min, about 4 min\)/);
        assert.match(
            gone.stdout,
            new RegExp(
                `not valid: no snapshot snapshots\\.packages_${compact(day(10))} \\(expired after 35 days`,
            ),
        );
        assert.match(
            gone.stdout,
            // Prod's replica (managed DR) serves the loss of the data location, not a past point.
            /replica +- +- +- +not valid: the replica in us-east4 holds the table as it is now, not as of a past point: it serves the loss of the data location by a failover of the reservation lgx-prod-slots \(managed disaster recovery; docs\/runbook\.md, "Loss of the data location"\)/,
        );
    });

    it("a dropped table: no time travel through this entry, a snapshot still restores it", async () => {
        server = await warehouse([1], { dropped: true });
        const r = await plan(server, "--table", "packages", "--to", `${day(1)}T07:00:00Z`);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /snapshot restores packages .* \(RPO 2 h, about 1 min\)/);
        assert.match(r.stdout, /raw\.packages does not exist: time travel reads a live table/);
    });

    it("a point no source reaches: the finding, exit 1", async () => {
        server = await warehouse([]);
        const r = await plan(server, "--table", "packages", "--to", `${day(120)}T06:00:00Z`);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stdout, /PROBLEMS FOUND — no source restores packages to/);
        assert.match(r.stdout, /not valid: the point is before the table was created/);
    });

    it("refuses bad arguments (exit 2)", async () => {
        server = await warehouse([]);
        const future = new Date(Date.now() + DAY).toISOString().slice(0, 19) + "Z";
        for (const [argv, message] of [
            [
                ["--table", "parcels", "--to", `${day(1)}T00:00:00Z`],
                /--table: got "parcels". Expected a raw table, one of packages, tracking_events, customers\./,
            ],
            [
                ["--table", "packages", "--to", "yesterday"],
                /--to: got "yesterday". Expected a UTC timestamp such as 2026-11-26T09:30:00Z\./,
            ],
            [["--table", "packages", "--to", future], /--to: got ".*", not in the past\./],
            [
                ["--table", "packages"],
                /restore-plan takes --table <raw table> and --to <UTC timestamp>/,
            ],
        ] as const) {
            const r = await plan(server, ...argv);
            assert.equal(r.code, 2, `${argv.join(" ")}: ${r.stdout}`);
            assert.match(r.stderr, message);
        }
    });

    it("pieces: estimates, daily points, durations", () => {
        assert.equal(estimateSeconds("clone", 50 * GB), 60);
        assert.equal(estimateSeconds("copy", 1 * GB), 65);
        assert.equal(estimateSeconds("load", 1 * GB), 70);
        const at = (iso: string) =>
            dailyPointAtOrBefore(new Date(iso), "05:00", (d) => `${d}T05:00:00Z`);
        assert.equal(at("2026-11-20T05:00:00Z").day, "2026-11-20");
        assert.equal(at("2026-11-20T04:59:59Z").day, "2026-11-19");
        assert.deepEqual([40_000, 600_000, 3_600_000, 3_900_000, 90_000_000].map(duration), [
            "40 s",
            "10 min",
            "1 h",
            "1 h 5 min",
            "1 d 1 h",
        ]);
    });
});

describe("restore-plan with a plain replica (no managed disaster recovery)", () => {
    const now = new Date("2026-11-20T12:00:00Z");
    /** A stack with a replica of raw in us-east4 and no failover reservation. */
    const ctx = {
        raw: { project: "p", dataset: "raw" },
        tables: ["packages"],
        exportTime: "02:15",
        snapshots: { dataset: "snapshots", time: "05:00", expirationDays: 35 },
        replicaLocation: "us-east4",
        backupHorizonDays: 400,
        timeTravelHours: 168,
        now,
    } as unknown as CheckContext;
    /** BigQuery with the data location lost: no table answers, live or snapshot. */
    const lost: Warehouse = {
        tableInfo: async (): Promise<TableInfo | undefined> => undefined,
    } as unknown as Warehouse;
    const quiet = () => undefined;
    const replicaRow = (rows: Record<string, unknown>[]) =>
        rows.find((r) => r["source"] === "replica");

    it("never chooses the replica: it is read-only while the primary's region is down", async () => {
        // The backup is the one source left for a point 2 days back (the backups bucket elsewhere).
        const r = await restorePlan(
            lost,
            ctx,
            { table: "packages", to: "2026-11-18T12:00:00Z" },
            quiet,
        );
        assert.equal(r.status, "ok");
        assert.match(r.summary, /^backup restores packages/);
        assert.equal(
            replicaRow(r.rows)?.["status"],
            "not valid: the replica in us-east4 holds the table as it is now, not as of a past point: it serves the loss of the data location (read-only: BigQuery promotes it only while the primary's region is up; docs/runbook.md, recovery matrix)",
        );
        assert.doesNotMatch(r.notes.join("\n"), /primary_replica|failover/);
    });

    it("leaves no source rather than proposing the replica when nothing else reaches the point", async () => {
        // Past the backups' horizon, the table gone: only the replica would be left.
        const r = await restorePlan(
            lost,
            { ...ctx, backupHorizonDays: 1 } as CheckContext,
            { table: "packages", to: "2026-11-10T12:00:00Z" },
            quiet,
        );
        assert.equal(r.status, "findings");
        assert.match(r.summary, /^no source restores packages to/);
        assert.ok(
            r.rows.every((row) => String(row["status"]).startsWith("not valid:")),
            JSON.stringify(r.rows),
        );
        assert.match(
            String(replicaRow(r.rows)?.["status"]),
            /read-only: BigQuery promotes it only while the primary's region is up/,
        );
    });
});

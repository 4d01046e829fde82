// `npm run ops -- drill`: restores from every tier into the scratch dataset, compared and timed,
// end to end through the real BigQuery client against the loopback fake.
import { strict as assert } from "assert";
import * as path from "path";
import { checkContext, main, opsFailure } from "../tools/ops";
import { DRILL_DATASET, drillMarkdown, runDrill } from "../tools/ops/drill";
import { startFakeBigQuery, type Answer, type FakeServer } from "./fakes/bigqueryServer";
import { runOps } from "./fakes/opsInProcess";

const ROOT = path.resolve(__dirname, "..");
const TABLES = ["packages", "tracking_events", "customers"];
const DAY = 86_400_000;
const compact = (d: string) => d.replace(/-/g, "");
const days = (back: number) => new Date(Date.now() - back * DAY).toISOString().slice(0, 10);

const verifyRow = (missing = 0): Answer => ({
    fields: [
        "source_rows",
        "restored_rows",
        "source_keys",
        "restored_keys",
        "missing_keys",
        "extra_keys",
    ].map((name) => ({ name, type: "INT64" as const })),
    rows: [
        {
            source_rows: 100,
            restored_rows: 100 - missing,
            source_keys: 100,
            restored_keys: 100 - missing,
            missing_keys: missing,
            extra_keys: 0,
        },
    ],
});

/** Prod's raw tables, and their snapshots of today and yesterday (whichever the drill picks). */
function warehouse(
    opts: {
        answer?: (sql: string) => Answer | undefined;
        snapshots?: boolean;
    } = {},
) {
    const tables = TABLES.map((t) => `raw.${t}`);
    if (opts.snapshots !== false)
        for (const t of TABLES)
            for (const d of [0, 1]) tables.push(`snapshots.${t}_${compact(days(d))}`);
    return startFakeBigQuery({
        tables,
        answer: (sql) =>
            opts.answer?.(sql) ??
            (sql.startsWith("WITH s AS") ? verifyRow() : { fields: [], rows: [] }),
    });
}

async function drill(server: FakeServer, clock?: () => number) {
    const r = await runOps(
        ["drill", "--stack", "prod", "--json", "--api-endpoint", server.url],
        clock,
    );
    const json = r.stdout ? (JSON.parse(r.stdout) as Record<string, unknown>) : {};
    return { code: r.code, rows: (json["rows"] ?? []) as Record<string, unknown>[], json };
}

const queries = (server: FakeServer) =>
    server.requests
        .filter((r) => r.path.endsWith("/queries"))
        .map((r) => String(r.body?.["query"]));

describe("ops drill (loopback BigQuery)", () => {
    let server: FakeServer | undefined;
    afterEach(async () => {
        await server?.close();
        server = undefined;
    });

    it("restores every raw table from every tier into the scratch dataset, compares, times and drops them", async () => {
        server = await warehouse();
        const { code, rows } = await drill(server);
        assert.equal(code, 0);
        assert.deepEqual(
            rows.map((r) => `${String(r["table"])}/${String(r["tier"])}/${String(r["result"])}`),
            TABLES.flatMap((t) => ["time travel", "snapshot", "backup"].map((x) => `${t}/${x}/OK`)),
        );
        for (const r of rows) {
            // The partition is the day before the source's point; the expectation the matrix's.
            const point = new Date(String(r["point"]));
            assert.equal(
                r["partition"],
                new Date(point.getTime() - DAY).toISOString().slice(0, 10),
            );
            assert.equal(typeof r["seconds"], "number");
            assert.equal(r["expected_seconds"], r["tier"] === "snapshot" ? 60 : 61);
        }
        const sql = queries(server);
        const expiry = sql[0]!;
        assert.match(expiry, /^CREATE SCHEMA IF NOT EXISTS `[^`]+\.restore_drill`/);
        assert.match(expiry, /default_table_expiration_days = 0\.25/);
        assert.match(expiry, /location = 'US'/);
        const bucket = checkContext("prod", ROOT, true).context.drill!.backupsBucket;
        const backupRow = rows.find((r) => r["tier"] === "backup")!;
        const backupDay = compact(String(backupRow["point"]).slice(0, 10));
        const created = sql.filter((s) => /^(CREATE TABLE|ASSERT)/.test(s));
        assert.equal(created.length, 9);
        assert.ok(
            created.some(
                (s) =>
                    s.includes("LOAD DATA INTO `") &&
                    s.includes(`gs://${bucket}/packages_${backupDay}_*.parquet`),
            ),
        );
        assert.ok(created.some((s) => /CLONE `[^`]+\.snapshots\.customers_\d{8}`/.test(s)));
        assert.ok(created.some((s) => /FOR SYSTEM_TIME AS OF TIMESTAMP/.test(s)));
        // Nothing is written or dropped outside the scratch dataset, and only the run's own tables.
        const writes = sql.filter((s) =>
            /\b(CREATE TABLE|LOAD DATA INTO|DROP|TRUNCATE|INSERT|DELETE)\b/.test(s),
        );
        for (const s of writes)
            for (const m of s.matchAll(
                /(?:CREATE TABLE|LOAD DATA INTO|DROP TABLE IF EXISTS|TRUNCATE TABLE|INSERT INTO|DELETE FROM) `[^.]+\.([^.]+)\./g,
            ))
                assert.equal(m[1], DRILL_DATASET, s);
        const drops = sql.filter((s) => s.startsWith("DROP"));
        const made = created.map((s) => /(?:CREATE TABLE|LOAD DATA INTO) (`[^`]+`)/.exec(s)![1]);
        assert.deepEqual(
            drops,
            made.map((t) => `DROP TABLE IF EXISTS ${t}`),
        );
        assert.ok(!sql.some((s) => /DROP (SCHEMA|DATASET)/.test(s)));
        // Each comparison reads one partition of both sides.
        const compares = sql.filter((s) => s.startsWith("WITH s AS"));
        assert.equal(compares.length, 9);
        for (const c of compares)
            assert.equal(c.match(/TIMESTAMP_TRUNC\(_loaded_at, DAY\)/g)?.length, 2);
    });

    it("fails when a restore takes longer than the matrix expects, and still drops its tables", async () => {
        server = await warehouse();
        // Every reading of the clock is 2 minutes after the last: each restore takes 120 s.
        let t = 0;
        const { code, rows } = await drill(server, () => (t += 120_000));
        assert.equal(code, 1);
        assert.deepEqual(
            [...new Set(rows.map((r) => r["result"]))],
            ["FAILED: took 2 min, the matrix expects at most 1 min"],
        );
        assert.equal(queries(server).filter((s) => s.startsWith("DROP")).length, 9);
    });

    it("passes a restore that takes just under the expectation", async () => {
        server = await warehouse();
        let t = 0;
        const { code } = await drill(server, () => (t += 59_000));
        assert.equal(code, 0);
    });

    it("fails on a restore that differs from its source, a missing snapshot, and a rejected restore", async () => {
        server = await warehouse({
            snapshots: false,
            answer: (sql) =>
                sql.startsWith("WITH s AS") && sql.includes("tracking_events_time_travel")
                    ? verifyRow(3)
                    : sql.startsWith("ASSERT") && sql.includes("customers_")
                      ? {
                            error: {
                                code: 404,
                                reason: "notFound",
                                message: "Not found: Files gs://x",
                            },
                        }
                      : undefined,
        });
        const { code, rows, json } = await drill(server);
        assert.equal(code, 1);
        const result = (table: string, tier: string) =>
            String(rows.find((r) => r["table"] === table && r["tier"] === tier)!["result"]);
        assert.equal(result("packages", "time travel"), "OK");
        assert.equal(
            result("tracking_events", "time travel"),
            "FAILED: differs from its source: 97 vs 100 rows, 3 keys missing, 0 extra",
        );
        assert.match(
            result("packages", "snapshot"),
            /^FAILED: no snapshot snapshots\.packages_\d{8}: did the daily snapshot run\?$/,
        );
        assert.match(
            result("customers", "backup"),
            /^FAILED: the restore: BigQuery found nothing for a query: Not found: Files gs:\/\/x$/,
        );
        assert.match(String(json["summary"]), /^5 of 9 restores failed: /);
        // The rejected restore's table name is dropped too (IF EXISTS: it may not exist).
        assert.equal(queries(server).filter((s) => s.startsWith("DROP")).length, 6);
    });

    it("reports a table it could not drop, which the dataset's expiration removes, without failing", async () => {
        server = await warehouse({
            answer: (sql) =>
                sql.startsWith("DROP") && sql.includes("customers_backup")
                    ? { error: { code: 403, reason: "accessDenied", message: "no delete" } }
                    : undefined,
        });
        const { code, json } = await drill(server);
        assert.equal(code, 0);
        const notes = json["notes"] as string[];
        assert.match(
            notes[notes.length - 1]!,
            /^could not drop customers_backup_\d{14} \(BigQuery refused a query: no delete .*\): BigQuery deletes them within 6 h \(the dataset's default table expiration\)$/,
        );
    });

    it("refuses a scratch dataset that is one of the stack's datasets", async () => {
        const { context } = checkContext("prod", ROOT, true);
        for (const scratch of ["raw", "snapshots", "staging", "marts"])
            await assert.rejects(
                runDrill(
                    { query: () => Promise.reject(new Error("must not run")) } as never,
                    context,
                    { ...context.drill!, scratch },
                    () => undefined,
                ),
                {
                    message: `drill: the scratch dataset ${scratch} is one of the stack's datasets (raw, snapshots, staging, marts). The drill restores into a dataset of its own.`,
                },
            );
    });

    it("takes no restore-plan or verify-restore flags", async () => {
        for (const extra of [
            ["--table", "packages"],
            ["--restore", "r1"],
        ]) {
            const code = await main(["drill", "--stack", "prod", ...extra]).catch(
                (e: unknown) => opsFailure(e).code,
            );
            assert.equal(code, 2, extra.join(" "));
        }
    });

    it("renders the job summary: a row per restore with measured and expected times, or the error", () => {
        const md = drillMarkdown(
            {
                ok: false,
                summary: "1 of 1 restores failed: packages from backup",
                rows: [
                    {
                        table: "packages",
                        tier: "backup",
                        partition: "2026-11-28",
                        seconds: 75.5,
                        expected_seconds: 61,
                        bytes: 1000,
                        restored_rows: 10,
                        result: "FAILED: a | b",
                    },
                ],
                notes: ["n1"],
            },
            "prod",
        );
        assert.equal(
            md,
            [
                "## Restore drill (prod): FAILED",
                "",
                "1 of 1 restores failed: packages from backup",
                "",
                "| table | tier | partition | measured (s) | expected (s) | bytes | rows | result |",
                "| --- | --- | --- | --- | --- | --- | --- | --- |",
                "| packages | backup | 2026-11-28 | 75.5 | 61 | 1000 | 10 | FAILED: a \\| b |",
                "",
                "- n1",
                "",
            ].join("\n"),
        );
        assert.equal(
            drillMarkdown({ error: "no usable Google credentials", exitCode: 3 }, "dev"),
            "## Restore drill (dev): could not run\n\nno usable Google credentials\n",
        );
    });
});

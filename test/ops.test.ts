// `npm run ops`: each check runs through the real @google-cloud/bigquery client against a local
// server speaking the BigQuery REST shapes (test/fakes/bigqueryServer.ts); names come from the
// stack config; results, exit codes and failures are what an on-call engineer needs.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readRawSchema } from "../components/warehouse";
import { RAW_TABLE_NAMES } from "../components/rawTables";
import { CHECKS, CHECK_NAMES, EXIT_CODES, OpsError } from "../tools/ops/checks";
import { checkContext, main, opsFailure, parseArgs } from "../tools/ops";
import { isStatementFinding } from "../tools/ops/bigquery";
import { restoreJobId } from "../components/restores.schema";
import {
    startFakeBigQuery,
    type Answer,
    type FakeOptions,
    type FakeServer,
    type Field,
} from "./fakes/bigqueryServer";
import { runOps } from "./fakes/opsInProcess";
import { PROJECT_ROOT, runTool } from "./harness";

const HOUR = 60;
const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

const DUPLICATE_FIELDS: Field[] = [
    { name: "table_name", type: "STRING" },
    { name: "key_column", type: "STRING" },
    { name: "duplicate_keys", type: "INT64" },
    { name: "duplicate_rows", type: "INT64" },
    { name: "examples", type: "STRING", mode: "REPEATED" },
];
const NULL_FIELDS: Field[] = [
    { name: "table_name", type: "STRING" },
    { name: "column_name", type: "STRING" },
    { name: "null_rows", type: "INT64" },
    { name: "total_rows", type: "INT64" },
];
const RESTORE_FIELDS: Field[] = [
    "source_rows",
    "restored_rows",
    "source_keys",
    "restored_keys",
    "missing_keys",
    "extra_keys",
].map((name) => ({ name, type: "INT64" }));

/** Answers for each check's query, keyed by a column only that query selects. */
function healthy(overrides: Partial<Record<string, Answer>> = {}) {
    const answers: Record<string, Answer> = {
        last_load: {
            fields: [
                { name: "table_name", type: "STRING" },
                { name: "last_load", type: "TIMESTAMP" },
                { name: "age_minutes", type: "INT64" },
            ],
            rows: [
                { table_name: "packages", last_load: ago(30), age_minutes: 30 },
                { table_name: "tracking_events", last_load: ago(20), age_minutes: 20 },
                { table_name: "customers", last_load: ago(10 * HOUR), age_minutes: 10 * HOUR },
            ],
        },
        duplicate_keys: {
            fields: DUPLICATE_FIELDS,
            rows: [
                {
                    table_name: "packages",
                    key_column: "package_id",
                    duplicate_keys: 0,
                    duplicate_rows: 0,
                    examples: [],
                },
            ],
        },
        orphan_keys: {
            fields: [
                { name: "reference", type: "STRING" },
                { name: "target", type: "STRING" },
                { name: "orphan_keys", type: "INT64" },
                { name: "examples", type: "STRING", mode: "REPEATED" },
            ],
            rows: [
                {
                    reference: "packages.sender_customer_id",
                    target: "customers.customer_id",
                    orphan_keys: 0,
                    examples: null, // ARRAY_AGG over no rows: the API sends []
                },
            ],
        },
        missing_keys: {
            fields: RESTORE_FIELDS,
            rows: [
                {
                    source_rows: 5,
                    restored_rows: 5,
                    source_keys: 5,
                    restored_keys: 5,
                    missing_keys: 0,
                    extra_keys: 0,
                },
            ],
        },
        ...overrides,
    };
    return (sql: string, request: Record<string, unknown>): Answer => {
        if (request["dryRun"] === true) return answers["dryRun"] ?? { fields: [], rows: [] };
        const key = Object.keys(answers).find((k) => sql.includes(`AS ${k}`));
        assert.ok(key, `no answer for:\n${sql}`);
        return answers[key]!;
    };
}

const RAW_TABLES = ["raw.packages", "raw.tracking_events", "raw.customers"];
/** The raw tables as deployed: the schemas the stack declares. */
const DECLARED_SCHEMAS = Object.fromEntries(
    RAW_TABLE_NAMES.map((t) => [`raw.${t}`, readRawSchema(t)]),
);
const VERIFY_R1 = [
    "verify-restore",
    "--stack",
    "dev",
    "--source",
    "packages",
    "--restored",
    "packages_r1",
];

/** Runs `npm run ops -- <argv>` in-process against `server`; returns exit code and output. */
function ops(server: FakeServer, ...argv: string[]) {
    return runOps([...argv, "--api-endpoint", server.url]);
}

describe("ops command", () => {
    let server: FakeServer | undefined;
    afterEach(async () => {
        await server?.close();
        server = undefined;
    });
    const start = async (
        answer = healthy(),
        tables = RAW_TABLES,
        slow = false,
        schemas = DECLARED_SCHEMAS,
        jobs: FakeOptions["jobs"] = {},
    ) => (server = await startFakeBigQuery({ tables, answer, slow, schemas, jobs }));

    it("freshness: every raw table against its threshold, named from the stack config", async () => {
        const s = await start();
        const ok = await ops(s, "freshness", "--stack", "prod");
        assert.equal(ok.code, 0, ok.stderr);
        assert.match(
            ok.stdout,
            /^freshness \(stack prod\): OK — all 3 raw tables loaded within their thresholds/,
        );
        assert.match(ok.stdout, /packages +\S+ +30 +6 +ok/);
        // The client really called tables.get and jobs.query, in the stack's project and location.
        const query = s.requests.find((r) => r.path.endsWith("/queries"))!;
        assert.equal(query.path, "/bigquery/v2/projects/replace-me-logistics-prod/queries");
        assert.equal(query.body!["location"], "US");
        assert.match(
            String(query.body!["query"]),
            /FROM `replace-me-logistics-prod\.raw\.packages`/,
        );
        assert.ok(
            s.requests.some(
                (r) =>
                    r.path ===
                    "/bigquery/v2/projects/replace-me-logistics-prod/datasets/raw/tables/customers",
            ),
        );
        assert.match(ok.stderr, /… freshness: querying the newest load of 3 tables/);
    });

    it("freshness: a stale or empty table fails the check (exit 1), in --json too", async () => {
        const answer = healthy();
        const s = await start((sql, req) => {
            const a = answer(sql, req);
            if (!sql.includes("AS last_load") || "error" in a) return a;
            return {
                ...a,
                rows: [
                    { ...a.rows[0]!, age_minutes: 7 * HOUR },
                    { ...a.rows[1]! },
                    { table_name: "customers", last_load: null, age_minutes: null },
                ],
            };
        });
        const r = await ops(s, "freshness", "--stack", "prod", "--json");
        assert.equal(r.code, 1);
        const json = JSON.parse(r.stdout) as {
            ok: boolean;
            rows: { table: string; status: string }[];
            summary: string;
        };
        assert.equal(json.ok, false);
        assert.deepEqual(
            json.rows.map((x) => [x.table, x.status]),
            [
                ["packages", "stale"],
                ["tracking_events", "ok"],
                ["customers", "empty"],
            ],
        );
        assert.match(json.summary, /2 of 3 raw tables stale or empty: packages, customers/);
    });

    it("nulls, duplicates and orphans report what the runbook's queries find", async () => {
        const s = await start(
            healthy({
                duplicate_keys: {
                    fields: DUPLICATE_FIELDS,
                    rows: [
                        {
                            table_name: "packages",
                            key_column: "package_id",
                            duplicate_keys: 2,
                            duplicate_rows: 5,
                            examples: ["P1", "P2"],
                        },
                    ],
                },
            }),
        );
        const nulls = await ops(s, "nulls", "--stack", "dev");
        assert.equal(nulls.code, 0, nulls.stderr);
        // Every REQUIRED column is REQUIRED in the tables too: nothing to count.
        assert.match(
            nulls.stdout,
            /no NULL in 13 REQUIRED columns \(13 enforced by the tables' schemas, 0 counted\)/,
        );
        assert.match(
            nulls.stdout,
            /packages +package_id +REQUIRED +- +- +ok: REQUIRED, cannot hold NULL/,
        );
        assert.ok(!s.requests.some((r) => String(r.body?.["query"] ?? "").includes("null_rows")));
        const dup = await ops(s, "duplicates", "--stack", "dev");
        assert.equal(dup.code, 1);
        assert.match(dup.stdout, /duplicate keys in packages \(2\)/);
        assert.match(dup.stdout, /P1, P2/);
        const orphans = await ops(s, "orphans", "--stack", "dev");
        assert.equal(orphans.code, 0, orphans.stderr);
        const sql = s.requests
            .map((r) => String(r.body?.["query"] ?? ""))
            .find((q) => q.includes("orphan_keys"))!;
        assert.match(
            sql,
            /LEFT JOIN `replace-me-logistics-dev\.raw\.customers` AS t ON r\.sender_customer_id = t\.customer_id/,
        );
    });

    it("nulls: counts NULLs where a table lets them into a REQUIRED column, and names missing columns", async () => {
        const drifted = {
            ...DECLARED_SCHEMAS,
            "raw.packages": DECLARED_SCHEMAS["raw.packages"]!.map((f) =>
                f.name === "package_id" || f.name === "status"
                    ? { ...f, mode: "NULLABLE" as const }
                    : f,
            ),
            "raw.customers": DECLARED_SCHEMAS["raw.customers"]!.filter(
                (f) => f.name !== "customer_type",
            ),
            // Column names are case-insensitive in BigQuery: this one is still there.
            "raw.tracking_events": DECLARED_SCHEMAS["raw.tracking_events"]!.map((f) =>
                f.name === "event_id" ? { ...f, name: "Event_ID" } : f,
            ),
        };
        const s = await start(
            healthy({
                null_rows: {
                    fields: NULL_FIELDS,
                    rows: [
                        {
                            table_name: "packages",
                            column_name: "package_id",
                            null_rows: 3,
                            total_rows: 10,
                        },
                        {
                            table_name: "packages",
                            column_name: "status",
                            null_rows: 0,
                            total_rows: 10,
                        },
                    ],
                },
            }),
            RAW_TABLES,
            false,
            drifted,
        );
        const r = await ops(s, "nulls", "--stack", "dev", "--json");
        assert.equal(r.code, 1, r.stderr);
        const json = JSON.parse(r.stdout) as {
            summary: string;
            rows: { table: string; column: string; status: string }[];
            notes: string[];
        };
        const status = (t: string, c: string) =>
            json.rows.find((x) => x.table === t && x.column === c)?.status;
        assert.equal(status("packages", "package_id"), "3 NULLs");
        assert.equal(status("packages", "status"), "ok: no NULL, but the table allows them");
        assert.equal(status("customers", "customer_type"), "column missing from the table");
        assert.match(
            json.summary,
            /packages\.package_id \(3 NULLs\), customers\.customer_type \(column missing from the table\)/,
        );
        assert.match(json.notes[0]!, /2 columns the platform declares REQUIRED .* are NULLABLE/);
        const sql = s.requests
            .map((x) => String(x.body?.["query"] ?? ""))
            .find((q) => q.includes("null_rows"))!;
        assert.match(sql, /COUNTIF\(package_id IS NULL\)/);
        assert.match(sql, /COUNTIF\(status IS NULL\)/);
        assert.doesNotMatch(sql, /customer_id IS NULL/);
    });

    it("polls jobs.getQueryResults while a query is still running", async () => {
        const s = await start(healthy(), RAW_TABLES, true);
        const r = await ops(s, "orphans", "--stack", "dev");
        assert.equal(r.code, 0, r.stderr);
        assert.ok(s.requests.some((x) => x.method === "GET" && /\/queries\/job_\d+$/.test(x.path)));
    });

    it("verify-restore: counts and key coverage between source and restored table", async () => {
        const s = await start(healthy(), [...RAW_TABLES, "raw.packages_r1"]);
        const ok = await ops(s, ...VERIFY_R1);
        assert.equal(ok.code, 0, ok.stderr);
        assert.match(ok.stdout, /packages_r1 holds every row and key of packages \(5 rows\)/);
        await s.close();
        const bad = await start(
            healthy({
                missing_keys: {
                    fields: RESTORE_FIELDS,
                    rows: [
                        {
                            source_rows: 5,
                            restored_rows: 3,
                            source_keys: 5,
                            restored_keys: 3,
                            missing_keys: 2,
                            extra_keys: 0,
                        },
                    ],
                },
            }),
            [...RAW_TABLES, "raw.packages_r1"],
        );
        const r = await ops(bad, ...VERIFY_R1);
        assert.equal(r.code, 1);
        assert.match(r.stdout, /3 vs 5 rows, 2 keys missing, 0 extra/);
    });

    /**
     * Runs `fn` in a project whose dev stack has these restores (YAML flow mappings by id), with
     * the BigQuery job id each restore runs as.
     */
    async function withRestores(
        restores: Record<string, string>,
        fn: (jobIds: Record<string, string>) => Promise<void>,
        edit: (stackFile: string) => string = (f) => f,
    ) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ops-"));
        fs.copyFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        fs.writeFileSync(
            path.join(dir, "Pulumi.dev.yaml"),
            `${edit(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), "utf8"))}  logistics:restores:\n` +
                Object.entries(restores)
                    .map(([id, entry]) => `    ${id}: { ${entry} }\n`)
                    .join(""),
        );
        const cwd = process.cwd();
        process.chdir(dir);
        try {
            const { restores: parsed } = checkContext("dev", dir, true).context;
            await fn(
                Object.fromEntries(
                    Object.entries(parsed).map(([id, r]) => [id, restoreJobId(id, r)]),
                ),
            );
        } finally {
            process.chdir(cwd);
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
    const iso = (minutesAgo: number) => ago(minutesAgo).replace(/\.\d+Z$/, "Z");
    const queries = (s: FakeServer) =>
        s.requests.map((x) => String(x.body?.["query"] ?? "")).filter(Boolean);
    // The dev stack's datasets (and so its jobs) are in us-central1: jobs.get must ask there.
    const DEV_LOCATION = "us-central1";
    const done = (startedMinutesAgo = 30) => ({
        state: "DONE",
        startTime: Date.now() - startedMinutesAgo * 60_000,
        location: DEV_LOCATION,
    });
    const failedJob = {
        state: "DONE",
        errorResult: { reason: "invalid", message: "Invalid snapshot time" },
        location: DEV_LOCATION,
    };

    it("verify-restore --restore <id> reads the source as of the restore point, once its job is done", async () => {
        const point = iso(3 * HOUR);
        const at = point.replace("Z", ".000Z");
        await withRestores(
            {
                r1: `table: packages, requestedAt: "${iso(HOUR)}", timestamp: "${point}", targetTable: packages_r1`,
            },
            async ({ r1 }) => {
                const tables = [...RAW_TABLES, "raw.packages_r1"];
                const s = await start(healthy(), tables, false, DECLARED_SCHEMAS, {
                    [r1!]: done(),
                });
                const r = await ops(s, "verify-restore", "--stack", "dev", "--restore", "r1");
                assert.equal(r.code, 0, r.stderr);
                assert.ok(s.requests.some((x) => x.path.endsWith(`/jobs/${r1}`)));
                const sql = queries(s).find((q) => q.includes("missing_keys"))!;
                assert.match(
                    sql,
                    new RegExp(
                        `FROM \`replace-me-logistics-dev\\.raw\\.packages\` FOR SYSTEM_TIME AS OF TIMESTAMP '${at}'\\)`,
                    ),
                );
                // The restored table's rows loaded after the point are not the restore's.
                assert.match(
                    sql,
                    new RegExp(
                        `FROM \`replace-me-logistics-dev\\.raw\\.packages_r1\` WHERE _loaded_at <= TIMESTAMP '${at}'`,
                    ),
                );
                assert.match(r.stdout, new RegExp(`packages @ ${at}`));
                // An unknown id is a bad argument (exit 2), naming the ones there are.
                const unknown = await ops(
                    s,
                    "verify-restore",
                    "--stack",
                    "dev",
                    "--restore",
                    "nope",
                );
                assert.equal(unknown.code, 2);
                assert.match(
                    unknown.stderr,
                    /--restore nope: the stack has no such restore. Known: r1./,
                );
                await s.close();
                // Not run yet, still running: the check cannot run (3), and says what to do.
                for (const [jobs, message] of [
                    [
                        {},
                        /--restore r1 has not run: there is no BigQuery job restore_r1_\w+ \(BigQuery keeps jobs for six months\)\. `pulumi up` submits it/,
                    ],
                    [
                        { [r1!]: { state: "RUNNING", location: DEV_LOCATION } },
                        /its job restore_r1_\w+ is RUNNING\. Wait for it \(bq show -j/,
                    ],
                ] as const) {
                    const t = await start(healthy(), tables, false, DECLARED_SCHEMAS, jobs);
                    const x = await ops(t, "verify-restore", "--stack", "dev", "--restore", "r1");
                    assert.equal(x.code, 3, x.stdout);
                    assert.match(x.stderr, message);
                    await t.close();
                }
                // A failed job is the finding (1), with BigQuery's reason.
                const failed = await start(healthy(), tables, false, DECLARED_SCHEMAS, {
                    [r1!]: failedJob,
                });
                const f = await ops(failed, "verify-restore", "--stack", "dev", "--restore", "r1");
                assert.equal(f.code, 1);
                assert.match(
                    f.stdout,
                    /the restore's job restore_r1_\w+ failed: Invalid snapshot time/,
                );
                assert.match(f.stdout, /packages +packages_r1 +restore_r1_/);
                assert.ok(!queries(failed).length, "no comparison of a failed restore");
            },
        );
    });

    it("verify-restore of an in-place restore: two summaries of one table, and what it dropped", async () => {
        const point = iso(3 * HOUR);
        await withRestores(
            {
                r3: `table: packages, requestedAt: "${iso(HOUR)}", timestamp: "${point}", replace: true`,
            },
            async ({ r3 }) => {
                const summary = (
                    rows: number,
                    keys: number,
                    fingerprint: string | null,
                ): Answer => ({
                    fields: [
                        { name: "row_count", type: "INT64" },
                        { name: "key_count", type: "INT64" },
                        { name: "key_fingerprint", type: "STRING" },
                    ],
                    rows: [{ row_count: rows, key_count: keys, key_fingerprint: fingerprint }],
                });
                const past = summary(5, 5, "-4611686018427387904");
                const answer =
                    (restored: Answer, before: Answer = past, leftover = 0) =>
                    (sql: string, req: Record<string, unknown>): Answer =>
                        sql.includes("AS leftover_rows")
                            ? {
                                  fields: [{ name: "leftover_rows", type: "INT64" }],
                                  rows: [{ leftover_rows: leftover }],
                              }
                            : sql.includes("AS dropped_rows")
                              ? {
                                    fields: [
                                        { name: "dropped_rows", type: "INT64" },
                                        { name: "source_files", type: "STRING", mode: "REPEATED" },
                                    ],
                                    rows: [
                                        {
                                            dropped_rows: 4,
                                            source_files: ["gs://b/packages_0900.csv"],
                                        },
                                    ],
                                }
                              : sql.includes("AS key_fingerprint")
                                ? sql.includes("FOR SYSTEM_TIME")
                                    ? before
                                    : restored
                                : healthy()(sql, req);
                const job = done(30);
                const jobs = { [r3!]: job };
                const run = async (restored: Answer, before?: Answer, leftover?: number) => {
                    const s = await start(
                        answer(restored, before, leftover),
                        RAW_TABLES,
                        false,
                        DECLARED_SCHEMAS,
                        jobs,
                    );
                    const r = await ops(s, "verify-restore", "--stack", "dev", "--restore", "r3");
                    await s.close();
                    return { ...r, queries: queries(s) };
                };
                const ok = await run(past);
                assert.equal(ok.code, 0, ok.stderr);
                const sides = ok.queries.filter((q) => q.includes("key_fingerprint"));
                assert.equal(sides.length, 2, "one query per point in time");
                assert.ok(sides.some((q) => q.includes("FOR SYSTEM_TIME AS OF")));
                assert.ok(sides.some((q) => q.includes("WHERE _loaded_at <= TIMESTAMP")));
                assert.match(ok.stdout, /note: an in-place restore compares the table with itself/);
                // What the restore dropped: read as the table was when the job started.
                const dropped = ok.queries.find((q) => q.includes("dropped_rows"))!;
                assert.ok(
                    dropped.includes(
                        `FOR SYSTEM_TIME AS OF TIMESTAMP '${new Date(job.startTime).toISOString()}'\nWHERE _loaded_at > TIMESTAMP '${point.replace("Z", ".000Z")}'`,
                    ),
                    dropped,
                );
                assert.match(
                    ok.stdout,
                    /note: the restore dropped at least 4 rows: those loaded between .* from gs:\/\/b\/packages_0900\.csv, and any loaded while it ran: reload the files that were good/,
                );
                // Same counts, another key set: the fingerprint tells them apart.
                const other = await run(summary(5, 5, "12345"));
                assert.equal(other.code, 1);
                assert.match(other.stdout, /5 vs 5 rows, different keys/);
                // Same rows and fingerprint, fewer distinct keys: the key count tells them apart.
                const fewer = await run(summary(5, 4, "-4611686018427387904"));
                assert.equal(fewer.code, 1);
                // The loads after the point still there: the restore did not replace the table.
                const kept = await run(past, past, 3);
                assert.equal(kept.code, 1);
                assert.match(
                    kept.stdout,
                    /packages still holds 3 rows loaded between .* and the restore's start .*: the restore did not replace its contents/,
                );
                const leftoverSql = kept.queries.find((q) => q.includes("leftover_rows"))!;
                assert.ok(
                    leftoverSql.includes(
                        `WHERE _loaded_at > TIMESTAMP '${point.replace("Z", ".000Z")}' AND _loaded_at <= TIMESTAMP '${new Date(job.startTime).toISOString()}'`,
                    ),
                    leftoverSql,
                );
                assert.doesNotMatch(leftoverSql, /FOR SYSTEM_TIME/);
                // Both empty: nothing restored, nothing to compare.
                const empty = await run(summary(0, 0, null), summary(0, 0, null));
                assert.equal(empty.code, 1);
                assert.match(empty.stdout, /nothing to compare: .* have no rows/);
            },
        );
    });

    it("verify-restore past the time-travel window: backups by load time, in-place restores refused", async () => {
        const longAgo = (days: number) =>
            new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
        await withRestores(
            {
                b1: `table: packages, requestedAt: "${iso(9 * 24 * HOUR)}", backupDate: "${longAgo(10)}", targetTable: packages_b1`,
                r4: `table: packages, requestedAt: "${iso(9 * 24 * HOUR)}", timestamp: "${iso(10 * 24 * HOUR)}", replace: true`,
                r5: `table: customers, requestedAt: "${iso(9 * 24 * HOUR)}", timestamp: "${iso(10 * 24 * HOUR)}", replace: true`,
            },
            async ({ b1, r4, r5 }) => {
                const s = await start(
                    healthy(),
                    [...RAW_TABLES, "raw.packages_b1"],
                    false,
                    DECLARED_SCHEMAS,
                    {
                        [b1!]: done(9 * 24 * HOUR),
                        [r4!]: done(9 * 24 * HOUR),
                        [r5!]: failedJob,
                    },
                );
                const b = await ops(s, "verify-restore", "--stack", "dev", "--restore", "b1");
                assert.equal(b.code, 0, b.stderr);
                const sql = queries(s).find((q) => q.includes("missing_keys"))!;
                assert.doesNotMatch(sql, /FOR SYSTEM_TIME/);
                assert.equal(sql.match(/WHERE _loaded_at <= TIMESTAMP/g)?.length, 2);
                assert.match(
                    b.stdout,
                    /note: the restore point .* is past the 168 h time-travel window/,
                );
                const r = await ops(s, "verify-restore", "--stack", "dev", "--restore", "r4");
                assert.equal(r.code, 3);
                assert.match(
                    r.stderr,
                    /replaced packages in place as of .* past BigQuery's 168 h time-travel window/,
                );
                // A failed one changed nothing: its failure is the finding, not the window.
                const failed = await ops(s, "verify-restore", "--stack", "dev", "--restore", "r5");
                assert.equal(failed.code, 1, failed.stderr);
                assert.match(failed.stdout, /the restore's job restore_r5_\w+ failed/);
            },
        );
    });

    it("verify-restore of a snapshot restore: against the snapshot itself, past the time-travel window too", async () => {
        const daysAgo = (days: number) =>
            new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
        const date = daysAgo(20);
        const snapshot = `packages_${date.replace(/-/g, "")}`;
        const point = `${date}T05:00:00.000Z`;
        await withRestores(
            {
                s1: `table: packages, requestedAt: "${iso(19 * 24 * HOUR)}", snapshot: "${date}", targetTable: packages_s1`,
                s2: `table: packages, requestedAt: "${iso(19 * 24 * HOUR)}", snapshot: "${date}", replace: true`,
            },
            async ({ s1, s2 }) => {
                const answers = healthy({
                    leftover_rows: {
                        fields: [{ name: "leftover_rows", type: "INT64" }],
                        rows: [{ leftover_rows: 0 }],
                    },
                });
                const s = await start(
                    answers,
                    [...RAW_TABLES, "raw.packages_s1", `snapshots.${snapshot}`],
                    false,
                    DECLARED_SCHEMAS,
                    { [s1!]: done(19 * 24 * HOUR), [s2!]: done(19 * 24 * HOUR) },
                );
                const r = await ops(s, "verify-restore", "--stack", "dev", "--restore", "s1");
                assert.equal(r.code, 0, r.stderr);
                const sql = queries(s).find((q) => q.includes("missing_keys"))!;
                assert.ok(
                    sql.includes(`FROM \`replace-me-logistics-dev.snapshots.${snapshot}\`)`),
                    sql,
                );
                assert.ok(
                    sql.includes(
                        `FROM \`replace-me-logistics-dev.raw.packages_s1\` WHERE _loaded_at <= TIMESTAMP '${point}'`,
                    ),
                    sql,
                );
                assert.doesNotMatch(r.stdout, /time-travel window/);
                // In place, 19 days on: the snapshot is still there to compare with, and rows
                // loaded after its point up to the restore's start must be gone.
                const inPlace = await ops(s, "verify-restore", "--stack", "dev", "--restore", "s2");
                assert.equal(inPlace.code, 0, inPlace.stderr);
                assert.ok(
                    queries(s).some((q) =>
                        q.startsWith(
                            "SELECT COUNT(*) AS leftover_rows FROM `replace-me-logistics-dev.raw.packages`",
                        ),
                    ),
                );
                await s.close();
                // Expired: nothing to compare with, the check cannot run (3).
                const gone = await start(
                    answers,
                    [...RAW_TABLES, "raw.packages_s1"],
                    false,
                    DECLARED_SCHEMAS,
                    {
                        [s1!]: done(19 * 24 * HOUR),
                    },
                );
                const g = await ops(gone, "verify-restore", "--stack", "dev", "--restore", "s1");
                assert.equal(g.code, 3);
                assert.match(
                    g.stderr,
                    new RegExp(
                        `the snapshot replace-me-logistics-dev\\.snapshots\\.${snapshot} no longer exists`,
                    ),
                );
            },
            (f) =>
                f.replace(
                    "    timeTravelHours: 168\n",
                    '    timeTravelHours: 168\n    snapshots: { expirationDays: 35, time: "05:00" }\n',
                ),
        );
    });

    it("dry-run: every statement the stack deploys, validated by BigQuery", async () => {
        const s = await start();
        const ok = await ops(s, "dry-run", "--stack", "prod");
        assert.equal(ok.code, 0, ok.stderr);
        const dry = s.requests.filter((r) => r.body?.["dryRun"] === true);
        // Three daily backups, the EXPORT DATA each builds, three freshness checks, and three
        // daily table snapshots with the CREATE SNAPSHOT TABLE each builds.
        assert.equal(dry.length, 15);
        const snapshots = dry.filter((r) =>
            String(r.body!["query"]).startsWith("CREATE SNAPSHOT TABLE"),
        );
        assert.deepEqual(
            snapshots.map((r) => String(r.body!["query"]).split("\n")[0]).sort(),
            ["customers", "packages", "tracking_events"].map(
                (t) =>
                    `CREATE SNAPSHOT TABLE \`replace-me-logistics-prod.snapshots.${t}_${new Date().toISOString().slice(0, 10).replace(/-/g, "")}\``,
            ),
        );
        const snapshotSchedule = dry.find((r) =>
            String(r.body!["query"]).includes('"""CREATE SNAPSHOT TABLE'),
        )!;
        assert.deepEqual(
            (snapshotSchedule.body!["queryParameters"] as { name: string }[]).map((p) => p.name),
            ["run_date", "run_time"],
        );
        const backup = dry.find((r) => String(r.body!["query"]).startsWith("EXECUTE IMMEDIATE"))!;
        assert.deepEqual(
            (backup.body!["queryParameters"] as { name: string }[]).map((p) => p.name),
            ["run_date"],
        );
        const today = new Date().toISOString().slice(0, 10).replace(/-/g, "");
        const exports = dry.filter((r) => String(r.body!["query"]).startsWith("EXPORT DATA"));
        assert.equal(exports.length, 3);
        assert.match(
            String(exports[0]!.body!["query"]),
            new RegExp(`uri = 'gs://[a-z0-9-]+-backups/\\w+_${today}_\\*\\.parquet'`),
        );
        assert.match(ok.stdout, /all 15 statements the stack deploys are valid/);
        assert.match(
            ok.stdout,
            /lgx-prod-snapshots-packages \(its CREATE SNAPSHOT TABLE\) +1024 +ok/,
        );
        assert.match(ok.stdout, /lgx-prod-backup-schedule-packages \(its EXPORT DATA\) +1024 +ok/);
        await s.close();
        const rejecting = await start((sql, req) =>
            req["dryRun"] === true && sql.startsWith("ASSERT")
                ? {
                      error: {
                          code: 400,
                          reason: "invalidQuery",
                          message: "Unrecognized name: _loaded_at",
                      },
                  }
                : healthy()(sql, req),
        );
        const bad = await ops(rejecting, "dry-run", "--stack", "prod");
        assert.equal(bad.code, 1);
        assert.match(bad.stdout, /3 of 15 statements rejected by BigQuery/);
        assert.match(
            bad.stdout,
            /lgx-prod-freshness-packages +- +error: Unrecognized name: _loaded_at/,
        );
    });

    it("dry-run: a refusal that is not about the statement stops the check (exit 3)", async () => {
        const s = await start(() => ({
            error: {
                code: 403,
                reason: "accessDenied",
                message: "Access Denied: Project p: User does not have bigquery.jobs.create",
            },
        }));
        const r = await ops(s, "dry-run", "--stack", "prod");
        assert.equal(r.code, 3);
        assert.match(r.stderr, /error: BigQuery refused a dry run: Access Denied/);
        assert.equal(s.requests.filter((x) => x.body?.["dryRun"] === true).length, 1);
    });

    it("dry-run: a restore is dry-run a statement at a time until its job exists, then skipped", async () => {
        await withRestores(
            {
                r2: `table: packages, requestedAt: "${iso(HOUR)}", timestamp: "${iso(3 * HOUR)}", targetTable: packages_r2`,
                r3: `table: tracking_events, requestedAt: "${iso(HOUR)}", timestamp: "${iso(3 * HOUR)}", replace: true`,
            },
            async ({ r2, r3 }) => {
                const before = await start();
                const pending = await ops(before, "dry-run", "--stack", "dev");
                assert.equal(pending.code, 0, pending.stderr);
                const sent = queries(before);
                assert.ok(
                    sent.some((q) =>
                        q.startsWith("CREATE TABLE `replace-me-logistics-dev.raw.packages_r2`"),
                    ),
                );
                // BigQuery does not dry-run CREATE TEMP TABLE, nor past a script's first statement.
                assert.ok(!sent.some((q) => q.includes("CREATE TEMP TABLE")));
                assert.ok(
                    sent.some((q) =>
                        /^SELECT \* FROM `[^`]+\.tracking_events` FOR SYSTEM_TIME AS OF/.test(q),
                    ),
                );
                assert.ok(
                    sent.includes("TRUNCATE TABLE `replace-me-logistics-dev.raw.tracking_events`"),
                );
                assert.match(
                    pending.stdout,
                    /lgx-dev-restores-r3-[0-9a-f]{12} \(its TRUNCATE\) +1024 +ok/,
                );
                await before.close();
                const s = await start(healthy(), RAW_TABLES, false, DECLARED_SCHEMAS, {
                    [r2!]: done(),
                    [r3!]: failedJob,
                });
                const r = await ops(s, "dry-run", "--stack", "dev");
                assert.equal(r.code, 1, r.stderr);
                assert.match(
                    r.stdout,
                    /lgx-dev-restores-r2-[0-9a-f]{12} +- +skipped: the restore has run \(job restore_r2_\w+\)/,
                );
                assert.match(
                    r.stdout,
                    /lgx-dev-restores-r3-[0-9a-f]{12} +- +error: the restore's job restore_r3_\w+ failed: Invalid snapshot time/,
                );
                assert.ok(
                    !queries(s).some(
                        (q) => q.startsWith("CREATE TABLE") || q.startsWith("TRUNCATE"),
                    ),
                );
                await s.close();
                // Still running; or no longer listed by BigQuery, but its new table is there.
                const later = await start(
                    healthy(),
                    [...RAW_TABLES, "raw.packages_r2"],
                    false,
                    DECLARED_SCHEMAS,
                    {
                        [r3!]: { state: "RUNNING", location: DEV_LOCATION },
                    },
                );
                const l = await ops(later, "dry-run", "--stack", "dev");
                assert.equal(l.code, 0, l.stderr);
                assert.match(
                    l.stdout,
                    /lgx-dev-restores-r2-[0-9a-f]{12} +- +skipped: the restore has run \(packages_r2 exists\)/,
                );
                assert.match(
                    l.stdout,
                    /lgx-dev-restores-r3-[0-9a-f]{12} +- +skipped: the restore's job restore_r3_\w+ is RUNNING/,
                );
                assert.match(l.stdout, /\(2 restores already with BigQuery, skipped\)/);
            },
        );
    });

    it("dry-run: only BigQuery's own statement errors are findings", () => {
        const apiError = (code: number, reason: string, message: string) =>
            Object.assign(new Error(message), { code, errors: [{ reason, message }] });
        assert.ok(isStatementFinding(apiError(400, "invalidQuery", "Unrecognized name: x")));
        assert.ok(
            isStatementFinding(
                apiError(404, "notFound", "Not found: Table p:raw.x was not found in location US"),
            ),
        );
        // An expired login is HTTP 400 from the auth library, without BigQuery's error list.
        assert.ok(!isStatementFinding(Object.assign(new Error("invalid_grant"), { code: 400 })));
        // A dataset not found is a wrong stack or location, not a statement.
        assert.ok(
            !isStatementFinding(
                apiError(404, "notFound", "Not found: Dataset p:raw was not found in location EU"),
            ),
        );
        assert.ok(!isStatementFinding(apiError(403, "accessDenied", "Access Denied")));
    });

    it("names a missing table and a rejected query, exit 3, without a stack trace", async () => {
        const s = await start(healthy(), ["raw.packages", "raw.tracking_events"]);
        const missing = await ops(s, "freshness", "--stack", "prod");
        assert.equal(missing.code, 3);
        assert.match(
            missing.stderr,
            /error: table replace-me-logistics-prod\.raw\.customers does not exist/,
        );
        assert.doesNotMatch(missing.stderr, /\n\s+at /);
        const noTable = await ops(s, "nulls", "--stack", "prod");
        assert.equal(noTable.code, 3);
        assert.match(
            noTable.stderr,
            /error: table replace-me-logistics-prod\.raw\.customers does not exist/,
        );
        await s.close();
        const rejecting = await start(() => ({
            error: { code: 400, reason: "invalidQuery", message: "Table not found: raw.x" },
        }));
        const r = await ops(rejecting, "duplicates", "--stack", "prod");
        assert.equal(r.code, 3);
        assert.match(r.stderr, /error: BigQuery rejected a query: Table not found: raw\.x/);
    });

    it("refuses bad arguments with the usage (exit 2)", () => {
        assert.throws(
            () => parseArgs(["fresh", "--stack", "dev"]),
            /unknown check "fresh". Known checks: freshness, nulls, duplicates, orphans, verify-restore, dry-run./,
        );
        assert.throws(() => parseArgs(["freshness"]), /--stack is required/);
        assert.throws(() => parseArgs(["--stack", "dev"]), /which check\?/);
        assert.throws(
            () => parseArgs(["nulls", "--stack", "dev", "--restore", "r1"]),
            /belong to verify-restore only/,
        );
        assert.deepEqual(parseArgs(["verify-restore", "--stack=prod", "--restore", "r1"]), {
            check: "verify-restore",
            stack: "prod",
            json: false,
            help: false,
            restore: "r1",
        });
        assert.throws(
            () => parseArgs(["verify-restore", "--stack", "dev", "--source", "packages"]),
            /verify-restore takes --restore <id> .* or both --source <table> and --restored <table>/,
        );
        assert.throws(
            () =>
                parseArgs(["verify-restore", "--stack", "dev", "--restore", "r1", "--source", "x"]),
            /verify-restore takes --restore <id>/,
        );
        assert.throws(
            () => parseArgs([...VERIFY_R1.slice(0, -1), "packages"]),
            /--source and --restored are both "packages"/,
        );
        assert.equal(opsFailure(new OpsError("x")).code, 3);
    });

    it("refuses a stack still on the placeholder project (exit 2), saying how to set it", async () => {
        const failure = await main(["freshness", "--stack", "prod"]).then(
            () => assert.fail("the placeholder project was accepted"),
            (e: unknown) => opsFailure(e),
        );
        assert.equal(failure.code, 2);
        assert.match(
            failure.message,
            /Set your project: npm run pulumi -- config set gcp:project <your-project-id> --stack prod\./,
        );
    });

    it("lists every registered check in the usage, in the registry's order, with its own name", async () => {
        assert.equal(new Set(CHECK_NAMES).size, CHECKS.length, "one check per name");
        const help = await runOps(["--help"]);
        assert.equal(help.code, 0, help.stderr);
        const section = (title: string) =>
            help.stdout.split(`\n${title}:\n`)[1]!.split(/\n\n[A-Z]/)[0]!;
        const names = (text: string) =>
            [...text.matchAll(/^ {2}([a-z][a-z-]*) {2,}\S/gm)].map((m) => m[1]);
        // A check's line starts with its name; an option's with "--", a flag's detail deeper.
        assert.deepEqual(
            names(section("Checks (the runbook's queries, on the stack's datasets)")),
            CHECK_NAMES,
        );
        // The one command that is not a BigQuery check has its own section.
        assert.deepEqual(names(section("Commands")), ["load-composer-snapshot"]);
        for (const c of CHECKS) assert.ok(c.usage.startsWith(`  ${c.name} `), c.name);
        // A result's status decides the exit code: findings are 1, never a could-not-run 3.
        assert.deepEqual(EXIT_CODES, { ok: 0, findings: 1 });
    });

    it("maps failures to exit codes", () => {
        // Anything unexpected means the check could not run: 3, not 1 (problems found).
        const unexpected = opsFailure(new TypeError("boom"));
        assert.equal(unexpected.code, 3);
        assert.match(unexpected.message, /^error: the check could not run: boom\n/);
    });

    // The ops command's one run as a process (its smoke test; see test/smoke.test.ts): the auth
    // library reads HOME and the metadata-server setting of a process that has no credentials.
    it("says how to get credentials when there are none (the CLI, as on a laptop)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ops-cred-"));
        fs.copyFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        fs.writeFileSync(
            path.join(dir, "Pulumi.dev.yaml"),
            fs
                .readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), "utf8")
                .replace(/replace-me-logistics-dev/g, "acme-logistics-dev"),
        );
        const env: NodeJS.ProcessEnv = {
            ...process.env,
            HOME: dir,
            METADATA_SERVER_DETECTION: "none",
        };
        delete env["GOOGLE_APPLICATION_CREDENTIALS"];
        delete env["CLOUDSDK_CONFIG"];
        const r = runTool("ops", ["freshness", "--stack", "dev", "--json"], { cwd: dir, env });
        fs.rmSync(dir, { recursive: true, force: true });
        assert.equal(r.status, 3, r.stderr);
        assert.match(
            r.stderr,
            /error: no usable Google credentials .*gcloud auth application-default login/,
        );
        assert.doesNotMatch(r.stderr, /\n\s+at /);
        // No "done" for a check that did not run.
        assert.match(r.stderr, /^error: /m);
        assert.doesNotMatch(r.stderr, /done in/);
        // --json: the failure is JSON on stdout too, for scripts.
        const json = JSON.parse(r.stdout.slice(r.stdout.indexOf("{"))) as {
            error: string;
            exitCode: number;
        };
        assert.equal(json.exitCode, 3);
        assert.match(json.error, /^no usable Google credentials/);
    });
});

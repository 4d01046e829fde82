// `npm run ops -- load-composer-snapshot`: the newest of the environment's snapshots is loaded into
// the environment in the compute region, against a loopback fake of Cloud Storage and Composer.
import { strict as assert } from "assert";
import { parseStackConfig } from "../stacks/config";
import { composerSnapshotMain, snapshotTarget, targetOf } from "../tools/ops/composerSnapshot";
import { startComposerFake, type ComposerFake } from "./fakes/composerServer";
import { runOps } from "./fakes/opsInProcess";
import { bufferIo, PROJECT_ROOT, withChanges } from "./harness";

const prod = snapshotTarget(PROJECT_ROOT, "prod", true);
const bucket = prod.snapshotLocation.replace(/^gs:\/\/([^/]+)\/.*$/, "$1");
const env = `projects/${prod.project}/locations/${prod.region}/environments/${prod.environment}`;
const folder = (stamp: string, environment = prod.environment, region = "us-central1") =>
    `snapshots/${prod.project}_${region}_${environment}_${stamp}`;

/** Runs the command in-process with what it prints; polls without waiting. */
async function run(argv: string[]) {
    const io = bufferIo(PROJECT_ROOT);
    const code = await composerSnapshotMain(argv, io, { pollMs: 0 });
    return { code, stdout: io.stdout().replace(/\n$/, "") };
}

describe("load-composer-snapshot", () => {
    let fake: ComposerFake | undefined;
    afterEach(async () => {
        await fake?.close();
        fake = undefined;
    });
    const start = async (o: Partial<Parameters<typeof startComposerFake>[0]> = {}) => {
        fake = await startComposerFake({
            objects: {
                [bucket]: [
                    `${folder("2026-11-27T04-30-12")}/metadata.json`,
                    `${folder("2026-11-29T04-30-09")}/metadata.json`,
                    `${folder("2026-11-29T04-30-09")}/dags/a.py`,
                    `${folder("2026-11-28T04-30-15")}/metadata.json`,
                    // Another environment's, newer: never chosen.
                    `${folder("2026-11-30T04-30-00", "other-env")}/metadata.json`,
                    "snapshots/readme.txt",
                ],
            },
            environments: [env],
            ...o,
        });
        return fake;
    };

    it("loads the newest of several snapshots into the environment in the compute region", async () => {
        const f = await start({ pollsUntilDone: 3 });
        const { code, stdout } = await run(["--stack", "prod", "--api-endpoint", f.url]);
        assert.equal(code, 0, stdout);
        const newest = `gs://${bucket}/${folder("2026-11-29T04-30-09")}`;
        assert.match(
            stdout,
            new RegExp(`OK — loaded ${newest.replace(/[.]/g, "\\.")} into ${env}`),
        );
        const posts = f.requests.filter((r) => r.method === "POST");
        assert.deepEqual(posts, [
            { method: "POST", path: `/v1/${env}:loadSnapshot`, body: { snapshotPath: newest } },
        ]);
        // The listing is paged (two folders a page here) and read to its end; the operation is
        // polled until done.
        const lists = f.requests.filter((r) => r.path.startsWith(`/storage/v1/b/${bucket}/o`));
        assert.equal(lists.length, 2);
        assert.ok(lists.every((r) => /prefix=snapshots%2F&delimiter=%2F/.test(r.path)));
        assert.equal(f.requests.filter((r) => /\/operations\//.test(r.path)).length, 3);
        assert.match(
            stdout,
            /older snapshots \(newest first\):\n .*2026-11-28T04-30-15\n .*2026-11-27T04-30-12/,
        );
    });

    it("targets the failover region when logistics:failover.region is set", () => {
        const config = (changes: Record<string, unknown>) =>
            parseStackConfig(withChanges("prod", changes), { allowPlaceholderProject: true });
        assert.equal(prod.region, "us-central1");
        const moved = targetOf(config({ "logistics:failover": { region: "us-east4" } }));
        assert.deepEqual(moved, { ...prod, region: "us-east4" });
        assert.match(prod.snapshotLocation, /^gs:\/\/[a-z0-9-]+-snapshots\/snapshots$/);
    });

    it("fails (exit 1) with a clear message when there is no snapshot", async () => {
        const f = await start({ objects: { [bucket]: ["snapshots/readme.txt"] } });
        const { code, stdout } = await run(["--stack", "prod", "--api-endpoint", f.url]);
        assert.equal(code, 1);
        assert.match(
            stdout,
            new RegExp(
                `FAILED — no snapshot of ${prod.environment} under gs://${bucket}/snapshots: nothing to load`,
            ),
        );
        assert.equal(f.requests.filter((r) => r.method === "POST").length, 0);
    });

    it("surfaces the operation's error (exit 1)", async () => {
        const f = await start({
            operationError: { code: 9, message: "snapshot was taken with a newer Airflow version" },
        });
        const { code, stdout } = await run(["--stack", "prod", "--api-endpoint", f.url, "--json"]);
        assert.equal(code, 1);
        const result = JSON.parse(stdout) as { ok: boolean; summary: string; operation: string };
        assert.equal(result.ok, false);
        assert.match(
            result.summary,
            /Composer failed to load .*: snapshot was taken with a newer Airflow version \(code 9\)/,
        );
        assert.equal(result.operation, env.replace(/environments\/.*/, "operations/op-1"));
    });

    it("a dry run finds the snapshot and POSTs nothing (through npm run ops)", async () => {
        const f = await start();
        const r = await runOps([
            "load-composer-snapshot",
            "--stack",
            "prod",
            "--dry-run",
            "--api-endpoint",
            f.url,
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(
            r.stdout,
            /would load gs:\/\/.*2026-11-29T04-30-09 into .* \(dry run: nothing started\)/,
        );
        assert.equal(f.requests.filter((x) => x.method !== "GET").length, 0);
    });

    it("loads a given --snapshot without listing; refuses a bad one (exit 2)", async () => {
        const f = await start();
        const given = `gs://${bucket}/${folder("2026-11-27T04-30-12")}`;
        const { code } = await run([
            "--stack",
            "prod",
            "--api-endpoint",
            f.url,
            "--snapshot",
            given,
        ]);
        assert.equal(code, 0);
        assert.equal(f.requests.filter((r) => r.path.startsWith("/storage/")).length, 0);
        assert.deepEqual(f.requests.find((r) => r.method === "POST")?.body, {
            snapshotPath: given,
        });
        const bad = await runOps([
            "load-composer-snapshot",
            "--stack",
            "prod",
            "--snapshot",
            "s3://x/y",
        ]);
        assert.equal(bad.code, 2);
        assert.match(
            bad.stderr,
            /--snapshot: got "s3:\/\/x\/y"\. Expected a Cloud Storage path gs:\/\/<bucket>\/<path>\./,
        );
        const noStack = await runOps(["load-composer-snapshot"]);
        assert.equal(noStack.code, 2);
        assert.match(noStack.stderr, /--stack is required/);
    });

    it("a missing environment is a failure (exit 1); an unreachable endpoint exit 3", async () => {
        const f = await start({ environments: [] });
        const { code, stdout } = await run(["--stack", "prod", "--api-endpoint", f.url]);
        assert.equal(code, 1);
        assert.match(stdout, /Composer found no such environment or operation/);
        const url = f.url;
        await f.close();
        fake = undefined;
        const down = await runOps([
            "load-composer-snapshot",
            "--stack",
            "prod",
            "--api-endpoint",
            url,
        ]);
        assert.equal(down.code, 3);
        assert.match(down.stderr, /cannot reach 127\.0\.0\.1:\d+/);
    });
});

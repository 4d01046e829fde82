// The ops command against the real BigQuery of a deployed stack. Opt-in: it runs only when
// LOGISTICS_LIVE_STACK names a stack with a real project and Google credentials are present, and
// is skipped with a message otherwise. It reads only (queries and dry runs; no table is written):
//
//   gcloud auth application-default login
//   LOGISTICS_LIVE_STACK=dev npm run test:live
//   LOGISTICS_LIVE_STACK=dev LOGISTICS_LIVE_RESTORE=<id> npm run test:live   # verify-restore too
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PLACEHOLDER_PROJECT_PREFIX } from "../stacks/config";
import { main, opsFailure } from "../tools/ops";
import { bufferIo, stackConfig } from "./harness";

const stack = process.env["LOGISTICS_LIVE_STACK"];

function credentialsPresent(): boolean {
    const file = process.env["GOOGLE_APPLICATION_CREDENTIALS"];
    if (file) return fs.existsSync(file);
    const config = process.env["CLOUDSDK_CONFIG"] ?? path.join(os.homedir(), ".config", "gcloud");
    return fs.existsSync(path.join(config, "application_default_credentials.json"));
}

function whySkipped(): string | undefined {
    if (!stack)
        return "set LOGISTICS_LIVE_STACK=<stack> (and Google credentials) to run the ops checks against BigQuery";
    if (!credentialsPresent())
        return "no Google credentials: run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS";
    if ((stackConfig(stack)["gcp:project"] ?? "").startsWith(PLACEHOLDER_PROJECT_PREFIX))
        return `stack ${stack} still has the placeholder project: set gcp:project first`;
    return undefined;
}

async function run(
    ...argv: string[]
): Promise<{ code: number; json?: { ok: boolean; rows: unknown[] } }> {
    const io = bufferIo();
    try {
        const code = await main([...argv, "--json"], io);
        return { code, json: JSON.parse(io.stdout()) as { ok: boolean; rows: unknown[] } };
    } catch (err) {
        const failure = opsFailure(err);
        assert.fail(`${argv.join(" ")} could not run (exit ${failure.code}): ${failure.message}`);
    }
}

describe("ops command against BigQuery (live, opt-in)", function () {
    this.timeout(300_000);
    before(function () {
        const why = whySkipped();
        if (why) {
            console.log(`      skipped: ${why}`);
            this.skip();
        }
    });

    it("freshness judges every raw table", async () => {
        const r = await run("freshness", "--stack", stack!);
        assert.ok(r.code === 0 || r.code === 1);
        assert.equal(r.json!.rows.length, 3);
    });

    it("BigQuery accepts every statement the stack deploys", async () => {
        const r = await run("dry-run", "--stack", stack!);
        assert.equal(r.code, 0, JSON.stringify(r.json, null, 2));
    });

    it("verify-restore compares the restore LOGISTICS_LIVE_RESTORE names", async function () {
        const id = process.env["LOGISTICS_LIVE_RESTORE"];
        if (!id) {
            console.log("      skipped: set LOGISTICS_LIVE_RESTORE=<id of a restore that has run>");
            this.skip();
        }
        const r = await run("verify-restore", "--stack", stack!, "--restore", id);
        assert.equal(r.code, 0, JSON.stringify(r.json, null, 2));
    });

    it("nulls, duplicates and orphans run", async () => {
        for (const check of ["nulls", "duplicates", "orphans"]) {
            const r = await run(check, "--stack", stack!);
            assert.ok(r.code === 0 || r.code === 1, check);
        }
    });
});

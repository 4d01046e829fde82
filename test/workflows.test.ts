// The GitHub Actions workflows and the composite action: schema-valid, every action pinned to a
// major version and called with inputs it has, shell steps that parse, scripts and files that
// exist, least-privilege permissions, fork-safe pull-request jobs, and documented variables.
// The drift script is run against a stand-in `gh` that records what it was asked to do.
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { validateAction, validateWorkflow } from "@action-validator/core";
import * as YAML from "yaml";
import { listStacks } from "../tools/offline/stackfile";

const ROOT = path.resolve(__dirname, "..");
const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const LOCAL_ACTION = path.join(ROOT, ".github", "actions", "pulumi", "action.yml");

/**
 * The inputs of each external action at its pinned major, from the action's action.yml (the
 * pulumi/actions list is the v6 one, which v7 keeps). Pinning a new action or major means reading
 * its action.yml and adding it here.
 */
const KNOWN_ACTIONS: Readonly<Record<string, readonly string[]>> = {
    "actions/checkout@v5": [
        "repository",
        "ref",
        "token",
        "ssh-key",
        "persist-credentials",
        "path",
        "clean",
        "fetch-depth",
        "fetch-tags",
        "lfs",
        "submodules",
    ],
    "actions/upload-artifact@v4": [
        "name",
        "path",
        "if-no-files-found",
        "retention-days",
        "compression-level",
        "overwrite",
        "include-hidden-files",
    ],
    "google-github-actions/auth@v3": [
        "workload_identity_provider",
        "service_account",
        "project_id",
        "audience",
        "create_credentials_file",
        "export_environment_variables",
        "token_format",
        "delegates",
        "access_token_lifetime",
        "access_token_scopes",
        "id_token_audience",
        "id_token_include_email",
    ],
    "pulumi/actions@v7": [
        "command",
        "stack-name",
        "pulumi-version",
        "pulumi-version-file",
        "work-dir",
        "comment-on-pr",
        "comment-on-pr-number",
        "comment-on-summary",
        "github-token",
        "cloud-url",
        "secrets-provider",
        "parallel",
        "message",
        "config-map",
        "expect-no-changes",
        "diff",
        "replace",
        "target",
        "target-dependents",
        "policyPacks",
        "policyPackConfigs",
        "refresh",
        "upsert",
        "remove",
        "edit-pr-comment",
        "color",
        "exclude-protected",
        "plan",
        "suppress-outputs",
        "suppress-progress",
        "always-include-summary",
    ],
};

interface Step {
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    if?: string;
}
interface Job {
    if?: string;
    steps?: Step[];
    permissions?: Record<string, string>;
    environment?: string;
    strategy?: { matrix?: { include?: Record<string, unknown>[] } };
}
interface Workflow {
    on: Record<string, unknown>;
    permissions?: Record<string, string>;
    jobs: Record<string, Job>;
}

const workflowFiles = fs
    .readdirSync(WORKFLOWS)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
const read = (file: string) => fs.readFileSync(file, "utf8");
const workflows = workflowFiles.map((f) => ({
    file: f,
    text: read(path.join(WORKFLOWS, f)),
    doc: YAML.parse(read(path.join(WORKFLOWS, f))) as Workflow,
}));
const localAction = YAML.parse(read(LOCAL_ACTION)) as {
    inputs: Record<string, { required?: boolean; default?: string }>;
    runs: { steps: Step[] };
};

/** Every step of every workflow and of the composite action, with where it is. */
function allSteps(): { where: string; step: Step }[] {
    const out: { where: string; step: Step }[] = [];
    for (const w of workflows)
        for (const [id, job] of Object.entries(w.doc.jobs))
            (job.steps ?? []).forEach((step, i) =>
                out.push({ where: `${w.file} jobs.${id}.steps[${i}]`, step }),
            );
    localAction.runs.steps.forEach((step, i) =>
        out.push({ where: `.github/actions/pulumi/action.yml runs.steps[${i}]`, step }),
    );
    return out;
}

describe("GitHub Actions workflows", () => {
    it("has the pull-request, deploy, drift and restore drill workflows", () => {
        assert.deepEqual(workflowFiles, [
            "deploy.yml",
            "drift.yml",
            "drill.yml",
            "pull-request.yml",
        ]);
    });

    for (const w of workflows)
        it(`${w.file} is valid against the workflow schema`, () => {
            assert.deepEqual(validateWorkflow(w.text).errors, []);
        });

    it("the composite action is valid against the action schema", () => {
        assert.deepEqual(validateAction(read(LOCAL_ACTION)).errors, []);
    });

    it("the schema validator does reject a broken workflow", () => {
        const broken =
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: []\n    needs: b\n";
        assert.notDeepEqual(validateWorkflow(broken).errors, []);
    });

    it("pins every action to a major version and passes only inputs the action has", () => {
        const problems: string[] = [];
        for (const { where, step } of allSteps()) {
            if (step.uses === undefined) continue;
            const keys = Object.keys(step.with ?? {});
            if (step.uses === "./.github/actions/pulumi") {
                const inputs = localAction.inputs;
                for (const k of keys)
                    if (!(k in inputs)) problems.push(`${where}: unknown input ${k}`);
                for (const [k, spec] of Object.entries(inputs))
                    if (spec.required && !keys.includes(k))
                        problems.push(`${where}: missing required input ${k}`);
                continue;
            }
            const known = KNOWN_ACTIONS[step.uses];
            if (!known) {
                problems.push(
                    `${where}: ${step.uses} is not a reviewed action@major (KNOWN_ACTIONS)`,
                );
                continue;
            }
            for (const k of keys)
                if (!known.includes(k)) problems.push(`${where}: ${step.uses} has no input ${k}`);
        }
        assert.deepEqual(problems, []);
    });

    it("every shell step parses with bash -n, and the npm scripts and files it calls exist", () => {
        const scripts = Object.keys(
            (JSON.parse(read(path.join(ROOT, "package.json"))) as { scripts: object }).scripts,
        );
        const problems: string[] = [];
        for (const { where, step } of allSteps()) {
            if (step.run === undefined) continue;
            // Expressions are substituted before the shell sees the script.
            const script = step.run.replace(/\$\{\{[^}]*\}\}/g, "EXPR");
            const check = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
            if (check.status !== 0) problems.push(`${where}: ${check.stderr.trim()}`);
            for (const m of script.matchAll(/npm run (?:-s )?([\w:-]+)/g))
                if (!scripts.includes(m[1]!)) problems.push(`${where}: no npm script ${m[1]}`);
            for (const m of script.matchAll(/\bbash (\.[\w./-]+)/g))
                if (!fs.existsSync(path.join(ROOT, m[1]!)))
                    problems.push(`${where}: ${m[1]} does not exist`);
        }
        assert.deepEqual(problems, []);
    });

    it("grants least privilege: read-only by default, id-token only to jobs that authenticate", () => {
        for (const w of workflows) {
            assert.deepEqual(w.doc.permissions, { contents: "read" }, `${w.file} permissions`);
            for (const [id, job] of Object.entries(w.doc.jobs)) {
                const authenticates = (job.steps ?? []).some(
                    (s) => s.uses === "./.github/actions/pulumi",
                );
                assert.equal(
                    job.permissions?.["id-token"] === "write",
                    authenticates,
                    `${w.file} jobs.${id}: id-token: write exactly when it authenticates`,
                );
            }
        }
    });

    it("keeps credentials away from pull requests of forks", () => {
        const pr = workflows.find((w) => w.file === "pull-request.yml")!;
        assert.deepEqual(Object.keys(pr.doc.on), ["pull_request"], "never pull_request_target");
        for (const [id, job] of Object.entries(pr.doc.jobs))
            if (job.permissions?.["id-token"] === "write")
                assert.equal(
                    job.if,
                    "github.event.pull_request.head.repo.full_name == github.repository",
                    `jobs.${id}`,
                );
    });

    it("covers every stack, with its policy config, in previews and drift checks", () => {
        const stacks = listStacks(ROOT);
        for (const file of ["pull-request.yml", "drift.yml", "drill.yml"]) {
            const w = workflows.find((x) => x.file === file)!;
            const job = Object.values(w.doc.jobs).find((j) => j.strategy?.matrix?.include)!;
            const covered = job.strategy!.matrix!.include!.map((e) => e["stack"]);
            assert.deepEqual(covered.sort(), stacks, file);
        }
        for (const stack of stacks)
            assert.ok(fs.existsSync(path.join(ROOT, "policies", "config", `${stack}.json`)), stack);
    });

    it("deploys dev, then prod, each in the GitHub environment the federation trusts", () => {
        const deploy = workflows.find((w) => w.file === "deploy.yml")!.doc;
        assert.deepEqual(Object.keys(deploy.on).sort(), ["push", "workflow_dispatch"]);
        assert.equal(deploy.jobs["dev"]?.environment, "dev");
        assert.equal(deploy.jobs["prod"]?.environment, "prod");
        assert.equal((deploy.jobs["prod"] as { needs?: string }).needs, "dev");
        for (const stack of ["dev", "prod"]) {
            const step = deploy.jobs[stack]!.steps!.find(
                (s) => s.uses === "./.github/actions/pulumi",
            )!;
            assert.equal(step.with?.["command"], "up");
            assert.equal(step.with?.["stack"], stack);
        }
    });

    it("runs the restore drill on a schedule, per stack that opts in, with its times in the summary and an artifact", () => {
        const drill = workflows.find((w) => w.file === "drill.yml")!;
        assert.deepEqual(Object.keys(drill.doc.on).sort(), ["schedule", "workflow_dispatch"]);
        const job = drill.doc.jobs["drill"]!;
        for (const entry of job.strategy!.matrix!.include!)
            assert.equal(
                entry["enabled"],
                `\${{ vars.${String(entry["stack"]).toUpperCase()}_RESTORE_DRILL }}`,
            );
        const steps = job.steps!;
        const gated = steps.filter((s) => s.if?.includes("matrix.enabled == 'true'"));
        assert.equal(gated.length, steps.length - 1, "every step but the notice is opt-in");
        assert.ok(steps.some((s) => s.run?.includes("npm run -s ops -- drill --stack")));
        assert.ok(steps.some((s) => s.run?.includes('>> "$GITHUB_STEP_SUMMARY"')));
        const upload = steps.find((s) => s.uses === "actions/upload-artifact@v4")!;
        assert.match(
            String(upload.with?.["path"]),
            /restore-drill-\$\{\{ matrix\.stack \}\}\.json$/,
        );
        assert.match(steps[steps.length - 1]!.run ?? "", /exit 1/);
    });

    it("documents every repository variable and secret the workflows read in the README", () => {
        const readme = read(path.join(ROOT, "README.md"));
        const names = new Set(
            workflows.flatMap((w) =>
                [...w.text.matchAll(/\b(?:vars|secrets)\.([A-Z_]+)/g)].map((m) => m[1]!),
            ),
        );
        assert.ok(names.size > 0);
        for (const name of names) assert.ok(readme.includes(`\`${name}\``), `${name} in README`);
    });

    it("installs the Pulumi CLI of the same version as the SDK in the lock file", () => {
        const lock = JSON.parse(read(path.join(ROOT, "package-lock.json"))) as {
            packages: Record<string, { version?: string }>;
        };
        assert.equal(
            read(path.join(ROOT, ".pulumi-version")).trim(),
            lock.packages["node_modules/@pulumi/pulumi"]!.version,
        );
    });
});

describe("drift issue script", () => {
    const SCRIPT = path.join(ROOT, ".github", "scripts", "drift-issue.sh");

    /** Runs the script with a stand-in `gh` that logs its arguments and lists `openIssue`. */
    function run(env: Record<string, string | undefined>, openIssue?: number) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drift-"));
        const log = path.join(dir, "calls");
        const bodies = path.join(dir, "bodies");
        fs.writeFileSync(
            path.join(dir, "gh"),
            [
                "#!/usr/bin/env bash",
                `echo "$*" >> '${log}'`,
                // Keep the body, which the script deletes on exit.
                `for ((i=1; i<=$#; i++)); do if [[ "\${!i}" == --body-file ]]; then j=$((i+1)); cat "\${!j}" >> '${bodies}'; fi; done`,
                `if [[ "$1 $2" == "issue list" ]]; then echo '${openIssue ?? ""}'; fi`,
            ].join("\n"),
            { mode: 0o755 },
        );
        // The workflow hands the preview's output over as a file.
        const { OUTPUT, ...rest } = env;
        if (OUTPUT !== undefined) fs.writeFileSync(path.join(dir, "output.txt"), OUTPUT);
        const result = spawnSync("bash", [SCRIPT], {
            encoding: "utf8",
            env: {
                PATH: `${dir}:${process.env["PATH"]}`,
                ...rest,
                ...(OUTPUT !== undefined ? { OUTPUT_FILE: path.join(dir, "output.txt") } : {}),
            },
        });
        const calls = fs.existsSync(log) ? read(log).trim().split("\n") : [];
        const body = fs.existsSync(bodies) ? read(bodies) : "";
        fs.rmSync(dir, { recursive: true, force: true });
        return { status: result.status, stderr: result.stderr, calls, body };
    }
    const base = { STACK: "prod", RUN_URL: "https://example.com/run/1" };
    const DRIFT =
        "~ gcp:storage:Bucket lgx-prod-data update\nerror: no changes were expected but changes were proposed";

    it("opens an issue labelled drift on the first drift, with the diff and the run", () => {
        const r = run({ ...base, OUTCOME: "failure", OUTPUT: DRIFT });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.calls.length, 3);
        assert.match(r.calls[0]!, /^issue list --label drift --state open/);
        assert.match(r.calls[1]!, /^label create drift/);
        assert.match(r.calls[2]!, /^issue create --title Drift in the prod stack --label drift/);
        assert.match(r.body, /GCP differs from what the program declares/);
        assert.match(r.body, /lgx-prod-data update/);
        assert.match(r.body, /https:\/\/example\.com\/run\/1/);
    });

    it("comments on the open issue instead of opening another", () => {
        const r = run({ ...base, OUTCOME: "failure", OUTPUT: DRIFT }, 42);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.calls.at(-1)!, /^issue comment 42 --body-file /);
        assert.equal(r.calls.length, 2);
    });

    it("tells a failed check from drift", () => {
        const r = run({ ...base, OUTCOME: "failure", OUTPUT: "error: failed to log in" });
        assert.match(r.body, /The check itself failed/);
    });

    it("closes the open issue on a clean run, and does nothing when none is open", () => {
        const closed = run({ ...base, OUTCOME: "success" }, 42);
        assert.match(closed.calls.at(-1)!, /^issue close 42 --comment No drift in prod any more/);
        const quiet = run({ ...base, OUTCOME: "success" });
        assert.equal(quiet.calls.length, 1);
    });

    it("keeps the end of a long output within an issue body's limit", () => {
        const r = run({ ...base, OUTCOME: "failure", OUTPUT: `${"x".repeat(80_000)}\n${DRIFT}` });
        assert.ok(r.body.length < 65_536, `${r.body.length}`);
        assert.match(r.body, /characters cut; full log in the run/);
        assert.match(r.body, /changes were proposed/);
    });

    it("refuses to run without its inputs, naming the missing one", () => {
        const r = run({ OUTCOME: "failure", RUN_URL: "x" });
        assert.equal(r.status, 2);
        assert.match(r.stderr, /STACK is not set/);
    });

    it("is valid bash", () => {
        execFileSync("bash", ["-n", SCRIPT]);
    });
});

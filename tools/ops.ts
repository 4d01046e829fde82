// `npm run ops -- <check> --stack <name>`: the runbook's data checks against the stack's BigQuery,
// with names from the stack config, a readable table or --json, and an exit code for scripts.
import {
    backupExportStatement,
    restoreDryRunStatements,
    snapshotStatement,
} from "../components/sql";
import { SNAPSHOTS_DATASET } from "../components/tableSnapshots";
import { RAW_TABLES, readRawSchema } from "../components/warehouse";
import { ConfigError, parseStackConfig } from "../stacks/config";
import { freshnessHours } from "../components/alerting.schema";
import { RAW_TABLE_NAMES } from "../components/rawTables";
import { runOffline } from "./offline/engine";
import { readStackFile, UsageError } from "./offline/stackfile";
import { bigQueryWarehouse } from "./ops/bigquery";
import {
    CHECK_NAMES,
    CHECKS_USAGE,
    EXIT_CODES,
    isCheckName,
    OpsError,
    runCheck,
    type CheckContext,
    type CheckName,
    type CheckResult,
    type Statement,
    type Warehouse,
} from "./ops/checks";
import {
    debugHint,
    parseCommandLine,
    processIo,
    projectRoot,
    rejectFlagsKeptByNpm,
    runCli,
    type CommandLine,
    type Io,
} from "./cli";
import {
    COMMAND as SNAPSHOT_COMMAND,
    composerSnapshotMain,
    USAGE as SNAPSHOT_USAGE,
} from "./ops/composerSnapshot";

const USAGE = `Usage: npm run ops -- <check> --stack <name> [options]

Checks (the runbook's queries, on the stack's datasets):
${CHECKS_USAGE}

Commands:
  load-composer-snapshot  loads the newest Composer snapshot into the environment in the compute
                  region (a regional failover's last step); npm run ops -- load-composer-snapshot --help

Options:
  --stack <name>         stack whose config names the project and datasets (required)
  --json                 print the result as JSON
  --api-endpoint <url>   a BigQuery emulator or test server; no Google credentials are used
  --help                 show this help

Runs as your Google credentials (gcloud auth application-default login).
Exit codes: 0 all good, 1 the check found problems, 2 bad arguments or stack, 3 the check could
not run (credentials, a missing table, a query BigQuery rejected).`;

export interface OpsArgs {
    check?: CheckName;
    stack?: string;
    json: boolean;
    help: boolean;
    apiEndpoint?: string;
    restore?: string;
    source?: string;
    restored?: string;
    table?: string;
    to?: string;
}

const CLI = {
    command: "ops",
    usage: USAGE,
    positionals: true,
    flags: {
        stack: { type: "string", short: "s" },
        json: { type: "boolean" },
        "api-endpoint": { type: "string" },
        restore: { type: "string" },
        source: { type: "string" },
        restored: { type: "string" },
        table: { type: "string" },
        to: { type: "string" },
    },
} as const satisfies CommandLine;

export function parseArgs(argv: readonly string[]): OpsArgs {
    const { values, positionals } = parseCommandLine(argv, CLI);
    const text = (flag: string) =>
        typeof values[flag] === "string" ? (values[flag] as string) : undefined;
    const args: OpsArgs = { json: values["json"] === true, help: values["help"] === true };
    for (const [flag, key] of [
        ["stack", "stack"],
        ["api-endpoint", "apiEndpoint"],
        ["restore", "restore"],
        ["source", "source"],
        ["restored", "restored"],
        ["table", "table"],
        ["to", "to"],
    ] as const) {
        const v = text(flag);
        if (v !== undefined) args[key] = v;
    }
    const [check, ...more] = positionals;
    if (check !== undefined) {
        if (!isCheckName(check))
            throw new UsageError(
                `unknown check "${check}". Known checks: ${CHECK_NAMES.join(", ")}.\n\n${USAGE}`,
            );
        args.check = check;
    }
    if (more.length > 0)
        throw new UsageError(`one check at a time: got "${check}" and "${more[0]}".`);
    if (args.help) return args;
    if (!args.check)
        throw new UsageError(`which check? One of: ${CHECK_NAMES.join(", ")}.\n\n${USAGE}`);
    if (!args.stack) throw new UsageError(`--stack is required.\n\n${USAGE}`);
    if (args.check !== "verify-restore" && (args.restore || args.source || args.restored))
        throw new UsageError(`--restore, --source and --restored belong to verify-restore only.`);
    if (args.check !== "restore-plan" && (args.table || args.to))
        throw new UsageError(`--table and --to belong to restore-plan only.`);
    if (args.check === "restore-plan" && !(args.table && args.to))
        throw new UsageError(
            `restore-plan takes --table <raw table> and --to <UTC timestamp>.\n\n${USAGE}`,
        );
    if (args.check === "verify-restore") {
        const pair = args.source !== undefined || args.restored !== undefined;
        if (args.restore !== undefined ? pair : !(args.source && args.restored))
            throw new UsageError(
                `verify-restore takes --restore <id> (an entry of logistics:restores), or both --source <table> and --restored <table>.\n\n${USAGE}`,
            );
        if (args.source === args.restored && args.source !== undefined)
            throw new UsageError(
                `--source and --restored are both "${args.source}": name the restored copy, or use --restore <id> for an in-place restore.`,
            );
    }
    return args;
}

/** Every SQL statement the stack deploys (scheduled queries, restore scripts), from the offline plan. */
export async function deployedStatements(
    stack: string,
    root: string,
    today: string,
): Promise<Statement[]> {
    const plan = await runOffline({ stack, root });
    const statements: Statement[] = [];
    for (const r of plan.resources) {
        const sql =
            r.type === "gcp:bigquery/dataTransferConfig:DataTransferConfig"
                ? (r.inputs["params"] as { query?: unknown } | undefined)?.query
                : r.type === "gcp:bigquery/job:Job"
                  ? (r.inputs["query"] as { query?: unknown } | undefined)?.query
                  : undefined;
        if (typeof sql !== "string") continue;
        // The replica's statements (components/datasetReplica.ts) ran once, at deploy: run again
        // they would only find the replica and the attachment there already.
        if (r.urn.includes("$logistics:bigquery:DatasetReplica$")) continue;
        // Scheduled queries get @run_date and @run_time from the scheduler; a dry run supplies today's.
        const runTime = `${today}T00:00:00Z`;
        const params = [
            ...(sql.includes("@run_date")
                ? [{ name: "run_date", type: "DATE", value: today }]
                : []),
            ...(sql.includes("@run_time")
                ? [{ name: "run_time", type: "TIMESTAMP", value: runTime }]
                : []),
        ];
        if (r.type === "gcp:bigquery/job:Job") {
            // A restore: its job id tells whether it has run; a dry run takes it a statement at a time.
            const restore = { name: r.name, job: String(r.inputs["jobId"]) };
            for (const piece of restoreDryRunStatements(sql) ?? [{ sql }])
                statements.push({
                    name: piece.part ? `${r.name} (${piece.part})` : r.name,
                    sql: piece.sql,
                    restore,
                    ...(piece.creates ? { createsTable: piece.creates } : {}),
                });
            continue;
        }
        statements.push({ name: r.name, sql, ...(params.length ? { params } : {}) });
        // The statement EXECUTE IMMEDIATE builds is validated only when it runs: check it too.
        const inner = backupExportStatement(sql, today) ?? snapshotStatement(sql, runTime);
        if (inner)
            statements.push({
                name: `${r.name} (its ${inner.startsWith("EXPORT") ? "EXPORT DATA" : "CREATE SNAPSHOT TABLE"})`,
                sql: inner,
            });
    }
    return statements;
}

/** The check's context from the stack config. */
export function checkContext(
    stack: string,
    root: string,
    placeholderOk: boolean,
    now = new Date(),
) {
    const file = readStackFile(root, stack);
    const config = parseStackConfig(file.config, {
        allowPlaceholderProject: placeholderOk,
        now,
        stack,
    });
    const context: CheckContext = {
        raw: { project: config.project, dataset: config.names.datasets.raw },
        tables: RAW_TABLE_NAMES,
        declaredColumns: Object.fromEntries(
            RAW_TABLE_NAMES.map((t) => [
                t,
                readRawSchema(t).map((f) => ({ name: f.name, mode: f.mode ?? "NULLABLE" })),
            ]),
        ),
        freshnessHours: Object.fromEntries(
            RAW_TABLE_NAMES.map((t) => [t, freshnessHours(config.alerting, t)]),
        ),
        restores: config.restores,
        exportTime: config.backups.exportTime,
        ...(config.warehouse.snapshots
            ? {
                  snapshots: {
                      dataset: SNAPSHOTS_DATASET,
                      time: config.warehouse.snapshots.time,
                      expirationDays: config.warehouse.snapshots.expirationDays,
                  },
              }
            : {}),
        backupHorizonDays: config.backups.deleteAfterDays,
        ...(config.warehouse.replicaLocation
            ? { replicaLocation: config.warehouse.replicaLocation }
            : {}),
        ...(config.warehouse.reservation?.secondaryLocation
            ? { failoverReservation: config.names.slotReservation }
            : {}),
        // The entry restore-plan prints must load: the stack's config with it added, at `now`.
        validateRestore: (id, entry) => {
            const withEntry = {
                ...file.config,
                "logistics:restores": JSON.stringify({ ...config.restores, [id]: entry }),
            };
            try {
                parseStackConfig(withEntry, { allowPlaceholderProject: placeholderOk, now, stack });
                return [];
            } catch (err) {
                if (err instanceof ConfigError) return [...err.problems];
                throw err;
            }
        },
        timeTravelHours: config.warehouse.timeTravelHours,
        statements: () => deployedStatements(stack, root, now.toISOString().slice(0, 10)),
        drill: {
            location: config.locations.warehouse,
            backupsBucket: config.names.backupsBucket,
            stackDatasets: Object.values(config.names.datasets),
            layouts: Object.fromEntries(
                RAW_TABLE_NAMES.map((t) => [t, { ...RAW_TABLES[t], columns: readRawSchema(t) }]),
            ),
        },
        now,
    };
    return { context, project: config.project, location: config.locations.warehouse };
}

/** A result as --json prints it: `ok` says whether the check found nothing wrong. */
export function resultJson(result: CheckResult, stack: string) {
    const { check, status, summary, columns, rows, notes } = result;
    return { stack, check, ok: status === "ok", summary, columns, rows, notes };
}

function cell(v: unknown): string {
    if (v === null || v === undefined) return "-";
    return typeof v === "object" ? JSON.stringify(v) : String(v);
}

export function renderResult(result: CheckResult, stack: string): string {
    const widths = result.columns.map((c) =>
        Math.max(c.length, ...result.rows.map((r) => cell(r[c]).length)),
    );
    const line = (cells: string[]) =>
        cells
            .map((c, i) => c.padEnd(widths[i]!))
            .join("  ")
            .trimEnd();
    return [
        `${result.check} (stack ${stack}): ${result.status === "ok" ? "OK" : "PROBLEMS FOUND"} — ${result.summary}`,
        "",
        line(result.columns),
        line(widths.map((w) => "-".repeat(w))),
        ...result.rows.map((r) => line(result.columns.map((c) => cell(r[c])))),
        ...(result.notes.length ? ["", ...result.notes.map((n) => `note: ${n}`)] : []),
    ].join("\n");
}

/**
 * A progress line on stderr while queries run: rewritten in place on a terminal, ending with the
 * time taken when the check completes (a failure's message says the rest).
 */
function progressReporter(
    check: string,
    io: Io,
): {
    step: (s: string) => void;
    done: (completed: boolean) => void;
} {
    const started = Date.now();
    let last = "";
    return {
        step: (s) => {
            last = `… ${check}: ${s}`;
            if (io.rewrite) io.rewrite(last);
            else io.err(last);
        },
        done: (completed) => {
            const seconds = ((Date.now() - started) / 1000).toFixed(1);
            if (io.rewrite && last) io.rewrite("");
            if (completed) io.err(`… ${check}: done in ${seconds} s`);
        },
    };
}

/** What ops reaches beyond its arguments: BigQuery (or a test server's stand-in) and the clock. */
export interface OpsDeps {
    warehouseFor?: (o: { project: string; location: string; apiEndpoint?: string }) => Warehouse;
    /** Milliseconds now, for the drill's measured times. */
    clock?: () => number;
}

export async function main(
    argv: readonly string[],
    io: Io = processIo(),
    { warehouseFor = bigQueryWarehouse, clock = Date.now }: OpsDeps = {},
): Promise<number> {
    // A command of its own (tools/ops/composerSnapshot.ts), not a BigQuery check.
    if (argv[0] === SNAPSHOT_COMMAND) {
        rejectFlagsKeptByNpm(
            "ops",
            SNAPSHOT_USAGE,
            process.argv.slice(2),
            (w) => w === SNAPSHOT_COMMAND,
        );
        return composerSnapshotMain(argv.slice(1), io);
    }
    rejectFlagsKeptByNpm("ops", USAGE, process.argv.slice(2), isCheckName);
    const args = parseArgs(argv);
    if (args.help) {
        io.out(USAGE);
        return 0;
    }
    const { context, project, location } = checkContext(
        args.stack!,
        projectRoot(io.cwd),
        args.apiEndpoint !== undefined,
    );
    context.drill = { ...context.drill!, clock };
    const wh = warehouseFor({
        project,
        location,
        ...(args.apiEndpoint ? { apiEndpoint: args.apiEndpoint } : {}),
    });
    const progress = progressReporter(args.check!, io);
    let result: CheckResult | undefined;
    try {
        result = await runCheck(args.check!, {
            warehouse: wh,
            context,
            options: {
                restore: args.restore,
                source: args.source,
                restored: args.restored,
                table: args.table,
                to: args.to,
            },
            progress: progress.step,
        });
    } finally {
        progress.done(result !== undefined);
    }
    if (args.json) io.out(JSON.stringify(resultJson(result, args.stack!), null, 2));
    else io.out(renderResult(result, args.stack!));
    return EXIT_CODES[result.status];
}

/**
 * Exit code and message for a failure: bad arguments or a stack whose config does not load are 2
 * (like an unknown --stack); anything else means the check could not run, 3, never 1 (which
 * says the check ran and found problems).
 */
export function opsFailure(err: unknown): { message: string; code: number } {
    if (err instanceof UsageError || err instanceof ConfigError)
        return { message: `error: ${err.message}`, code: 2 };
    if (err instanceof OpsError) return { message: `error: ${err.message}`, code: 3 };
    const message = err instanceof Error ? err.message : String(err);
    return { message: `error: the check could not run: ${message}${debugHint(err)}`, code: 3 };
}

/**
 * Node's warnings, minus the auth library's MetadataLookupWarning: off Google Cloud, looking for
 * the metadata server fails by design, and the message would read like a fault.
 */
function quietWarnings(): void {
    // --no-warnings and NODE_NO_WARNINGS=1 already silence them all.
    if (process.execArgv.includes("--no-warnings") || process.env["NODE_NO_WARNINGS"] === "1")
        return;
    process.removeAllListeners("warning");
    process.on("warning", (w) => {
        if (w.name !== "MetadataLookupWarning" || process.env["LOGISTICS_DEBUG"])
            console.error(`warning: ${w.name}: ${w.message}`);
    });
}

/** A failure as ops reports it: the message on stderr and, with --json, as JSON on stdout too. */
export function reportOpsFailure(err: unknown, argv: readonly string[], io: Io): number {
    const { message, code } = opsFailure(err);
    io.err(message);
    // With --json, scripts read stdout: the failure is JSON there too.
    if (argv.includes("--json"))
        io.out(JSON.stringify({ error: message.replace(/^error: /, ""), exitCode: code }, null, 2));
    return code;
}

if (require.main === module) {
    quietWarnings();
    runCli(main, reportOpsFailure);
}

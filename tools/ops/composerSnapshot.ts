// `npm run ops -- load-composer-snapshot --stack <name> [--snapshot <gs://…>] [--dry-run]`: loads
// the newest scheduled Composer snapshot from the stack's snapshots bucket into the environment in
// the compute region (logistics:failover.region when set), the last step of a regional failover.
//
// Cloud Storage JSON API objects.list with prefix and delimiter lists the snapshot folders
// (https://cloud.google.com/storage/docs/json_api/v1/objects/list); Composer's
// projects.locations.environments.loadSnapshot (v1) starts the load and returns a long-running
// operation, polled with projects.locations.operations.get
// (https://cloud.google.com/composer/docs/reference/rest/v1/projects.locations.environments/loadSnapshot,
// https://cloud.google.com/composer/docs/reference/rest/v1/projects.locations.operations/get).
// Loading needs composer.environments.update on the environment (the loadSnapshot reference).
import { GoogleAuth } from "google-auth-library";
import { parseStackConfig, type StackConfig } from "../../stacks/config";
import { parseCommandLine, projectRoot, type CommandLine, type Io } from "../cli";
import { readStackFile, UsageError } from "../offline/stackfile";
import { OpsError } from "./checks/check";

export const COMMAND = "load-composer-snapshot";

export const USAGE = `Usage: npm run ops -- ${COMMAND} --stack <name> [--snapshot <gs://…>] [--dry-run] [--json]

Loads a Composer snapshot into the stack's environment in its compute region (logistics:failover.region
when set, else gcp:region): by default the newest of the environment's snapshots under the stack's
snapshot location (the composerSnapshotUrl output, gs://<snapshots bucket>/snapshots), chosen by the
timestamp Composer ends each snapshot folder's name with.

  --stack <name>         stack whose config names the project, region, environment and bucket (required)
  --snapshot <gs://…>    load this snapshot folder instead of the newest
  --dry-run              find the snapshot and print what would be loaded; start nothing
  --json                 print the result as JSON
  --api-endpoint <url>   a test server for both Cloud Storage and Composer; no Google credentials are used

Exit codes: 0 loaded (or, with --dry-run, found), 1 no snapshot or the load failed, 2 bad arguments
or stack, 3 Google unreachable or no credentials.`;

const CLI = {
    command: "ops",
    usage: USAGE,
    flags: {
        stack: { type: "string", short: "s" },
        snapshot: { type: "string" },
        "dry-run": { type: "boolean" },
        json: { type: "boolean" },
        "api-endpoint": { type: "string" },
    },
} as const satisfies CommandLine;

/** One HTTP exchange: the JSON body of a 2xx answer, or a thrown error. */
export type Http = (method: "GET" | "POST", url: string, body?: unknown) => Promise<unknown>;

export interface SnapshotTarget {
    project: string;
    /** The compute region: where the environment runs now. */
    region: string;
    environment: string;
    /** gs://<bucket>/<prefix> the scheduled snapshots are saved under. */
    snapshotLocation: string;
}

export interface Endpoints {
    storage: string;
    composer: string;
}

export const GOOGLE: Endpoints = {
    storage: "https://storage.googleapis.com",
    composer: "https://composer.googleapis.com",
};

export interface LoadOptions {
    snapshot?: string;
    dryRun: boolean;
    /** Waits between polls of the operation (milliseconds); the default is 10 s. */
    pollMs?: number;
    /** Gives up polling after this many polls (the default is 360, an hour at 10 s). */
    maxPolls?: number;
    progress?: (s: string) => void;
}

export interface LoadResult {
    ok: boolean;
    environment: string;
    snapshot?: string;
    /** The other snapshots found, newest first (at most 5). */
    older: string[];
    operation?: string;
    summary: string;
}

const GS = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])(?:\/(.*))?$/;

/** Bucket and prefix (ending with "/", or empty) of a gs:// location. */
export function splitGs(url: string): { bucket: string; prefix: string } {
    const m = GS.exec(url);
    if (!m)
        throw new UsageError(`got "${url}". Expected a Cloud Storage path gs://<bucket>/<path>.`);
    const path = (m[2] ?? "").replace(/\/+$/, "");
    return { bucket: m[1]!, prefix: path ? `${path}/` : "" };
}

/** The environment's snapshot folders under `location`, newest first (full gs:// paths). */
export async function listSnapshots(
    http: Http,
    endpoints: Endpoints,
    location: string,
    environment: string,
): Promise<string[]> {
    const { bucket, prefix } = splitGs(location);
    const folders: string[] = [];
    let pageToken: string | undefined;
    do {
        const query = new URLSearchParams({ prefix, delimiter: "/" });
        if (pageToken) query.set("pageToken", pageToken);
        const page = (await http(
            "GET",
            `${endpoints.storage}/storage/v1/b/${encodeURIComponent(bucket)}/o?${query}`,
        )) as { prefixes?: string[]; nextPageToken?: string };
        folders.push(...(page.prefixes ?? []));
        pageToken = page.nextPageToken;
    } while (pageToken);
    // Composer names a snapshot folder <project>_<location>_<environment>_<timestamp> (the
    // loadSnapshot reference's example path): the environment's own, ordered by their timestamp.
    const marker = `_${environment}_`;
    const stamp = (f: string) => f.slice(f.lastIndexOf(marker) + marker.length);
    return folders
        .map((f) => f.replace(/\/$/, ""))
        .filter((f) => f.slice(prefix.length).includes(marker))
        .sort((a, b) => (stamp(a) < stamp(b) ? 1 : stamp(a) > stamp(b) ? -1 : 0))
        .map((f) => `gs://${bucket}/${f}`);
}

interface Operation {
    name?: string;
    done?: boolean;
    error?: { code?: number; message?: string };
}

/** Finds the snapshot and, unless a dry run, loads it and waits for the operation's end. */
export async function loadComposerSnapshot(
    http: Http,
    endpoints: Endpoints,
    target: SnapshotTarget,
    options: LoadOptions,
): Promise<LoadResult> {
    const progress = options.progress ?? (() => undefined);
    const environment = `projects/${target.project}/locations/${target.region}/environments/${target.environment}`;
    let snapshot = options.snapshot?.replace(/\/+$/, "");
    let older: string[] = [];
    if (snapshot) splitGs(snapshot);
    else {
        progress(`listing the snapshots of ${target.environment} under ${target.snapshotLocation}`);
        const found = await listSnapshots(
            http,
            endpoints,
            target.snapshotLocation,
            target.environment,
        );
        if (found.length === 0)
            return {
                ok: false,
                environment,
                older: [],
                summary:
                    `no snapshot of ${target.environment} under ${target.snapshotLocation}: nothing to load. ` +
                    `Check the snapshot schedule (logistics:composer.snapshotTime) and the bucket, or pass --snapshot <gs://…>.`,
            };
        [snapshot, ...older] = found as [string, ...string[]];
        older = older.slice(0, 5);
    }
    if (options.dryRun)
        return {
            ok: true,
            environment,
            snapshot,
            older,
            summary: `would load ${snapshot} into ${environment} (dry run: nothing started)`,
        };
    progress(`loading ${snapshot} into ${environment}`);
    let op = (await http("POST", `${endpoints.composer}/v1/${environment}:loadSnapshot`, {
        snapshotPath: snapshot,
    })) as Operation;
    const name = op.name;
    const maxPolls = options.maxPolls ?? 360;
    for (let polls = 0; !op.done; polls++) {
        if (!name) throw new OpsError(`Composer answered loadSnapshot without an operation name`);
        if (polls >= maxPolls)
            return {
                ok: false,
                environment,
                snapshot,
                older,
                operation: name,
                summary: `the load is still running after ${maxPolls} polls: follow it with gcloud composer operations describe ${name}`,
            };
        await new Promise((r) => setTimeout(r, options.pollMs ?? 10_000));
        progress(`waiting for ${name}`);
        op = (await http("GET", `${endpoints.composer}/v1/${name}`)) as Operation;
    }
    if (op.error)
        return {
            ok: false,
            environment,
            snapshot,
            older,
            ...(name ? { operation: name } : {}),
            summary: `Composer failed to load ${snapshot}: ${op.error.message ?? "no message"} (code ${op.error.code ?? "?"})`,
        };
    return {
        ok: true,
        environment,
        snapshot,
        older,
        ...(name ? { operation: name } : {}),
        summary: `loaded ${snapshot} into ${environment}`,
    };
}

/** An error of a request, as what the command's exit code says: unreachable and auth are 3. */
function httpError(status: number, url: string, text: string): Error {
    let message = text;
    try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
    } catch {
        /* not JSON: the text itself */
    }
    const what = url.includes("/storage/v1/") ? "Cloud Storage" : "Composer";
    if (status === 401 || status === 403)
        return new OpsError(`${what} refused the request (${status}): ${message}`);
    if (status === 404 && what === "Composer")
        return new HttpFailure(
            `${what} found no such environment or operation (${url}): ${message}. ` +
                "Is the environment created in the compute region (pulumi up after the failover)?",
        );
    return new HttpFailure(`${what} answered ${status} for ${url}: ${message}`);
}

/** A request Google answered with an error that is the command's failure (exit 1), not a fault. */
export class HttpFailure extends Error {}

/** Requests through fetch: to a test server, or with a bearer token from `token`. */
export function fetchHttp(token?: () => Promise<string>): Http {
    return async (method, url, body) => {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (token) headers["authorization"] = `Bearer ${await token()}`;
        let res: Response;
        try {
            res = await fetch(url, {
                method,
                headers,
                ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
            });
        } catch (err) {
            const cause = (err as { cause?: { message?: string } }).cause?.message;
            throw new OpsError(`cannot reach ${new URL(url).host}: ${cause ?? String(err)}`);
        }
        const text = await res.text();
        if (!res.ok) throw httpError(res.status, url, text);
        return text ? (JSON.parse(text) as unknown) : {};
    };
}

/** Application default credentials' access token; a clear OpsError (exit 3) without them. */
function adcToken(): () => Promise<string> {
    const auth = new GoogleAuth({ scopes: ["https://www.googleapis.com/auth/cloud-platform"] });
    return async () => {
        try {
            const token = await auth.getAccessToken();
            if (!token) throw new Error("no access token");
            return token;
        } catch (err) {
            throw new OpsError(
                `no usable Google credentials: ${(err as Error).message}. ` +
                    "Run `gcloud auth application-default login` (or set GOOGLE_APPLICATION_CREDENTIALS).",
            );
        }
    };
}

/** The stack's target from its validated config. */
export function targetOf(config: StackConfig): SnapshotTarget {
    return {
        project: config.project,
        // logistics:failover.region when set, else gcp:region (stacks/failover.ts).
        region: config.computeRegion,
        environment: config.names.composerEnvironment,
        // As components/backupStore.ts sets the scheduled snapshots' location.
        snapshotLocation: `gs://${config.names.snapshotsBucket}/snapshots`,
    };
}

/** The stack's target from its stack file. */
export function snapshotTarget(
    root: string,
    stack: string,
    placeholderOk: boolean,
): SnapshotTarget {
    return targetOf(
        parseStackConfig(readStackFile(root, stack).config, {
            allowPlaceholderProject: placeholderOk,
            stack,
        }),
    );
}

/** The command: returns its exit code (0, 1); bad input throws UsageError/ConfigError (2), OpsError (3). */
export async function composerSnapshotMain(
    argv: readonly string[],
    io: Io,
    options: { pollMs?: number; maxPolls?: number; http?: Http } = {},
): Promise<number> {
    const { values, positionals } = parseCommandLine(argv, CLI);
    if (values["help"]) {
        io.out(USAGE);
        return 0;
    }
    const root = projectRoot(io.cwd);
    if (positionals.length > 0)
        throw new UsageError(`unexpected argument "${positionals[0]}".\n\n${USAGE}`);
    const stack = values["stack"];
    if (typeof stack !== "string" || !stack)
        throw new UsageError(`--stack is required.\n\n${USAGE}`);
    const snapshot = typeof values["snapshot"] === "string" ? values["snapshot"] : undefined;
    if (snapshot !== undefined) {
        try {
            splitGs(snapshot);
        } catch (err) {
            throw new UsageError(`--snapshot: ${(err as Error).message}`);
        }
        if (!splitGs(snapshot).prefix)
            throw new UsageError(
                `--snapshot: got "${snapshot}", a bucket. Expected a snapshot folder gs://<bucket>/<path>/<snapshot>.`,
            );
    }
    const endpoint = values["api-endpoint"];
    const apiEndpoint = typeof endpoint === "string" ? endpoint.replace(/\/+$/, "") : undefined;
    const target = snapshotTarget(root, stack, apiEndpoint !== undefined);
    const endpoints = apiEndpoint ? { storage: apiEndpoint, composer: apiEndpoint } : GOOGLE;
    const http = options.http ?? fetchHttp(apiEndpoint ? undefined : adcToken());
    let result: LoadResult;
    try {
        result = await loadComposerSnapshot(http, endpoints, target, {
            ...(snapshot ? { snapshot } : {}),
            dryRun: values["dry-run"] === true,
            ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
            ...(options.maxPolls !== undefined ? { maxPolls: options.maxPolls } : {}),
            progress: (s) => io.err(`… ${COMMAND}: ${s}`),
        });
    } catch (err) {
        if (!(err instanceof HttpFailure)) throw err;
        result = { ok: false, environment: target.environment, older: [], summary: err.message };
    }
    if (values["json"] === true) io.out(JSON.stringify({ stack, ...result }, null, 2));
    else
        io.out(
            [
                `${COMMAND} (stack ${stack}): ${result.ok ? "OK" : "FAILED"} — ${result.summary}`,
                ...(result.older.length
                    ? ["", "older snapshots (newest first):", ...result.older.map((o) => `  ${o}`)]
                    : []),
                ...(result.operation ? ["", `operation: ${result.operation}`] : []),
            ].join("\n"),
        );
    return result.ok ? 0 : 1;
}

// The offline engine: runs the real program in-process on the Pulumi SDK's mock runtime and
// records what `pulumi up` would register, with the options the real engine would see.
//
// The SDK's MockMonitor only hands mocks the type, name and inputs; the subclass below reads
// the whole register request (parent, protect, retainOnDelete, dependencies, ignoreChanges, …)
// so the preview and the tests can check protection and ordering, not just inputs.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import type { LoadOptions } from "../../stacks/config";
import { readStackFile, type StackFile } from "./stackfile";

/** A value only the cloud can compute; shown as such, never guessed. */
export const UNKNOWN = "(known after deploy)";

/**
 * The offline answer for the project's number (`gcp.organizations.getProject`), which only GCP
 * knows. Marked, not guessed: service agents' addresses read `service-<project-number>@…`.
 */
export const OFFLINE_PROJECT_NUMBER = "<project-number>";

export interface PlannedResource {
    urn: string;
    type: string;
    name: string;
    /** Parent URN; the stack's root resource has none. */
    parent?: string;
    custom: boolean;
    inputs: Record<string, unknown>;
    options: {
        protect: boolean;
        retainOnDelete: boolean;
        deleteBeforeReplace: boolean;
        ignoreChanges: string[];
        replaceOnChanges: string[];
        additionalSecretOutputs: string[];
        provider?: string;
        importId?: string;
    };
    /** URNs this resource waits for (explicit dependsOn and input dependencies), sorted. */
    dependencies: string[];
    /** Inputs the real provider would fill in by auto-naming (name omitted). */
    autoNamed?: string;
}

export interface Plan {
    project: string;
    stack: string;
    resources: PlannedResource[];
    outputs: Record<string, unknown>;
    /** Config keys whose `secure:` values were replaced by a placeholder. */
    secrets: string[];
    /** Things a reader of the preview should know before a real `pulumi up`. */
    warnings: string[];
}

/**
 * Types the Google provider auto-names when `name` is omitted (a random suffix). The program
 * sets names itself; the preview shows where the real engine would pick one.
 */
const AUTO_NAMED = new Set([
    "gcp:storage/bucket:Bucket",
    "gcp:cloudrunv2/service:Service",
    "gcp:composer/environment:Environment",
    "gcp:pubsub/topic:Topic",
]);

/**
 * Outputs that share a name with an input but are completed by the cloud (Composer's `config`
 * gains airflowUri and dagGcsPrefix). The mocks leave them unknown instead of echoing the input.
 */
const CLOUD_COMPLETED: Readonly<Record<string, readonly string[]>> = {
    "gcp:composer/environment:Environment": ["config"],
};

const SECRET_SIG = pulumi.runtime.specialSecretSig;
const SIG_KEY = pulumi.runtime.specialSigKey;
const RESOURCE_SIG = pulumi.runtime.specialResourceSig;

/** Where a recorded secret keeps its value (not enumerable: never printed or serialised). */
export const SECRET_PLAINTEXT = "plaintext";

/** Turns wire values into plain JSON: unknowns marked, secrets hidden, resource refs as URNs. */
export function plain(value: unknown): unknown {
    if (value === pulumi.runtime.unknownValue) return UNKNOWN;
    if (Array.isArray(value)) return value.map(plain);
    if (value !== null && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (obj[SIG_KEY] === SECRET_SIG)
            // The value stays behind a non-enumerable key: out of JSON, renderings and comparisons,
            // there for the policy runner, which hands policies the value as `pulumi preview` does.
            return Object.defineProperty({ secret: true, value: "[secret]" }, SECRET_PLAINTEXT, {
                value: plain(obj["value"]),
                enumerable: false,
            });
        if (obj[SIG_KEY] === RESOURCE_SIG) return { resource: obj["urn"] };
        return Object.fromEntries(
            Object.keys(obj)
                .sort()
                .map((k) => [k, plain(obj[k])]),
        );
    }
    return value;
}

/** The parts of the SDK's protobuf requests the recorder reads (the SDK types them as `any`). */
interface Struct {
    toJavaScript(): Record<string, unknown>;
}
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getObject(): Struct | undefined;
    getProtect(): boolean | undefined;
    getRetainondelete(): boolean | undefined;
    getDeletebeforereplace(): boolean;
    getIgnorechangesList(): string[];
    getReplaceonchangesList(): string[];
    getAdditionalsecretoutputsList(): string[];
    getProvider(): string;
    getImportid(): string;
    getDependenciesList(): string[];
    getPropertydependenciesMap(): { forEach(fn: (v: { getUrnsList(): string[] }) => void): void };
}
interface RegisterOutputsRequest {
    getUrn(): string;
    getOutputs(): Struct | undefined;
}
type Callback = (err: unknown, res: { getUrn(): string }) => void;

class RecordingMonitor extends MockMonitor {
    readonly planned: PlannedResource[] = [];
    stackOutputs: Record<string, unknown> = {};
    private readonly seen = new Set<string>();

    constructor(mocks: pulumi.runtime.Mocks) {
        super(mocks);
        // The SDK's mock keeps only the parent's own type in a URN; the engine keeps the whole
        // chain (`pulumi:pulumi:Stack$logistics:stack:Platform$…`). Offline URNs match real ones.
        (this as unknown as { newUrn: (p: string, t: string, n: string) => string }).newUrn = (
            parent,
            type,
            name,
        ) =>
            `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualifier(parent)}${type}::${name}`;
    }

    override async registerResource(req: RegisterRequest, callback: Callback): Promise<void> {
        // Let the SDK build the URN and state, then record the request beside its answer.
        await super.registerResource(req, (err, res) => {
            if (!err && this.seen.has(res.getUrn()))
                // The engine refuses a second resource with the same URN; so does the preview.
                return callback(
                    new Error(
                        `duplicate resource URN ${res.getUrn()}: two resources share a type and name`,
                    ),
                    res,
                );
            if (!err) {
                this.seen.add(res.getUrn());
                this.record(req, res.getUrn());
            }
            callback(err, res);
        });
    }

    override registerResourceOutputs(req: RegisterOutputsRequest, callback: Callback): void {
        if (req.getUrn().split("::")[2] === "pulumi:pulumi:Stack")
            this.stackOutputs = plain(req.getOutputs()?.toJavaScript() ?? {}) as Record<
                string,
                unknown
            >;
        super.registerResourceOutputs(req, callback);
    }

    private record(req: RegisterRequest, urn: string): void {
        const deps = new Set<string>(req.getDependenciesList());
        req.getPropertydependenciesMap().forEach((v) =>
            v.getUrnsList().forEach((u) => deps.add(u)),
        );
        const parent = req.getParent();
        deps.delete(parent);
        const inputs = plain(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
        const type = req.getType();
        const provider = req.getProvider();
        this.planned.push({
            urn,
            type,
            name: req.getName(),
            ...(parent ? { parent } : {}),
            custom: req.getCustom(),
            inputs,
            options: {
                protect: req.getProtect() === true,
                retainOnDelete: req.getRetainondelete() === true,
                deleteBeforeReplace: req.getDeletebeforereplace() === true,
                ignoreChanges: req.getIgnorechangesList(),
                replaceOnChanges: req.getReplaceonchangesList(),
                additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
                ...(provider ? { provider: provider.split("::")[3] } : {}),
                ...(req.getImportid() ? { importId: req.getImportid() } : {}),
            },
            dependencies: [...deps].sort(),
            ...(AUTO_NAMED.has(type) && inputs["name"] === undefined
                ? { autoNamed: `${req.getName()}-<random suffix>` }
                : {}),
        });
    }
}

/** The type-chain prefix children of `parent` get; the stack itself adds none. */
function qualifier(parent: string): string {
    const parentType = parent ? parent.split("::")[2]! : "";
    return parentType && parentType !== "pulumi:pulumi:Stack" ? `${parentType}$` : "";
}

/** Answers resource registrations with their inputs (so names and settings resolve) and nothing the cloud computes. */
const mocks: pulumi.runtime.Mocks = {
    newResource: (args) => {
        const state = { ...args.inputs };
        for (const key of CLOUD_COMPLETED[args.type] ?? []) delete state[key];
        return { id: undefined, state };
    },
    call: (args) => {
        // The project's number names its service agents and federation principals.
        if (args.token === "gcp:organizations/getProject:getProject") {
            const projectId = args.inputs["projectId"] as string | undefined;
            return { ...(projectId ? { projectId } : {}), number: OFFLINE_PROJECT_NUMBER };
        }
        const message =
            `offline preview: no offline answer for the provider function ${args.token}. ` +
            `Add one to tools/offline/engine.ts, or avoid the call.`;
        // The SDK rethrows a failed invoke as `new Error(err.details)`, as for a gRPC error.
        throw Object.assign(new Error(message), { details: message });
    },
};

export interface OfflineRun {
    /** Stack name: reads `Pulumi.<stack>.yaml` unless `config` is given. */
    stack: string;
    /** Use this flat config instead of the stack file (tests). */
    config?: Record<string, string>;
    /** Folder holding Pulumi.yaml and the stack files. Default: the project root. */
    root?: string;
    /** Program to run; default the real one in stacks/program.ts. */
    program?: (options: LoadOptions) => Record<string, unknown> | Promise<Record<string, unknown>>;
}

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/**
 * Runs the program offline and returns what it would register. Throws what the program throws
 * (a ConfigError for bad config) before any resource is recorded when config is bad.
 */
export function runOffline(run: OfflineRun): Promise<Plan> {
    // The Pulumi runtime (its mocks, config and stack) is global to the process: runs take turns.
    const next = turn.then(() => runOnce(run));
    turn = next.catch(() => undefined);
    return next;
}

let turn: Promise<unknown> = Promise.resolve();

async function runOnce(run: OfflineRun): Promise<Plan> {
    const { PROJECT, PLACEHOLDER_PROJECT_PREFIX, parseStackConfig } =
        await import("../../stacks/config");
    let stackFile: StackFile;
    if (run.config)
        stackFile = { stack: run.stack, file: "(given)", config: run.config, secrets: [] };
    else stackFile = readStackFile(run.root ?? PROJECT_ROOT, run.stack);

    // Validate first, so bad config stops the run before even the stack resource is registered.
    const config = parseStackConfig(stackFile.config, {
        allowPlaceholderProject: true,
        stack: run.stack,
    });
    const warnings: string[] = [];
    if (config.project.startsWith(PLACEHOLDER_PROJECT_PREFIX))
        warnings.push(
            `gcp:project is the placeholder "${config.project}": a real \`pulumi up\` refuses it until ` +
                `you set your project (npm run pulumi -- config set gcp:project <id> --stack ${run.stack}).`,
        );

    const monitor = new RecordingMonitor(mocks);
    // setMocks turns on the features the mock runtime supports; then our monitor replaces its own.
    // preview = true: whatever the mocks do not return stays unknown, as in `pulumi preview`.
    await pulumi.runtime.setMocks(mocks, PROJECT, run.stack, true);
    pulumi.runtime.setMockOptions(monitor, PROJECT, run.stack, true);
    // Pulumi marks whole keys secret; a secret nested in an object makes its top-level key secret.
    const secretKeys = [...new Set(stackFile.secrets.map((k) => k.split(/[.[]/)[0]!))];
    pulumi.runtime.setAllConfig(stackFile.config, secretKeys);
    const program = run.program ?? (await import("../../stacks/program")).program;
    // The SDK reports a program error twice: through the stack's promise and as an unhandled
    // rejection of the stack's own registration. Catch the copy so the caller sees one error.
    const strays: unknown[] = [];
    const onStray = (reason: unknown) => strays.push(reason);
    process.on("unhandledRejection", onStray);
    let failure: unknown;
    // The SDK takes a stack trace for every promise and resource it makes (`new Error().stack`,
    // for its leak report and source positions); under ts-node each is source-mapped, which was
    // most of a preview's time (a prod plan: 590 ms with traces, 70 ms without, median of 10).
    // Nothing offline reads them, so frames are off while the program runs, unless LOGISTICS_DEBUG
    // asks for a failure's stack trace (tools/preview.ts debugHint).
    const traceLimit = Error.stackTraceLimit;
    const prepare = Error.prepareStackTrace;
    if (!process.env["LOGISTICS_DEBUG"]) {
        Error.stackTraceLimit = 0;
        // V8's own formatting for the frames the SDK still takes (Resource.callsites), not ts-node's
        // source-mapped one.
        (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
    }
    try {
        await pulumi.runtime.runInPulumiStack(async () =>
            program({ allowPlaceholderProject: true }),
        );
    } catch (err) {
        failure = err;
    } finally {
        await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
        await new Promise((resolve) => setImmediate(resolve));
        process.off("unhandledRejection", onStray);
        Error.stackTraceLimit = traceLimit;
        Error.prepareStackTrace = prepare;
    }
    failure ??= strays[0];
    if (failure !== undefined) throw failure;
    return {
        project: PROJECT,
        stack: run.stack,
        resources: [...monitor.planned].sort((a, b) => a.urn.localeCompare(b.urn)),
        outputs: monitor.stackOutputs,
        secrets: stackFile.secrets,
        warnings,
    };
}

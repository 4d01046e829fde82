// Runs the policy pack over an offline plan, with the same per-stack config files that
// `pulumi preview --policy-pack-config` reads, and reports violations the way the CLI does: the
// SDK's own unknown-checking proxy, an escaped unknown as an advisory "can't run", stack policies
// seeing every resource with its parent and dependencies, secrets as their plaintext. Differences:
// a `secure:` stack value reads as its placeholder, resource policies run on custom resources only,
// no default providers.
import * as fs from "fs";
import * as path from "path";
import type {
    EnforcementLevel,
    Policy,
    PolicyPackConfig,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";
import Ajv, { type ValidateFunction } from "ajv";
import { unknownCheckingProxy, UnknownValueError } from "@pulumi/policy";
import * as sdkProxy from "@pulumi/policy/proxy";
import { allPolicies, PACK_NAME } from "../../policies/all";
import { SECRET_PLAINTEXT, UNKNOWN, type Plan, type PlannedResource } from "./engine";
import { displayType } from "./render";
import { parseStackConfig } from "../../stacks/config";
import { listStacks, readStackFile, UsageError } from "./stackfile";

export interface Violation {
    policy: string;
    enforcementLevel: EnforcementLevel;
    description: string;
    remediationSteps?: string;
    message: string;
    /** The resource, for resource policies and stack policies that name one. */
    urn?: string;
}

type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** The SDK's marker for a value known only after deploy (its .d.ts keeps it internal). */
const UNKNOWN_SENTINEL = (sdkProxy as unknown as { unknownStringValue: string }).unknownStringValue;

export const POLICY_CONFIG_DIR = path.resolve(__dirname, "..", "..", "policies", "config");

/** The pack config folder of a project: its own policies/config when it has one, else the pack's. */
export function policyConfigDir(root: string): string {
    const own = path.join(root, "policies", "config");
    return fs.existsSync(own) ? own : POLICY_CONFIG_DIR;
}

/** Enforcement levels the Pulumi CLI accepts in a pack config. */
const LEVELS = ["advisory", "mandatory", "remediate", "disabled"];

/**
 * Stacks whose pack config must make every policy mandatory (`"all": "mandatory"`), where a policy
 * set to another level needs a `reason`: the exception is then reviewed like any change to
 * policies/ (CODEOWNERS), with its why beside it.
 */
export const MANDATORY_STACKS = ["prod"];

/**
 * Whether a stack's pack config must be mandatory: it is named in MANDATORY_STACKS, or its stack
 * file says it serves production (`logistics:production: true`) whatever its name — a new
 * production stack (`prod-eu`, `production`) gets prod's gate without anyone editing this list.
 * The value is read as the program reads it (the stack-file reader and the config schema: `.yml`,
 * merge keys, any spelling the schema accepts as true). Fails closed: a stack file that does not
 * load is held to prod's rules (its own load then reports what is wrong with it).
 */
export function isMandatoryStack(stack: string, root: string): boolean {
    if (MANDATORY_STACKS.includes(stack)) return true;
    if (!listStacks(root).includes(stack)) return false;
    try {
        return parseStackConfig(readStackFile(root, stack).config, {
            allowPlaceholderProject: true,
            stack,
        }).production;
    } catch {
        return true;
    }
}

/** The JSON schema of one policy's entry, as the CLI builds it from the policy's configSchema. */
function entrySchema(policy: Policy): object {
    return {
        type: "object",
        properties: {
            ...(policy.configSchema?.properties ?? {}),
            enforcementLevel: { enum: LEVELS },
            reason: { type: "string", minLength: 1 },
        },
        ...(policy.configSchema?.required ? { required: policy.configSchema.required } : {}),
        // Stricter than the CLI, which ignores unknown keys: a misspelt parameter would silently
        // leave its default in force.
        additionalProperties: false,
    };
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map<string, ValidateFunction>();

/** A schema's validator, compiled once per distinct schema (compiling is most of a check's time). */
function compiled(schema: object): ValidateFunction {
    const key = JSON.stringify(schema);
    let validate = validators.get(key);
    if (!validate) validators.set(key, (validate = ajv.compile(schema)));
    return validate;
}

/**
 * The pack config of a stack (`policies/config/<stack>.json`), validated: a missing or unreadable
 * file, an unknown policy, a value its configSchema refuses or an invalid enforcement level is a
 * UsageError (exit 2) listing every problem, never a silently weaker gate.
 */
export function loadPolicyConfig(
    stack: string,
    dir = POLICY_CONFIG_DIR,
    policies: readonly AnyPolicy[] = allPolicies,
    /** The project whose stack file says whether `stack` serves production. */
    root = path.resolve(dir, "..", ".."),
): PolicyPackConfig {
    const file = path.join(dir, `${stack}.json`);
    const relative = path.relative(process.cwd(), file);
    const shown = relative && !relative.startsWith("..") ? relative : file;
    if (!fs.existsSync(file))
        throw new UsageError(
            `${shown}: missing. Every stack needs its policy pack config: copy policies/config/dev.json (advisory) or prod.json (mandatory) and review it.`,
        );
    let config: unknown;
    try {
        config = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new UsageError(`${shown}: not valid JSON: ${(err as Error).message}`);
    }
    if (config === null || typeof config !== "object" || Array.isArray(config))
        throw new UsageError(`${shown}: expected an object of policy names to enforcement levels.`);
    const problems = policyConfigProblems(
        config as Record<string, unknown>,
        stack,
        policies,
        isMandatoryStack(stack, root),
    );
    if (problems.length > 0)
        throw new UsageError(
            `${shown}: invalid policy pack config (${problems.length} problem${problems.length > 1 ? "s" : ""}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
    return config as PolicyPackConfig;
}

/**
 * A mandatory stack's exception is read by the next reviewer: "ok", "temp" or "see ticket" says
 * nothing about why the risk is accepted, so a reason needs a sentence's worth of words.
 */
export const MIN_REASON_WORDS = 5;

function vagueReason(reason: string): boolean {
    return (
        reason
            .trim()
            .split(/\s+/)
            .filter((w) => /[a-z]{2,}/i.test(w)).length < MIN_REASON_WORDS
    );
}

/** Every problem of a pack config, as `<policy>[.<key>]: <what is wrong>. <what is accepted>`. */
export function policyConfigProblems(
    config: Record<string, unknown>,
    stack: string,
    policies: readonly AnyPolicy[] = allPolicies,
    mandatoryStack = MANDATORY_STACKS.includes(stack),
): string[] {
    const problems: string[] = [];
    const byName = new Map(policies.map((p) => [p.name, p]));
    const levelOfEntry = (v: unknown) =>
        typeof v === "string" ? v : (v as { enforcementLevel?: unknown } | null)?.enforcementLevel;
    for (const [name, value] of Object.entries(config)) {
        const policy = byName.get(name);
        if (name !== "all" && !policy) {
            problems.push(`${name}: unknown policy. Known: all, ${[...byName.keys()].join(", ")}.`);
            continue;
        }
        if (typeof value === "string") {
            if (!LEVELS.includes(value))
                problems.push(
                    `${name}: enforcement level "${value}". Expected one of ${LEVELS.join(", ")}.`,
                );
            continue;
        }
        if (value === null || typeof value !== "object" || Array.isArray(value)) {
            problems.push(
                `${name}: got ${JSON.stringify(value)}. Expected an enforcement level or an object.`,
            );
            continue;
        }
        const schema = policy
            ? entrySchema(policy)
            : {
                  type: "object",
                  properties: { enforcementLevel: { enum: LEVELS } },
                  additionalProperties: false,
              };
        const validate = compiled(schema);
        if (!validate(value))
            for (const e of validate.errors ?? []) {
                const at = e.instancePath.replace(/^\//, "").replace(/\//g, ".");
                const extra = (e.params as { additionalProperty?: string }).additionalProperty;
                const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
                problems.push(
                    `${name}${at ? `.${at}` : ""}${extra ? `.${extra}` : ""}: ${e.message}${
                        allowed ? ` (${allowed.join(", ")})` : ""
                    }${extra ? `. Known keys: ${Object.keys((schema as { properties: object }).properties).join(", ")}` : ""}.`,
                );
            }
    }
    if (mandatoryStack) {
        if (levelOfEntry(config["all"]) !== "mandatory")
            problems.push(
                `all: got ${JSON.stringify(levelOfEntry(config["all"]) ?? null)}. The ${stack} stack's config must set "all": "mandatory".`,
            );
        for (const [name, value] of Object.entries(config)) {
            const level = levelOfEntry(value);
            if (
                name === "all" ||
                level === undefined ||
                level === "mandatory" ||
                level === "remediate" ||
                !LEVELS.includes(String(level))
            )
                continue;
            const reason = (value as { reason?: unknown } | null)?.reason;
            if (typeof reason !== "string" || reason.trim().length === 0)
                problems.push(
                    `${name}: ${String(level)} in ${stack} without a reason. Write it as { "enforcementLevel": "${String(level)}", "reason": "<why this exception is safe>" }.`,
                );
            else if (vagueReason(reason))
                problems.push(
                    `${name}.reason: ${JSON.stringify(reason)} does not say why. Give a sentence of at least ${MIN_REASON_WORDS} words: what is accepted and why it is safe.`,
                );
        }
        for (const [name, value] of Object.entries(config))
            for (const [i, e] of (
                ((value as { exceptions?: unknown } | null)?.exceptions ?? []) as unknown[]
            ).entries()) {
                const reason = (e as { reason?: unknown } | null)?.reason;
                if (typeof reason === "string" && vagueReason(reason))
                    problems.push(
                        `${name}.exceptions[${i}].reason: ${JSON.stringify(reason)} does not say why. Give a sentence of at least ${MIN_REASON_WORDS} words: what is accepted and why it is safe.`,
                    );
            }
    }
    return problems;
}

function levelOf(policy: Policy, config: PolicyPackConfig): EnforcementLevel {
    const own = config[policy.name];
    const level = typeof own === "string" ? own : own?.enforcementLevel;
    const all = config["all"];
    const allLevel = typeof all === "string" ? all : all?.enforcementLevel;
    return level ?? allLevel ?? policy.enforcementLevel ?? "advisory";
}

function policyConfig(policy: Policy, config: PolicyPackConfig): Record<string, unknown> {
    const defaults = Object.fromEntries(
        Object.entries(policy.configSchema?.properties ?? {})
            .filter(([, schema]) => (schema as { default?: unknown }).default !== undefined)
            .map(([k, schema]) => [k, (schema as { default?: unknown }).default]),
    );
    const own = config[policy.name];
    const {
        enforcementLevel: _level,
        reason: _reason,
        ...values
    } = typeof own === "object" && own !== null ? (own as Record<string, unknown>) : {};
    void _level;
    void _reason;
    return { ...defaults, ...values };
}

/**
 * What the engine hands policies during preview, built with the policy SDK's own proxy: reading a
 * value the cloud has not computed yet throws the SDK's UnknownValueError, exactly as under
 * `pulumi preview`, a secret's plaintext included (the plan keeps it behind a key that is never
 * printed or serialised; a `secure:` stack-file value, which cannot be decrypted offline, reads as
 * its marked placeholder).
 */
function policyProps(inputs: Record<string, unknown>): Record<string, unknown> {
    let prepared = withSentinels.get(inputs);
    if (!prepared) withSentinels.set(inputs, (prepared = sentinels(inputs) as object));
    return unknownCheckingProxy(readOnly(prepared)) as Record<string, unknown>;
}

/**
 * Each resource's inputs with sentinels, made once per run of the pack and read by all its
 * policies through a read-only view (the SDK deserializes them afresh for each policy, so a
 * policy that changed them would change nothing for the others: here it fails instead). Made
 * anew by each runPolicies: a plan edited between two runs is read afresh.
 */
let withSentinels = new WeakMap<object, object>();

const readOnlyViews = new WeakMap<object, object>();

/** A view of `target` whose every write, delete or definition throws, nested objects included. */
function readOnly<T extends object>(target: T): T {
    let view = readOnlyViews.get(target);
    if (!view) {
        const refuse = (): never => {
            throw new TypeError(
                "a policy changed a resource's properties; policies only read them",
            );
        };
        view = new Proxy(target, {
            get(t, key, receiver) {
                const v = Reflect.get(t, key, receiver) as unknown;
                return v !== null && typeof v === "object" ? readOnly(v) : v;
            },
            set: refuse,
            deleteProperty: refuse,
            defineProperty: refuse,
            setPrototypeOf: refuse,
        });
        readOnlyViews.set(target, view);
    }
    return view as T;
}

/** Plan values with each unknown replaced by the SDK's sentinel for an unknown value. */
function sentinels(value: unknown): unknown {
    if (value === UNKNOWN) return UNKNOWN_SENTINEL;
    if (Array.isArray(value)) return value.map(sentinels);
    if (value !== null && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        // A secret's value, as the engine hands it to policies (kept out of sight by plain()).
        if (obj["secret"] === true && "value" in obj)
            return sentinels(obj[SECRET_PLAINTEXT] ?? "[secret]");
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, sentinels(v)]));
    }
    return value;
}

class NotApplicable extends Error {}

function notApplicable(reason?: string): never {
    throw new NotApplicable(reason);
}

/**
 * Runs one validation as the policy SDK does in a preview: reading an unknown value turns into an
 * advisory "can't run", and notApplicable() ends the validation silently.
 */
async function attempt(
    run: () => Promise<void> | void,
    cantRun: (message: string) => void,
): Promise<void> {
    try {
        await run();
    } catch (err) {
        // As the SDK does: the whole validation becomes an advisory "can't run". The pack's own
        // data and detection policies catch unknowns themselves (policies/lib.ts) and fail instead.
        if (err instanceof UnknownValueError)
            cantRun(`can't run policy during preview: ${(err as Error).message}`);
        else if (!(err instanceof NotApplicable)) throw err;
    }
}

function resourceArgs(r: PlannedResource, getConfig: () => object): ResourceValidationArgs {
    return {
        type: r.type,
        props: policyProps(r.inputs),
        urn: r.urn,
        name: r.name,
        opts: {
            protect: r.options.protect,
            ignoreChanges: r.options.ignoreChanges,
            deleteBeforeReplace: r.options.deleteBeforeReplace,
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: r.options.additionalSecretOutputs,
            ...(r.parent ? { parent: r.parent } : {}),
        },
        stackTags: new Map(),
        isType: (cls: { __pulumiType?: string }) => cls.__pulumiType === r.type,
        asType: (cls: { __pulumiType?: string }) =>
            cls.__pulumiType === r.type ? policyProps(r.inputs) : undefined,
        getConfig: getConfig as ResourceValidationArgs["getConfig"],
        notApplicable,
    } as unknown as ResourceValidationArgs;
}

/**
 * The resources a stack policy sees, as the SDK builds them: every resource of the plan
 * (components too), with `parent` and `dependencies` pointing at the other PolicyResources.
 */
function stackResources(plan: Plan, getConfig: () => object): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    for (const r of plan.resources)
        byUrn.set(r.urn, {
            ...resourceArgs(r, getConfig),
            dependencies: [],
            propertyDependencies: {},
        } as unknown as PolicyResource);
    for (const r of plan.resources) {
        const pr = byUrn.get(r.urn)!;
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        if (parent) pr.parent = parent;
        pr.dependencies = r.dependencies
            .map((d) => byUrn.get(d))
            .filter((d): d is PolicyResource => d !== undefined);
    }
    // Frozen, with read-only props: one policy cannot change what the next one sees.
    for (const pr of byUrn.values()) Object.freeze(pr);
    return Object.freeze([...byUrn.values()]) as PolicyResource[];
}

/** Runs `policies` over every resource of the plan and over the stack; returns the violations. */
export async function runPolicies(
    plan: Plan,
    config: PolicyPackConfig,
    policies: readonly AnyPolicy[] = allPolicies,
): Promise<Violation[]> {
    const violations: Violation[] = [];
    const resources = plan.resources.filter((r) => r.custom);
    withSentinels = new WeakMap();
    // Built once per run; each stack policy reads its own config through `current`.
    let current: object = {};
    let policyResources: PolicyResource[] | undefined;
    for (const policy of policies) {
        const enforcementLevel = levelOf(policy, config);
        if (enforcementLevel === "disabled") continue;
        const values = policyConfig(policy, config);
        const base = {
            policy: policy.name,
            enforcementLevel,
            description: policy.description,
            ...(policy.remediationSteps ? { remediationSteps: policy.remediationSteps } : {}),
        };
        if ("validateResource" in policy && policy.validateResource) {
            const validators = Array.isArray(policy.validateResource)
                ? policy.validateResource
                : [policy.validateResource];
            for (const r of resources)
                for (const validate of validators)
                    await attempt(
                        () =>
                            validate(
                                resourceArgs(r, () => values),
                                (message, urn) =>
                                    violations.push({ ...base, message, urn: urn ?? r.urn }),
                            ),
                        (message) =>
                            violations.push({
                                ...base,
                                enforcementLevel: "advisory",
                                message,
                                urn: r.urn,
                            }),
                    );
        }
        if ("validateStack" in policy && policy.validateStack) {
            current = values;
            const stackView = (policyResources ??= stackResources(plan, () => current));
            await attempt(
                () =>
                    policy.validateStack!(
                        {
                            resources: stackView,
                            stackTags: new Map(),
                            getConfig: (() => values) as never,
                            notApplicable,
                        } as never,
                        (message, urn) =>
                            violations.push({ ...base, message, ...(urn ? { urn } : {}) }),
                    ),
                (message) => violations.push({ ...base, enforcementLevel: "advisory", message }),
            );
        }
    }
    return violations;
}

/** Violations laid out as `pulumi preview` prints them, mandatory first. */
export function renderViolations(violations: readonly Violation[], plan: Plan): string {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const out: string[] = [];
    const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory").length;
    out.push(`Policies (${PACK_NAME} pack, config policies/config/${plan.stack}.json):`);
    if (violations.length === 0) {
        out.push("    ✅ no violations");
        return out.join("\n");
    }
    out.push(
        `    ${mandatory > 0 ? "❌" : "⚠️ "} ${mandatory} mandatory, ${violations.length - mandatory} advisory`,
    );
    const sorted = [...violations].sort(
        (a, b) =>
            Number(b.enforcementLevel === "mandatory") -
                Number(a.enforcementLevel === "mandatory") ||
            a.policy.localeCompare(b.policy) ||
            (a.urn ?? "").localeCompare(b.urn ?? ""),
    );
    for (const v of sorted) {
        const r = v.urn ? byUrn.get(v.urn) : undefined;
        out.push(
            `    - [${v.enforcementLevel}]  ${v.policy}${r ? `  (${displayType(r.type)}: ${r.name})` : ""}`,
        );
        out.push(`      ${v.message}`);
        if (v.remediationSteps) out.push(`      fix: ${v.remediationSteps}`);
    }
    return out.join("\n");
}

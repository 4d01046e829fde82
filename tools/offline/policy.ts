// Runs the policy pack over an offline plan, with the same per-stack config files that
// `pulumi preview --policy-pack-config` reads, and reports violations the way the CLI does.
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
import { allPolicies, PACK_NAME } from "../../policies/all";
import { UNKNOWN, type Plan, type PlannedResource } from "./engine";
import { displayType } from "./render";
import { UsageError } from "./stackfile";

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

export const POLICY_CONFIG_DIR = path.resolve(__dirname, "..", "..", "policies", "config");

/** The pack config of a stack (`policies/config/<stack>.json`); every policy advisory when absent. */
export function loadPolicyConfig(stack: string, dir = POLICY_CONFIG_DIR): PolicyPackConfig {
    const file = path.join(dir, `${stack}.json`);
    if (!fs.existsSync(file)) return { all: "advisory" };
    let config: unknown;
    try {
        config = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new UsageError(`${file}: not valid JSON: ${(err as Error).message}`);
    }
    if (config === null || typeof config !== "object" || Array.isArray(config))
        throw new UsageError(`${file}: expected an object of policy names to enforcement levels.`);
    const known = new Set(["all", ...allPolicies.map((p) => p.name)]);
    const levels = ["advisory", "mandatory", "remediate", "disabled"];
    for (const [name, value] of Object.entries(config)) {
        if (!known.has(name))
            throw new UsageError(
                `${file}: unknown policy "${name}". Known: ${[...known].join(", ")}.`,
            );
        const level =
            typeof value === "string"
                ? value
                : (value as { enforcementLevel?: unknown })?.enforcementLevel;
        if (level !== undefined && !levels.includes(String(level)))
            throw new UsageError(
                `${file}: ${name}: enforcement level ${JSON.stringify(level)}. Expected one of ${levels.join(", ")}.`,
            );
    }
    return config as PolicyPackConfig;
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
    const { enforcementLevel: _level, ...values } =
        typeof own === "object" && own !== null ? own : {};
    void _level;
    return { ...defaults, ...values };
}

/** Thrown when a policy reads a value only the cloud knows, as @pulumi/policy does in a preview. */
export class UnknownValueError extends Error {}

/**
 * What the engine hands policies during preview: secrets are opaque, and reading a value the
 * cloud has not computed yet throws, so the policy reports that it cannot run rather than passing.
 */
function policyProps(value: unknown, path = ""): unknown {
    if (Array.isArray(value))
        return guard(
            value.map((v, i) => policyProps(v, `${path}[${i}]`)),
            value,
            path,
        );
    if (value !== null && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (obj["secret"] === true && "value" in obj) return "[secret]";
        const plainObj = Object.fromEntries(
            Object.entries(obj).map(([k, v]) => [k, policyProps(v, `${path}.${k}`)]),
        );
        return guard(plainObj, obj, path);
    }
    return value;
}

function guard<T extends object>(target: T, raw: unknown, path: string): T {
    return new Proxy(target, {
        get(t, key, receiver) {
            const v = (raw as Record<PropertyKey, unknown>)[key as PropertyKey];
            if (v === UNKNOWN)
                throw new UnknownValueError(
                    `value at ${path}.${String(key)} can't be known during preview`,
                );
            return Reflect.get(t, key, receiver);
        },
    });
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
        if (err instanceof UnknownValueError)
            cantRun(`can't run policy during preview: ${err.message}`);
        else if (!(err instanceof NotApplicable)) throw err;
    }
}

function resourceArgs(r: PlannedResource, getConfig: () => object): ResourceValidationArgs {
    return {
        type: r.type,
        props: policyProps(r.inputs) as Record<string, unknown>,
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

/** Runs `policies` over every resource of the plan and over the stack; returns the violations. */
export async function runPolicies(
    plan: Plan,
    config: PolicyPackConfig,
    policies: readonly AnyPolicy[] = allPolicies,
): Promise<Violation[]> {
    const violations: Violation[] = [];
    const resources = plan.resources.filter((r) => r.custom);
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
            // The engine hands stack policies every resource, components too (their outputs).
            const policyResources = plan.resources.map(
                (r) =>
                    ({
                        ...resourceArgs(r, () => values),
                        dependencies: [],
                        propertyDependencies: {},
                    }) as unknown as PolicyResource,
            );
            await attempt(
                () =>
                    policy.validateStack!(
                        {
                            resources: policyResources,
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

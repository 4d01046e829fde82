// The harness for deliberately bad changes, judged by the policy pack with a stack's shipped pack
// config: stack-file edits, resources added inside the platform's components or at stack level,
// component code edited (as a stack transformation, or as the plan an edited component makes).
// Two shapes of answer: a Verdict for one change, an Outcome per change for a list of them.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { runOffline, type Plan, type PlannedResource } from "../tools/offline/engine";
import { loadPolicyConfig, runPolicies, type Violation } from "../tools/offline/policy";
import { ConfigError } from "../stacks/config";
import { planFor, stackConfig, withChanges } from "./harness";

/** The platform's components by type token (`logistics:api:ApiService`), the root `logistics:stack:Platform`. */
export type Components = ReadonlyMap<string, pulumi.Resource>;

export interface Verdict {
    /** A mandatory violation or a config error: the change cannot reach `pulumi up`. */
    blocked: boolean;
    /** `<policy>: <message>` of each mandatory violation, or `config: <problem>`. */
    reasons: string[];
    violations: Violation[];
}

/** The mandatory violations of a plan under the stack's shipped pack config. */
export async function mandatory(plan: Plan, stack: string): Promise<Violation[]> {
    return (await runPolicies(plan, loadPolicyConfig(stack))).filter(
        (v) => v.enforcementLevel === "mandatory",
    );
}

/** Judges a plan with the pack config of `stack` (default prod). */
export async function judgePlan(plan: Plan, stack = "prod"): Promise<Verdict> {
    const violations = await runPolicies(plan, loadPolicyConfig(stack));
    const found = violations.filter((v) => v.enforcementLevel === "mandatory");
    return {
        blocked: found.length > 0,
        reasons: found.map((v) => `${v.policy}: ${v.message}`),
        violations,
    };
}

/** A stack with a stack-file edit (default prod); a config error blocks the change as well. */
export async function withStackEdit(
    changes: Record<string, unknown>,
    stack = "prod",
): Promise<Verdict> {
    try {
        return await judgePlan(await planFor(stack, changes), stack);
    } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        return { blocked: true, reasons: err.problems.map((p) => `config: ${p}`), violations: [] };
    }
}

/**
 * Runs the real program (stacks/program.ts) of `stack`, then each of `adds`, in one plan; a stack
 * transformation records each component so additions can parent to it.
 */
export async function planWithAdditions(
    stack: string,
    adds: readonly ((c: Components) => void)[],
    transform?: pulumi.ResourceTransformation,
): Promise<Plan> {
    return runOffline({
        stack,
        config: stackConfig(stack),
        program: async (options) => {
            const components = new Map<string, pulumi.Resource>();
            pulumi.runtime.registerStackTransformation((args) => {
                if (args.type.startsWith("logistics:") && !components.has(args.type))
                    components.set(args.type, args.resource);
                return undefined;
            });
            if (transform) pulumi.runtime.registerStackTransformation(transform);
            const { program } = await import("../stacks/program");
            const outputs = program(options);
            for (const add of adds) add(components);
            return outputs;
        },
    });
}

/**
 * Prod's program with extra resources registered after it. `inside(type, name)` is a new
 * component of that type and name, for children "inside a component" as a resource added in
 * components/ would be: its children carry the component's type in their URN.
 */
export function withResources(
    add: (inside: (type: string, name: string) => pulumi.ComponentResource) => void,
): Promise<Plan> {
    return planWithAdditions("prod", [
        () => add((type, name) => new pulumi.ComponentResource(type, name, {}, {})),
    ]);
}

/** The shipped prod plan with one resource's inputs edited, as an edited component produces it. */
export async function withEditedResource(
    name: string,
    edit: (inputs: Record<string, any>) => void,
): Promise<Verdict> {
    const plan = structuredClone(await planFor("prod"));
    const r = plan.resources.find((x) => x.name === name);
    assert.ok(r, `no resource ${name} in prod`);
    edit(r.inputs as Record<string, any>);
    return judgePlan(plan);
}

/** The mandatory reasons a verdict gives for one resource (by its logical name). */
export function reasonsFor(verdict: Verdict, plan: Plan, name: string): string[] {
    const urns = new Set(plan.resources.filter((r) => r.name === name).map((r) => r.urn));
    assert.ok(urns.size > 0, `no resource ${name} in the plan`);
    return verdict.violations
        .filter((v) => v.enforcementLevel === "mandatory" && v.urn && urns.has(v.urn))
        .map((v) => `${v.policy}: ${v.message}`);
}

/** A harmful change and how it is made. */
export interface Mutation {
    name: string;
    /** A stack-file edit (keys as `pulumi config set` writes them; undefined removes). */
    config?: Record<string, unknown>;
    /**
     * Resources registered after the real program, named with `name(…)`; give them a component as
     * parent to add them inside it.
     */
    add?: (components: Components, name: (suffix: string) => string) => void;
    /**
     * An edit of a component's own code, made as a stack transformation on its resources (e.g.
     * a label changed); the stack is judged as a whole.
     */
    transform?: pulumi.ResourceTransformation;
}

export interface Outcome {
    name: string;
    /** Policies that failed the change, or `config error` when the stack file did not load. */
    blockedBy: string[];
}

const policiesOf = (violations: readonly Violation[]) =>
    [...new Set(violations.map((v) => v.policy))].sort();

/**
 * Judges every mutation against `stack`: stack-file edits and component edits one plan each,
 * additions in one shared plan where each mutation is blocked when a mandatory violation names one
 * of its own resources.
 */
export async function judge(stack: string, mutations: readonly Mutation[]): Promise<Outcome[]> {
    const out: Outcome[] = [];
    for (const m of mutations.filter((m) => m.config)) {
        const verdict = await withStackEdit(m.config!, stack);
        const configError = verdict.reasons.some((r) => r.startsWith("config: "));
        out.push({
            name: m.name,
            blockedBy: configError
                ? ["config error"]
                : policiesOf(verdict.violations.filter((v) => v.enforcementLevel === "mandatory")),
        });
    }
    for (const m of mutations.filter((m) => m.transform)) {
        const found = await mandatory(await planWithAdditions(stack, [], m.transform), stack);
        out.push({ name: m.name, blockedBy: policiesOf(found) });
    }
    const added = mutations.filter((m) => m.add);
    if (added.length) {
        // Mutation i names its resources `m<i>-…`, so a violation is attributed by its URN.
        const plan = await planWithAdditions(
            stack,
            added.map((m, i) => (c: Components) => m.add!(c, (s: string) => `m${i}-${s}`)),
        );
        const found = await mandatory(plan, stack);
        added.forEach((m, i) => {
            const urns = new Set(
                plan.resources
                    .filter((r) => r.custom && r.name.startsWith(`m${i}-`))
                    .map((r) => r.urn),
            );
            assert.ok(urns.size > 0, `${m.name}: registered no resource`);
            out.push({
                name: m.name,
                blockedBy: policiesOf(found.filter((v) => v.urn && urns.has(v.urn))),
            });
        });
    }
    return out;
}

/** Options that put a resource inside the platform's component of `type`. */
export function in_(c: Components, type: string): { parent: pulumi.Resource } {
    const parent = c.get(type);
    assert.ok(parent, `no component ${type} in the plan`);
    return { parent };
}

export type { PlannedResource };
export { withChanges };

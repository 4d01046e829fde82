// Mutation harness for the policy tests: the real program of a stack with resources added inside its
// components or at stack level, or a stack file edited, judged by the pack with the stack's config.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { runOffline, type Plan } from "../tools/offline/engine";
import { loadPolicyConfig, runPolicies, type Violation } from "../tools/offline/policy";
import { ConfigError } from "../stacks/config";
import { withChanges, stackConfig } from "./harness";

/** The platform's components by type token (`logistics:api:ApiService`), the root `logistics:stack:Platform`. */
export type Components = ReadonlyMap<string, pulumi.Resource>;

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

/**
 * Runs the real program (stacks/program.ts) of `stack`, then `add` for each mutation, in one
 * plan; a stack transformation records each component so mutations can parent to it.
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

/** The mandatory violations of a plan under the stack's shipped pack config. */
export async function mandatory(plan: Plan, stack: string): Promise<Violation[]> {
    return (await runPolicies(plan, loadPolicyConfig(stack))).filter(
        (v) => v.enforcementLevel === "mandatory",
    );
}

export interface Outcome {
    name: string;
    /** Policies that failed the change, or `config error` when the stack file did not load. */
    blockedBy: string[];
}

/**
 * Judges every mutation against `stack`: stack-file edits and component edits one plan each,
 * additions in one shared plan where each mutation is blocked when a mandatory violation names one
 * of its own resources.
 */
export async function judge(stack: string, mutations: readonly Mutation[]): Promise<Outcome[]> {
    const out: Outcome[] = [];
    for (const m of mutations.filter((m) => m.config)) {
        let plan: Plan;
        try {
            plan = await runOffline({ stack, config: withChanges(stack, m.config!) });
        } catch (err) {
            if (err instanceof ConfigError) {
                out.push({ name: m.name, blockedBy: ["config error"] });
                continue;
            }
            throw err;
        }
        const found = await mandatory(plan, stack);
        out.push({ name: m.name, blockedBy: [...new Set(found.map((v) => v.policy))].sort() });
    }
    for (const m of mutations.filter((m) => m.transform)) {
        const found = await mandatory(await planWithAdditions(stack, [], m.transform), stack);
        out.push({ name: m.name, blockedBy: [...new Set(found.map((v) => v.policy))].sort() });
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
                blockedBy: [
                    ...new Set(found.filter((v) => v.urn && urns.has(v.urn)).map((v) => v.policy)),
                ].sort(),
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

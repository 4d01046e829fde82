// Deliberately bad changes to prod (data loss, detection), judged by prod's pack config as verdicts:
// stack-file edits, resources added at stack level or as children of a component, and plans as an
// edited component would produce them.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../stacks/config";
import { runOffline, type Plan, type PlannedResource } from "../tools/offline/engine";
import { loadPolicyConfig, runPolicies, type Violation } from "../tools/offline/policy";
import { planFor, stackConfig, withChanges } from "./harness";

export interface Verdict {
    /** A mandatory violation or a config error: the change cannot reach `pulumi up`. */
    blocked: boolean;
    /** `<policy>: <message>` of each mandatory violation, or `config: <problem>`. */
    reasons: string[];
    violations: Violation[];
}

async function judge(plan: Plan): Promise<Verdict> {
    const violations = await runPolicies(plan, loadPolicyConfig("prod"));
    const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory");
    return {
        blocked: mandatory.length > 0,
        reasons: mandatory.map((v) => `${v.policy}: ${v.message}`),
        violations,
    };
}

/** Prod with a stack-file edit; a config error blocks the change as well. */
export async function withStackEdit(changes: Record<string, unknown>): Promise<Verdict> {
    try {
        return await judge(await planFor("prod", changes));
    } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        return { blocked: true, reasons: err.problems.map((p) => `config: ${p}`), violations: [] };
    }
}

/**
 * Prod's program with extra resources registered after it. `inside(type, name)` is a component of
 * that type and name for children "inside a component": its children carry the component's type in
 * their URN and its name as their parent's, as a resource added in components/ would.
 */
export async function withResources(
    add: (inside: (type: string, name: string) => pulumi.ComponentResource) => void,
): Promise<Plan> {
    const { program } = await import("../stacks/program");
    return runOffline({
        stack: "prod",
        config: stackConfig("prod"),
        program: (options) => {
            const outputs = program(options);
            add((type, name) => new pulumi.ComponentResource(type, name, {}, {}));
            return outputs;
        },
    });
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
    return judge(plan);
}

/** Judges a plan with prod's pack config. */
export function judgePlan(plan: Plan): Promise<Verdict> {
    return judge(plan);
}

/** The mandatory reasons a plan gives for one resource (by its logical name). */
export function reasonsFor(verdict: Verdict, plan: Plan, name: string): string[] {
    const urns = new Set(plan.resources.filter((r) => r.name === name).map((r) => r.urn));
    assert.ok(urns.size > 0, `no resource ${name} in the plan`);
    return verdict.violations
        .filter((v) => v.enforcementLevel === "mandatory" && v.urn && urns.has(v.urn))
        .map((v) => `${v.policy}: ${v.message}`);
}

export type { PlannedResource };
export { withChanges };

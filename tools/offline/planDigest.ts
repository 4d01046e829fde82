// A digest of a whole plan: every resource's URN, type, parent, inputs, options and dependencies,
// plus the stack outputs. The readable inventories show what a reviewer decides on; the digest
// catches a change to anything else, so "the plan did not change" is checked, not assumed.
import { createHash } from "crypto";
import type { Plan, PlannedResource } from "./engine";

export interface PlanDigest {
    /** sha256 of the canonical text of the whole plan. */
    sha256: string;
    /** Resources in the plan, the stack resource included. */
    resources: number;
    /** URN → first 12 hex digits of the sha256 of that resource's canonical text. */
    urns: Record<string, string>;
    /** First 12 hex digits of the sha256 of the stack outputs. */
    outputs: string;
}

/**
 * JSON with object keys sorted at every depth, so the text depends on the values only. Secrets
 * are already `{ secret: true, value: "[secret]" }` placeholders in a plan (engine.ts keeps the
 * plaintext off the enumerable keys), unknowns the "(known after deploy)" marker.
 */
export function canonicalJson(value: unknown): string {
    return JSON.stringify(value, (_key, v: unknown) =>
        v !== null && typeof v === "object" && !Array.isArray(v)
            ? Object.fromEntries(
                  Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
                      a < b ? -1 : a > b ? 1 : 0,
                  ),
              )
            : v,
    );
}

/** What the digest covers of one resource: everything the engine would send to Pulumi. */
function resourceText(r: PlannedResource): string {
    return canonicalJson({
        urn: r.urn,
        type: r.type,
        parent: r.parent ?? null,
        custom: r.custom,
        inputs: r.inputs,
        options: r.options,
        dependencies: [...r.dependencies].sort(),
    });
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

export function planDigest(plan: Plan): PlanDigest {
    const texts = plan.resources
        .map((r) => [r.urn, resourceText(r)] as const)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const urns = new Set<string>();
    for (const [urn] of texts) {
        if (urns.has(urn)) throw new Error(`plan digest: URN ${urn} appears twice in the plan`);
        urns.add(urn);
    }
    const outputs = canonicalJson(plan.outputs);
    const whole = [...texts.map(([, t]) => t), `outputs ${outputs}`].join("\n");
    return {
        sha256: sha256(whole),
        resources: texts.length,
        urns: Object.fromEntries(texts.map(([urn, t]) => [urn, sha256(t).slice(0, 12)])),
        outputs: sha256(outputs).slice(0, 12),
    };
}

/** How `actual` differs from the committed `expected`, per URN; empty when the digests are equal. */
export function compareDigest(expected: PlanDigest | undefined, actual: PlanDigest): string[] {
    if (!expected) return ["no committed digest"];
    if (expected.sha256 === actual.sha256) return [];
    const problems: string[] = [];
    const want = expected.urns ?? {};
    for (const [urn, hash] of Object.entries(actual.urns)) {
        if (!(urn in want)) problems.push(`added: ${urn}`);
        else if (want[urn] !== hash) problems.push(`changed: ${urn}`);
    }
    for (const urn of Object.keys(want))
        if (!(urn in actual.urns)) problems.push(`removed: ${urn}`);
    if (expected.outputs !== actual.outputs) problems.push("changed: the stack outputs");
    if (expected.resources !== actual.resources)
        problems.push(
            `resource count: committed ${expected.resources}, plan has ${actual.resources}`,
        );
    if (!problems.length)
        problems.push(
            `whole-plan sha256 ${actual.sha256} differs from the committed ${expected.sha256} (no single URN or the outputs differ: the digest file was edited by hand?)`,
        );
    return problems;
}

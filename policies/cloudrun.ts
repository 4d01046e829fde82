// Cloud Run policies: bounded scaling, secrets only by reference, no accidental public access.
import { get, resourcePolicy, RUN_INVOKER, RUN_SERVICE } from "./lib";

export const cloudrunScalingBounds = resourcePolicy<{ maxInstances: number }>({
    name: "cloudrun-scaling-bounds",
    description:
        "Checks whether Cloud Run services set an instance range within the configured ceiling.",
    remediationSteps: "Set logistics:api.minInstances ≤ maxInstances ≤ the policy's maxInstances.",
    types: [RUN_SERVICE],
    configSchema: {
        properties: { maxInstances: { type: "integer", default: 100, minimum: 1, maximum: 1000 } },
    },
    check: (p, _a, report, { maxInstances }) => {
        const min = get(p, "template.scaling.minInstanceCount");
        const max = get(p, "template.scaling.maxInstanceCount");
        if (max === undefined)
            return report("Cloud Run service must set template.scaling.maxInstanceCount.");
        if (max > maxInstances)
            report(
                `Cloud Run service must scale to at most ${maxInstances} instances, got ${max}.`,
            );
        if (min !== undefined && min > max)
            report(
                `Cloud Run service must have minInstanceCount ≤ maxInstanceCount, got ${min} > ${max}.`,
            );
    },
});

const SECRET_NAME = /(KEY|SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL)/i;

export const cloudrunNoPlaintextSecrets = resourcePolicy({
    name: "cloudrun-no-plaintext-secrets",
    description:
        "Checks whether Cloud Run env vars that look like secrets carry plain values instead of Secret Manager references.",
    remediationSteps:
        "Store the value in Secret Manager and reference it with valueSource.secretKeyRef.",
    types: [RUN_SERVICE],
    check: (p, _a, report) => {
        for (const c of get(p, "template.containers") ?? [])
            for (const e of c?.envs ?? [])
                if (
                    typeof e?.name === "string" &&
                    SECRET_NAME.test(e.name) &&
                    e.value !== undefined
                )
                    report(
                        `Cloud Run env var ${e.name} must come from Secret Manager (valueSource.secretKeyRef), not a plain value.`,
                    );
    },
});

export const cloudrunNoPublicInvoker = resourcePolicy<{ allowPublic: boolean }>({
    name: "cloudrun-no-public-invoker",
    description:
        "Checks whether Cloud Run services are invokable by allUsers or allAuthenticatedUsers.",
    remediationSteps:
        "Grant roles/run.invoker to named members (logistics:api.invokers); publicInvoker only where the policy config allows it.",
    types: [RUN_INVOKER],
    configSchema: { properties: { allowPublic: { type: "boolean", default: false } } },
    check: (p, _a, report, { allowPublic }) => {
        if (!allowPublic && (p.member === "allUsers" || p.member === "allAuthenticatedUsers"))
            report(`Cloud Run service must not be invokable by ${p.member}.`);
    },
});

export const cloudrunDeletionProtection = resourcePolicy({
    name: "cloudrun-deletion-protection",
    description: "Checks whether Cloud Run services have deletion protection.",
    remediationSteps: "Set logistics:protectStatefulResources: true for the stack.",
    types: [RUN_SERVICE],
    check: (p, _a, report) => {
        if (p.deletionProtection === false)
            report("Cloud Run service must have deletionProtection: true.");
    },
});

export const cloudrunPolicies = [
    cloudrunScalingBounds,
    cloudrunNoPlaintextSecrets,
    cloudrunNoPublicInvoker,
    cloudrunDeletionProtection,
];

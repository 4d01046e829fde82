// Cloud Run policies: bounded scaling with a warm floor, no public access unless the stack opts in.
import { grantsOf, isIamBearing } from "./grants";
import { get, resourcePolicy, RUN_SERVICE, snapshot, type LogisticsResourcePolicy } from "./lib";

export const cloudrunScalingBounds = resourcePolicy<{ maxInstances: number; minInstances: number }>(
    {
        name: "cloudrun-scaling-bounds",
        description:
            "Checks whether Cloud Run services set an instance range within the configured ceiling and above the stack's floor of warm instances.",
        remediationSteps:
            "Set the policy's minInstances ≤ logistics:api.minInstances ≤ maxInstances ≤ the policy's maxInstances.",
        types: [RUN_SERVICE],
        configSchema: {
            properties: {
                maxInstances: { type: "integer", default: 100, minimum: 1, maximum: 1000 },
                minInstances: { type: "integer", default: 0, minimum: 0, maximum: 1000 },
            },
        },
        check: (p, _a, report, { maxInstances, minInstances }) => {
            const min = get(p, "template.scaling.minInstanceCount");
            const max = get(p, "template.scaling.maxInstanceCount");
            if (max === undefined)
                return report("Cloud Run service must set template.scaling.maxInstanceCount.");
            if (max > maxInstances)
                report(
                    `Cloud Run service must scale to at most ${maxInstances} instances, got ${max}.`,
                );
            if (minInstances > 0 && !(typeof min === "number" && min >= minInstances))
                report(
                    `Cloud Run service must keep at least ${minInstances} instances warm, got ${min ?? "none (scale to zero)"}.`,
                );
            if (min !== undefined && min > max)
                report(
                    `Cloud Run service must have minInstanceCount ≤ maxInstanceCount, got ${min} > ${max}.`,
                );
        },
    },
);

/** Cloud Run IAM types (any of their member/binding/policy forms) and the service itself. */
function isRunGrantType(type: string): boolean {
    return type === RUN_SERVICE || (/^gcp:cloudrun(v2)?\//.test(type) && isIamBearing(type));
}

export const cloudrunNoPublicInvoker: LogisticsResourcePolicy = {
    name: "cloudrun-no-public-invoker",
    description:
        "Checks whether Cloud Run services or jobs are invokable by allUsers or allAuthenticatedUsers (an IAM member, binding or policy, or invokerIamDisabled).",
    remediationSteps:
        "Grant roles/run.invoker to named members (logistics:api.invokers); publicInvoker only where the policy config allows it.",
    configSchema: { properties: { allowPublic: { type: "boolean", default: false } } },
    validateResource: (args, report) => {
        if (!isRunGrantType(args.type)) return;
        const { allowPublic } = args.getConfig<{ allowPublic: boolean }>();
        // A member grant is read as is: with its member unknown the policy cannot run, which the
        // output shows as for any resource policy (iam-members-known judges the unknown in prod).
        const grants = /Member$/.test(args.type)
            ? [{ role: args.props["role"], member: args.props["member"], via: "member" }]
            : grantsOf({
                  type: args.type,
                  urn: args.urn,
                  name: args.name,
                  props: snapshot(args.props),
              });
        for (const g of grants) {
            if (
                typeof g.member !== "string" ||
                !["allUsers", "allAuthenticatedUsers"].includes(g.member)
            )
                continue;
            if (allowPublic && g.role === "roles/run.invoker") continue;
            report(
                g.via === "invokerIamDisabled"
                    ? "Cloud Run service must not set invokerIamDisabled: every caller could invoke it."
                    : `Cloud Run service must not be invokable by ${g.member}.`,
            );
        }
    },
};

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
    cloudrunNoPublicInvoker,
    cloudrunDeletionProtection,
];

// Every policy of the pack, as plain objects: the offline runner and the tests import this file;
// only index.ts constructs the PolicyPack (its constructor starts a server).
import type { PolicyConfigSchema } from "@pulumi/policy";
import { bigqueryPolicies } from "./bigquery";
import { cloudrunPolicies } from "./cloudrun";
import { composerPolicies } from "./composer";
import { costPolicies } from "./cost";
import { generalPolicies } from "./general";
import { hardeningPlanPolicies } from "./hardening";
import { iamPlanPolicies, iamPolicies } from "./iam";
import { stackExceptionsApplied } from "./lib";
import { monitoringPolicies } from "./monitoring";
import { residencyPlanPolicies } from "./residency";
import { secretsPlanPolicies } from "./secrets";
import { statefulPlanPolicies } from "./stateful";
import { stackPolicies } from "./stack";
import { storagePolicies } from "./storage";

export const PACK_NAME = "logistics";

export const resourcePolicies = [
    ...storagePolicies,
    ...bigqueryPolicies,
    ...cloudrunPolicies,
    ...composerPolicies,
    ...iamPolicies,
    ...monitoringPolicies,
    ...generalPolicies,
];

/**
 * Every policy accepts a `reason` in its config entry: an exception (a policy made advisory or
 * disabled where the stack requires mandatory) states why, and the Pulumi CLI, which validates
 * each entry against the policy's configSchema, accepts it too.
 */
function withReason<P extends { configSchema?: PolicyConfigSchema }>(policy: P): P {
    const schema = policy.configSchema ?? { properties: {} };
    return {
        ...policy,
        configSchema: {
            ...schema,
            properties: { ...schema.properties, reason: { type: "string", minLength: 1 } },
        },
    };
}

/** Policies that judge the whole plan at once (IAM, secrets, hardening, residency). */
export const planPolicies = [
    ...iamPlanPolicies,
    ...secretsPlanPolicies,
    ...hardeningPlanPolicies,
    ...residencyPlanPolicies,
    ...statefulPlanPolicies,
];

// stack-exceptions-applied last: it shows the exceptions the policies before it applied.
export const allPolicies = [
    ...resourcePolicies,
    ...stackPolicies,
    ...planPolicies,
    ...costPolicies,
    stackExceptionsApplied,
].map(withReason);

// Every policy of the pack, as plain objects: the offline runner and the tests import this file;
// only index.ts constructs the PolicyPack (its constructor starts a server).
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
];

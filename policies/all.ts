// Every policy of the pack, as plain objects: the offline runner and the tests import this file;
// only index.ts constructs the PolicyPack (its constructor starts a server).
import { bigqueryPolicies } from "./bigquery";
import { cloudrunPolicies } from "./cloudrun";
import { composerPolicies } from "./composer";
import { costPolicies } from "./cost";
import { generalPolicies } from "./general";
import { iamPolicies } from "./iam";
import { monitoringPolicies } from "./monitoring";
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

export const allPolicies = [...resourcePolicies, ...stackPolicies, ...costPolicies];

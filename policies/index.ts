// The policy pack's entry: `pulumi preview --policy-pack policies [--policy-pack-config policies/config/<stack>.json]`.
import { PolicyPack } from "@pulumi/policy";
import { allPolicies, PACK_NAME } from "./all";

new PolicyPack(PACK_NAME, { policies: allPolicies });

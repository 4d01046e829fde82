// Helpers for the pack's policies: typed props access that tolerates unknown and missing values.
import type {
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
} from "@pulumi/policy";

/** Every policy of this pack carries a remediation hint. */
export interface LogisticsResourcePolicy extends ResourceValidationPolicy {
    remediationSteps: string;
}

export interface ResourceRule<C extends object> {
    name: string;
    description: string;
    remediationSteps: string;
    /** Resource types the rule looks at (Pulumi type tokens). */
    types: readonly string[];
    configSchema?: PolicyConfigSchema;
    /** Reports problems; values may be undefined while the cloud has not computed them. */
    check(
        props: Record<string, any>,
        args: ResourceValidationArgs,
        report: ReportViolation,
        config: C,
    ): void;
}

/** Builds a resource policy that looks at `types` only. */
export function resourcePolicy<C extends object = Record<string, never>>(
    rule: ResourceRule<C>,
): LogisticsResourcePolicy {
    return {
        name: rule.name,
        description: rule.description,
        remediationSteps: rule.remediationSteps,
        ...(rule.configSchema ? { configSchema: rule.configSchema } : {}),
        validateResource: (args, report) => {
            if (!rule.types.includes(args.type)) return;
            rule.check(args.props ?? {}, args, report, args.getConfig<C>());
        },
    };
}

/** Reads a dotted path from props; undefined when any step is missing or unknown. */
export function get(obj: unknown, path: string): any {
    let o: any = obj;
    for (const k of path.split(".")) {
        if (o === null || typeof o !== "object") return undefined;
        o = o[k];
    }
    return o;
}

export const BUCKET = "gcp:storage/bucket:Bucket";
export const DATASET = "gcp:bigquery/dataset:Dataset";
export const TABLE = "gcp:bigquery/table:Table";
export const RUN_SERVICE = "gcp:cloudrunv2/service:Service";
export const RUN_INVOKER = "gcp:cloudrunv2/serviceIamMember:ServiceIamMember";
export const COMPOSER = "gcp:composer/environment:Environment";
export const ALERT_POLICY = "gcp:monitoring/alertPolicy:AlertPolicy";
export const SA_KEY = "gcp:serviceaccount/key:Key";
export const WIF_POOL = "gcp:iam/workloadIdentityPool:WorkloadIdentityPool";
export const WIF_PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider";

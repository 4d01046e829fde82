// IAM policies: no primitive roles, no service-account keys, no public access to data.
import { resourcePolicy, SA_KEY, WIF_PROVIDER } from "./lib";

/** GitHub's OIDC issuer for Actions. */
const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";

const PRIMITIVE = ["roles/owner", "roles/editor", "roles/viewer"];
const PUBLIC = ["allUsers", "allAuthenticatedUsers"];

/** Every IAM grant type the platform may create (member/binding forms). */
export const IAM_GRANT_TYPES = [
    "gcp:projects/iAMMember:IAMMember",
    "gcp:projects/iAMBinding:IAMBinding",
    "gcp:serviceaccount/iAMMember:IAMMember",
    "gcp:storage/bucketIAMMember:BucketIAMMember",
    "gcp:storage/bucketIAMBinding:BucketIAMBinding",
    "gcp:bigquery/datasetIamMember:DatasetIamMember",
    "gcp:bigquery/datasetIamBinding:DatasetIamBinding",
    "gcp:secretmanager/secretIamMember:SecretIamMember",
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
];
/** Grants on resources that hold data. */
const DATA_GRANT_TYPES = IAM_GRANT_TYPES.filter((t) => /bucketIAM|datasetIam|secretIam/.test(t));

export const iamNoPrimitiveRoles = resourcePolicy({
    name: "iam-no-primitive-roles",
    description: "Checks whether any grant uses a primitive role (owner, editor, viewer).",
    remediationSteps:
        "Grant a predefined role scoped to the task (e.g. roles/bigquery.dataViewer) on the narrowest resource.",
    types: IAM_GRANT_TYPES,
    check: (p, _a, report) => {
        if (PRIMITIVE.includes(p.role))
            report(`IAM grant must not use the primitive role ${p.role}.`);
    },
});

export const iamNoServiceAccountKeys = resourcePolicy({
    name: "iam-no-service-account-keys",
    description: "Checks whether the stack creates service-account keys.",
    remediationSteps:
        "Use attached service accounts and workload identity federation instead of keys.",
    types: [SA_KEY],
    check: (_p, _a, report) =>
        report("Service account keys must not be created; use workload identity federation."),
});

export const iamNoPublicDataAccess = resourcePolicy({
    name: "iam-no-public-data-access",
    description:
        "Checks whether buckets, datasets or secrets are granted to allUsers or allAuthenticatedUsers.",
    remediationSteps: "Grant named members only.",
    types: DATA_GRANT_TYPES,
    check: (p, _a, report) => {
        const members: unknown[] =
            p.member !== undefined ? [p.member] : Array.isArray(p.members) ? p.members : [];
        for (const m of members)
            if (PUBLIC.includes(String(m))) report(`Data must not be granted to ${m}.`);
    },
});

export const iamFederationRestricted = resourcePolicy({
    name: "iam-federation-restricted",
    description:
        "Checks whether a workload identity provider restricts the tokens it accepts with an attribute condition.",
    remediationSteps:
        "Set attributeCondition, e.g. assertion.repository == '<owner>/<name>' for GitHub (logistics:ci.repository).",
    types: [WIF_PROVIDER],
    check: (p, _a, report) => {
        const condition = typeof p.attributeCondition === "string" ? p.attributeCondition : "";
        if (condition.trim() === "")
            report(
                "Workload identity provider must set attributeCondition: without it, every token of the issuer is accepted.",
            );
        else if (
            p.oidc?.issuerUri === GITHUB_ISSUER &&
            !/assertion\.repository(_id)?\s*==/.test(condition)
        )
            report(
                "GitHub workload identity provider must restrict assertion.repository: GitHub issues tokens to every repository.",
            );
    },
});

export const iamPolicies = [
    iamNoPrimitiveRoles,
    iamNoServiceAccountKeys,
    iamNoPublicDataAccess,
    iamFederationRestricted,
];

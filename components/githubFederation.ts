// GitHub Actions → Google Cloud without keys: a workload identity pool with one OIDC provider that
// accepts tokens of this repository only, and the deployer service account impersonable by the
// workflow runs config names (deploy environment, branch, pull requests). Optional grants on the
// self-managed state backend: its bucket and the KMS key of the secrets provider.
//
// A deleted pool keeps its id for 30 days, so the pool and provider carry the stateful options:
// replacing them would leave CI unable to authenticate until the id frees up.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { GITHUB_ISSUER } from "./githubFederation.schema";
import { deletionPolicy, grantOptions, statefulOptions } from "./common";
import { projectNumber } from "./identities";

/**
 * The principal of a token subject in a pool
 * (https://cloud.google.com/iam/docs/principal-identifiers): computed from the project's number
 * so that the grant is known in previews, not only after the pool exists.
 */
export function subjectPrincipal(projectNumber: string, poolId: string, subject: string): string {
    return `principal://iam.googleapis.com/projects/${projectNumber}/locations/global/workloadIdentityPools/${poolId}/subject/${subject}`;
}

/**
 * The deployer's roles on the state backend. Besides using them (state objects; encrypt and
 * decrypt), the deployer reads and writes their IAM policies, because the stack manages these
 * grants and `refresh`, drift detection and `import` read every managed grant
 * (storage.buckets.getIamPolicy, cloudkms.cryptoKeys.getIamPolicy). The only predefined roles
 * with those permissions are legacyBucketOwner (no bucket deletion) and cloudkms.admin (which can
 * also schedule the key's destruction): where that is too much trust, leave the keys out of
 * config and grant the use roles by hand (docs/ci-cd.md).
 */
export const STATE_BUCKET_ROLES = ["roles/storage.objectAdmin", "roles/storage.legacyBucketOwner"];
export const SECRETS_KEY_ROLES = [
    "roles/cloudkms.cryptoKeyEncrypterDecrypter",
    "roles/cloudkms.admin",
];

export interface GithubFederationArgs {
    project: string;
    /** Pool id: 4-32 lowercase letters, digits and '-'. */
    poolId: string;
    /** Provider id within the pool (github unless a stack adopts another). */
    providerId: string;
    /** `owner/name`: only this repository's tokens are accepted. */
    repository: string;
    /** Token `sub` claims allowed to act as the deployer, by a stable key for the grant's name. */
    subjects: readonly { key: string; subject: string }[];
    /** The deployer account's full name (`projects/…/serviceAccounts/…`) and email. */
    deployer: { accountName: pulumi.Input<string>; email: pulumi.Input<string> };
    /** The account resources, for the grants to wait for. */
    accounts: readonly pulumi.Resource[];
    /** State bucket of a `gs://` backend: the deployer gets object admin on it. */
    stateBucket?: string;
    /** KMS key of a `gcpkms://` secrets provider: the deployer may encrypt and decrypt. */
    secretsKey?: string;
    protect: boolean;
}

export class GithubFederation extends pulumi.ComponentResource {
    /** `projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/github`: the workflows' `workload_identity_provider`. */
    public readonly workloadIdentityProvider: pulumi.Output<string>;
    /** The account the workflows impersonate: their `service_account`. */
    public readonly serviceAccount: pulumi.Output<string>;

    constructor(name: string, args: GithubFederationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("logistics:ci:GithubFederation", name, {}, opts);
        const stateful = statefulOptions(this, args.protect, opts);
        const pool = new gcp.iam.WorkloadIdentityPool(
            `${name}-pool`,
            {
                project: args.project,
                workloadIdentityPoolId: args.poolId,
                displayName: "GitHub Actions",
                description: `CI of ${args.repository}`.slice(0, 256),
                deletionPolicy: deletionPolicy(args.protect),
            },
            stateful,
        );
        const provider = new gcp.iam.WorkloadIdentityPoolProvider(
            `${name}-github`,
            {
                project: args.project,
                workloadIdentityPoolId: pool.workloadIdentityPoolId,
                workloadIdentityPoolProviderId: args.providerId,
                displayName: "GitHub",
                description: `Tokens of ${args.repository} only`.slice(0, 256),
                // sub identifies the workflow run's context (environment, branch or pull request);
                // the condition rejects every other repository's tokens outright.
                attributeMapping: {
                    "google.subject": "assertion.sub",
                    "attribute.repository": "assertion.repository",
                },
                attributeCondition: `assertion.repository == '${args.repository}'`,
                oidc: { issuerUri: GITHUB_ISSUER },
                deletionPolicy: deletionPolicy(args.protect),
            },
            stateful,
        );

        const grants = grantOptions(this, opts, args.accounts);
        const number = projectNumber(args.project, this);
        for (const { key, subject } of args.subjects)
            new gcp.serviceaccount.IAMMember(
                `${name}-deployer-${key}`,
                {
                    serviceAccountId: args.deployer.accountName,
                    role: "roles/iam.workloadIdentityUser",
                    member: number.apply((n) => subjectPrincipal(n, args.poolId, subject)),
                },
                grantOptions(this, opts, [...args.accounts, pool]),
            );
        const deployer = pulumi.interpolate`serviceAccount:${args.deployer.email}`;
        // The deployer manages the pool and provider: creating, reading (every refresh and drift
        // run) and updating them needs iam.googleapis.com/workloadIdentityPools.* and
        // …Providers.*, which only the pool roles carry, on the project
        // (https://cloud.google.com/iam/docs/manage-workload-identity-pools-providers#required-roles).
        new gcp.projects.IAMMember(
            `${name}-deployer-pool-admin`,
            {
                project: args.project,
                role: "roles/iam.workloadIdentityPoolAdmin",
                member: deployer,
            },
            grants,
        );
        // The first role keeps its grant's original name, so existing stacks update in place.
        const suffix = (role: string, i: number) =>
            i === 0 ? "" : `-${role.replace(/^roles\/[a-z]+\./, "")}`;
        if (args.stateBucket)
            STATE_BUCKET_ROLES.forEach(
                (role, i) =>
                    new gcp.storage.BucketIAMMember(
                        `${name}-state-bucket${suffix(role, i)}`,
                        { bucket: args.stateBucket!, role, member: deployer },
                        grants,
                    ),
            );
        if (args.secretsKey)
            SECRETS_KEY_ROLES.forEach(
                (role, i) =>
                    new gcp.kms.CryptoKeyIAMMember(
                        `${name}-secrets-key${suffix(role, i)}`,
                        { cryptoKeyId: args.secretsKey!, role, member: deployer },
                        grants,
                    ),
            );

        this.workloadIdentityProvider = provider.name;
        this.serviceAccount = pulumi.output(args.deployer.email);
        this.registerOutputs({
            workloadIdentityProvider: this.workloadIdentityProvider,
            serviceAccount: this.serviceAccount,
        });
    }
}

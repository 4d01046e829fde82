// GitHub Actions → Google Cloud without keys: a workload identity pool with one OIDC provider that
// accepts tokens of this repository only, and the deployer service account impersonable by the
// workflow runs config names (deploy environment, branch, pull requests). Optional grants on the
// self-managed state backend: its bucket and the KMS key of the secrets provider.
//
// A deleted pool keeps its id for 30 days, so the pool and provider carry the stateful options:
// replacing them would leave CI unable to authenticate until the id frees up.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { GITHUB_ISSUER } from "../stacks/ci";
import { deletionPolicy, grantOptions, statefulOptions } from "./common";

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
        for (const { key, subject } of args.subjects)
            new gcp.serviceaccount.IAMMember(
                `${name}-deployer-${key}`,
                {
                    serviceAccountId: args.deployer.accountName,
                    role: "roles/iam.workloadIdentityUser",
                    member: pool.name.apply(
                        (pool) => `principal://iam.googleapis.com/${pool}/subject/${subject}`,
                    ),
                },
                grants,
            );
        const deployer = pulumi.interpolate`serviceAccount:${args.deployer.email}`;
        if (args.stateBucket)
            new gcp.storage.BucketIAMMember(
                `${name}-state-bucket`,
                { bucket: args.stateBucket, role: "roles/storage.objectAdmin", member: deployer },
                grants,
            );
        if (args.secretsKey)
            new gcp.kms.CryptoKeyIAMMember(
                `${name}-secrets-key`,
                {
                    cryptoKeyId: args.secretsKey,
                    role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
                    member: deployer,
                },
                grants,
            );

        this.workloadIdentityProvider = provider.name;
        this.serviceAccount = pulumi.output(args.deployer.email);
        this.registerOutputs({
            workloadIdentityProvider: this.workloadIdentityProvider,
            serviceAccount: this.serviceAccount,
        });
    }
}

// Config section of CI: the GitHub repository whose workflows deploy the stack through Workload
// Identity Federation, which of its workflow runs may act as the deployer, and the state backend's
// bucket and secrets key the deployer needs when the backend is self-managed. Read by
// components/githubFederation.ts; composed into CONFIG_SCHEMA as logistics:ci (stacks/config.ts).
import { z } from "zod";
import { bool, pattern, section } from "../lib/schema";

/** GitHub's issuer of OIDC tokens for Actions. */
export const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";

export const ci = section({
    /** `owner/name` exactly as GitHub spells it: the provider's condition compares it as written. */
    repository: pattern(
        /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/,
        "a GitHub repository as owner/name, e.g. example-org/logistics-platform",
    ),
    /** Branch whose workflow runs without an environment (drift detection) may deploy. */
    branch: pattern(/^[A-Za-z0-9._-][A-Za-z0-9._/-]{0,99}$/, "a branch name such as main").default(
        "main",
    ),
    /**
     * GitHub environment of the deploy job (its protection rules and reviewers gate `pulumi up`).
     * Default: the stack's `logistics:environment`.
     */
    environment: pattern(
        /^[A-Za-z0-9._-]{1,100}$/,
        "a GitHub environment name: letters, digits, '.', '_' or '-'",
    ).optional(),
    /**
     * Pull requests from the repository's own branches may act as the deployer, so that their
     * `pulumi preview` can read the stack. Their workflow file comes from the pull request's
     * branch, so whoever can push a branch could run anything as the deployer: keep it off
     * where that is too much trust (prod). Forks never get a token. Default false.
     */
    pullRequestPreviews: bool().default(false),
    /** The bucket of a `gs://` state backend: the deployer may read and write its objects. */
    stateBucket: pattern(
        /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/,
        "a Cloud Storage bucket name (the part after gs://), 3-63 characters",
    ).optional(),
    /** The Cloud KMS key of a `gcpkms://` secrets provider: the deployer may use it. */
    secretsKey: pattern(
        /^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/locations\/[a-z0-9-]+\/keyRings\/[A-Za-z0-9_-]{1,63}\/cryptoKeys\/[A-Za-z0-9_-]{1,63}$/,
        "a key name: projects/<project>/locations/<location>/keyRings/<ring>/cryptoKeys/<key>",
    ).optional(),
});
export type CiConfig = z.output<typeof ci>;

/**
 * The `sub` claims of the GitHub tokens allowed to act as the deployer (GitHub's formats:
 * `repo:<owner>/<name>:environment:<env>`, `…:ref:refs/heads/<branch>`, `…:pull_request`).
 */
export function deployerSubjects(
    c: Pick<CiConfig, "repository" | "branch" | "environment" | "pullRequestPreviews">,
    defaultEnvironment: string,
): { key: string; subject: string }[] {
    const repo = `repo:${c.repository}`;
    return [
        {
            key: "environment",
            subject: `${repo}:environment:${c.environment ?? defaultEnvironment}`,
        },
        { key: "branch", subject: `${repo}:ref:refs/heads/${c.branch}` },
        ...(c.pullRequestPreviews
            ? [{ key: "pull-request", subject: `${repo}:pull_request` }]
            : []),
    ];
}

/** What to shorten when a subject is too long, by subject key. */
const SHORTEN: Record<string, string> = { branch: "branch", environment: "environment" };

/** GCP's limit on the mapped `google.subject` attribute. */
const MAX_SUBJECT_BYTES = 127;

/** Subjects longer than GCP accepts as `google.subject`, as config problems. */
export function subjectProblems(c: CiConfig, defaultEnvironment: string): string[] {
    return deployerSubjects(c, defaultEnvironment)
        .filter(({ subject }) => Buffer.byteLength(subject) > MAX_SUBJECT_BYTES)
        .map(
            ({ key, subject }) =>
                `logistics:ci: makes the ${key} token subject "${subject}" ${Buffer.byteLength(subject)} bytes long. ` +
                `Expected at most ${MAX_SUBJECT_BYTES} (GCP's limit on google.subject): use a shorter ${SHORTEN[key] ?? "repository"} name.`,
        );
}

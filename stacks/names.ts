// The physical names of the platform's named resources: the naming rules' defaults, or the names
// a stack adopts from an existing platform (`logistics:names`), so that importing what Terraform
// built never renames a bucket, dataset, environment, service or account.
//
// Only the physical (GCP) name changes; the Pulumi logical names and URNs stay the same, so a
// stack's history, the golden inventories and the policies do not depend on the overrides.
import { z } from "zod";
import type { Naming } from "./naming";
import { editDistance, pattern, section, show } from "../lib/schema";

// Cloud Storage's bucket naming rules: https://cloud.google.com/storage/docs/buckets#naming
const BUCKET_NAME =
    "a bucket name: 3-63 lowercase letters, digits, '-', '_' or '.', starting and ending with a letter or digit; " +
    "a dotted name is a domain name (up to 222 characters, each dot-separated part up to 63) whose domain " +
    "Google must have verified as yours; not starting with goog, not containing google or a misspelling of it, " +
    "not an IP address";

/**
 * Why Cloud Storage would refuse `name` as a bucket name, or undefined when it accepts it
 * (https://cloud.google.com/storage/docs/buckets#naming). Domain verification of a dotted name
 * cannot be checked offline; the accepted text says so.
 */
export function bucketNameProblem(name: string): string | undefined {
    if (!/^[a-z0-9._-]*$/.test(name))
        return "which has characters other than lowercase letters, digits, '-', '_' and '.'";
    if (!/^[a-z0-9].*[a-z0-9]$/.test(name))
        return "which does not start and end with a letter or digit";
    const parts = name.split(".");
    if (parts.length === 1 && (name.length < 3 || name.length > 63))
        return `${name.length} characters long`;
    if (name.length > 222) return `${name.length} characters long (a dotted name may have 222)`;
    if (parts.some((p) => p.length === 0 || p.length > 63))
        return "with a dot-separated part that is empty or longer than 63 characters";
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return "an IP address in dotted-decimal notation";
    if (name.startsWith("goog")) return 'which starts with "goog"';
    const google = googleLike(name);
    if (google)
        return google === "google"
            ? 'which contains "google"'
            : `which contains ${show(google)}, too close to "google"`;
    return undefined;
}

/**
 * The part of `name` that reads as "google" or a close misspelling of it (g00gle, gogle,
 * googgle): digits that look like letters are read as those letters, then any stretch starting
 * with g within one edit of "google" counts.
 */
export function googleLike(name: string): string | undefined {
    const read = name.replace(/0/g, "o").replace(/1/g, "l").replace(/3/g, "e");
    let best: { text: string; distance: number } | undefined;
    for (let i = 0; i < read.length; i++) {
        if (read[i] !== "g") continue;
        for (const len of [6, 5, 7]) {
            if (i + len > read.length) continue;
            const distance = editDistance(read.slice(i, i + len), "google");
            if (distance <= 1 && (!best || distance < best.distance))
                best = { text: name.slice(i, i + len), distance };
        }
    }
    return best?.text;
}

/** What each kind of GCP name accepts, as a pattern and in words. */
const FORMATS = {
    bucket: z
        .string({
            error: (i) =>
                i.input === undefined
                    ? `is required but missing. Expected ${BUCKET_NAME}`
                    : `got ${show(i.input)}. Expected ${BUCKET_NAME}`,
        })
        .superRefine((name, ctx) => {
            const problem = bucketNameProblem(name);
            if (problem)
                ctx.addIssue({
                    code: "custom",
                    message: `got ${show(name)}, ${problem}. Expected ${BUCKET_NAME}`,
                    abort: true,
                });
        }),
    dataset: pattern(
        /^[A-Za-z0-9_]{1,1024}$/,
        "a dataset id: letters, digits and '_' (e.g. logistics_raw)",
    ),
    composer: pattern(
        /^[a-z](?:[a-z0-9-]{0,62}[a-z0-9])?$/,
        "a Composer environment name: 1-64 lowercase letters, digits or '-', starting with a letter, not ending with '-'",
    ),
    runService: pattern(
        /^[a-z](?:[a-z0-9-]{0,47}[a-z0-9])?$/,
        "a Cloud Run service name: 1-49 lowercase letters, digits or '-', starting with a letter, not ending with '-'",
    ),
    repository: pattern(
        /^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
        "an Artifact Registry repository id: 1-63 lowercase letters, digits or '-', starting with a letter",
    ),
    secret: pattern(/^[A-Za-z0-9_-]{1,255}$/, "a secret id: 1-255 letters, digits, '-' or '_'"),
    reservation: pattern(
        /^[a-z](?:[a-z0-9-]{0,62}[a-z0-9])?$/,
        "a reservation name: 1-64 lowercase letters, digits or '-', starting with a letter, not ending with '-'",
    ),
    account: pattern(
        /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
        "a service account id: 6-30 lowercase letters, digits or '-', starting with a letter",
    ),
    pool: pattern(
        /^(?!gcp-)[a-z0-9-]{4,32}$/,
        "a workload identity pool id: 4-32 lowercase letters, digits or '-', not starting with gcp-",
    ),
    poolProvider: pattern(
        /^(?!gcp-)[a-z0-9-]{4,32}$/,
        "a workload identity pool provider id: 4-32 lowercase letters, digits or '-', not starting with gcp-",
    ),
    metric: pattern(
        /^[A-Za-z0-9_.\-/]{1,100}$/,
        "a log-based metric name: up to 100 letters, digits, '_', '-', '.' or '/'",
    ),
};

/** `logistics:names`: every key optional; an unknown key is a resource the stack does not have. */
export const names = section({
    /** The data bucket ($BUCKET). */
    dataBucket: FORMATS.bucket.optional(),
    /** The backups bucket. Default: `<dataBucket>-backups`, the runbook's `$BUCKET-backups`. */
    backupsBucket: FORMATS.bucket.optional(),
    /** The Composer snapshots bucket. */
    snapshotsBucket: FORMATS.bucket.optional(),
    /** Dataset ids by layer. */
    datasets: section({
        raw: FORMATS.dataset.optional(),
        staging: FORMATS.dataset.optional(),
        marts: FORMATS.dataset.optional(),
    }).optional(),
    composerEnvironment: FORMATS.composer.optional(),
    apiService: FORMATS.runService.optional(),
    imageRepository: FORMATS.repository.optional(),
    apiKeySecret: FORMATS.secret.optional(),
    slotReservation: FORMATS.reservation.optional(),
    /** Service account ids (the part before @) by workload. */
    serviceAccounts: section({
        composer: FORMATS.account.optional(),
        api: FORMATS.account.optional(),
        jobs: FORMATS.account.optional(),
        deployer: FORMATS.account.optional(),
    }).optional(),
    workloadIdentityPool: FORMATS.pool.optional(),
    workloadIdentityProvider: FORMATS.poolProvider.optional(),
    /** The log-based metric counting failed BigQuery jobs. */
    jobErrorMetric: FORMATS.metric.optional(),
});
export type NameOverrides = z.output<typeof names>;

/** The name of logistics-api's Cloud Run service unless a stack adopts another. */
export const DEFAULT_API_SERVICE = "logistics-api";

export interface PhysicalNames {
    dataBucket: string;
    backupsBucket: string;
    snapshotsBucket: string;
    datasets: { raw: string; staging: string; marts: string };
    composerEnvironment: string;
    apiService: string;
    imageRepository: string;
    apiKeySecret: string;
    slotReservation: string;
    serviceAccounts: { composer: string; api: string; jobs: string; deployer: string };
    workloadIdentityPool: string;
    workloadIdentityProvider: string;
    jobErrorMetric: string;
}

/** The physical names: each override where the stack sets one, else the naming rules' name. */
export function physicalNames(
    naming: Pick<Naming, "name" | "globalName">,
    overrides: NameOverrides = {},
): PhysicalNames {
    const dataBucket = overrides.dataBucket ?? naming.globalName("lake");
    return {
        dataBucket,
        backupsBucket: overrides.backupsBucket ?? `${dataBucket}-backups`,
        snapshotsBucket: overrides.snapshotsBucket ?? naming.globalName("snapshots"),
        datasets: {
            raw: overrides.datasets?.raw ?? "raw",
            staging: overrides.datasets?.staging ?? "staging",
            marts: overrides.datasets?.marts ?? "marts",
        },
        composerEnvironment: overrides.composerEnvironment ?? naming.name("composer"),
        apiService: overrides.apiService ?? DEFAULT_API_SERVICE,
        imageRepository: overrides.imageRepository ?? naming.name("containers"),
        apiKeySecret: overrides.apiKeySecret ?? naming.name("api-key"),
        slotReservation: overrides.slotReservation ?? naming.name("slots"),
        serviceAccounts: {
            composer: overrides.serviceAccounts?.composer ?? naming.name("composer"),
            api: overrides.serviceAccounts?.api ?? naming.name("api"),
            jobs: overrides.serviceAccounts?.jobs ?? naming.name("jobs"),
            deployer: overrides.serviceAccounts?.deployer ?? naming.name("deployer"),
        },
        workloadIdentityPool: overrides.workloadIdentityPool ?? naming.name("github"),
        workloadIdentityProvider: overrides.workloadIdentityProvider ?? "github",
        jobErrorMetric: overrides.jobErrorMetric ?? naming.name("bigquery-job-errors"),
    };
}

/** The push path of an Artifact Registry Docker repository. */
export function registryPath(region: string, project: string, repositoryId: string): string {
    return `${region}-docker.pkg.dev/${project}/${repositoryId}`;
}

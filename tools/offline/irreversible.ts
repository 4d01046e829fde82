// Changes Google Cloud refuses, or carries out but cannot undo, found in an offline diff: each
// reported with its reason, and the diff exits 1 as for a protected delete.
import type { PlannedResource } from "./engine";
import { UNKNOWN } from "./engine";

/** What the diff knows of one change: its operation and the resource before and after. */
export interface IrreversibleInput {
    op: "create" | "update" | "replace" | "delete";
    before?: PlannedResource;
    after?: PlannedResource;
}

type Rule = (c: IrreversibleInput) => string | undefined;

function get(obj: unknown, path: string): unknown {
    let o: unknown = obj;
    for (const k of path.split(".")) {
        if (o === null || typeof o !== "object") return undefined;
        o = (o as Record<string, unknown>)[k];
    }
    return o;
}

/** Whether dotted version `a` is older than `b` (2.9.3 < 2.10.5). */
export function olderThan(a: string, b: string): boolean {
    const x = a.split(".").map(Number);
    const y = b.split(".").map(Number);
    for (let i = 0; i < Math.max(x.length, y.length); i++)
        if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0);
    return false;
}

const changed = (c: IrreversibleInput, path: string) =>
    c.before &&
    c.after &&
    JSON.stringify(get(c.before.inputs, path)) !== JSON.stringify(get(c.after.inputs, path)) &&
    get(c.after.inputs, path) !== UNKNOWN;

const RULES: Readonly<Record<string, readonly Rule[]>> = {
    "gcp:storage/bucket:Bucket": [
        // https://cloud.google.com/storage/docs/bucket-lock: "Once you lock a retention policy,
        // you cannot remove it or reduce the retention period."
        (c) => {
            if (get(c.before?.inputs, "retentionPolicy.isLocked") !== true || c.op === "create")
                return undefined;
            if (c.op === "delete")
                return "its retention policy is locked: Cloud Storage deletes the bucket only once every object has aged out of the retention period (https://cloud.google.com/storage/docs/bucket-lock)";
            const before = Number(get(c.before?.inputs, "retentionPolicy.retentionPeriod"));
            const after = get(c.after?.inputs, "retentionPolicy.retentionPeriod");
            if (get(c.after?.inputs, "retentionPolicy") === undefined)
                return "removes a locked retention policy: Cloud Storage refuses, a locked policy cannot be removed (https://cloud.google.com/storage/docs/bucket-lock)";
            if (get(c.after?.inputs, "retentionPolicy.isLocked") !== true)
                return "unlocks a locked retention policy: Cloud Storage refuses, locking cannot be undone (https://cloud.google.com/storage/docs/bucket-lock)";
            if (after !== UNKNOWN && Number(after) < before)
                return `shortens a locked retention policy (${before} s → ${String(after)} s): Cloud Storage refuses, a locked period can only grow (https://cloud.google.com/storage/docs/bucket-lock)`;
            return undefined;
        },
    ],
    "gcp:logging/projectBucketConfig:ProjectBucketConfig": [
        // https://cloud.google.com/logging/docs/buckets#locking-logs-buckets
        (c) =>
            get(c.before?.inputs, "locked") === true &&
            c.op !== "create" &&
            (get(c.after?.inputs, "locked") !== true ||
                Number(get(c.after?.inputs, "retentionDays")) <
                    Number(get(c.before?.inputs, "retentionDays")))
                ? "unlocks or shortens a locked log bucket: Cloud Logging refuses, a locked bucket's retention can only grow (https://cloud.google.com/logging/docs/buckets#locking-logs-buckets)"
                : undefined,
    ],
    "gcp:composer/environment:Environment": [
        (c) =>
            c.op === "delete" || c.op === "replace"
                ? "deletes the environment with its Airflow database (run history, connections, variables); only a snapshot taken before can bring them back (https://cloud.google.com/composer/docs/composer-3/save-load-snapshots)"
                : undefined,
        // https://cloud.google.com/composer/docs/composer-3/upgrade-environments: an environment
        // can be upgraded, never downgraded.
        (c) => {
            const v = (r?: PlannedResource) =>
                /^composer-(\d+(?:\.\d+)*)-airflow-(\d+(?:\.\d+)*)/.exec(
                    String(get(r?.inputs, "config.softwareConfig.imageVersion")),
                );
            const a = v(c.before);
            const b = v(c.after);
            if (c.op !== "update" || !a || !b) return undefined;
            return olderThan(b[1]!, a[1]!) || (b[1] === a[1] && olderThan(b[2]!, a[2]!))
                ? `downgrades Composer or Airflow (${a[0]} → ${b[0]}): Composer refuses, environments are only upgraded (https://cloud.google.com/composer/docs/composer-3/upgrade-environments)`
                : undefined;
        },
        // https://cloud.google.com/composer/docs/composer-3/access-control#service-account:
        // the service account is set at creation and cannot be changed.
        (c) =>
            changed(c, "config.nodeConfig.serviceAccount")
                ? "changes the environment's service account: Composer sets it only at creation, so the environment is recreated and its Airflow database (run history, connections, variables) is lost (https://cloud.google.com/composer/docs/composer-3/access-control#service-account)"
                : undefined,
    ],
    "gcp:artifactregistry/repository:Repository": [
        (c) =>
            c.op === "delete" || c.op === "replace"
                ? "deletes the repository with every image in it: Artifact Registry cannot restore a deleted repository (https://cloud.google.com/artifact-registry/docs/repositories/delete)"
                : undefined,
    ],
    "gcp:bigquery/dataset:Dataset": [
        // https://cloud.google.com/bigquery/docs/managing-datasets#location: a dataset's location
        // cannot be changed after creation.
        (c) =>
            changed(c, "location")
                ? "moves the dataset to another location: BigQuery cannot, so the dataset and its tables are deleted and recreated empty (https://cloud.google.com/bigquery/docs/locations#moving-data)"
                : undefined,
    ],
    "gcp:bigquery/table:Table": [
        // https://cloud.google.com/bigquery/docs/creating-partitioned-tables: the partitioning of
        // an existing table cannot be changed.
        (c) =>
            ["timePartitioning.field", "timePartitioning.type", "rangePartitioning"].some((p) =>
                changed(c, p),
            )
                ? "changes the table's partitioning: BigQuery cannot, so the table is recreated and its rows lost (https://cloud.google.com/bigquery/docs/managing-partitioned-tables)"
                : undefined,
    ],
    "gcp:kms/cryptoKey:CryptoKey": [
        // https://cloud.google.com/kms/docs/destroy-restore: destroyed key material is gone; data
        // encrypted with it cannot be decrypted.
        (c) =>
            c.op === "delete" || c.op === "replace"
                ? "destroys the key's versions (the provider schedules every version for destruction): once the scheduled period ends, data encrypted with them can never be decrypted, and a deleted key's name cannot be reused (https://cloud.google.com/kms/docs/destroy-restore, https://cloud.google.com/kms/docs/delete-kms-resources)"
                : undefined,
    ],
    "gcp:kms/cryptoKeyVersion:CryptoKeyVersion": [
        (c) =>
            c.op === "delete" || c.op === "replace"
                ? "destroys a key version: once the scheduled period ends, data encrypted with it can never be decrypted (https://cloud.google.com/kms/docs/destroy-restore)"
                : undefined,
    ],
    "gcp:kms/keyRing:KeyRing": [
        (c) =>
            c.op === "delete" || c.op === "replace"
                ? "deletes a key ring: irreversible in Cloud KMS, with every key in it (https://cloud.google.com/kms/docs/delete-kms-resources)"
                : undefined,
    ],
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": [
        // A deleted pool can be undeleted for 30 days, and its id cannot be reused meanwhile.
        (c) =>
            c.op === "delete" || c.op === "replace"
                ? "deletes a workload identity pool: its id stays reserved for 30 days, so it cannot be recreated meanwhile and CI cannot authenticate (https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools/delete)"
                : undefined,
    ],
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": [
        (c) =>
            c.op === "delete" || c.op === "replace"
                ? "deletes a workload identity pool provider: its id stays reserved for 30 days, so CI cannot authenticate through it meanwhile (https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools.providers/undelete)"
                : undefined,
    ],
    "gcp:secretmanager/secret:Secret": [
        // https://cloud.google.com/secret-manager/docs/delete-secret: deletion is irreversible.
        (c) =>
            c.op === "delete" || c.op === "replace"
                ? "deletes a secret with all its versions: Secret Manager cannot restore it (https://cloud.google.com/secret-manager/docs/delete-secret)"
                : undefined,
    ],
    "gcp:secretmanager/secretVersion:SecretVersion": [
        (c) =>
            (c.op === "delete" || c.op === "replace") &&
            (get(c.before?.inputs, "deletionPolicy") ?? "DELETE") === "DELETE"
                ? "destroys a secret version: its value cannot be recovered (https://cloud.google.com/secret-manager/docs/destroy-secret-version)"
                : undefined,
    ],
};

/** The reasons each change cannot be carried out or undone, as sentences naming the resource. */
export function irreversibleChanges(changes: readonly IrreversibleInput[]): string[] {
    const out: string[] = [];
    for (const c of changes) {
        const r = c.after ?? c.before;
        if (!r) continue;
        for (const rule of RULES[r.type] ?? []) {
            const why = rule(c);
            if (why) out.push(`${r.type.split(":").pop()} ${r.name} ${c.op}: ${why}.`);
        }
    }
    return out;
}

/** The resource types with a rule, for the docs and the tests. */
export const IRREVERSIBLE_TYPES = Object.keys(RULES);

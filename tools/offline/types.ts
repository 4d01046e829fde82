// Facts about each resource type the platform creates, used by the offline diff: which inputs
// identify a resource in GCP. A change to any of them names a different resource, which Pulumi
// can only reach by replacing (delete and create) the old one. A test keeps the table complete.
//
// The table is deliberately the identity only (the parts of the resource's GCP id, its location,
// and values GCP cannot change in place). The Google provider replaces on a few more inputs;
// `pulumi preview` is the authority, the offline diff is the early warning.

/** Every input of the type is immutable: any change replaces (jobs, generated values, IAM pairs). */
export const ALL_INPUTS = "*";

export interface TypeFacts {
    /** Inputs whose change replaces the resource, or ALL_INPUTS. */
    identity: readonly string[] | typeof ALL_INPUTS;
    /** GCP assigns the resource's id (alert policies, dashboards): its inputs do not name it. */
    generatedId?: true;
}

export const RESOURCE_TYPES: Readonly<Record<string, TypeFacts>> = {
    "gcp:projects/service:Service": { identity: ["project", "service"] },
    "gcp:projects/serviceIdentity:ServiceIdentity": { identity: ["project", "service"] },
    "gcp:projects/iAMMember:IAMMember": { identity: ["project", "role", "member", "condition"] },
    "gcp:serviceaccount/account:Account": { identity: ["project", "accountId"] },
    "gcp:serviceaccount/iAMMember:IAMMember": {
        identity: ["serviceAccountId", "role", "member", "condition"],
    },
    "gcp:storage/bucket:Bucket": { identity: ["project", "name", "location"] },
    "gcp:storage/bucketIAMMember:BucketIAMMember": {
        identity: ["bucket", "role", "member", "condition"],
    },
    "gcp:bigquery/dataset:Dataset": { identity: ["project", "datasetId", "location"] },
    "gcp:bigquery/datasetIamMember:DatasetIamMember": {
        identity: ["project", "datasetId", "role", "member", "condition"],
    },
    // Also replaced when a column is removed or retyped: see schemaReplacement in diff.ts.
    "gcp:bigquery/table:Table": { identity: ["project", "datasetId", "tableId"] },
    "gcp:bigquery/reservation:Reservation": { identity: ["project", "location", "name"] },
    "gcp:bigquery/reservationAssignment:ReservationAssignment": { identity: ALL_INPUTS },
    "gcp:bigquery/dataTransferConfig:DataTransferConfig": {
        identity: ["project", "location", "dataSourceId"],
        generatedId: true,
    },
    // A job is a record of something that ran: it cannot change.
    "gcp:bigquery/job:Job": { identity: ALL_INPUTS },
    "gcp:composer/environment:Environment": { identity: ["project", "region", "name"] },
    "gcp:artifactregistry/repository:Repository": {
        identity: ["project", "location", "repositoryId", "format", "mode"],
    },
    "gcp:secretmanager/secret:Secret": { identity: ["project", "secretId", "replication"] },
    // A new value is a new version.
    "gcp:secretmanager/secretVersion:SecretVersion": { identity: ["secret", "secretData"] },
    "gcp:secretmanager/secretIamMember:SecretIamMember": {
        identity: ["project", "secretId", "role", "member", "condition"],
    },
    "gcp:cloudrunv2/service:Service": { identity: ["project", "location", "name"] },
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember": {
        identity: ["project", "location", "name", "role", "member", "condition"],
    },
    "gcp:monitoring/alertPolicy:AlertPolicy": { identity: ["project"], generatedId: true },
    "gcp:monitoring/notificationChannel:NotificationChannel": {
        identity: ["project", "type"],
        generatedId: true,
    },
    "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig": {
        identity: ["project"],
        generatedId: true,
    },
    "gcp:monitoring/dashboard:Dashboard": { identity: ["project"], generatedId: true },
    "gcp:logging/metric:Metric": { identity: ["project", "name"] },
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": {
        identity: ["project", "workloadIdentityPoolId"],
    },
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": {
        identity: ["project", "workloadIdentityPoolId", "workloadIdentityPoolProviderId"],
    },
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": {
        identity: ["cryptoKeyId", "role", "member", "condition"],
    },
    // The random provider regenerates on any change of its inputs.
    "random:index/randomPassword:RandomPassword": { identity: ALL_INPUTS },
};

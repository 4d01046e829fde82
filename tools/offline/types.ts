// Facts about each resource type the platform creates, used by the offline diff and the import
// file generator: which inputs identify a resource in GCP (a change to any of them names a
// different resource, which Pulumi can only reach by replacing the old one), and how
// `pulumi import` names an existing one. Tests keep the table complete and its ids well-formed.
//
// The table is deliberately the identity only (the parts of the resource's GCP id, its location,
// and values GCP cannot change in place). The Google provider replaces on a few more inputs;
// `pulumi preview` is the authority, the offline diff is the early warning.

/** Every input of the type is immutable: any change replaces (jobs, generated values, IAM pairs). */
export const ALL_INPUTS = "*";

/**
 * How `pulumi import` names an existing resource of the type: an id template whose `{input}`
 * placeholders are the resource's inputs (`{project}` falls back to the stack's project, as the
 * provider does), or why the type is not imported.
 */
export type ImportRule = { id: string } | { skip: string };

export interface TypeFacts {
    /** Inputs whose change replaces the resource, or ALL_INPUTS. */
    identity: readonly string[] | typeof ALL_INPUTS;
    /** GCP assigns the resource's id (alert policies, dashboards): its inputs do not name it. */
    generatedId?: true;
    import: ImportRule;
}

/** The import ids of IAM member grants: the resource, the role and the member, space-separated. */
const grant = (resource: string): ImportRule => ({ id: `${resource} {role} {member}` });
const GENERATED =
    "GCP assigns its id and it holds no data: pulumi up creates it; delete the Terraform-managed one after cutover so nothing runs or alerts twice";

export const RESOURCE_TYPES: Readonly<Record<string, TypeFacts>> = {
    "gcp:projects/service:Service": {
        identity: ["project", "service"],
        import: { id: "{project}/{service}" },
    },
    "gcp:projects/serviceIdentity:ServiceIdentity": {
        identity: ["project", "service"],
        import: {
            skip: "not importable: it only reads the service agent GCP creates, so creating it changes nothing",
        },
    },
    "gcp:projects/iAMMember:IAMMember": {
        identity: ["project", "role", "member", "condition"],
        import: grant("{project}"),
    },
    "gcp:serviceaccount/account:Account": {
        identity: ["project", "accountId"],
        import: {
            id: "projects/{project}/serviceAccounts/{accountId}@{project}.iam.gserviceaccount.com",
        },
    },
    "gcp:serviceaccount/iAMMember:IAMMember": {
        identity: ["serviceAccountId", "role", "member", "condition"],
        import: grant("{serviceAccountId}"),
    },
    "gcp:storage/bucket:Bucket": {
        identity: ["project", "name", "location"],
        import: { id: "{project}/{name}" },
    },
    "gcp:storage/bucketIAMMember:BucketIAMMember": {
        identity: ["bucket", "role", "member", "condition"],
        import: grant("b/{bucket}"),
    },
    "gcp:bigquery/dataset:Dataset": {
        identity: ["project", "datasetId", "location"],
        import: { id: "projects/{project}/datasets/{datasetId}" },
    },
    "gcp:bigquery/datasetIamMember:DatasetIamMember": {
        identity: ["project", "datasetId", "role", "member", "condition"],
        import: grant("projects/{project}/datasets/{datasetId}"),
    },
    // Also replaced when a column is removed or retyped: see schemaReplacement in diff.ts.
    "gcp:bigquery/table:Table": {
        identity: ["project", "datasetId", "tableId"],
        import: { id: "projects/{project}/datasets/{datasetId}/tables/{tableId}" },
    },
    "gcp:bigquery/reservation:Reservation": {
        identity: ["project", "location", "name"],
        import: { id: "projects/{project}/locations/{location}/reservations/{name}" },
    },
    "gcp:bigquery/reservationAssignment:ReservationAssignment": {
        identity: ALL_INPUTS,
        import: {
            skip: "BigQuery generates the assignment id: delete the Terraform-managed assignment (bq rm --reservation_assignment) just before pulumi up creates this one, or add its id to the file by hand",
        },
    },
    "gcp:bigquery/dataTransferConfig:DataTransferConfig": {
        identity: ["project", "location", "dataSourceId"],
        generatedId: true,
        import: { skip: GENERATED },
    },
    // A job is a record of something that ran: it cannot change.
    "gcp:bigquery/job:Job": {
        identity: ALL_INPUTS,
        import: {
            skip: "a job is the record of a run; restores start empty when a stack adopts a platform",
        },
    },
    "gcp:composer/environment:Environment": {
        identity: ["project", "region", "name"],
        import: { id: "projects/{project}/locations/{region}/environments/{name}" },
    },
    "gcp:artifactregistry/repository:Repository": {
        identity: ["project", "location", "repositoryId", "format", "mode"],
        import: { id: "projects/{project}/locations/{location}/repositories/{repositoryId}" },
    },
    "gcp:secretmanager/secret:Secret": {
        identity: ["project", "secretId", "replication"],
        import: { id: "projects/{project}/secrets/{secretId}" },
    },
    // A new value is a new version.
    "gcp:secretmanager/secretVersion:SecretVersion": {
        identity: ["secret", "secretData"],
        import: {
            skip: "the API key is rotated at adoption: pulumi up adds a new version to the adopted secret (docs/migrating-from-terraform.md, step 3)",
        },
    },
    "gcp:secretmanager/secretIamMember:SecretIamMember": {
        identity: ["project", "secretId", "role", "member", "condition"],
        import: grant("projects/{project}/secrets/{secretId}"),
    },
    "gcp:cloudrunv2/service:Service": {
        identity: ["project", "location", "name"],
        import: { id: "projects/{project}/locations/{location}/services/{name}" },
    },
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember": {
        identity: ["project", "location", "name", "role", "member", "condition"],
        import: grant("projects/{project}/locations/{location}/services/{name}"),
    },
    "gcp:monitoring/alertPolicy:AlertPolicy": {
        identity: ["project"],
        generatedId: true,
        import: { skip: GENERATED },
    },
    "gcp:monitoring/notificationChannel:NotificationChannel": {
        identity: ["project", "type"],
        generatedId: true,
        import: { skip: GENERATED },
    },
    "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig": {
        identity: ["project"],
        generatedId: true,
        import: { skip: GENERATED },
    },
    "gcp:monitoring/dashboard:Dashboard": {
        identity: ["project"],
        generatedId: true,
        import: { skip: GENERATED },
    },
    "gcp:logging/metric:Metric": {
        identity: ["project", "name"],
        import: { id: "{project} {name}" },
    },
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": {
        identity: ["project", "workloadIdentityPoolId"],
        import: {
            id: "projects/{project}/locations/global/workloadIdentityPools/{workloadIdentityPoolId}",
        },
    },
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": {
        identity: ["project", "workloadIdentityPoolId", "workloadIdentityPoolProviderId"],
        import: {
            id: "projects/{project}/locations/global/workloadIdentityPools/{workloadIdentityPoolId}/providers/{workloadIdentityPoolProviderId}",
        },
    },
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": {
        identity: ["cryptoKeyId", "role", "member", "condition"],
        import: grant("{cryptoKeyId}"),
    },
    // The random provider regenerates on any change of its inputs.
    "random:index/randomPassword:RandomPassword": {
        identity: ALL_INPUTS,
        import: {
            skip: "the API key is rotated at adoption, not imported: its import id would be the key itself (docs/migrating-from-terraform.md, step 3)",
        },
    },
};

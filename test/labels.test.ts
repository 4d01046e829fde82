// Labels: every resource that takes labels carries the standard set; new types need a decision.
import { strict as assert } from "assert";
import { EVERY_FEATURE, planFor } from "./harness";

/** GCP types the platform creates that accept labels. */
const LABELLED = new Set([
    "gcp:storage/bucket:Bucket",
    "gcp:bigquery/dataset:Dataset",
    "gcp:bigquery/table:Table",
    "gcp:bigquery/reservation:Reservation",
    "gcp:artifactregistry/repository:Repository",
    "gcp:cloudrunv2/service:Service",
    "gcp:secretmanager/secret:Secret",
    "gcp:composer/environment:Environment",
    "gcp:bigquery/job:Job",
]);
/** GCP types the platform creates that take no labels. */
const UNLABELLED = new Set([
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool",
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider",
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
    "gcp:bigquery/datasetIamMember:DatasetIamMember",
    "gcp:bigquery/reservationAssignment:ReservationAssignment",
    "gcp:projects/service:Service",
    "gcp:projects/iAMMember:IAMMember",
    "gcp:projects/serviceIdentity:ServiceIdentity",
    "gcp:serviceaccount/account:Account",
    "gcp:serviceaccount/iAMMember:IAMMember",
    "gcp:storage/bucketIAMMember:BucketIAMMember",
    "gcp:secretmanager/secretVersion:SecretVersion",
    "gcp:secretmanager/secretIamMember:SecretIamMember",
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
    "random:index/randomPassword:RandomPassword",
    "gcp:bigquery/dataTransferConfig:DataTransferConfig",
    // Monitoring resources carry the standard set as userLabels (test/alerting.test.ts).
    "gcp:monitoring/alertPolicy:AlertPolicy",
    "gcp:monitoring/notificationChannel:NotificationChannel",
    "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig",
    "gcp:monitoring/dashboard:Dashboard",
    "gcp:logging/metric:Metric",
]);

describe("labels", () => {
    for (const stack of ["dev", "prod"])
        it(`label every labellable resource of ${stack} with the standard set`, async () => {
            const plan = await planFor(stack, EVERY_FEATURE);
            for (const r of plan.resources.filter((r) => r.custom)) {
                assert.ok(
                    LABELLED.has(r.type) || UNLABELLED.has(r.type),
                    `${r.type} is new: add it to LABELLED or UNLABELLED in test/labels.test.ts`,
                );
                if (!LABELLED.has(r.type)) continue;
                const labels = r.inputs["labels"] as Record<string, string>;
                assert.deepEqual(
                    { ...labels, component: undefined, dataset: undefined, purpose: undefined },
                    {
                        environment: stack,
                        team: "data-platform",
                        "cost-center": "cc-data-1001",
                        "managed-by": "pulumi",
                        component: undefined,
                        dataset: undefined,
                        purpose: undefined,
                    },
                    r.urn,
                );
            }
        });
});

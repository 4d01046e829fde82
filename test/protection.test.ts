// Protection audit: in prod every stateful resource is protected, retained on delete and guarded
// by GCP's own deletion protection; every type the platform creates must be classified here.
import { strict as assert } from "assert";
import type { PlannedResource } from "../tools/offline/engine";
import { EVERY_FEATURE, planFor } from "./harness";

/** Types holding data or history, and the GCP-side guard each must carry when protected. */
const STATEFUL: Readonly<Record<string, (r: PlannedResource) => boolean>> = {
    "gcp:storage/bucket:Bucket": (r) =>
        r.inputs["deletionPolicy"] === "PREVENT" && r.inputs["forceDestroy"] !== true,
    "gcp:bigquery/dataset:Dataset": (r) =>
        r.inputs["deletionPolicy"] === "PREVENT" && r.inputs["deleteContentsOnDestroy"] === false,
    "gcp:bigquery/table:Table": (r) => r.inputs["deletionProtection"] === true,
    // Images: a rollback needs the previous ones.
    "gcp:artifactregistry/repository:Repository": (r) => r.inputs["deletionPolicy"] === "PREVENT",
    // The API key clients hold.
    "gcp:secretmanager/secret:Secret": (r) => r.inputs["deletionProtection"] === true,
    // Airflow's metadata: DAG run history, task state.
    "gcp:composer/environment:Environment": (r) => r.inputs["deletionPolicy"] === "PREVENT",
    // CI's identity: a deleted pool or provider keeps its id for 30 days, blocking a recreate.
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": (r) =>
        r.inputs["deletionPolicy"] === "PREVENT",
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": (r) =>
        r.inputs["deletionPolicy"] === "PREVENT",
};
/** Types that can be recreated from config without losing anything. */
const STATELESS = new Set([
    "gcp:bigquery/datasetIamMember:DatasetIamMember",
    "gcp:bigquery/reservation:Reservation",
    "gcp:bigquery/reservationAssignment:ReservationAssignment",
    "gcp:projects/service:Service",
    "gcp:projects/iAMMember:IAMMember",
    "gcp:projects/serviceIdentity:ServiceIdentity",
    "gcp:serviceaccount/account:Account",
    "gcp:serviceaccount/iAMMember:IAMMember",
    "gcp:storage/bucketIAMMember:BucketIAMMember",
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
    "gcp:secretmanager/secretVersion:SecretVersion",
    "gcp:secretmanager/secretIamMember:SecretIamMember",
    "gcp:cloudrunv2/service:Service",
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
    "random:index/randomPassword:RandomPassword",
    // Scheduled queries are recreated from config; restore jobs are records, retained on delete.
    "gcp:bigquery/dataTransferConfig:DataTransferConfig",
    "gcp:bigquery/job:Job",
    "gcp:monitoring/alertPolicy:AlertPolicy",
    "gcp:monitoring/notificationChannel:NotificationChannel",
    "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig",
    "gcp:monitoring/dashboard:Dashboard",
    "gcp:logging/metric:Metric",
]);

const EVERYTHING = EVERY_FEATURE;

describe("protection audit", () => {
    it("classifies every resource type the platform creates as stateful or stateless", async () => {
        const plan = await planFor("prod", EVERYTHING);
        for (const r of plan.resources.filter((r) => r.custom))
            assert.ok(
                r.type in STATEFUL || STATELESS.has(r.type),
                `${r.type} is new: classify it in test/protection.test.ts (stateful ones need protection)`,
            );
    });

    it("protects every stateful resource in prod, in Pulumi and in GCP", async () => {
        const plan = await planFor("prod", EVERYTHING);
        const stateful = plan.resources.filter((r) => r.type in STATEFUL);
        assert.ok(stateful.length >= 9, "3 buckets, 3 datasets, 3 tables at least");
        for (const r of stateful) {
            assert.equal(r.options.protect, true, `${r.urn} is not protected`);
            assert.equal(r.options.retainOnDelete, true, `${r.urn} is not retained on delete`);
            assert.ok(STATEFUL[r.type]!(r), `${r.urn} lacks GCP deletion protection`);
        }
    });

    it("leaves dev unprotected, as its stack file says, so it can be torn down", async () => {
        const plan = await planFor("dev");
        for (const r of plan.resources.filter((r) => r.type in STATEFUL))
            assert.equal(r.options.protect, false);
    });

    it("protects by default when a stack does not say", async () => {
        const plan = await planFor("dev", { "logistics:protectStatefulResources": undefined });
        for (const r of plan.resources.filter((r) => r.type in STATEFUL))
            assert.equal(r.options.protect, true);
    });
});

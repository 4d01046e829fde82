// The on-call engineers' access, for `npm run ops`: BigQuery jobs (queries, dry runs) and job
// metadata (restore jobs' status) exist only at project level, so those two roles are granted on
// the project; reading the raw tables is granted on the raw dataset by the warehouse, which owns
// the dataset's IAM. Nothing here writes data, so `dry-run` of a restore that has not run yet
// (its CREATE TABLE or TRUNCATE) may still be refused for want of write access (docs/ops.md).
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { childOptions, iamGrants } from "./common";

/** The on-call's project roles: run queries and dry runs, read restore jobs' status. */
export const ONCALL_PROJECT_ROLES = ["roles/bigquery.jobUser", "roles/bigquery.resourceViewer"];
/** The on-call's role on the raw dataset: read tables and their schemas. */
export const ONCALL_RAW_ROLE = "roles/bigquery.dataViewer";

export interface OnCallAccessArgs {
    project: string;
    /** IAM members (user:, group:, serviceAccount:, domain:). */
    members: readonly string[];
    /** Project-level roles each member gets. */
    roles: readonly string[];
}

export class OnCallAccess extends pulumi.ComponentResource {
    constructor(name: string, args: OnCallAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("logistics:iam:OnCallAccess", name, {}, opts);
        const child = childOptions(this, opts);
        const bindings = Object.fromEntries(args.roles.map((role) => [role, [...args.members]]));
        for (const { key, role, member } of iamGrants(bindings))
            new gcp.projects.IAMMember(
                `${name}-${key}`,
                { project: args.project, role, member },
                child,
            );
        this.registerOutputs({});
    }
}

// The Google APIs the platform uses, enabled on the project and never disabled on destroy
// (disabling an API can break resources that other tools still manage in the project).
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "./common";

export interface ProjectServicesArgs {
    project: string;
    /** API names, e.g. `run.googleapis.com`. */
    services: readonly string[];
}

/** The APIs a stack needs; optional features add theirs. */
export function requiredServices(features: {
    reservation: boolean;
    federation: boolean;
}): string[] {
    return [
        "artifactregistry.googleapis.com",
        "bigquery.googleapis.com",
        ...(features.reservation ? ["bigqueryreservation.googleapis.com"] : []),
        "bigquerydatatransfer.googleapis.com",
        "cloudresourcemanager.googleapis.com",
        "composer.googleapis.com",
        "iam.googleapis.com",
        // Workload identity federation: token exchange and service-account impersonation.
        ...(features.federation ? ["iamcredentials.googleapis.com", "sts.googleapis.com"] : []),
        "logging.googleapis.com",
        "monitoring.googleapis.com",
        "run.googleapis.com",
        "secretmanager.googleapis.com",
        "storage.googleapis.com",
    ].sort();
}

export class ProjectServices extends pulumi.ComponentResource {
    /** The enabled services by API name. */
    public readonly services: Record<string, gcp.projects.Service>;

    constructor(name: string, args: ProjectServicesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("logistics:project:ProjectServices", name, {}, opts);
        this.services = {};
        for (const service of args.services)
            this.services[service] = new gcp.projects.Service(
                `${name}-${service.split(".")[0]}`,
                {
                    project: args.project,
                    service,
                    disableOnDestroy: false,
                    disableDependentServices: false,
                },
                childOptions(this, opts),
            );
        this.registerOutputs({});
    }
}

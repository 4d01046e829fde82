// Hardening policies: workloads run as their own service accounts, never the default compute one,
// and Cloud Run runs images of the project's own Artifact Registry, pinned (never :latest).
import { DEFAULT_SERVICE_ACCOUNT } from "./iam";
import { get, planPolicy, stackProject, UNKNOWN, type PlanResource } from "./lib";

/**
 * Where a workload names its service account; left unset, GCP runs it as the default compute
 * (or App Engine) service account, which holds Editor on many projects.
 * https://cloud.google.com/run/docs/securing/service-identity,
 * https://cloud.google.com/composer/docs/composer-3/access-control#service-account,
 * https://cloud.google.com/functions/docs/securing/function-identity,
 * https://cloud.google.com/kubernetes-engine/docs/how-to/hardening-your-cluster#use_least_privilege_sa,
 * https://cloud.google.com/dataflow/docs/concepts/security-and-permissions#worker-service-account,
 * https://cloud.google.com/workflows/docs/authentication#deploy_a_workflow_with_a_custom_service_account,
 * https://cloud.google.com/dataproc/docs/concepts/configuring-clusters/service-accounts
 */
export const SERVICE_ACCOUNT_PATHS: Readonly<Record<string, string>> = {
    "gcp:cloudrunv2/service:Service": "template.serviceAccount",
    "gcp:cloudrunv2/job:Job": "template.template.serviceAccount",
    "gcp:cloudrunv2/workerPool:WorkerPool": "template.serviceAccount",
    "gcp:cloudrun/service:Service": "template.spec.serviceAccountName",
    "gcp:composer/environment:Environment": "config.nodeConfig.serviceAccount",
    "gcp:cloudfunctions/function:Function": "serviceAccountEmail",
    "gcp:cloudfunctionsv2/function:Function": "serviceConfig.serviceAccountEmail",
    "gcp:container/nodePool:NodePool": "nodeConfig.serviceAccount",
    "gcp:dataflow/job:Job": "serviceAccountEmail",
    "gcp:dataflow/flexTemplateJob:FlexTemplateJob": "serviceAccountEmail",
    "gcp:workflows/workflow:Workflow": "serviceAccount",
    "gcp:dataproc/cluster:Cluster": "clusterConfig.gceClusterConfig.serviceAccount",
    // https://cloud.google.com/build/docs/cloud-build-service-account-updates
    "gcp:cloudbuild/trigger:Trigger": "serviceAccount",
};

/** Compute instances: a `serviceAccount` block without an email is the default account. */
const INSTANCE_TYPES = [
    "gcp:compute/instance:Instance",
    "gcp:compute/instanceTemplate:InstanceTemplate",
    "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate",
];

function findDefault(value: unknown, path: string): string | undefined {
    if (typeof value === "string") return DEFAULT_SERVICE_ACCOUNT.test(value) ? path : undefined;
    if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
            const f = findDefault(value[i], `${path}[${i}]`);
            if (f) return f;
        }
    } else if (value !== null && typeof value === "object")
        for (const [k, v] of Object.entries(value)) {
            const f = findDefault(v, path ? `${path}.${k}` : k);
            if (f) return f;
        }
    return undefined;
}

export const iamNoDefaultServiceAccount = planPolicy({
    name: "iam-no-default-service-account",
    description:
        "Checks whether a resource names the default compute or App Engine service account, or runs a workload without a service account (GCP then uses the default one).",
    remediationSteps:
        "Run each workload as its own account (components/identities.ts) and never grant to or name the default accounts.",
    check: (resources, report) => {
        for (const r of resources) {
            const at = findDefault(r.props, "");
            if (at) report(r, `${at} names a default service account.`);
            const path = SERVICE_ACCOUNT_PATHS[r.type];
            if (path) {
                const sa = get(r.props, path);
                if (sa === UNKNOWN) continue; // an account created by the stack
                if (typeof sa !== "string" || sa.trim() === "")
                    report(
                        r,
                        `${path} is not set: GCP would run the workload as the default compute service account.`,
                    );
            }
            if (INSTANCE_TYPES.includes(r.type)) {
                const block = r.props["serviceAccount"];
                if (block !== undefined && block !== UNKNOWN && !get(block, "email"))
                    report(
                        r,
                        "serviceAccount.email is not set: the instance would run as the default compute service account.",
                    );
            }
        }
    },
});

/** Parts of a container image reference; undefined when it is not one. */
export function parseImage(
    image: string,
): { host: string; path: string[]; tag?: string; digest?: string } | undefined {
    const m =
        /^([^/]+)\/(.+?)(?::([A-Za-z0-9_][A-Za-z0-9._-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(
            image,
        );
    if (!m || !/[.:]|^localhost$/.test(m[1]!)) return undefined;
    return {
        host: m[1]!,
        path: m[2]!.split("/"),
        ...(m[3] ? { tag: m[3] } : {}),
        ...(m[4] ? { digest: m[4] } : {}),
    };
}

/** Docker repositories of the plan's own Artifact Registry: `<location>-docker.pkg.dev/<project>/<id>`. */
function registries(resources: readonly PlanResource[], project: string | undefined): Set<string> {
    const out = new Set<string>();
    for (const r of resources)
        if (
            r.type === "gcp:artifactregistry/repository:Repository" &&
            r.props["format"] === "DOCKER" &&
            (r.props["mode"] === undefined || r.props["mode"] === "STANDARD_REPOSITORY") &&
            typeof r.props["location"] === "string" &&
            typeof r.props["repositoryId"] === "string" &&
            (r.props["project"] ?? project) === project
        )
            out.add(`${r.props["location"]}-docker.pkg.dev/${project}/${r.props["repositoryId"]}`);
    return out;
}

/** Every `image` input of Cloud Run resources, with its path. */
function images(value: unknown, path: string, out: [string, unknown][] = []): [string, unknown][] {
    if (Array.isArray(value)) value.forEach((v, i) => images(v, `${path}[${i}]`, out));
    else if (value !== null && typeof value === "object")
        for (const [k, v] of Object.entries(value)) {
            const p = path ? `${path}.${k}` : k;
            if (k === "image") out.push([p, v]);
            else images(v, p, out);
        }
    return out;
}

/** Why an image is not allowed, or undefined. */
export function imageProblem(image: string, allowed: ReadonlySet<string>): string | undefined {
    const parsed = parseImage(image);
    const from = parsed ? `${parsed.host}/${parsed.path.slice(0, 2).join("/")}` : "";
    if (!parsed || !allowed.has(from))
        return `${image} is not from the project's Artifact Registry (${[...allowed].join(", ") || "none in the stack"}).`;
    if (!parsed.tag && !parsed.digest)
        return `${image} has no tag: it runs whatever :latest is at deploy.`;
    if (parsed.tag === "latest" && !parsed.digest)
        return `${image} uses :latest: the running version would change without a reviewed change.`;
    return undefined;
}

export const cloudrunImagesFromRegistry = planPolicy({
    name: "cloudrun-images-from-registry",
    description:
        "Checks whether Cloud Run runs images from the project's own Artifact Registry, pinned to a tag other than latest or a digest.",
    remediationSteps:
        "Push the image to the stack's repository (imageRepository output) and set logistics:api.image to logistics-api:<version> or @sha256:<digest>.",
    check: (resources, report) => {
        const project = stackProject(resources);
        const allowed = registries(resources, project);
        for (const r of resources) {
            if (!/^gcp:cloudrun(v2)?\//.test(r.type)) continue;
            for (const [path, image] of images(r.props, "")) {
                if (image === UNKNOWN) {
                    report(
                        r,
                        `${path} is known only after deploy: the image's origin cannot be judged.`,
                    );
                    continue;
                }
                if (typeof image !== "string") continue;
                const problem = imageProblem(image, allowed);
                if (problem) report(r, `${path}: ${problem}`);
            }
        }
    },
});

export const hardeningPlanPolicies = [iamNoDefaultServiceAccount, cloudrunImagesFromRegistry];

// Config section of logistics-api on Cloud Run (components/apiService.ts): image, scaling, size,
// access. Composed into CONFIG_SCHEMA as logistics:api (stacks/config.ts).
import { z } from "zod";
import { bool, int, oneOf, pattern, section } from "../lib/schema";

/** An image in the project's own repository: `name:tag`, `name@sha256:…`, or the full path. */
export const IMAGE_PATTERN =
    /^([a-z0-9][a-z0-9._/-]*)(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[a-f0-9]{64})$/;

const member = pattern(
    /^(user|serviceAccount|group|domain):\S+$/,
    "an IAM member such as group:support@example.com or serviceAccount:<email> (public access is publicInvoker)",
);

export const API_DEFAULTS = {
    minInstances: 0,
    maxInstances: 10,
    cpu: "1",
    memory: "512Mi",
    concurrency: 80,
    timeoutSeconds: 60,
    port: 8080,
    healthPath: "/healthz",
    ingress: "INGRESS_TRAFFIC_ALL",
    publicInvoker: false,
    invokers: [] as string[],
    keepImages: 10,
} as const;

export const api = section({
    /**
     * The image to run, from the project's Artifact Registry repository: `logistics-api:<tag>`
     * or `logistics-api@sha256:<digest>` (the registry path is added), or the full
     * `<region>-docker.pkg.dev/<project>/<repository>/…` path. A deploy is changing this.
     */
    image: pattern(
        IMAGE_PATTERN,
        "an image such as logistics-api:1.4.2 or logistics-api@sha256:<digest>",
    ),
    /** Instances kept warm; 0 lets the service scale to zero. Default 0. */
    minInstances: int(0, 1000, "Cloud Run's limit is 1000").default(API_DEFAULTS.minInstances),
    /** Upper bound on instances; must be ≥ minInstances. Default 10. */
    maxInstances: int(1, 1000, "Cloud Run's limit is 1000").default(API_DEFAULTS.maxInstances),
    /** vCPUs per instance. Default "1". */
    cpu: z
        .preprocess(
            // YAML reads `cpu: 2` as a number; Cloud Run takes the count as text.
            (v) => (typeof v === "number" ? String(v) : v),
            oneOf(["1", "2", "4", "6", "8"], "a Cloud Run CPU count, one of"),
        )
        .default(API_DEFAULTS.cpu),
    /** Memory per instance, e.g. 512Mi or 2Gi (Cloud Run: 128Mi to 32Gi). Default 512Mi. */
    memory: pattern(
        /^([1-9][0-9]{2,4}Mi|([1-9]|[12][0-9]|3[0-2])Gi)$/,
        "memory such as 512Mi or 2Gi, from 128Mi to 32Gi",
    )
        .refine((m) => !m.endsWith("Mi") || Number(m.slice(0, -2)) >= 128, {
            error: (i) => `got ${JSON.stringify(i.input)}. Expected at least 128Mi`,
        })
        .default(API_DEFAULTS.memory),
    /** Concurrent requests per instance (1 to 1000). Default 80. */
    concurrency: int(1, 1000).default(API_DEFAULTS.concurrency),
    /** Request timeout in seconds (1 to 3600). Default 60. */
    timeoutSeconds: int(1, 3600).default(API_DEFAULTS.timeoutSeconds),
    /** Port the container listens on. Default 8080. */
    port: int(1, 65535).default(API_DEFAULTS.port),
    /** Path the startup and liveness probes call. Default /healthz. */
    healthPath: pattern(/^\/[A-Za-z0-9._~/-]*$/, "an absolute path such as /healthz").default(
        API_DEFAULTS.healthPath,
    ),
    /** Who can reach the service over the network. Default INGRESS_TRAFFIC_ALL. */
    ingress: oneOf([
        "INGRESS_TRAFFIC_ALL",
        "INGRESS_TRAFFIC_INTERNAL_ONLY",
        "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
    ]).default(API_DEFAULTS.ingress),
    /** Let anyone invoke the service (allUsers run.invoker). Default false: callers need IAM. */
    publicInvoker: bool().default(API_DEFAULTS.publicInvoker),
    /** Members granted roles/run.invoker. */
    invokers: z.array(member, { error: () => "expected a list of IAM members" }).default([]),
    /** Images kept in the repository; older ones are cleaned up. Default 10. */
    keepImages: int(1, 1000).default(API_DEFAULTS.keepImages),
}).superRefine((a, ctx) => {
    if (a.maxInstances < a.minInstances)
        ctx.addIssue({
            code: "custom",
            path: ["maxInstances"],
            message: `got ${a.maxInstances}, below minInstances (${a.minInstances}). Expected maxInstances ≥ minInstances`,
        });
    const problem = cpuMemoryProblem(a.cpu, a.memory);
    if (problem) ctx.addIssue({ code: "custom", path: ["memory"], message: problem });
});

/**
 * Cloud Run's pairing of vCPUs and memory per instance: more than 4, 8, 16 or 24 GiB needs at
 * least 2, 4, 6 or 8 vCPUs; 4 vCPUs need at least 2 GiB, 6 and 8 at least 4 GiB. A pair it
 * refuses fails the deploy; here it fails the config.
 */
export function cpuMemoryProblem(cpu: string, memory: string): string | undefined {
    const gib = Number(memory.slice(0, -2)) / (memory.endsWith("Mi") ? 1024 : 1);
    const vcpus = Number(cpu);
    const floor = [
        [24, 8],
        [16, 6],
        [8, 4],
        [4, 2],
    ].find(([above]) => gib > above!);
    if (floor && vcpus < floor[1]!)
        return `got "${memory}" with cpu "${cpu}". Expected cpu of at least ${floor[1]} for more than ${floor[0]}Gi (Cloud Run's rule), or less memory`;
    const least = vcpus >= 6 ? 4 : vcpus >= 4 ? 2 : 0;
    if (gib < least)
        return `got "${memory}" with cpu "${cpu}". Expected at least ${least}Gi for ${cpu} vCPUs (Cloud Run's rule), or fewer vCPUs`;
    return undefined;
}
export type ApiConfig = z.output<typeof api>;

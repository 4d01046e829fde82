// Deterministic physical names and the standard label set, derived from the stack config alone.
//
// Names never carry random suffixes: re-running the program, importing existing resources and
// reading a bill all rely on a name being computable from config. Names that must be unique
// across all of Google Cloud (bucket names) take their uniqueness from the project id.

/** What names and labels derive from: a subset of the stack config (stacks/config.ts). */
export interface NamingConfig {
    project: string;
    prefix: string;
    environment: string;
    labels: { team: string; costCenter: string; extra: Readonly<Record<string, string>> };
}

export interface Naming {
    /** `<prefix>-<environment>-<name>`, for resources whose names are unique within the project. */
    name(name: string): string;
    /** `<project>-<prefix>-<environment>-<name>`, for globally unique names (Cloud Storage buckets). */
    globalName(name: string): string;
    /** Labels for every resource that takes them, plus resource-specific extras. */
    labels(extra?: Readonly<Record<string, string>>): Record<string, string>;
}

/**
 * GCP's limit on most resource names, RFC 1035 labels of at most 63 characters
 * (https://cloud.google.com/compute/docs/naming-resources#resource-name-format); buckets: 63
 * characters per dot-free name (https://cloud.google.com/storage/docs/buckets#naming).
 */
export const MAX_NAME_LENGTH = 63;

export function naming(config: NamingConfig): Naming {
    const base = `${config.prefix}-${config.environment}`;
    const check = (full: string, name: string): string => {
        if (!/^[a-z][a-z0-9-]*$/.test(name))
            throw new Error(
                `naming: "${name}" must be lowercase letters, digits and '-', starting with a letter.`,
            );
        if (full.length > MAX_NAME_LENGTH)
            throw new Error(
                `naming: "${full}" is ${full.length} characters; GCP accepts at most ${MAX_NAME_LENGTH}.`,
            );
        return full;
    };
    return {
        name: (name) => check(`${base}-${name}`, name),
        globalName: (name) => check(`${config.project}-${base}-${name}`, name),
        labels: (extra = {}) => ({
            ...config.labels.extra,
            ...extra,
            environment: config.environment,
            team: config.labels.team,
            "cost-center": config.labels.costCenter,
            "managed-by": "pulumi",
        }),
    };
}

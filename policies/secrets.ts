// Secrets policy: no credential in a value that travels in plain text (container env, Composer
// variables and Airflow config, notification channel labels), judged by name and by value.
import { get, planPolicy, UNKNOWN, type PlanResource } from "./lib";

/** Name parts that say a value is a credential (split on `_`, `-`, `.` and case changes). */
const SECRET_WORDS = new Set([
    "key",
    "apikey",
    "secret",
    "secrets",
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "token",
    "credential",
    "credentials",
    "creds",
    "auth",
    "authorization",
    "bearer",
    "jwt",
    "private",
    "privatekey",
    "signing",
    "salt",
    "dsn",
    "conn",
    "connection",
    "webhook",
    "session",
    "cookie",
    "fernet",
    "cert",
    "pem",
]);

/** Words of a variable or label name: `DB_PASSWORD` → db, password; `smtp-smtp_password` too. */
export function nameWords(name: string): string[] {
    return name
        .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .filter(Boolean);
}

/** Whether a name says its value is a credential. */
export function secretName(name: string): boolean {
    const words = nameWords(name);
    if (words.some((w) => SECRET_WORDS.has(w))) return true;
    const joined = words.join("");
    return /(apikey|accesskey|secretkey|privatekey|clientsecret|databaseurl|connectionstring)/.test(
        joined,
    );
}

/**
 * A value that names a secret instead of holding it: a Secret Manager path or reference, a class
 * path (Airflow's `secrets-backend`), a boolean, a number, or an empty string.
 */
function isReference(value: string): boolean {
    return (
        value.trim() === "" ||
        /^(true|false|\d+(\.\d+)?)$/i.test(value) ||
        /^projects\/[^/]+\/secrets\/[^/]+(\/versions\/[^/]+)?$/.test(value) ||
        /^sm:\/\//.test(value) ||
        /^[a-z_][\w]*(\.[a-z_][\w]*)+\.[A-Z]\w*$/.test(value) ||
        /^\{[^:]*"(connections_prefix|variables_prefix|config_prefix|sep|project_id)"/.test(value)
    );
}

// Value shapes that are credentials whatever the name says. Token prefixes from the issuers' docs:
// https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/,
// https://docs.gitlab.com/ee/security/token_overview.html, https://api.slack.com/authentication/token-types,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids,
// https://cloud.google.com/docs/authentication/api-keys (AIza…), https://docs.stripe.com/keys.
const VALUE_PATTERNS: readonly [RegExp, string][] = [
    [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a private key"],
    [/"type"\s*:\s*"service_account"/, "a service account key file"],
    [/[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, "a URL with a password"],
    [/\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}/, "a GitHub token"],
    [/\bgithub_pat_[A-Za-z0-9_]{30,}/, "a GitHub token"],
    [/\bglpat-[A-Za-z0-9_-]{20,}/, "a GitLab token"],
    [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, "a Slack token"],
    [/hooks\.slack\.com\/services\/[A-Za-z0-9/]+/, "a Slack webhook"],
    [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, "an AWS access key"],
    [/\bAIza[0-9A-Za-z_-]{35}\b/, "a Google API key"],
    [/\bya29\.[0-9A-Za-z_-]{20,}/, "a Google OAuth token"],
    [/\b(sk|rk)_(live|test)_[0-9A-Za-z]{16,}/, "a Stripe key"],
    [/\bsk-[A-Za-z0-9_-]{32,}/, "an API secret key"],
    [/\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/, "a SendGrid key"],
    [/\bnpm_[A-Za-z0-9]{36}\b/, "an npm token"],
    [/\bBearer\s+[A-Za-z0-9._~+/-]{16,}=*/, "a bearer token"],
    [/\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+/, "a JSON web token"],
    // A command line or script setting a credential: `--password=hunter2`, `export API_KEY=…`.
    [
        // An option or an assignment, not prose ("the API token: rotate it" is not one).
        /(^|\s)(--?[\w-]*|(export\s+)?[A-Z_]*)(password|passwd|token|secret|api[_-]?key|access[_-]?key)[\w-]*=[^\s$'"{}<>]{4,}/i,
        "a credential set on a command line",
    ],
];

/** Bits of entropy per character of a string. */
export function entropy(s: string): number {
    const counts = new Map<string, number>();
    for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
    let h = 0;
    for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
    return h;
}

/**
 * Whether a string looks like a random token: 32+ hex digits, or 20+ characters of one word mixing
 * upper case, lower case and digits with high entropy (names and versions have separators and
 * one case: `composer-3-airflow-2.10.5`).
 */
export function looksRandom(s: string): boolean {
    if (!/^[A-Za-z0-9+/=_.~-]{20,}$/.test(s)) return false;
    // A UUID identifies (a tenant, a workspace); it grants nothing by itself.
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s)) return false;
    if (/^[0-9a-f-]+$/i.test(s))
        return (
            /[0-9]/.test(s) &&
            /[a-f]/i.test(s) &&
            s.replace(/-/g, "").length >= 32 &&
            entropy(s) >= 3.3
        );
    const separators = (s.match(/[-._/~]/g) ?? []).length;
    return (
        /[A-Z]/.test(s) &&
        /[a-z]/.test(s) &&
        /[0-9]/.test(s) &&
        separators <= 2 &&
        entropy(s) >= 4.0
    );
}

/** What credential a value is, or undefined; `random` also judges token-like strings. */
export function secretValue(value: string, random: boolean): string | undefined {
    for (const [re, what] of VALUE_PATTERNS) if (re.test(value)) return what;
    if (random && looksRandom(value)) return "a high-entropy token";
    return undefined;
}

/** The offline runner's stand-in for a value wrapped in pulumi.secret (the CLI unwraps it). */
const OFFLINE_SECRET = "[secret]";

interface Carrier {
    /** Where, for the message: `env DB_PASSWORD`, `envVariables.SMTP_PASSWORD`. */
    where: string;
    name: string;
    value: unknown;
    /** Judge names and token-like values (false where credentials belong, such as sensitive labels). */
    strict: boolean;
}

/** Env entries of container lists (`[{ name, value, valueSource }]`). */
function envs(containers: unknown, prefix: string): Carrier[] {
    if (!Array.isArray(containers)) return [];
    return containers.flatMap((c: any) =>
        (Array.isArray(c?.envs) ? c.envs : []).map((e: any) => ({
            where: `${prefix} env ${String(e?.name)}`,
            name: String(e?.name ?? ""),
            value: e?.value,
            strict: true,
        })),
    );
}

function entries(map: unknown, where: string, strict: boolean): Carrier[] {
    if (map === null || typeof map !== "object") return [];
    return Object.entries(map as Record<string, unknown>).map(([name, value]) => ({
        where: `${where}.${name}`,
        name,
        value,
        strict,
    }));
}

/** The plain-text values of a resource that a credential could travel in. */
export function carriers(r: PlanResource): Carrier[] {
    const p = r.props;
    switch (r.type) {
        case "gcp:cloudrunv2/service:Service":
        case "gcp:cloudrunv2/workerPool:WorkerPool":
            return envs(get(p, "template.containers"), "container");
        case "gcp:cloudrunv2/job:Job":
            return envs(get(p, "template.template.containers"), "container");
        case "gcp:cloudrun/service:Service":
            return envs(get(p, "template.spec.containers"), "container");
        case "gcp:composer/environment:Environment":
            return [
                ...entries(get(p, "config.softwareConfig.envVariables"), "envVariables", true),
                ...entries(
                    get(p, "config.softwareConfig.airflowConfigOverrides"),
                    "airflowConfigOverrides",
                    true,
                ),
            ];
        case "gcp:monitoring/notificationChannel:NotificationChannel":
            return [
                ...entries(p["labels"], "labels", true),
                ...entries(p["sensitiveLabels"], "sensitiveLabels", false),
            ];
        case "gcp:cloudfunctionsv2/function:Function":
            return [
                ...entries(
                    get(p, "serviceConfig.environmentVariables"),
                    "environmentVariables",
                    true,
                ),
                ...entries(
                    get(p, "buildConfig.environmentVariables"),
                    "buildEnvironmentVariables",
                    true,
                ),
            ];
        case "gcp:cloudfunctions/function:Function":
            return [
                ...entries(p["environmentVariables"], "environmentVariables", true),
                ...entries(p["buildEnvironmentVariables"], "buildEnvironmentVariables", true),
            ];
    }
    return envLikeMaps(p, "");
}

/**
 * Inputs named as environment or header maps on any other type (Workflows' userEnvVars, Cloud
 * Scheduler's headers, Cloud Build's env, a new service's environmentVariables): judged by name and
 * value like a container's env, so a type the pack has not listed is no way around it.
 */
const ENV_KEY =
    /^(env|envs|envVars|envVariables|userEnvVars|environmentVariables|buildEnvironmentVariables|environment|headers|httpHeaders)$/i;

function envLikeMaps(value: unknown, path: string, depth = 0): Carrier[] {
    if (value === null || typeof value !== "object" || depth > 16) return [];
    if (Array.isArray(value))
        return value.flatMap((v, i) => envLikeMaps(v, `${path}[${i}]`, depth + 1));
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
        const at = path ? `${path}.${k}` : k;
        if (!ENV_KEY.test(k)) return envLikeMaps(v, at, depth + 1);
        if (Array.isArray(v))
            return v.flatMap((e: any) =>
                typeof e?.name === "string"
                    ? [{ where: `${at} ${e.name}`, name: e.name, value: e.value, strict: true }]
                    : [],
            );
        return entries(v, at, true);
    });
}

/** Types whose inputs are meant to hold a secret (Secret Manager's payload). */
const SECRET_HOLDERS = new Set([
    "gcp:secretmanager/secretVersion:SecretVersion",
    "gcp:secretmanager/regionalSecretVersion:RegionalSecretVersion",
    "random:index/randomPassword:RandomPassword",
]);

/** Every string of a value with its path. */
function strings(value: unknown, path: string, out: [string, string][] = []): [string, string][] {
    if (typeof value === "string") out.push([path, value]);
    else if (Array.isArray(value)) value.forEach((v, i) => strings(v, `${path}[${i}]`, out));
    else if (value !== null && typeof value === "object")
        for (const [k, v] of Object.entries(value)) strings(v, path ? `${path}.${k}` : k, out);
    return out;
}

/** The problems of one carrier value. */
export function carrierProblem(c: Carrier): string | undefined {
    if (c.value === undefined || c.value === null) return undefined;
    if (c.value === UNKNOWN)
        return c.strict && secretName(c.name)
            ? `${c.where}: its value is known only after deploy and its name says it is a credential; reference Secret Manager instead.`
            : undefined;
    const v = String(c.value);
    if (v === OFFLINE_SECRET)
        return c.strict
            ? `${c.where} is a Pulumi secret in a plain-text value: anyone who can read the resource sees it. Reference Secret Manager instead.`
            : undefined;
    const what = secretValue(v, c.strict);
    if (what) return `${c.where} holds ${what} in plain text.`;
    if (c.strict && secretName(c.name) && !isReference(v))
        return `${c.where} has a credential's name and a plain value.`;
    return undefined;
}

export const secretsNoPlaintext = planPolicy({
    name: "secrets-no-plaintext",
    description:
        "Checks whether a credential travels in plain text: container env (Cloud Run services, jobs, functions), Composer env variables and Airflow config overrides, notification channel labels, or any input holding a private key, a token or a URL with a password.",
    remediationSteps:
        "Keep the value in Secret Manager: valueSource.secretKeyRef in Cloud Run, Airflow's Secret Manager backend in Composer, sensitiveLabels from `pulumi config set --secret` for channels.",
    check: (resources, report) => {
        for (const r of resources) {
            const judged = new Set<unknown>();
            for (const c of carriers(r)) {
                const problem = carrierProblem(c);
                if (problem) report(r, problem);
                judged.add(c.value);
            }
            if (SECRET_HOLDERS.has(r.type)) continue;
            // Anywhere else, only unmistakable credential shapes (no names, no entropy).
            for (const [path, value] of strings(r.props, "")) {
                if (path.startsWith("sensitiveLabels") || judged.has(value)) continue;
                const what = secretValue(value, false);
                if (what) report(r, `${path} holds ${what} in plain text.`);
            }
        }
    },
});

export const secretsPlanPolicies = [secretsNoPlaintext];

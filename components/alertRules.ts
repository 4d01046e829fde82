// Cloud Monitoring's rules for an alert policy's notification settings, as a check: settings that
// GCP accepts and then ignores (a renotify interval on a log-match policy) never ship.

/** An alert policy's inputs, as far as the rules below read them (plain values, as in a plan). */
export interface AlertPolicyShape {
    displayName?: unknown;
    conditions?: unknown;
    alertStrategy?: unknown;
}

const MATCHED_LOG = "conditionMatchedLog";

/**
 * What GCP would ignore or refuse in a policy's notification settings. The rules, from the
 * AlertStrategy reference (https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.alertPolicies#alertstrategy)
 * and https://cloud.google.com/monitoring/alerts/policies-in-api:
 * - a log-match condition must stand alone in its policy and needs `notificationRateLimit`;
 * - a log-based policy notifies once per incident: re-notification
 *   (`notificationChannelStrategies[].renotifyInterval`) is never sent for it, and its
 *   notification prompts are always OPENED;
 * - `notificationRateLimit` "is not implemented for alert policies that are not log-based".
 * Values not known yet (outputs) are skipped, never guessed.
 */
export function ignoredAlertSettings(name: string, p: AlertPolicyShape): string[] {
    const conditions = Array.isArray(p.conditions) ? (p.conditions as unknown[]) : [];
    const strategy = (p.alertStrategy ?? {}) as Record<string, unknown>;
    const logBased = conditions.some(
        (c) => typeof c === "object" && c !== null && MATCHED_LOG in c,
    );
    const problems: string[] = [];
    const strategies = strategy["notificationChannelStrategies"];
    const renotify =
        Array.isArray(strategies) &&
        strategies.some(
            (s) => typeof s === "object" && s !== null && "renotifyInterval" in (s as object),
        );
    if (logBased) {
        if (conditions.length > 1)
            problems.push(
                `${name}: a log-match condition shares its policy with ${conditions.length - 1} other condition(s). Expected it alone in its policy`,
            );
        if (strategy["notificationRateLimit"] === undefined)
            problems.push(
                `${name}: a log-based policy has no alertStrategy.notificationRateLimit. Expected one (Cloud Monitoring requires it)`,
            );
        if (renotify)
            problems.push(
                `${name}: a log-based policy sets renotifyInterval, which Cloud Monitoring never acts on (log-based incidents notify once). Expected a metric-based condition (a log-based metric and a threshold) for an alert that repeats`,
            );
        const prompts = strategy["notificationPrompts"];
        if (Array.isArray(prompts) && prompts.includes("CLOSED"))
            problems.push(
                `${name}: a log-based policy asks for CLOSED notifications, which Cloud Monitoring never sends for it. Expected notificationPrompts [OPENED] or none`,
            );
    } else if (strategy["notificationRateLimit"] !== undefined)
        problems.push(
            `${name}: a metric-based policy sets notificationRateLimit, which Cloud Monitoring implements only for log-based policies. Expected none`,
        );
    return problems;
}

// Monitoring policies: an alert nobody receives, or that says nothing about what to do, is noise.
import { ALERT_POLICY, get, resourcePolicy } from "./lib";

export const monitoringAlertRoutedAndDocumented = resourcePolicy({
    name: "monitoring-alert-routed-and-documented",
    description:
        "Checks whether every alert policy notifies a channel and carries documentation (the runbook's response).",
    remediationSteps:
        "Route the alert to a notification channel and put the runbook's response in documentation.content.",
    types: [ALERT_POLICY],
    check: (p, _a, report) => {
        const channels = p.notificationChannels;
        if (Array.isArray(channels) && channels.length === 0)
            report("Alert policy must notify at least one channel.");
        if (p.documentation !== undefined && !get(p, "documentation.content"))
            report("Alert policy must document the response (documentation.content).");
        if (p.documentation === undefined)
            report("Alert policy must document the response (documentation.content).");
    },
});

export const monitoringPolicies = [monitoringAlertRoutedAndDocumented];

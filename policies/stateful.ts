// Stateful resources keep the identity the pack knows them by: a change that edits the label of the
// backups bucket, the data lake or a raw table must not switch the checks that key on it off.
import { planPolicy, STATEFUL_LABELS, statefulKind, UNKNOWN } from "./lib";

export const statefulIdentityKept = planPolicy({
    name: "stateful-identity-kept",
    description:
        "Checks whether the platform's stateful resources (recognised by component and logical name) still carry the label that identifies them.",
    remediationSteps:
        "Restore the label the component sets (purpose, component or dataset); a renamed role needs the policies changed with it.",
    check: (resources, report) => {
        for (const r of resources) {
            const kind = statefulKind(r.urn, r.type);
            const label = kind && STATEFUL_LABELS[kind];
            if (!label) continue;
            const labels = r.props["labels"];
            const value = labels === UNKNOWN ? UNKNOWN : labels?.[label[0]];
            if (value !== label[1])
                report(
                    r,
                    `The ${kind} must keep the label ${label[0]}: ${label[1]}, got ${value === UNKNOWN ? "a value known only after deploy" : JSON.stringify(value ?? null)}: checks that find it by that label would skip it.`,
                );
        }
    },
});

export const statefulPlanPolicies = [statefulIdentityKept];

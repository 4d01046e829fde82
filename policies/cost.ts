// The budget policy: the stack's monthly estimate, computed from the plan's resources with the
// same cost module as `npm run preview -- --cost`, must stay within logistics:budget.monthlyUsd.
import type { StackValidationPolicy } from "@pulumi/policy";
import { budgetOf, estimateCost, type CostResource } from "../tools/offline/cost";

export const stackCostWithinBudget: StackValidationPolicy & { remediationSteps: string } = {
    name: "stack-cost-within-budget",
    description:
        "Checks whether the stack's estimated monthly cost stays within logistics:budget.monthlyUsd.",
    remediationSteps:
        "Lower what costs most (see `npm run preview -- --stack <name> --cost`), or raise " +
        "logistics:budget.monthlyUsd in the stack file with the owner's approval.",
    validateStack: (args, report) => {
        const resources: CostResource[] = args.resources.map((r) => ({
            type: r.type,
            name: r.name,
            props: (r.props ?? {}) as Record<string, unknown>,
        }));
        const budget = budgetOf(resources);
        // No budget configured: no limit.
        if (budget === undefined) return;
        if (budget === "unreadable") {
            report(
                "logistics:budget.monthlyUsd must be a plain number the policy can read; it is hidden " +
                    "(a secret or a value known only after deploy), so the estimate cannot be checked.",
            );
            return;
        }
        const estimate = estimateCost(resources);
        // An unpriced resource could hold any cost: the budget cannot be vouched for without it.
        if (estimate.notPriced.length > 0)
            report(
                `Every resource must have a price to check logistics:budget.monthlyUsd; not priced: ` +
                    `${estimate.notPriced.map((r) => `${r.name} (${r.type})`).join(", ")}. ` +
                    `Add the type's price to tools/offline/prices.json and tools/offline/cost.ts.`,
            );
        // A usage estimate that names no bucket or dataset is a typo or a leftover: the resource it
        // meant is then priced without it (a dataset with no volume costs $0), so the total could
        // pass the budget only because of the slip.
        if (estimate.unmatchedEstimates.length > 0)
            report(
                `Every usage estimate must name a resource of the stack to check logistics:budget.monthlyUsd; ` +
                    estimate.unmatchedEstimates.map((u) => `${u.key}: ${u.reason}`).join("; ") +
                    ".",
            );
        // A bucket or dataset no estimate names (a new one, or a renamed purpose) is priced at
        // nothing: the total would pass the budget without it.
        if (estimate.unestimated.length > 0)
            report(
                `Every bucket and dataset must have a usage estimate to check logistics:budget.monthlyUsd; none for: ` +
                    estimate.unestimated.map((u) => `${u.name} (${u.reason})`).join("; ") +
                    ".",
            );
        if (estimate.monthlyUsd > budget) {
            const top = [...estimate.items]
                .sort((a, b) => b.monthlyUsd - a.monthlyUsd)
                .slice(0, 3)
                .map((i) => `${i.name} $${i.monthlyUsd.toFixed(2)}`)
                .join(", ");
            report(
                `The stack's estimated monthly cost $${estimate.monthlyUsd.toFixed(2)} must not exceed ` +
                    `logistics:budget.monthlyUsd ($${budget.toFixed(2)}); largest: ${top}.`,
            );
        }
    },
};

export const costPolicies = [stackCostWithinBudget];

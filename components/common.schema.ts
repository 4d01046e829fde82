// Config shapes several components share: the one IAM shape (STYLE.md §8) and lifecycle tiering
// (the data lake's raw/ and the backups bucket).
import { z } from "zod";
import { int, map, pattern, section } from "../lib/schema";

/**
 * The one IAM shape (STYLE.md §8): role → members, e.g.
 * `{ "roles/bigquery.dataViewer": ["group:analysts@example.com"] }`.
 */
const role = pattern(
    /^(roles|projects\/[a-z][a-z0-9-]+\/roles|organizations\/[0-9]+\/roles)\/[A-Za-z0-9_.]+$/,
    "an IAM role such as roles/bigquery.dataViewer",
);
export const iamMember = pattern(
    /^(user|serviceAccount|group|domain):\S+$/,
    "an IAM member such as group:analysts@example.com or serviceAccount:<email> " +
        "(allUsers and allAuthenticatedUsers are not allowed on data)",
);
export const iamBindings = map(
    role,
    z.array(iamMember, { error: () => "expected a list of IAM members" }),
    "a map of IAM roles to lists of members",
);
export type IamBindings = z.output<typeof iamBindings>;

/** Lifecycle tiering: each age in days from object creation; later classes need later ages. */
export const tiering = section({
    nearlineAfterDays: int(1, 36500).optional(),
    coldlineAfterDays: int(1, 36500).optional(),
    archiveAfterDays: int(1, 36500).optional(),
}).superRefine((t, ctx) => {
    const steps = (["nearlineAfterDays", "coldlineAfterDays", "archiveAfterDays"] as const).filter(
        (k) => t[k] !== undefined,
    );
    for (let i = 1; i < steps.length; i++) {
        const [before, after] = [steps[i - 1]!, steps[i]!];
        if (t[after]! <= t[before]!)
            ctx.addIssue({
                code: "custom",
                path: [after],
                message: `got ${t[after]}, not after ${before} (${t[before]}). Expected colder classes at later ages`,
            });
    }
});
export type Tiering = z.output<typeof tiering>;

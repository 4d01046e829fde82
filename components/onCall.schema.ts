// Config section of the on-call's access (components/onCall.ts). Composed into CONFIG_SCHEMA as
// logistics:oncall (stacks/config.ts).
import { z } from "zod";
import { section } from "../lib/schema";
import { iamMember } from "./common.schema";

/**
 * Who is on call (the runbook's level 1), granted what `npm run ops` needs and nothing that
 * writes: BigQuery jobs and job metadata on the project, read on the raw dataset.
 */
export const oncall = section({
    /** IAM members, e.g. group:data-oncall@example.com. */
    members: z.array(iamMember, { error: () => "expected a list of IAM members" }).default([]),
}).prefault({});
export type OncallConfig = z.output<typeof oncall>;

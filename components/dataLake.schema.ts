// Config section of the data bucket (components/dataLake.ts). Composed into CONFIG_SCHEMA as
// logistics:dataLake (stacks/config.ts).
import { z } from "zod";
import { bool, int, section } from "../lib/schema";
import { tiering } from "./common.schema";
import { bucketLocation } from "./locations";

/** The data bucket ($BUCKET in the runbook). */
export const dataLake = section({
    /** Bucket location. Default: gcp:region. */
    location: bucketLocation.optional(),
    /** Keep overwritten and deleted objects as noncurrent versions. Default true. */
    versioning: bool().default(true),
    /** Soft delete window: 0 turns it off, else 7 to 90 days (GCP's range). Default 7. */
    softDeleteDays: int(0, 90)
        .refine((d) => d === 0 || d >= 7, {
            error: (i) => `got ${String(i.input)}. Expected 0 (off) or 7 to 90 days (GCP's range)`,
        })
        .default(7),
    /** Age in days after which objects under staging/ are deleted (the runbook's weekly cleanup). Default 30. */
    stagingRetentionDays: int(1, 3650).default(30),
    /** Days a noncurrent version is kept before deletion (with versioning). Default 30. */
    noncurrentVersionRetentionDays: int(1, 3650).default(30),
    /** Optional storage-class tiering of objects under raw/. */
    rawTiering: tiering.optional(),
}).prefault({});

export type DataLakeConfig = z.output<typeof dataLake>;

// Where things may live: GCP regions, Cloud Storage multi- and dual-regions, BigQuery locations.
import { oneOf } from "../lib/schema";

/** Google Cloud regions this platform may be deployed to (Cloud Run, Composer and BigQuery all exist there). */
export const GCP_REGIONS = [
    "africa-south1",
    "asia-east1",
    "asia-east2",
    "asia-northeast1",
    "asia-northeast2",
    "asia-northeast3",
    "asia-south1",
    "asia-south2",
    "asia-southeast1",
    "asia-southeast2",
    "australia-southeast1",
    "australia-southeast2",
    "europe-central2",
    "europe-north1",
    "europe-north2",
    "europe-southwest1",
    "europe-west1",
    "europe-west2",
    "europe-west3",
    "europe-west4",
    "europe-west6",
    "europe-west8",
    "europe-west9",
    "europe-west10",
    "europe-west12",
    "me-central1",
    "me-central2",
    "me-west1",
    "northamerica-northeast1",
    "northamerica-northeast2",
    "northamerica-south1",
    "southamerica-east1",
    "southamerica-west1",
    "us-central1",
    "us-east1",
    "us-east4",
    "us-east5",
    "us-south1",
    "us-west1",
    "us-west2",
    "us-west3",
    "us-west4",
] as const;

/** One GCP region, checked against the list above. */
export const region = oneOf(GCP_REGIONS, "a GCP region, one of");

/** Cloud Storage multi-regions and predefined dual-regions. */
export const BUCKET_MULTI_REGIONS = [
    "US",
    "EU",
    "ASIA",
    "NAM4",
    "EUR4",
    "EUR5",
    "EUR7",
    "EUR8",
    "ASIA1",
] as const;

/**
 * The predefined dual-regions and the continent (multi-region) each lies in
 * (https://cloud.google.com/storage/docs/locations#predefined).
 */
export const BUCKET_DUAL_REGIONS: Readonly<Record<string, string>> = {
    NAM4: "US",
    EUR4: "EU",
    EUR5: "EU",
    EUR7: "EU",
    EUR8: "EU",
    ASIA1: "ASIA",
};

/** A bucket location: a region, a multi-region or a predefined dual-region. */
export const bucketLocation = oneOf(
    [...GCP_REGIONS, ...BUCKET_MULTI_REGIONS] as [string, ...string[]],
    "",
    "a region (e.g. us-central1, see gcp:region), a multi-region or a predefined dual-region (" +
        BUCKET_MULTI_REGIONS.join(", ") +
        ")",
);

/** A BigQuery dataset location: a region or the US or EU multi-region. */
export const datasetLocation = oneOf(
    [...GCP_REGIONS, "US", "EU"] as [string, ...string[]],
    "",
    "a region (e.g. us-central1, see gcp:region) or US or EU",
);

/** Continents a configurable dual-region may span, by region-name prefix. */
export const DUAL_REGION_CONTINENTS: Readonly<Record<string, string>> = {
    "us-": "US",
    "europe-": "EU",
    "asia-": "ASIA",
};

/** The continent (multi-region) a region belongs to, for dual-regions; undefined if not supported. */
export function continentOf(r: string): string | undefined {
    return Object.entries(DUAL_REGION_CONTINENTS).find(([prefix]) => r.startsWith(prefix))?.[1];
}

/** True for a regional location (as opposed to a multi- or dual-region). */
export function isRegion(location: string): boolean {
    return (GCP_REGIONS as readonly string[]).includes(location.toLowerCase());
}

/** Where a bucket goes: its location and, for a configurable dual-region, the two regions. */
export interface BucketPlacement {
    location: string;
    dataLocations?: string[];
}

/** Resolves a bucket's placement: a dual-region becomes its continent plus two regions; unset means `fallback`. */
export function bucketPlacement(
    location: string | undefined,
    fallback: string,
    dualRegion?: readonly [string, string],
): BucketPlacement {
    if (dualRegion)
        return {
            location: continentOf(dualRegion[0])!,
            dataLocations: dualRegion.map((r) => r.toUpperCase()),
        };
    return { location: (location ?? fallback).toUpperCase() };
}

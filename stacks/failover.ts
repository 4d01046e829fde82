// logistics:failover: run the compute (Composer, logistics-api and its image registry) in another
// region than gcp:region, leaving every data resource where gcp:region and the sections put it.
import { region, GCP_REGIONS } from "../components/locations";
import { section } from "../lib/schema";

/** The failover block: absent, compute runs in gcp:region. */
export const failover = section({
    /**
     * The region Composer, the API and its registry move to while gcp:region is lost. Data
     * defaults (bucket and dataset locations left unset) keep following gcp:region.
     */
    region,
}).optional();

/** Where compute runs: the failover region when set, else gcp:region. */
export function computeRegion(gcpRegion: string, f: { region: string } | undefined): string {
    return f?.region ?? gcpRegion;
}

/** A failover to the region it fails over from is no failover. */
export function failoverProblems(gcpRegion: string, f: { region: string } | undefined): string[] {
    if (!f || f.region !== gcpRegion) return [];
    const other = GCP_REGIONS.find(
        (r) => r !== gcpRegion && r.split("-")[0] === gcpRegion.split("-")[0],
    );
    return [
        `logistics:failover.region: got "${f.region}", the same as gcp:region. Expected another region` +
            `${other ? ` (e.g. ${other})` : ""}, or remove logistics:failover to run compute in gcp:region.`,
    ];
}

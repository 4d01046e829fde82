// The recovery matrix: per failure, the ladder's source, what it loses (RPO), the expected restore
// time and the commands, derived from a stack's config, and kept in docs/runbook.md between markers.
import { SNAPSHOTS_DATASET } from "../../components/tableSnapshots";
import type { StackConfig } from "../../stacks/config";
import { resolveEstimates } from "../../stacks/estimates";
import {
    BUCKET_DUAL_REGIONS,
    continentOf,
    isRegion,
    type BucketPlacement,
} from "../../components/locations";
import { duration, estimateSeconds, RESTORE_RATES } from "../ops/restorePlan";

const GB = 1_000_000_000;
/** Composer's creation, Google's "about 25 minutes" (tools/offline/timeline.ts has the source). */
const COMPOSER_CREATE_MIN = 25;

export interface MatrixRow {
    failure: string;
    source: string;
    rpo: string;
    restoreTime: string;
    commands: string;
}

/** The matrix of a validated stack config; `stack` names the stack in the commands. */
export function recoveryMatrix(config: StackConfig, stack: string): MatrixRow[] {
    const window = config.warehouse.timeTravelHours;
    const snapshots = config.warehouse.snapshots;
    const backupDays = config.backups.deleteAfterDays;
    const raw = resolveEstimates(config.estimates).values.bigQueryGb["raw"];
    const bytes = ((raw?.active ?? 0) + (raw?.longTerm ?? 0)) * GB;
    const t = (kind: "copy" | "load" | "clone") => duration(estimateSeconds(kind, bytes) * 1000);
    const plan = (to: string) =>
        `npm run ops -- restore-plan --stack ${stack} --table <t> --to ${to}; add the entry it prints; ` +
        `npm run pulumi -- up --stack ${stack}; npm run ops -- verify-restore --stack ${stack} --restore <id>`;
    const snapshotTier = snapshots
        ? `table snapshot (daily ${snapshots.time} UTC, kept ${snapshots.expirationDays} d)`
        : undefined;
    const backupTier = `daily Parquet backup (${config.backups.exportTime} UTC, kept ${backupDays} d)`;
    const late = (days: number): MatrixRow => {
        const failure = `corruption found after ${days} days`;
        const to = "<before the corruption>";
        if (days * 24 <= window)
            return {
                failure,
                source: `time travel (${window} h)`,
                rpo: "0",
                restoreTime: t("copy"),
                commands: plan(to),
            };
        if (snapshots && days <= snapshots.expirationDays)
            return {
                failure,
                source: snapshotTier!,
                rpo: "up to 24 h (the snapshot before the corruption)",
                restoreTime: t("clone"),
                commands: plan(to),
            };
        if (days <= backupDays)
            return {
                failure,
                source: backupTier,
                rpo: "up to 24 h (the export before the corruption)",
                restoreTime: t("load"),
                commands: plan(to),
            };
        return {
            failure,
            source: `NOT COVERED: past time travel (${window} h)${snapshots ? `, the snapshots (${snapshots.expirationDays} d)` : ""} and the backups (${backupDays} d)`,
            rpo: "-",
            restoreTime: "-",
            commands: "-",
        };
    };
    const composerSnapshotsElsewhere =
        config.locations.snapshots.location.toLowerCase() !== config.computeRegion;
    const warehouse = config.locations.warehouse;
    const backups = config.locations.backups;
    const backupsOutside = outsideOf(config.locations.backups, warehouse);
    return [
        {
            failure: "bad load",
            source: `time travel (${window} h)`,
            rpo: "0 (the point before the load; reload the good files since)",
            restoreTime: t("copy"),
            commands: plan("<before the load>"),
        },
        {
            failure: "dropped table",
            // A deleted table is copied back from its time-travel point within the window:
            // https://cloud.google.com/bigquery/docs/restore-deleted-tables
            source: `time travel (${window} h): undelete by copy job`,
            rpo: "0 (the moment before the drop)",
            restoreTime: t("copy"),
            commands:
                `bq cp raw.<t>@<ms since epoch before the drop> raw.<t>; npm run pulumi -- refresh --stack ${stack}` +
                (snapshots ? `; past the window: ${plan("<before the drop>")}` : ""),
        },
        late(10),
        late(60),
        {
            failure: `loss of the compute region (${config.computeRegion})`,
            source: composerSnapshotsElsewhere
                ? `Composer snapshot in ${config.locations.snapshots.location.toLowerCase()} (daily ${config.composer.snapshotTime} UTC); Composer and the API recreated by pulumi up in another region`
                : `NOT COVERED: the Composer snapshots bucket is in the compute region (${config.computeRegion}); set logistics:backups.snapshotLocation to another region`,
            rpo: composerSnapshotsElsewhere
                ? "up to 24 h of Airflow metadata (the daily Composer snapshot); DAG runs since are backfilled"
                : "-",
            restoreTime: composerSnapshotsElsewhere
                ? `${COMPOSER_CREATE_MIN} min (Composer's creation) + loading the snapshot`
                : "-",
            commands: composerSnapshotsElsewhere
                ? `npm run pulumi -- config set --path logistics:failover.region <other region> --stack ${stack}; ` +
                  `npm run preview -- --stack ${stack} --diff HEAD; push the API's image to <other region>-docker.pkg.dev; ` +
                  `the unprotect and up steps of "Regional failover" below; npm run ops -- load-composer-snapshot --stack ${stack}`
                : "-",
        },
        config.warehouse.replicaLocation
            ? replicaRow(config, stack, config.warehouse.replicaLocation)
            : {
                  failure: `loss of the data location (${warehouse})`,
                  source: backupsOutside
                      ? `${backupTier}, from the backups bucket outside ${warehouse}, into datasets in a new location`
                      : `NOT COVERED: BigQuery keeps no copy outside ${warehouse}${snapshots ? ` (the ${SNAPSHOTS_DATASET} dataset is in ${warehouse} too)` : ""}, the backups bucket is in ${backups.dataLocations?.join("+") ?? backups.location}, and the stack has no secondary location for the raw dataset`,
                  rpo: backupsOutside ? "up to 24 h (the last export)" : "-",
                  restoreTime: backupsOutside
                      ? `${t("load")} per table, after the platform is rebuilt in the new location`
                      : "-",
                  commands: backupsOutside
                      ? `set logistics:warehouse.location to the new location; npm run pulumi -- up --stack ${stack}; ${plan("<now>")}`
                      : "-",
              },
    ];
}

/**
 * Whether a bucket lies wholly outside a BigQuery location, so that it survives its loss: a
 * regional dataset's region is outside a bucket that neither is that region nor spans it; a
 * multi-region dataset (US, EU) is outside a bucket of another continent only.
 */
export function outsideOf(bucket: BucketPlacement, location: string): boolean {
    const at = location.toLowerCase();
    if (bucket.dataLocations) {
        const regions = bucket.dataLocations.map((l) => l.toLowerCase());
        return isRegion(at) ? !regions.includes(at) : bucket.location !== location.toUpperCase();
    }
    if (isRegion(bucket.location)) {
        const region = bucket.location.toLowerCase();
        return isRegion(at) ? region !== at : continentOf(region) !== location.toUpperCase();
    }
    // A multi-region or predefined dual-region: taken as spanning any region of its continent.
    const continent = BUCKET_DUAL_REGIONS[bucket.location] ?? bucket.location;
    return continent !== (isRegion(at) ? continentOf(at) : location.toUpperCase());
}

/** The basis of the matrix's times, said under it. */
export function matrixBasis(config: StackConfig): string {
    const raw = resolveEstimates(config.estimates).values.bigQueryGb["raw"];
    const gb = (raw?.active ?? 0) + (raw?.longTerm ?? 0);
    return (
        `Times are estimates for the whole raw dataset (${gb} GB, logistics:estimates.bigQueryGb.raw, an assumption) ` +
        `at ${RESTORE_RATES.basis}; nothing here is measured. RPO is the data written between the point restored ` +
        `and the failure that the source does not hold. ${backupReplication(config)}` +
        (config.warehouse.reservation?.secondaryLocation
            ? ` The managed disaster recovery figures (${MANAGED_DR.rtoMin} min RTO, ${MANAGED_DR.rpoMin} min RPO) are Google's ` +
              `stated objectives (${MANAGED_DR.source}), not measured; the data is the replica's as of its replication_time.`
            : "")
    );
}

/**
 * What the backups bucket's placement keeps through the loss of one of its regions, and the RPO of
 * its replication (https://cloud.google.com/storage/docs/availability-durability#cross-region-redundancy).
 */
export function backupReplication(config: StackConfig): string {
    const p = config.locations.backups;
    const where = p.dataLocations ? `${p.dataLocations.join("+").toLowerCase()}` : p.location;
    if (!p.dataLocations && isRegion(p.location))
        return `The backups bucket is in one region (${where.toLowerCase()}): its loss takes the backups with it.`;
    return (
        `The backups bucket (${where}) keeps the backups through the loss of one of its regions, minus ` +
        (config.backups.turboReplication
            ? "objects not yet replicated: turbo replication copies every new object within 15 minutes."
            : "objects not yet replicated: default replication copies 99.9% of new objects within 1 hour, all within 12 hours.")
    );
}

/** Google's stated figures for managed disaster recovery (documented, not measured). */
const MANAGED_DR = {
    /** "Managed disaster recovery has a five minute RTO after you initiate a failover." */
    rtoMin: 5,
    /** "The RPO aims to keep the secondary replica within 15 minutes of the primary." */
    rpoMin: 15,
    source: "https://cloud.google.com/bigquery/docs/managed-disaster-recovery",
};

/** The loss of the data location with a replica of raw: a failover (managed DR) or reads only. */
function replicaRow(config: StackConfig, stack: string, at: string): MatrixRow {
    const failure = `loss of the data location (${config.locations.warehouse})`;
    const raw = config.names.datasets.raw;
    const reservation = config.warehouse.reservation;
    if (reservation?.secondaryLocation) {
        const name = `projects/<project>/locations/${at.toLowerCase()}/reservations/${config.names.slotReservation}`;
        return {
            failure,
            // A hard failover promotes the secondary's reservation and replica even with the
            // primary region offline, without waiting for unreplicated data (MANAGED_DR.source).
            source: `managed disaster recovery: hard failover of the ${reservation.edition} reservation ${config.names.slotReservation} with its replica of ${raw} in ${at}`,
            rpo: `up to ${MANAGED_DR.rpoMin} min (Google's stated target, within the bandwidth quota): writes after the replica's replication_time are lost and rerun`,
            restoreTime: `${MANAGED_DR.rtoMin} min (Google's stated RTO once the failover starts); scheduled snapshots and backups stay bound to ${config.locations.warehouse} until recreated in ${at}`,
            // failoverReservation, called in the secondary location; an empty body is a hard
            // failover ("If not specified, HARD failover mode is used by default"):
            // https://cloud.google.com/bigquery/docs/reference/reservations/rest/v1/projects.locations.reservations/failoverReservation
            commands:
                `curl -X POST -H "Authorization: Bearer $(gcloud auth print-access-token)" ` +
                `https://bigqueryreservation.googleapis.com/v1/${name}:failoverReservation; ` +
                `rerun the loads since the replica's replication_time (Full recovery, step 5)`,
        };
    }
    // https://cloud.google.com/bigquery/docs/data-replication: "In the case of a total region
    // outage in the primary replica's region, you cannot promote the secondary replica."
    return {
        failure,
        source: `cross-region replica of ${raw} in ${at}, read-only: BigQuery promotes it only while the primary's region is up (a failover needs managed disaster recovery, logistics:warehouse.reservation.secondaryLocation); its tables can be read and copied into new datasets there`,
        rpo: "the replication lag, no published bound: writes after the replica's replication_time (INFORMATION_SCHEMA.SCHEMATA_REPLICAS)",
        restoreTime:
            "reads at once; writes when the primary's region is back (promotion takes seconds once caught up)",
        commands: `bq query --location=${at} --nouse_legacy_sql "SELECT … FROM ${raw}.<t>"; once the primary's region is back: bq query --location=${at} --nouse_legacy_sql "ALTER SCHEMA ${raw} SET OPTIONS (primary_replica = '${at}')"; then set logistics:warehouse.location to ${at} and npm run pulumi -- up --stack ${stack}`,
    };
}

/** The markdown table. */
export function renderMatrix(rows: readonly MatrixRow[], basis: string): string {
    const cell = (s: string) => s.replace(/\|/g, "\\|");
    return [
        "| failure | source | RPO | expected restore time | commands |",
        "| ------- | ------ | --- | --------------------- | -------- |",
        ...rows.map(
            (r) =>
                `| ${[r.failure, r.source, r.rpo, r.restoreTime, `\`${r.commands}\``].map(cell).join(" | ")} |`,
        ),
        "",
        basis,
    ].join("\n");
}

/** Markers around a stack's matrix in docs/runbook.md. */
export const markers = (stack: string) =>
    [`<!-- recovery-matrix:${stack}:start -->`, `<!-- recovery-matrix:${stack}:end -->`] as const;

/** `text` with the stack's matrix between its markers; undefined when the markers are missing. */
export function withMatrix(text: string, stack: string, matrix: string): string | undefined {
    const [start, end] = markers(stack);
    const i = text.indexOf(start);
    const j = text.indexOf(end);
    if (i < 0 || j < i) return undefined;
    return `${text.slice(0, i + start.length)}\n\n${matrix}\n\n${text.slice(j)}`;
}

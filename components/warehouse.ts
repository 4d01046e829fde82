// The warehouse: BigQuery datasets raw, staging and marts, the raw tables the ingestion DAGs load,
// dataset-level IAM, and optional slot reservations (absent: on-demand pricing).
//
// Dataset ids are the runbook's own (`raw.packages`, `raw.tracking_events`): DAGs, dbt and the
// runbook's SQL use them unqualified, so each environment lives in its own GCP project.
import * as fs from "fs";
import * as path from "path";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { IamBindings } from "./common.schema";
import { DATASET_DESCRIPTIONS, type WarehouseConfig } from "./warehouse.schema";
import {
    childOptions,
    dependencies,
    deletionPolicy,
    grantOptions,
    iamGrants,
    mergeIam,
    statefulOptions,
    usableAfter,
} from "./common";
import {
    perRawTable,
    RAW_TABLE_NAMES,
    RAW_TABLE_REGISTRY,
    type RawTableName,
    type RawTableSpec,
} from "./rawTables";

export const DATASETS = ["raw", "staging", "marts"] as const;
export type DatasetName = (typeof DATASETS)[number];

/** A raw table's BigQuery layout: the part of its registry entry the warehouse declares. */
export type RawTableLayout = Pick<RawTableSpec, "description" | "partitioned" | "clusterings">;

/**
 * The raw tables' layouts, derived from RAW_TABLE_REGISTRY (components/rawTables.ts); their schemas
 * are `components/schemas/raw/<table>.json` (BigQuery's JSON schema format).
 */
export const RAW_TABLES: Readonly<Record<RawTableName, RawTableLayout>> = perRawTable(
    ({ description, partitioned, clusterings }) => ({ description, partitioned, clusterings }),
);

/** Columns the runbook's queries rely on (every raw table has `_loaded_at`), from the registry. */
export const RUNBOOK_COLUMNS: Readonly<Record<RawTableName, readonly string[]>> = perRawTable(
    (spec) => spec.runbookColumns,
);

export const SCHEMA_DIR = path.join(__dirname, "schemas", "raw");

export interface SchemaField {
    name: string;
    type: string;
    mode?: "NULLABLE" | "REQUIRED" | "REPEATED";
    description?: string;
}

/** A schema file the program cannot use; reported without a stack trace. */
export class SchemaFileError extends pulumi.RunError {
    constructor(message: string) {
        super(message);
        this.name = "SchemaFileError";
    }
}

/** Reads and checks a raw table's schema file; a broken file fails the program with its path. */
export function readRawSchema(table: RawTableName, dir: string = SCHEMA_DIR): SchemaField[] {
    const file = path.join(dir, RAW_TABLE_REGISTRY[table].schemaFile);
    let fields: unknown;
    try {
        fields = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new SchemaFileError(
            `${file}: cannot read the table schema: ${(err as Error).message}`,
        );
    }
    if (
        !Array.isArray(fields) ||
        fields.some((f) => typeof f?.name !== "string" || typeof f?.type !== "string")
    )
        throw new SchemaFileError(
            `${file}: expected a JSON list of {name, type, mode?, description?} fields.`,
        );
    const names = (fields as SchemaField[]).map((f) => f.name);
    const missing = RUNBOOK_COLUMNS[table].filter((c) => !names.includes(c));
    if (missing.length)
        throw new SchemaFileError(
            `${file}: lacks the column(s) ${missing.join(", ")} the runbook queries.`,
        );
    const unknownClustering = RAW_TABLES[table].clusterings.filter((c) => !names.includes(c));
    if (unknownClustering.length)
        throw new SchemaFileError(
            `${file}: no column(s) ${unknownClustering.join(", ")} to cluster on.`,
        );
    return fields as SchemaField[];
}

/** Reads every raw table's schema, so a broken file stops the program before anything is registered. */
export function readRawSchemas(dir: string = SCHEMA_DIR): Record<RawTableName, SchemaField[]> {
    return perRawTable((_, t) => readRawSchema(t, dir));
}

export interface WarehouseArgs {
    project: string;
    /** Dataset and reservation location. */
    location: string;
    settings: WarehouseConfig;
    labels: Record<string, string>;
    protect: boolean;
    /** Physical name of the slot reservation, when the config asks for one. */
    reservationName: string;
    /** What the reservation and its assignments wait for besides the component's own (its API). */
    reservationAfter?: pulumi.Input<pulumi.Resource>[];
    /** Dataset ids by layer (raw, staging, marts unless a stack adopts other names). */
    datasetIds: Record<DatasetName, string>;
    /** Dataset IAM the platform grants (workload identities), merged with the config's. */
    iam?: Partial<Record<DatasetName, IamBindings>>;
    /** Service accounts the IAM members name: the grants wait for them. */
    accounts?: readonly pulumi.Resource[];
    /** The raw tables' schemas, read before any resource is registered (`readRawSchemas`). */
    schemas: Record<string, SchemaField[]>;
}

export class Warehouse extends pulumi.ComponentResource {
    /** Dataset ids by name. */
    public readonly datasets: Record<DatasetName, pulumi.Output<string>>;
    /** Raw tables as `project.<raw dataset>.table`, by table name. */
    public readonly rawTables: Record<string, pulumi.Output<string>>;
    /** The reservation's id, or undefined when on-demand. */
    public readonly reservation?: pulumi.Output<string>;
    /** The reservation itself (what attaching a dataset to it as failover reservation waits for). */
    public readonly reservationResource?: gcp.bigquery.Reservation;

    constructor(name: string, args: WarehouseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("logistics:bigquery:Warehouse", name, {}, opts);
        const s = args.settings;
        const stateful = statefulOptions(this, args.protect, opts);
        const child = childOptions(this, opts);

        const datasets = {} as Record<DatasetName, gcp.bigquery.Dataset>;
        const grants = {} as Record<DatasetName, gcp.bigquery.DatasetIamMember[]>;
        for (const ds of DATASETS) {
            datasets[ds] = new gcp.bigquery.Dataset(
                `${name}-${ds}`,
                {
                    datasetId: args.datasetIds[ds],
                    location: args.location,
                    description: s.descriptions[ds] ?? DATASET_DESCRIPTIONS[ds],
                    maxTimeTravelHours: String(s.timeTravelHours),
                    // Never true: dropping a dataset must never drop its tables' data.
                    deleteContentsOnDestroy: false,
                    ...(ds === "staging" && s.stagingTableExpirationDays !== undefined
                        ? { defaultTableExpirationMs: s.stagingTableExpirationDays * 86_400_000 }
                        : {}),
                    labels: { ...args.labels, dataset: ds },
                    deletionPolicy: deletionPolicy(args.protect),
                },
                stateful,
            );
            // Access through IAM members only (never `accesses` on the same dataset).
            grants[ds] = iamGrants(mergeIam(args.iam?.[ds], s.iam[ds])).map(
                (grant) =>
                    new gcp.bigquery.DatasetIamMember(
                        `${name}-${ds}-${grant.key}`,
                        {
                            datasetId: datasets[ds].datasetId,
                            role: grant.role,
                            member: grant.member,
                        },
                        grantOptions(this, opts, args.accounts),
                    ),
            );
        }

        const rawTables: Record<string, pulumi.Output<string>> = {};
        for (const table of RAW_TABLE_NAMES) {
            const spec = RAW_TABLES[table];
            const t = new gcp.bigquery.Table(
                `${name}-raw-${table}`,
                {
                    datasetId: datasets.raw.datasetId,
                    tableId: table,
                    description: spec.description,
                    schema: JSON.stringify(args.schemas[table]),
                    ...(spec.partitioned
                        ? { timePartitioning: { type: "DAY", field: "_loaded_at" } }
                        : {}),
                    clusterings: [...spec.clusterings],
                    deletionProtection: args.protect,
                    labels: { ...args.labels, dataset: "raw" },
                },
                stateful,
            );
            rawTables[table] = pulumi.interpolate`${args.project}.${t.datasetId}.${t.tableId}`;
        }

        if (s.reservation) {
            const r = s.reservation;
            // Only the slots call the reservation API: the datasets do not wait for it.
            const slots = {
                ...child,
                dependsOn: [...dependencies(opts), ...(args.reservationAfter ?? [])],
            };
            const reservation = new gcp.bigquery.Reservation(
                `${name}-slots`,
                {
                    name: args.reservationName,
                    location: args.location,
                    edition: r.edition,
                    slotCapacity: r.baselineSlots,
                    ...(r.maxSlots > r.baselineSlots
                        ? { autoscale: { maxSlots: r.maxSlots - r.baselineSlots } }
                        : {}),
                    // Standard edition cannot share idle slots; the others use idle capacity.
                    ignoreIdleSlots: r.edition === "STANDARD",
                    // A failover reservation (managed disaster recovery); it fails over with the
                    // raw dataset's replica (components/datasetReplica.ts).
                    ...(r.secondaryLocation ? { secondaryLocation: r.secondaryLocation } : {}),
                    labels: args.labels,
                },
                slots,
            );
            new gcp.bigquery.ReservationAssignment(
                `${name}-slots-query`,
                {
                    assignee: `projects/${args.project}`,
                    jobType: "QUERY",
                    location: args.location,
                    reservation: reservation.id,
                },
                slots,
            );
            // A dataset attached to a failover reservation takes writes from Enterprise Plus
            // slots only: loads and exports cannot use the free shared pool, so they need a
            // PIPELINE assignment ("Limitations" of
            // https://cloud.google.com/bigquery/docs/managed-disaster-recovery).
            if (r.secondaryLocation)
                new gcp.bigquery.ReservationAssignment(
                    `${name}-slots-pipeline`,
                    {
                        assignee: `projects/${args.project}`,
                        jobType: "PIPELINE",
                        location: args.location,
                        reservation: reservation.id,
                    },
                    slots,
                );
            this.reservation = reservation.id;
            this.reservationResource = reservation;
        }

        this.datasets = Object.fromEntries(
            DATASETS.map((d) => [d, usableAfter(datasets[d].datasetId, grants[d])]),
        ) as Record<DatasetName, pulumi.Output<string>>;
        this.rawTables = rawTables;
        this.registerOutputs({
            datasets: this.datasets,
            rawTables: this.rawTables,
            reservation: this.reservation,
        });
    }
}

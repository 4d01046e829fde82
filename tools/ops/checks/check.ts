// What every ops check is: its name, its lines in the usage, and `run`, which queries a
// `Warehouse` (BigQuery, or a test double) and judges the rows, returning a result whose status
// is typed. A check that cannot run throws: OpsError (exit 3) or UsageError (exit 2).
import type { DatasetRef, TableLayout } from "../../../components/sql";
import type { RestoreConfig } from "../../../components/restores.schema";

/** What the checks need from BigQuery. */
export interface Warehouse {
    /** Runs a query and returns its rows as plain values. */
    query(sql: string): Promise<Record<string, unknown>[]>;
    /** Validates a statement without running it; resolves to the bytes it would process. */
    dryRun(sql: string, params?: QueryParam[]): Promise<number>;
    /** The columns of `dataset.table` and their modes; undefined when there is no such table. */
    tableColumns(dataset: string, table: string): Promise<Column[] | undefined>;
    /** A job in the stack's location; undefined when there is no such job. */
    job(jobId: string): Promise<JobStatus | undefined>;
    /** A table's size and creation time (tables.get); undefined when there is no such table. */
    tableInfo(dataset: string, table: string): Promise<TableInfo | undefined>;
}

export interface TableInfo {
    numBytes: number;
    numRows: number;
    /** ISO 8601. */
    creationTime: string;
}

export interface JobStatus {
    /** PENDING, RUNNING or DONE. */
    state: string;
    /** Why a DONE job failed. */
    error?: string;
    /** When it started (ISO 8601), once it has. */
    startTime?: string;
}

export interface Column {
    name: string;
    /** NULLABLE, REQUIRED or REPEATED. */
    mode: string;
}

export interface QueryParam {
    name: string;
    type: string;
    value: string;
}

/** A check that could not run (missing table, query error, no credentials): exit code 3. */
export class OpsError extends Error {}

/** How a check came out: everything in order, or problems found (exit 1). */
export type CheckStatus = "ok" | "findings";

/** The exit code of each status (a check that could not run throws instead: exit 2 or 3). */
export const EXIT_CODES: Readonly<Record<CheckStatus, number>> = { ok: 0, findings: 1 };

export interface CheckResult {
    check: string;
    status: CheckStatus;
    /** One line: what was checked and what was found. */
    summary: string;
    columns: string[];
    rows: Record<string, unknown>[];
    notes: string[];
}

/** A statement the stack deploys, for `dry-run`. */
export interface Statement {
    name: string;
    sql: string;
    params?: QueryParam[];
    /** The restore the statement belongs to: its resource name and BigQuery job (once the job exists, the restore has run). */
    restore?: { name: string; job: string };
    /** The table a restore creates (`project.dataset.table`): if it exists, the restore has run. */
    createsTable?: string;
}

export interface CheckContext {
    raw: DatasetRef;
    tables: readonly string[];
    /** The columns the platform declares for each raw table (components/schemas/raw). */
    declaredColumns: Readonly<Record<string, readonly Column[]>>;
    /** Freshness threshold per raw table, in hours. */
    freshnessHours: Readonly<Record<string, number>>;
    /** Restore entries of the stack config, for `verify-restore --restore <id>`. */
    restores: Readonly<Record<string, RestoreConfig>>;
    /** Daily backup time, HH:MM UTC: a backup's restore point. */
    exportTime: string;
    /** The table snapshots' dataset, daily time (HH:MM UTC) and expiration, when the stack takes them. */
    snapshots?: { dataset: string; time: string; expirationDays: number };
    /** Where the raw dataset's replica is (logistics:warehouse.replicaLocation), if it has one. */
    replicaLocation?: string;
    /** The failover reservation the replica is attached to (managed disaster recovery), if any. */
    failoverReservation?: string;
    /** Days a daily backup is kept (logistics:backups.deleteAfterDays). */
    backupHorizonDays: number;
    /** The config's problems with one more restore entry (restore-plan checks what it prints). */
    validateRestore?: (id: string, entry: RestoreConfig) => string[];
    timeTravelHours: number;
    /** The restore drill's location, backups bucket and layouts (`drill`). */
    drill?: DrillSettings;
    /** Every statement the stack deploys; built lazily (it runs the program offline). */
    statements: () => Promise<Statement[]>;
    now: Date;
}

export interface CheckOptions {
    restore?: string;
    source?: string;
    restored?: string;
    /** restore-plan: the raw table and the point to restore it to. */
    table?: string;
    to?: string;
}

export type Progress = (step: string) => void;

/** What a check runs with. */
export interface CheckInput {
    warehouse: Warehouse;
    context: CheckContext;
    options: CheckOptions;
    progress: Progress;
}

/** One check of `npm run ops`, registered in ./index.ts. */
export interface Check<Name extends string = string> {
    name: Name;
    /** Its lines under "Checks" in the usage: the name, what it does, and the flags it takes. */
    usage: string;
    run(input: CheckInput): Promise<CheckResult>;
}

/** Status from whether a check found nothing wrong. */
export const statusOf = (ok: boolean): CheckStatus => (ok ? "ok" : "findings");

/** What the drill needs beyond the checks' context. */
export interface DrillSettings {
    /** The datasets' location: the scratch dataset is created there. */
    location: string;
    backupsBucket: string;
    /** Each raw table's declared layout: a backup restore creates its table with it. */
    layouts: Readonly<Record<string, TableLayout>>;
    /** The scratch dataset's id. */
    scratch?: string;
    /** The stack's own datasets (raw, staging, marts…): the scratch dataset may be none of them. */
    stackDatasets?: readonly string[];
    /** Milliseconds now, for the measured times. */
    clock?: () => number;
}

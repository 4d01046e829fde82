// The checks' Warehouse on @google-cloud/bigquery: jobs.query (and jobs.getQueryResults while a
// query is still running) through the client's query(), dry runs as jobs.query with dryRun,
// tables.get for a table's columns, size and age (and whether it exists), and jobs.get for a
// restore's job.
// Errors become OpsError messages that say what to do.
import { BigQuery } from "@google-cloud/bigquery";
import { GoogleAuth, PassThroughClient } from "google-auth-library";
import { OpsError, type QueryParam, type Warehouse } from "./checks/check";

export interface BigQueryOptions {
    project: string;
    /** The datasets' location: queries run there. */
    location: string;
    /** A BigQuery emulator or test server (http://host:port): no Google credentials are used. */
    apiEndpoint?: string;
}

/** Values the client wraps (BigQueryTimestamp, BigQueryDate, BigQueryInt) as their plain value. */
function plainValue(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(plainValue);
    if (v !== null && typeof v === "object" && "value" in v) return (v as { value: unknown }).value;
    return v;
}

const messageOf = (err: unknown) => String((err as { message?: unknown }).message ?? err);

/**
 * Whether a failed dry run is about the statement itself (BigQuery's own error: the statement is
 * invalid, or names a table that is not there) rather than who or where runs it. An auth error
 * such as an expired login (invalid_grant) can carry HTTP 400 too, but not BigQuery's error list;
 * a dataset not found is a wrong stack or location, not a statement.
 */
export function isStatementFinding(err: unknown): boolean {
    const e = err as { code?: unknown; errors?: unknown };
    const reasons = Array.isArray(e.errors)
        ? (e.errors as { reason?: unknown }[]).map((x) => x?.reason)
        : [];
    if (e.code === 400) return reasons.some((r) => r === "invalidQuery" || r === "invalid");
    return (
        e.code === 404 && reasons.includes("notFound") && /Not found: Table\b/.test(messageOf(err))
    );
}

/** An error from the client or auth library, as an OpsError saying what to do. */
export function explain(err: unknown, what: string): OpsError {
    if (err instanceof OpsError) return err;
    const e = err as { code?: number | string };
    const message = messageOf(err);
    if (
        /Could not load the default credentials|Unable to detect a Project Id|invalid_grant/i.test(
            message,
        )
    )
        return new OpsError(
            `no usable Google credentials for ${what}: run \`gcloud auth application-default login\` ` +
                `(or set GOOGLE_APPLICATION_CREDENTIALS), as someone who may read the stack's datasets.`,
        );
    if (e.code === 403)
        return new OpsError(
            `BigQuery refused ${what}: ${message} (docs/ops.md, "Permissions", lists what the command needs)`,
        );
    if (e.code === 404) return new OpsError(`BigQuery found nothing for ${what}: ${message}`);
    if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(message))
        return new OpsError(`cannot reach BigQuery for ${what}: ${message}`);
    return new OpsError(`BigQuery rejected ${what}: ${message}`);
}

export function bigQueryWarehouse(options: BigQueryOptions): Warehouse {
    const client = new BigQuery({
        projectId: options.project,
        ...(options.apiEndpoint
            ? { apiEndpoint: options.apiEndpoint, authClient: new PassThroughClient() }
            : {}),
    });
    // Without credentials the client still sends the request unauthenticated; asking for them
    // first gives one clear message, with or without a network.
    let credentials: Promise<void> | undefined;
    const authenticated = () =>
        options.apiEndpoint
            ? Promise.resolve()
            : (credentials ??= new GoogleAuth({
                  scopes: ["https://www.googleapis.com/auth/bigquery"],
              })
                  .getClient()
                  .then(
                      () => undefined,
                      (err: unknown) => {
                          const e = explain(err, "BigQuery");
                          throw /^(no usable Google credentials|cannot reach)/.test(e.message)
                              ? e
                              : new OpsError(
                                    `could not get Google credentials: ${messageOf(err)}. ` +
                                        "Run `gcloud auth application-default login` (or set GOOGLE_APPLICATION_CREDENTIALS).",
                                );
                      },
                  ));
    return {
        async query(sql) {
            await authenticated();
            try {
                const [rows] = await client.query({ query: sql, location: options.location });
                return (rows as Record<string, unknown>[]).map((r) =>
                    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plainValue(v)])),
                );
            } catch (err) {
                throw explain(err, "a query");
            }
        },
        async dryRun(sql, params?: QueryParam[]) {
            await authenticated();
            try {
                const body = {
                    query: sql,
                    dryRun: true,
                    useLegacySql: false,
                    location: options.location,
                    ...(params?.length
                        ? {
                              parameterMode: "NAMED",
                              queryParameters: params.map((p) => ({
                                  name: p.name,
                                  parameterType: { type: p.type },
                                  parameterValue: { value: p.value },
                              })),
                          }
                        : {}),
                };
                const response = await new Promise<{ totalBytesProcessed?: string }>(
                    (resolve, reject) =>
                        client.request(
                            { method: "POST", uri: "/queries", json: body },
                            (err, res) =>
                                err
                                    ? reject(err)
                                    : resolve(res as { totalBytesProcessed?: string }),
                        ),
                );
                return Number(response?.totalBytesProcessed ?? 0);
            } catch (err) {
                // A statement BigQuery rejects (invalid, or naming a table that is not there) is
                // the dry run's finding, reported per statement; anything else (credentials,
                // permissions, network) stops the check.
                if (isStatementFinding(err)) throw new Error(messageOf(err));
                throw explain(err, "a dry run");
            }
        },
        async tableColumns(dataset, table) {
            await authenticated();
            try {
                const [metadata] = await client.dataset(dataset).table(table).getMetadata();
                const { schema } = metadata as {
                    schema?: { fields?: { name: string; mode?: string }[] };
                };
                return (schema?.fields ?? []).map((f) => ({
                    name: f.name,
                    mode: f.mode ?? "NULLABLE",
                }));
            } catch (err) {
                if ((err as { code?: unknown }).code === 404) return undefined;
                throw explain(err, `table ${dataset}.${table}`);
            }
        },
        async tableInfo(dataset, table) {
            await authenticated();
            try {
                const [metadata] = await client.dataset(dataset).table(table).getMetadata();
                const m = metadata as {
                    numBytes?: string;
                    numRows?: string;
                    creationTime?: string;
                };
                return {
                    numBytes: Number(m.numBytes ?? 0),
                    numRows: Number(m.numRows ?? 0),
                    creationTime: new Date(Number(m.creationTime ?? 0)).toISOString(),
                };
            } catch (err) {
                if ((err as { code?: unknown }).code === 404) return undefined;
                throw explain(err, `table ${dataset}.${table}`);
            }
        },
        async job(jobId) {
            await authenticated();
            try {
                const [metadata] = await client
                    .job(jobId, { location: options.location })
                    .getMetadata();
                const { status, statistics } = metadata as {
                    status?: { state?: string; errorResult?: { message?: string } };
                    statistics?: { startTime?: string };
                };
                const started = Number(statistics?.startTime);
                return {
                    state: status?.state ?? "UNKNOWN",
                    ...(status?.errorResult
                        ? { error: status.errorResult.message ?? "failed" }
                        : {}),
                    ...(started ? { startTime: new Date(started).toISOString() } : {}),
                };
            } catch (err) {
                if ((err as { code?: unknown }).code === 404) return undefined;
                throw explain(err, `job ${jobId}`);
            }
        },
    };
}

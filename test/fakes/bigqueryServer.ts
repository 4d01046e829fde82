// A local stand-in for the BigQuery REST API, on loopback, for the endpoints the ops command uses:
// jobs.query (POST …/projects/{p}/queries), jobs.getQueryResults (GET …/projects/{p}/queries/{job}),
// jobs.get (GET …/projects/{p}/jobs/{job}) and tables.get (GET …/projects/{p}/datasets/{d}/tables/{t},
// with the table's schema, size and creation time; a table a query creates exists until one drops
// it). Request and response shapes follow the API reference (QueryRequest, QueryResponse,
// GetQueryResultsResponse, Job, Table, ErrorProto), so the real @google-cloud/bigquery client runs
// end to end against it.
//
// It does not execute SQL: each test answers queries with `answer(sql)`, returning typed rows or an
// error. Every query it receives must parse as BigQuery SQL (sql-parser-cst), so a malformed
// statement fails here as it would in BigQuery.
import * as http from "http";
import type { AddressInfo } from "net";
import { parse } from "sql-parser-cst";

export interface Field {
    name: string;
    type: "STRING" | "INT64" | "TIMESTAMP" | "FLOAT64" | "BOOL";
    mode?: "NULLABLE" | "REPEATED";
}

export type Answer =
    | { fields: Field[]; rows: Record<string, unknown>[] }
    | { error: { code: number; reason: string; message: string } };

export interface FakeOptions {
    /** Tables that exist, as `dataset.table`. */
    tables: string[];
    /**
     * Their size and age (tables.get's numBytes, numRows and creationTime, in ms since the epoch),
     * by `dataset.table`; none when absent.
     */
    sizes?: Record<string, { numBytes: number; numRows: number; creationTime: number }>;
    /** Their columns (tables.get's `schema.fields`), by `dataset.table`; none when absent. */
    schemas?: Record<string, { name: string; type: string; mode?: string }[]>;
    /**
     * Jobs that exist (jobs.get), by job id: status, start time in ms since the epoch, and location
     * (default US): asked for in another location, a job is not found, as in BigQuery.
     */
    jobs?: Record<
        string,
        {
            state: string;
            errorResult?: { reason: string; message: string };
            startTime?: number;
            location?: string;
        }
    >;
    /** Answers a query (dry runs included, which only need no error). */
    answer: (sql: string, request: Record<string, unknown>) => Answer;
    /**
     * The size tables.get reports for a table a query creates (CREATE TABLE, LOAD DATA INTO): it
     * exists from then on, until a DROP TABLE. Default 1 MB, 1000 rows.
     */
    createdSize?: { numBytes: number; numRows: number };
    /** Report jobs as still running on jobs.query, so the client polls getQueryResults. */
    slow?: boolean;
}

export interface FakeServer {
    url: string;
    /** Every request received: method, path and JSON body. */
    requests: { method: string; path: string; body?: Record<string, unknown> }[];
    close(): Promise<void>;
}

const STATUS: Record<number, string> = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
};

function errorBody(code: number, reason: string, message: string) {
    return {
        error: {
            code,
            message,
            errors: [{ message, domain: "global", reason }],
            status: STATUS[code] ?? "UNKNOWN",
        },
    };
}

/**
 * A value in the API's row encoding: strings, TIMESTAMP as microseconds (useInt64Timestamp). An
 * array is never NULL in a result (BigQuery returns a NULL array, such as ARRAY_AGG over no rows,
 * as an empty one), and the client refuses null for a REPEATED field.
 */
function encode(value: unknown, field: Field): unknown {
    if (field.mode === "REPEATED")
        return ((value ?? []) as unknown[]).map((v) => ({
            v: encode(v, { ...field, mode: "NULLABLE" }),
        }));
    if (value === null || value === undefined) return null;
    if (field.type === "TIMESTAMP") return String(Date.parse(String(value)) * 1000);
    return String(value);
}

export async function startFakeBigQuery(options: FakeOptions): Promise<FakeServer> {
    const requests: FakeServer["requests"] = [];
    const pending = new Map<string, Answer>();
    let jobs = 0;
    const tables = [...options.tables];
    const sizes = { ...options.sizes };
    /** A table a statement creates or drops exists, or is gone, for tables.get from then on. */
    const track = (sql: string) => {
        for (const m of sql.matchAll(
            /(?:^|\n)(CREATE TABLE|LOAD DATA INTO|DROP TABLE IF EXISTS) `[^.`]+\.([^.`]+)\.([^.`]+)`/g,
        )) {
            const name = `${m[2]}.${m[3]}`;
            if (m[1] === "DROP TABLE IF EXISTS") {
                if (tables.includes(name)) tables.splice(tables.indexOf(name), 1);
                continue;
            }
            if (!tables.includes(name)) tables.push(name);
            sizes[name] = {
                ...(options.createdSize ?? { numBytes: 1_000_000, numRows: 1000 }),
                creationTime: Date.now(),
            };
        }
    };

    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const url = new URL(req.url ?? "/", "http://localhost");
            const text = Buffer.concat(chunks).toString("utf8");
            const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
            requests.push({
                method: req.method ?? "",
                path: url.pathname,
                ...(body ? { body } : {}),
            });
            const send = (status: number, payload: unknown) => {
                res.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
                res.end(JSON.stringify(payload));
            };
            const m = (re: RegExp) => url.pathname.match(re);

            let match = m(/^\/bigquery\/v2\/projects\/([^/]+)\/queries$/);
            if (req.method === "POST" && match && body) {
                const project = match[1]!;
                const sql = String(body["query"]);
                if (body["useLegacySql"] !== false)
                    return send(
                        400,
                        errorBody(400, "invalid", "the ops command must use standard SQL"),
                    );
                try {
                    parse(sql, { dialect: "bigquery", paramTypes: ["@name"] });
                } catch (err) {
                    return send(
                        400,
                        errorBody(
                            400,
                            "invalidQuery",
                            `Syntax error: ${(err as Error).message.split("\n")[0]}`,
                        ),
                    );
                }
                const answer = options.answer(sql, body);
                if ("error" in answer)
                    return send(
                        answer.error.code,
                        errorBody(answer.error.code, answer.error.reason, answer.error.message),
                    );
                if (body["dryRun"] !== true) track(sql);
                if (body["dryRun"] === true)
                    return send(200, {
                        kind: "bigquery#queryResponse",
                        jobComplete: true,
                        totalBytesProcessed: "1024",
                        cacheHit: false,
                    });
                const jobReference = {
                    projectId: project,
                    jobId: `job_${++jobs}`,
                    location: body["location"],
                };
                if (options.slow) {
                    pending.set(jobReference.jobId, answer);
                    return send(200, {
                        kind: "bigquery#queryResponse",
                        jobReference,
                        jobComplete: false,
                    });
                }
                return send(200, {
                    kind: "bigquery#queryResponse",
                    jobReference,
                    ...resultOf(answer),
                });
            }

            match = m(/^\/bigquery\/v2\/projects\/([^/]+)\/queries\/([^/]+)$/);
            if (req.method === "GET" && match) {
                const answer = pending.get(match[2]!);
                if (!answer || "error" in answer)
                    return send(
                        404,
                        errorBody(404, "notFound", `Not found: Job ${match[1]}:${match[2]}`),
                    );
                return send(200, {
                    kind: "bigquery#getQueryResultsResponse",
                    jobReference: { projectId: match[1], jobId: match[2] },
                    ...resultOf(answer),
                });
            }

            match = m(/^\/bigquery\/v2\/projects\/([^/]+)\/jobs\/([^/]+)$/);
            if (req.method === "GET" && match) {
                const [, project, jobId] = match as unknown as [string, string, string];
                const job = options.jobs?.[jobId];
                if (!job || url.searchParams.get("location") !== (job.location ?? "US"))
                    return send(
                        404,
                        errorBody(404, "notFound", `Not found: Job ${project}:${jobId}`),
                    );
                return send(200, {
                    kind: "bigquery#job",
                    id: `${project}:${jobId}`,
                    jobReference: {
                        projectId: project,
                        jobId,
                        location: url.searchParams.get("location"),
                    },
                    status: {
                        state: job.state,
                        ...(job.errorResult ? { errorResult: job.errorResult } : {}),
                    },
                    statistics: job.startTime ? { startTime: String(job.startTime) } : {},
                });
            }

            match = m(/^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)$/);
            if (req.method === "GET" && match) {
                const [, project, dataset, table] = match as unknown as [
                    string,
                    string,
                    string,
                    string,
                ];
                if (!tables.includes(`${dataset}.${table}`))
                    return send(
                        404,
                        errorBody(
                            404,
                            "notFound",
                            `Not found: Table ${project}:${dataset}.${table}`,
                        ),
                    );
                return send(200, {
                    kind: "bigquery#table",
                    id: `${project}:${dataset}.${table}`,
                    tableReference: { projectId: project, datasetId: dataset, tableId: table },
                    type: "TABLE",
                    ...(options.schemas?.[`${dataset}.${table}`]
                        ? { schema: { fields: options.schemas[`${dataset}.${table}`] } }
                        : {}),
                    // The API's int64 fields are strings.
                    ...(() => {
                        const size = sizes[`${dataset}.${table}`];
                        return size
                            ? {
                                  numBytes: String(size.numBytes),
                                  numRows: String(size.numRows),
                                  creationTime: String(size.creationTime),
                              }
                            : {};
                    })(),
                });
            }
            send(
                404,
                errorBody(
                    404,
                    "notFound",
                    `the fake BigQuery has no ${req.method} ${url.pathname}`,
                ),
            );
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () => new Promise((resolve) => server.close(() => resolve())),
    };
}

function resultOf(answer: Extract<Answer, { fields: Field[] }>) {
    return {
        jobComplete: true,
        schema: { fields: answer.fields.map((f) => ({ mode: "NULLABLE", ...f })) },
        totalRows: String(answer.rows.length),
        rows: answer.rows.map((r) => ({
            f: answer.fields.map((f) => ({ v: encode(r[f.name], f) })),
        })),
    };
}

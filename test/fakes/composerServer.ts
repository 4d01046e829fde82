// A loopback stand-in for the two Google APIs `load-composer-snapshot` calls: Cloud Storage's
// objects.list (GET /storage/v1/b/{bucket}/o with prefix, delimiter and pageToken: the folder
// prefixes, two per page) and Composer v1's environments.loadSnapshot (POST
// /v1/projects/{p}/locations/{l}/environments/{e}:loadSnapshot) with operations.get (GET
// /v1/projects/{p}/locations/{l}/operations/{id}). Shapes follow the API references (Objects,
// Operation with done and error).
import * as http from "http";
import type { AddressInfo } from "net";

export interface ComposerFakeOptions {
    /** Object names in the bucket (any depth); folders are derived from them. */
    objects: Record<string, string[]>;
    /** Environments that exist, as projects/{p}/locations/{l}/environments/{e}. */
    environments: string[];
    /** Polls of the operation before it is done. */
    pollsUntilDone?: number;
    /** The operation's error once done, if it fails. */
    operationError?: { code: number; message: string };
}

export interface ComposerFake {
    url: string;
    requests: { method: string; path: string; body?: Record<string, unknown> }[];
    close(): Promise<void>;
}

export async function startComposerFake(o: ComposerFakeOptions): Promise<ComposerFake> {
    const requests: ComposerFake["requests"] = [];
    let polls = 0;
    let operation: string | undefined;
    const server = http.createServer((req, res) => {
        let raw = "";
        req.on("data", (c: Buffer) => (raw += c.toString()));
        req.on("end", () => {
            const url = new URL(req.url ?? "/", "http://fake");
            const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
            requests.push({
                method: req.method ?? "",
                path: url.pathname + url.search,
                ...(body ? { body } : {}),
            });
            const send = (code: number, value: unknown) => {
                res.writeHead(code, { "content-type": "application/json" });
                res.end(JSON.stringify(value));
            };
            const notFound = (what: string) =>
                send(404, {
                    error: { code: 404, message: `${what} not found`, status: "NOT_FOUND" },
                });
            const list = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
            if (req.method === "GET" && list) {
                const names = o.objects[decodeURIComponent(list[1]!)];
                if (!names) return notFound("bucket");
                const prefix = url.searchParams.get("prefix") ?? "";
                if (url.searchParams.get("delimiter") !== "/")
                    return send(400, { error: { code: 400, message: "delimiter expected" } });
                const folders = [
                    ...new Set(
                        names
                            .filter(
                                (n) => n.startsWith(prefix) && n.slice(prefix.length).includes("/"),
                            )
                            .map((n) => prefix + n.slice(prefix.length).split("/")[0]! + "/"),
                    ),
                ].sort();
                const start = Number(url.searchParams.get("pageToken") ?? "0");
                const page = folders.slice(start, start + 2);
                return send(200, {
                    kind: "storage#objects",
                    ...(page.length ? { prefixes: page } : {}),
                    ...(start + 2 < folders.length ? { nextPageToken: String(start + 2) } : {}),
                });
            }
            const load =
                /^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/environments\/[^/:]+):loadSnapshot$/.exec(
                    url.pathname,
                );
            if (req.method === "POST" && load) {
                if (!o.environments.includes(load[1]!)) return notFound("environment");
                if (typeof body?.["snapshotPath"] !== "string")
                    return send(400, { error: { code: 400, message: "snapshotPath is required" } });
                operation = load[1]!.replace(/environments\/.*/, "operations/op-1");
                polls = 0;
                return send(200, { name: operation, done: false });
            }
            const op = /^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/operations\/[^/]+)$/.exec(
                url.pathname,
            );
            if (req.method === "GET" && op) {
                if (op[1] !== operation) return notFound("operation");
                polls++;
                if (polls < (o.pollsUntilDone ?? 1))
                    return send(200, { name: operation, done: false });
                return send(200, {
                    name: operation,
                    done: true,
                    ...(o.operationError ? { error: o.operationError } : { response: {} }),
                });
            }
            notFound(url.pathname);
        });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () => new Promise<void>((r) => server.close(() => r())),
    };
}

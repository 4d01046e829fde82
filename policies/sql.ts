// What SQL the stack schedules does to data, judged by parsing it (BigQuery dialect), never by regex.
import { parse } from "sql-parser-cst";

interface Node {
    type: string;
    [k: string]: unknown;
}

/** A table or dataset a statement names, as its dotted parts (project, dataset, table). */
export type NameParts = string[];

export interface SqlFacts {
    /** Statements that change or drop data in a raw dataset, or that cannot be judged, as sentences. */
    problems: string[];
    /**
     * EXPORT DATA statements: the destination URI (undefined when not a literal), the tables read,
     * and whether the export is whole (`SELECT * FROM <one table>`, no filter, join or limit).
     */
    exports: { uri: string | undefined; reads: NameParts[]; whole: boolean }[];
    /**
     * ASSERT statements: the tables read, the `<= N` bounds of TIMESTAMP_DIFF(…, MINUTE), and the
     * hours of a new-table grace period wrapped around a bound (see analyseSql).
     */
    asserts: { reads: NameParts[]; minutes: number[]; graceHours: number[] }[];
}

/**
 * Statements that read, append or only declare: they cannot lose data already stored. A
 * CREATE TABLE without OR REPLACE fails on an existing table; INSERT and LOAD DATA INTO append.
 * Anything else (DELETE, UPDATE, MERGE, TRUNCATE, DROP, ALTER, CREATE OR REPLACE, LOAD DATA
 * OVERWRITE, …) is judged by its target.
 */
const HARMLESS = new Set([
    "select_stmt",
    "compound_select_stmt",
    "assert_stmt",
    "export_data_stmt",
    "declare_stmt",
    "set_stmt",
    "insert_stmt",
    "empty",
    "block_stmt",
    "if_stmt",
    "loop_stmt",
    "while_stmt",
    "repeat_stmt",
    "for_stmt",
    "break_stmt",
    "continue_stmt",
    "return_stmt",
    "raise_stmt",
    "start_transaction_stmt",
    "commit_transaction_stmt",
    "rollback_transaction_stmt",
]);

/** Statements whose first name is a dataset, not a table. */
const SCHEMA_STATEMENTS = new Set(["drop_schema_stmt", "alter_schema_stmt", "create_schema_stmt"]);

function isNode(v: unknown): v is Node {
    return v !== null && typeof v === "object" && typeof (v as Node).type === "string";
}

/** Every node of a tree, depth first in source order. */
function* walk(n: unknown): Generator<Node> {
    if (Array.isArray(n)) {
        for (const c of n) yield* walk(c);
        return;
    }
    if (!isNode(n)) return;
    yield n;
    for (const [k, v] of Object.entries(n))
        if (k !== "type" && v && typeof v === "object") yield* walk(v);
}

/** The dotted parts of a name node (`p.raw.t`, `` `p.raw.t` ``, `raw.t`), or undefined. */
export function nameParts(n: unknown): NameParts | undefined {
    if (!isNode(n)) return undefined;
    if (n.type === "identifier") return String(n["name"]).split(".");
    if (n.type === "bigquery_quoted_member_expr") return nameParts(n["expr"]);
    if (n.type === "member_expr") {
        const a = nameParts(n["object"]);
        const b = nameParts(n["property"]);
        return a && b ? [...a, ...b] : undefined;
    }
    return undefined;
}

/** Every table-like name (two parts or more) a tree mentions. */
function names(n: unknown): NameParts[] {
    const out: NameParts[] = [];
    const visit = (x: unknown): void => {
        if (Array.isArray(x)) return x.forEach(visit);
        if (!isNode(x)) return;
        const parts =
            x.type === "member_expr" || x.type === "bigquery_quoted_member_expr"
                ? nameParts(x)
                : undefined;
        if (parts) {
            if (parts.length >= 2) out.push(parts);
            return;
        }
        for (const [k, v] of Object.entries(x)) if (k !== "type") visit(v);
    };
    visit(n);
    return out;
}

/** The first name a statement mentions: its target for every statement outside HARMLESS. */
function target(stmt: Node): NameParts | undefined {
    for (const n of walk(stmt))
        if (
            n !== stmt &&
            ["identifier", "member_expr", "bigquery_quoted_member_expr"].includes(n.type)
        )
            return nameParts(n);
    return undefined;
}

/** The clause of a type of a SELECT statement. */
function clause(select: Node, type: string): Node | undefined {
    return (select["clauses"] as unknown[] | undefined)
        ?.filter(isNode)
        .find((c) => c.type === type);
}

/** Whether a query is `SELECT * FROM <one table>`: nothing filtered, joined, limited or computed. */
function isWholeTable(select: unknown): boolean {
    if (!isNode(select) || select.type !== "select_stmt") return false;
    const clauses = (select["clauses"] as unknown[]).filter(isNode).map((c) => c.type);
    const items = (clause(select, "select_clause")?.["columns"] as Node | undefined)?.["items"];
    const from = clause(select, "from_clause")?.["expr"];
    return (
        clauses.join() === "select_clause,from_clause" &&
        Array.isArray(items) &&
        items.length === 1 &&
        (items[0] as Node).type === "all_columns" &&
        nameParts(from) !== undefined
    );
}

/** The dataset a target names; undefined when the name does not say (an unqualified table). */
function datasetOf(stmt: Node, parts: NameParts): string | undefined {
    if (SCHEMA_STATEMENTS.has(stmt.type)) return parts[parts.length - 1];
    return parts.length >= 2 ? parts[parts.length - 2] : undefined;
}

/** The SQL text an EXECUTE IMMEDIATE runs, when it is a literal or FORMAT() of a literal. */
function immediateText(expr: unknown): string | undefined {
    if (!isNode(expr)) return undefined;
    if (expr.type === "string_literal") return String(expr["value"]);
    if (
        expr.type === "func_call" &&
        nameParts(expr["name"])?.join(".").toUpperCase() === "FORMAT"
    ) {
        const first = [...walk(expr["args"])].find((n) => n.type === "list_expr");
        const fmt = (first?.["items"] as unknown[] | undefined)?.[0];
        // FORMAT's placeholders become a constant: what they fill in are the arguments' values
        // (a date in the backups), which change neither the statement's kind nor its target.
        if (isNode(fmt) && fmt.type === "string_literal")
            return String(fmt["value"]).replace(/%[-+ #0-9.']*[a-zA-Z%]/g, (m) =>
                m === "%%" ? "%" : "0",
            );
    }
    return undefined;
}

const KIND: Readonly<Record<string, string>> = {
    delete_stmt: "DELETE",
    update_stmt: "UPDATE",
    merge_stmt: "MERGE",
    truncate_stmt: "TRUNCATE",
    drop_table_stmt: "DROP TABLE",
    drop_schema_stmt: "DROP SCHEMA",
    alter_table_stmt: "ALTER TABLE",
    alter_schema_stmt: "ALTER SCHEMA",
    create_table_stmt: "CREATE OR REPLACE TABLE",
    load_data_stmt: "LOAD DATA OVERWRITE",
    call_stmt: "CALL",
};

/**
 * Parses `sql` (a scheduled query, a job's query) and reports what it does to the datasets in
 * `raw`. SQL that does not parse, EXECUTE IMMEDIATE of a string built at run time and CALL of a
 * procedure are problems too: what they run cannot be known before they run.
 */
export function analyseSql(sql: string, raw: ReadonlySet<string>, depth = 0): SqlFacts {
    // The same statements are judged for every preview and policy run: parsed once per text.
    const key = `${depth}\0${[...raw].sort().join(",")}\0${sql}`;
    const hit = analysed.get(key);
    if (hit) return structuredClone(hit);
    const facts = analyse(sql, raw, depth);
    if (analysed.size >= 1000) analysed.clear();
    analysed.set(key, structuredClone(facts));
    return facts;
}

const analysed = new Map<string, SqlFacts>();

function analyse(sql: string, raw: ReadonlySet<string>, depth: number): SqlFacts {
    const facts: SqlFacts = { problems: [], exports: [], asserts: [] };
    let statements: Node[];
    try {
        statements = parse(sql, { dialect: "bigquery", paramTypes: ["@name"] })
            .statements as unknown as Node[];
    } catch (err) {
        const first = (err as Error).message.split("\n")[0];
        facts.problems.push(
            `SQL does not parse as BigQuery SQL (${first}), so what it does cannot be judged`,
        );
        return facts;
    }
    for (const stmt of statements
        .flatMap((s) => [...walk(s)])
        .filter((n) => n.type.endsWith("_stmt") || n.type === "empty")) {
        if (stmt.type === "execute_immediate_stmt") {
            const text = immediateText(stmt["expr"]);
            if (text === undefined || depth > 3) {
                facts.problems.push(
                    "EXECUTE IMMEDIATE runs a statement built at run time, so what it does cannot be judged",
                );
                continue;
            }
            const inner = analyseSql(text, raw, depth + 1);
            facts.problems.push(...inner.problems);
            facts.exports.push(...inner.exports);
            facts.asserts.push(...inner.asserts);
            continue;
        }
        if (stmt.type === "export_data_stmt") {
            const uri = [...walk(stmt["options"])]
                .filter((n) => n.type === "binary_expr")
                .find((n) => nameParts(n["left"])?.join(".").toLowerCase() === "uri")?.["right"];
            facts.exports.push({
                uri:
                    isNode(uri) && uri.type === "string_literal" ? String(uri["value"]) : undefined,
                reads: names(stmt["as"]),
                whole: isWholeTable((stmt["as"] as Node | undefined)?.["expr"]),
            });
            continue;
        }
        if (stmt.type === "assert_stmt") {
            // Only a comparison that is the whole selected value bounds the check: in
            // `… <= 360 OR TRUE` the bound decides nothing. The one wrapper accepted is the
            // new-table grace period: `IFNULL(<bound>, <table created less than N hours ago>)`,
            // where the bound is NULL only while the table has never been loaded.
            const select = (stmt["condition"] as Node | undefined)?.["expr"];
            const columns = isNode(select)
                ? clause(select, "select_clause")?.["columns"]
                : undefined;
            const minutes: number[] = [];
            const graceHours: number[] = [];
            for (const item of (
                ((columns as Node | undefined)?.["items"] as unknown[] | undefined) ?? []
            ).filter(isNode)) {
                const bound = minutesBound(item);
                if (bound !== undefined) {
                    minutes.push(bound);
                    continue;
                }
                const args = ifNullArgs(item);
                const inner = args && minutesBound(args[0]);
                const grace = args && graceBound(args[1]);
                if (inner !== undefined && grace !== undefined) {
                    minutes.push(inner);
                    graceHours.push(grace);
                }
            }
            facts.asserts.push({ reads: names(stmt["condition"]), minutes, graceHours });
            continue;
        }
        if (HARMLESS.has(stmt.type)) continue;
        if (stmt.type === "create_table_stmt" && (!stmt["orReplaceKw"] || stmt["kind"])) continue;
        if (stmt.type === "create_view_stmt" && !stmt["orReplaceKw"]) continue;
        if (stmt.type === "load_data_stmt" && (stmt["intoKw"] as Node)?.["name"] === "INTO")
            continue;
        const kind =
            KIND[stmt.type] ??
            stmt.type
                .replace(/_stmt$/, "")
                .replace(/_/g, " ")
                .toUpperCase();
        if (stmt.type === "call_stmt") {
            facts.problems.push(
                "CALL runs a procedure whose statements are not in the plan, so what it does cannot be judged",
            );
            continue;
        }
        const parts = target(stmt);
        const dataset = parts && datasetOf(stmt, parts);
        if (dataset === undefined)
            facts.problems.push(
                `${kind} ${parts?.join(".") ?? "(no name)"} does not name its dataset, so it may change a raw table`,
            );
        else if (raw.has(dataset))
            facts.problems.push(
                `${kind} ${parts!.join(".")} changes data in the raw dataset ${dataset}`,
            );
    }
    return facts;
}

/** N of `TIMESTAMP_DIFF(…, MINUTE) <= N` (or `<`), or undefined for anything else. */
function minutesBound(n: unknown): number | undefined {
    if (!isNode(n) || n.type !== "binary_expr" || !["<=", "<"].includes(String(n["operator"])))
        return undefined;
    const left = n["left"] as Node;
    const isDiff =
        isNode(left) &&
        left.type === "func_call" &&
        nameParts(left["name"])?.join(".").toUpperCase() === "TIMESTAMP_DIFF" &&
        [...walk(left["args"])].some(
            (a) => a.type === "identifier" && String(a["name"]).toUpperCase() === "MINUTE",
        );
    const value = (n["right"] as Node | undefined)?.["value"];
    return isDiff && typeof value === "number" ? value : undefined;
}

/** The two arguments of `IFNULL(a, b)`, or undefined. */
function ifNullArgs(n: Node): [Node, Node] | undefined {
    if (n.type !== "func_call" || nameParts(n["name"])?.join(".").toUpperCase() !== "IFNULL")
        return undefined;
    const items = [...walk(n["args"])].find((x) => x.type === "list_expr")?.["items"];
    return Array.isArray(items) && items.length === 2 && items.every(isNode)
        ? (items as [Node, Node])
        : undefined;
}

/**
 * N of `(SELECT creation_time FROM ….INFORMATION_SCHEMA.TABLES …) > TIMESTAMP_SUB(
 * CURRENT_TIMESTAMP(), INTERVAL N HOUR)`: true only while the table is younger than N hours.
 */
function graceBound(n: Node): number | undefined {
    if (n.type !== "binary_expr" || String(n["operator"]) !== ">") return undefined;
    const left = [...walk(n["left"])];
    const readsCreation =
        left.some((x) => x.type === "identifier" && String(x["name"]) === "creation_time") &&
        left.some((x) => x.type === "identifier" && String(x["name"]).toUpperCase() === "TABLES") &&
        left.some(
            (x) =>
                x.type === "identifier" && String(x["name"]).toUpperCase() === "INFORMATION_SCHEMA",
        );
    const right = n["right"] as Node;
    if (
        !readsCreation ||
        !isNode(right) ||
        right.type !== "func_call" ||
        nameParts(right["name"])?.join(".").toUpperCase() !== "TIMESTAMP_SUB"
    )
        return undefined;
    const parts = [...walk(right["args"])];
    const now = parts.some(
        (x) =>
            x.type === "func_call" &&
            nameParts(x["name"])?.join(".").toUpperCase() === "CURRENT_TIMESTAMP",
    );
    const interval = parts.find((x) => x.type === "interval_literal");
    const unit = (interval?.["unit"] as Node | undefined)?.["unitKw"] as Node | undefined;
    const hours = (interval?.["value"] as Node | undefined)?.["value"];
    return now && typeof hours === "number" && String(unit?.["name"]).toUpperCase() === "HOUR"
        ? hours
        : undefined;
}

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
    /**
     * Why parts of the SQL cannot be judged at all (it does not parse, EXECUTE IMMEDIATE of a
     * string built at run time, CALL of a procedure): also in `problems`, kept apart for the
     * policies that ask what the SQL does beyond raw data (where it copies data, residency).
     */
    opaque: string[];
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
        const [fmt, ...args] = (first?.["items"] as unknown[] | undefined) ?? [];
        // FORMAT's placeholders become a constant when every argument is a date or time formatted
        // by a pattern of directives only (the backups' and snapshots' run day): such text holds
        // no quote, so it cannot change the statement's kind or target. Any other argument (a
        // string, CONCAT, a column) could close a quote and write another statement: unreadable.
        if (!args.every(quoteFreeTime)) return undefined;
        if (isNode(fmt) && fmt.type === "string_literal")
            return String(fmt["value"]).replace(/%[-+ #0-9.']*[a-zA-Z%]/g, (m) =>
                m === "%%" ? "%" : "0",
            );
    }
    return undefined;
}

/** A raw string or bytes literal's opening: r'…, R"…, rb'…, br'… (not inside a word). */
const RAW_LITERAL = /(^|[^A-Za-z0-9_])([rR][bB]?|[bB][rR])['"]/;

/** FORMAT_DATE/TIME/DATETIME/TIMESTAMP of a literal pattern without quotes or backslashes. */
function quoteFreeTime(arg: unknown): boolean {
    if (!isNode(arg) || arg.type !== "func_call") return false;
    const name = nameParts(arg["name"])?.join(".").toUpperCase();
    if (!["FORMAT_DATE", "FORMAT_TIME", "FORMAT_DATETIME", "FORMAT_TIMESTAMP"].includes(name ?? ""))
        return false;
    const list = [...walk(arg["args"])].find((n) => n.type === "list_expr");
    const pattern = (list?.["items"] as unknown[] | undefined)?.[0];
    return (
        isNode(pattern) &&
        pattern.type === "string_literal" &&
        /^[%A-Za-z0-9 :_.\-]*$/.test(String(pattern["value"]))
    );
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
    const key = JSON.stringify([depth, [...raw].sort(), sql]);
    const hit = analysed.get(key);
    if (hit) return structuredClone(hit);
    const facts = analyse(sql, raw, depth);
    if (analysed.size >= 1000) analysed.clear();
    analysed.set(key, structuredClone(facts));
    return facts;
}

const analysed = new Map<string, SqlFacts>();

function analyse(sql: string, raw: ReadonlySet<string>, depth: number): SqlFacts {
    const facts: SqlFacts = { problems: [], exports: [], asserts: [], opaque: [] };
    // The parser ends a raw string at a quote after a backslash (r'\''), where BigQuery does not:
    // text BigQuery runs as statements would read as a string. A raw literal anywhere in SQL that
    // holds a backslash is not judged (the platform's own SQL has neither).
    if (RAW_LITERAL.test(sql) && sql.includes("\\")) {
        const why =
            "SQL with a raw string literal (r'…') holds a backslash, where the parser and BigQuery may disagree on where the string ends, so what it does cannot be judged";
        facts.problems.push(why);
        facts.opaque.push(why);
        return facts;
    }
    let statements: Node[];
    try {
        statements = parse(sql, { dialect: "bigquery", paramTypes: ["@name"] })
            .statements as unknown as Node[];
    } catch (err) {
        const first = (err as Error).message.split("\n")[0];
        const why = `SQL does not parse as BigQuery SQL (${first}), so what it does cannot be judged`;
        facts.problems.push(why);
        facts.opaque.push(why);
        return facts;
    }
    for (const stmt of statements
        .flatMap((s) => [...walk(s)])
        .filter((n) => n.type.endsWith("_stmt") || n.type === "empty")) {
        if (stmt.type === "execute_immediate_stmt") {
            const text = immediateText(stmt["expr"]);
            if (text === undefined || depth > 3) {
                const why =
                    "EXECUTE IMMEDIATE runs a statement built at run time, so what it does cannot be judged";
                facts.problems.push(why);
                facts.opaque.push(why);
                continue;
            }
            const inner = analyseSql(text, raw, depth + 1);
            facts.problems.push(...inner.problems);
            facts.exports.push(...inner.exports);
            facts.asserts.push(...inner.asserts);
            facts.opaque.push(...inner.opaque);
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
            const why =
                "CALL runs a procedure whose statements are not in the plan, so what it does cannot be judged";
            facts.problems.push(why);
            facts.opaque.push(why);
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

// ---- Where SQL copies data: replicas (ALTER SCHEMA … ADD REPLICA) and EXPORT DATA ----------------

/**
 * A token of BigQuery's lexical structure
 * (https://cloud.google.com/bigquery/docs/reference/standard-sql/lexical): a word (a keyword or an
 * unquoted identifier), a quoted identifier, a string or bytes literal, a number, a query parameter or one
 * character of punctuation. `value` is a quoted identifier's or a string's content; `escaped`
 * says that content holds escape sequences (left undecoded).
 */
interface Token {
    kind: "word" | "quoted" | "string" | "bytes" | "number" | "param" | "punct";
    value: string;
    escaped: boolean;
    start: number;
    end: number;
}

/** The tokens of `sql`, comments and whitespace left out; throws on an unterminated literal or comment. */
function lex(sql: string): Token[] {
    const out: Token[] = [];
    let i = 0;
    const push = (kind: Token["kind"], value: string, escaped: boolean, end: number) => {
        out.push({ kind, value, escaped, start: i, end });
        i = end;
    };
    while (i < sql.length) {
        const c = sql[i]!;
        if (/\s/.test(c)) {
            i++;
            continue;
        }
        if (c === "#" || sql.startsWith("--", i)) {
            const nl = sql.indexOf("\n", i);
            i = nl < 0 ? sql.length : nl + 1;
            continue;
        }
        if (sql.startsWith("/*", i)) {
            const close = sql.indexOf("*/", i + 2);
            if (close < 0) throw new Error(`unterminated comment at offset ${i}`);
            i = close + 2;
            continue;
        }
        // String and bytes literals: an optional r/b prefix, then ''' """ ' or ".
        const literal = /^([rRbB]{0,2})('''|"""|'|")/.exec(sql.slice(i, i + 5));
        if (literal) {
            const raw = /r/i.test(literal[1]!);
            const quote = literal[2]!;
            let j = i + literal[0].length;
            let escaped = false;
            for (;;) {
                if (j >= sql.length) throw new Error(`unterminated string at offset ${i}`);
                // In a raw string too a backslash keeps the next character in the string: BigQuery
                // reads r'\'' as one string (a raw string cannot end with an odd number of
                // backslashes: https://cloud.google.com/bigquery/docs/reference/standard-sql/lexical#string_and_bytes_literals).
                if (sql[j] === "\\") {
                    if (!raw) escaped = true;
                    j += 2;
                    continue;
                }
                if (sql.startsWith(quote, j)) break;
                if (quote.length === 1 && sql[j] === "\n")
                    throw new Error(`unterminated string at offset ${i}`);
                j++;
            }
            push(
                /b/i.test(literal[1]!) ? "bytes" : "string",
                sql.slice(i + literal[0].length, j),
                escaped,
                j + quote.length,
            );
            continue;
        }
        if (c === "`") {
            let j = i + 1;
            let escaped = false;
            while (j < sql.length && sql[j] !== "`") {
                if (sql[j] === "\\") {
                    escaped = true;
                    j++;
                }
                j++;
            }
            if (j >= sql.length) throw new Error(`unterminated quoted identifier at offset ${i}`);
            push("quoted", sql.slice(i + 1, j), escaped, j + 1);
            continue;
        }
        const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i));
        if (word) {
            push("word", word[0], false, i + word[0].length);
            continue;
        }
        const number = /^\d+(\.\d+)?([eE][+-]?\d+)?/.exec(sql.slice(i));
        if (number) {
            push("number", number[0], false, i + number[0].length);
            continue;
        }
        const param = /^@@?[A-Za-z_][A-Za-z0-9_.]*/.exec(sql.slice(i));
        if (param) {
            push("param", param[0], false, i + param[0].length);
            continue;
        }
        push("punct", c, false, i + 1);
    }
    return out;
}

/** A replica an `ALTER SCHEMA … ADD REPLICA` statement adds. */
export interface ReplicaCopy {
    /** The dataset replicated, as written (`project.dataset` or `dataset`). */
    dataset: string;
    /** The replica's name. */
    replica: string;
    /** Its `location` option when a plain string literal; undefined otherwise. */
    location?: string;
    /** Why the location cannot be read, when it cannot. */
    unreadable?: string;
}

const isWord = (t: Token | undefined, w: string) =>
    t?.kind === "word" && t.value.toUpperCase() === w;

/**
 * The `ALTER SCHEMA [IF EXISTS] dataset ADD REPLICA replica [OPTIONS (location = '…', …)]`
 * statement starting at token `i`, if it is one, and the index of the token after it (a `;` or
 * the end). Syntax: "ALTER SCHEMA ADD REPLICA statement" in
 * https://cloud.google.com/bigquery/docs/reference/standard-sql/data-definition-language#alter_schema_add_replica_statement
 * (the replica is created in its `location` option; https://cloud.google.com/bigquery/docs/data-replication).
 * Another ALTER SCHEMA gives undefined: sql-parser-cst reads those, but not ADD REPLICA.
 */
function addReplicaAt(
    sql: string,
    tokens: readonly Token[],
    i: number,
): { copy: ReplicaCopy; next: number } | undefined {
    if (!isWord(tokens[i], "ALTER") || !isWord(tokens[i + 1], "SCHEMA")) return undefined;
    let j = i + 2;
    if (isWord(tokens[j], "IF") && isWord(tokens[j + 1], "EXISTS")) j += 2;
    // The dataset's name: parts (words, quoted identifiers, digits of a project id) joined by
    // `.` or, in an unquoted project id, `-`.
    const part = (t: Token | undefined) =>
        t !== undefined && ["word", "quoted", "number"].includes(t.kind);
    if (!part(tokens[j])) return undefined;
    let dataset = tokens[j]!.value;
    j++;
    while (
        tokens[j]?.kind === "punct" &&
        [".", "-"].includes(tokens[j]!.value) &&
        part(tokens[j + 1])
    ) {
        dataset += tokens[j]!.value + tokens[j + 1]!.value;
        j += 2;
    }
    if (!isWord(tokens[j], "ADD") || !isWord(tokens[j + 1], "REPLICA")) return undefined;
    j += 2;
    // Past here it is an ADD REPLICA: whatever does not read is a reason the location cannot be.
    const end = (from: number) => {
        let k = from;
        while (k < tokens.length && !(tokens[k]!.kind === "punct" && tokens[k]!.value === ";")) k++;
        return k;
    };
    const fail = (replica: string, why: string, from: number) => ({
        copy: { dataset, replica, unreadable: why },
        next: end(from),
    });
    const name = tokens[j];
    if (!name || (name.kind !== "word" && name.kind !== "quoted"))
        return fail("(none)", "ADD REPLICA names no replica", j);
    const replica = name.value;
    j++;
    if (!isWord(tokens[j], "OPTIONS")) return fail(replica, "it has no OPTIONS (location = …)", j);
    j++;
    if (tokens[j]?.value !== "(" || tokens[j]?.kind !== "punct")
        return fail(replica, "OPTIONS is not followed by (", j);
    j++;
    let location: string | undefined;
    let unreadable: string | undefined;
    for (;;) {
        const key = tokens[j];
        if (!key || key.kind !== "word" || tokens[j + 1]?.value !== "=")
            return fail(replica, "its OPTIONS list does not read as name = value pairs", j);
        j += 2;
        // The value: every token up to the next `,` or `)` outside parentheses and brackets.
        const value: Token[] = [];
        let depth = 0;
        while (j < tokens.length) {
            const t = tokens[j]!;
            if (t.kind === "punct" && depth === 0 && (t.value === "," || t.value === ")")) break;
            if (t.kind === "punct" && ["(", "["].includes(t.value)) depth++;
            if (t.kind === "punct" && [")", "]"].includes(t.value)) depth--;
            value.push(t);
            j++;
        }
        if (key.value.toLowerCase() === "location") {
            const v = value[0];
            const written = value.length
                ? sql.slice(value[0]!.start, value[value.length - 1]!.end)
                : "empty";
            if (value.length === 1 && v!.kind === "string" && !v!.escaped) location = v!.value;
            else if (value.length === 1 && v!.kind === "string")
                unreadable = `its location ${written} holds escape sequences`;
            else unreadable = `its location is ${written}, not a string literal`;
        }
        const sep = tokens[j];
        if (!sep) return fail(replica, "its OPTIONS list is not closed", j);
        j++;
        if (sep.value === ")") break;
    }
    if (j < tokens.length && tokens[j]!.value !== ";")
        return fail(replica, `it goes on after OPTIONS (…) with ${tokens[j]!.value}`, j);
    if (unreadable) return { copy: { dataset, replica, unreadable }, next: j };
    if (location === undefined)
        return { copy: { dataset, replica, unreadable: "it has no location option" }, next: j };
    return { copy: { dataset, replica, location }, next: j };
}

/** Where a statement (a job's query, a scheduled query, a procedure's body) copies data. */
export interface DataCopies {
    /** The replicas it adds (ALTER SCHEMA … ADD REPLICA). */
    replicas: ReplicaCopy[];
    /** Its EXPORT DATA destinations; undefined for a URI built at run time. */
    exports: (string | undefined)[];
    /** Why it (or a part of it) cannot be judged: then where it copies data cannot be either. */
    opaque: string[];
}

/**
 * Where `sql` copies data, by parsing: its ADD REPLICA statements by their grammar (the BigQuery
 * parser in use does not have it), everything else by sql-parser-cst (analyseSql), with each
 * ADD REPLICA statement taken out.
 */
export function dataCopies(sql: string): DataCopies {
    let tokens: Token[];
    try {
        tokens = lex(sql);
    } catch (err) {
        return {
            replicas: [],
            exports: [],
            opaque: [
                `SQL does not parse as BigQuery SQL (${(err as Error).message}), so what it does cannot be judged`,
            ],
        };
    }
    const replicas: ReplicaCopy[] = [];
    let rest = "";
    let at = 0;
    for (let i = 0; i < tokens.length; i++) {
        const found = addReplicaAt(sql, tokens, i);
        if (!found) continue;
        replicas.push(found.copy);
        // The statement's place is kept by a statement that does nothing.
        const stop = found.next < tokens.length ? tokens[found.next]!.start : sql.length;
        rest += `${sql.slice(at, tokens[i]!.start)}SELECT 1`;
        at = stop;
        i = found.next;
    }
    rest += sql.slice(at);
    const facts = analyseSql(rest, new Set());
    return { replicas, exports: facts.exports.map((e) => e.uri), opaque: facts.opaque };
}

// The scheduled freshness check, run offline: its ASSERT is parsed as BigQuery SQL and evaluated
// against a simulated raw table (loads, creation time), with SQL's NULL logic, so what the check
// does for a new environment, a stale table and a fresh one is tested on the SQL that ships.
import { strict as assert } from "assert";
import { parse } from "sql-parser-cst";
import { freshnessCheckSql } from "../components/sql";
import { configProblems, planFor, resource } from "./harness";

interface Node {
    type: string;
    [k: string]: unknown;
}

/** What BigQuery would see: the table's `_loaded_at` values, its creation time, and now. */
interface TableState {
    table: string;
    loadedAt: Date[];
    created: Date;
    now: Date;
}

type Value = number | string | boolean | Date | null;

const HOUR = 3600_000;

/** The parts of the SQL grammar the check uses; anything else fails the test, naming the node. */
function evaluate(n: Node, s: TableState): Value {
    const args = () =>
        ((((n["args"] as Node)["expr"] as Node)["args"] as Node)["items"] as Node[]).map((a) =>
            a.type === "identifier" ? (a["name"] as string) : evaluate(a, s),
        );
    switch (n.type) {
        case "number_literal":
            return n["value"] as number;
        case "string_literal":
            return n["value"] as string;
        case "paren_expr": {
            const inner = n["expr"] as Node;
            return inner.type === "select_stmt" ? select(inner, s) : evaluate(inner, s);
        }
        case "interval_literal": {
            const unit = ((n["unit"] as Node)["unitKw"] as Node)["name"];
            assert.equal(unit, "HOUR", "interval unit");
            return (evaluate(n["value"] as Node, s) as number) * HOUR;
        }
        case "binary_expr": {
            const op = n["operator"] as string;
            const l = evaluate(n["left"] as Node, s);
            const r = evaluate(n["right"] as Node, s);
            if (op === "OR")
                return l === true || r === true ? true : l === null || r === null ? null : false;
            if (op === "AND")
                return l === false || r === false ? false : l === null || r === null ? null : true;
            if (l === null || r === null) return null;
            const [a, b] = [Number(l), Number(r)];
            const compare: Record<string, boolean> = {
                "<=": a <= b,
                "<": a < b,
                ">": a > b,
                ">=": a >= b,
                "=": a === b,
            };
            if (!(op in compare)) throw new Error(`unsupported operator ${op}`);
            return compare[op]!;
        }
        case "func_call": {
            const name = (n["name"] as Node)["name"] as string;
            const a = args();
            switch (name.toUpperCase()) {
                case "CURRENT_TIMESTAMP":
                    return s.now;
                case "MAX":
                    assert.deepEqual(a, ["_loaded_at"]);
                    return s.loadedAt.length ? new Date(Math.max(...s.loadedAt.map(Number))) : null;
                case "IFNULL":
                    return a[0] ?? a[1] ?? null;
                case "TIMESTAMP_DIFF":
                    assert.equal(a[2], "MINUTE");
                    return a[0] === null || a[1] === null
                        ? null
                        : Math.floor((Number(a[0]) - Number(a[1])) / 60_000);
                case "TIMESTAMP_SUB":
                    return a[0] === null ? null : new Date(Number(a[0]) - (a[1] as number));
            }
            throw new Error(`unsupported function ${name}`);
        }
    }
    throw new Error(`unsupported node ${n.type}`);
}

/** A scalar subquery: the table's creation time from INFORMATION_SCHEMA.TABLES, by name. */
function select(stmt: Node, s: TableState): Value {
    const [sel, from, where] = stmt["clauses"] as Node[];
    const column = ((sel!["columns"] as Node)["items"] as Node[])[0]!;
    const source = JSON.stringify(from!["expr"]);
    if (!source.includes('"INFORMATION_SCHEMA"') || !source.includes('"TABLES"'))
        throw new Error(`unsupported subquery source ${source}`);
    assert.equal(column["name"], "creation_time");
    const cond = where!["expr"] as Node;
    assert.equal((cond["left"] as Node)["name"], "table_name");
    return evaluate(cond["right"] as Node, s) === s.table ? s.created : null;
}

/** The value the check's ASSERT tests: true passes, false or NULL fails the run (and alerts). */
function checkPasses(sql: string, s: TableState): boolean {
    const stmt = parse(sql, { dialect: "bigquery" }).statements[0] as unknown as Node;
    assert.equal(stmt.type, "assert_stmt");
    const query = (stmt["condition"] as Node)["expr"] as Node;
    const [sel, from] = query["clauses"] as Node[];
    assert.match(JSON.stringify(from!["expr"]), new RegExp(`"name":"${s.table}"`));
    const column = ((sel!["columns"] as Node)["items"] as Node[])[0]!;
    return evaluate(column, s) === true;
}

const RAW = { project: "p", dataset: "raw" };
const NOW = new Date("2026-11-29T12:00:00Z");
const ago = (hours: number) => new Date(NOW.getTime() - hours * HOUR);

describe("freshness checks", () => {
    const sql = freshnessCheckSql(RAW, "packages", 6, 48);
    const cases: [string, Omit<TableState, "table" | "now">, boolean][] = [
        ["a new, never-loaded table (created 1 h ago)", { loadedAt: [], created: ago(1) }, true],
        [
            "a never-loaded table just inside the grace period",
            { loadedAt: [], created: ago(47) },
            true,
        ],
        ["a never-loaded table past the grace period", { loadedAt: [], created: ago(49) }, false],
        ["a table loaded 2 h ago", { loadedAt: [ago(30), ago(2)], created: ago(100) }, true],
        [
            "a table last loaded 7 h ago (threshold 6 h)",
            { loadedAt: [ago(7)], created: ago(100) },
            false,
        ],
        [
            "a stale table created inside the grace period",
            { loadedAt: [ago(7)], created: ago(8) },
            false,
        ],
    ];
    for (const [title, state, passes] of cases)
        it(`${passes ? "passes" : "fails"} for ${title}`, () => {
            assert.equal(checkPasses(sql, { ...state, table: "packages", now: NOW }), passes);
        });

    it("with no grace period, a never-loaded table fails at once", () => {
        const strict = freshnessCheckSql(RAW, "packages", 6, 0);
        assert.equal(
            checkPasses(strict, { table: "packages", loadedAt: [], created: ago(1), now: NOW }),
            false,
        );
    });

    it("the evaluator knows only what the check uses, so a changed shape fails loudly", () => {
        assert.throws(
            () =>
                checkPasses("ASSERT (SELECT COALESCE(1, 2) FROM `p.raw.packages`) AS 'x'", {
                    table: "packages",
                    loadedAt: [],
                    created: NOW,
                    now: NOW,
                }),
            /unsupported function COALESCE/,
        );
    });

    it("takes the grace period from logistics:alerting.freshnessGraceHours (default 48)", async () => {
        const plan = await planFor("dev", {
            "logistics:alerting": {
                channels: { l1: { level: 1, email: "a@example.com" } },
                routes: { high: ["l1"], medium: ["l1"], low: ["l1"] },
                freshnessGraceHours: 12,
            },
        });
        const query = (
            resource(
                plan,
                "gcp:bigquery/dataTransferConfig:DataTransferConfig",
                "lgx-dev-freshness-packages",
            ).inputs["params"] as { query: string }
        ).query;
        assert.match(query, /INTERVAL 12 HOUR/);
        assert.deepEqual(
            configProblems({
                "logistics:alerting": {
                    channels: { l1: { level: 1, email: "a@example.com" } },
                    routes: { high: ["l1"], medium: ["l1"], low: ["l1"] },
                    freshnessGraceHours: 1000,
                },
            }),
            [
                "logistics:alerting.freshnessGraceHours: got 1000. Expected an integer from 0 to 720 (hours).",
            ],
        );
    });
});

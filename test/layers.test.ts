// The program's layers, read from the import statements of its sources:
//
//   lib/ ← components/ ← stacks/ ← tools/, policies/
//
// lib/ holds generic helpers (the config schema's leaf validators); a component owns its config
// section (components/<entity>.schema.ts); stacks/ composes the sections into the stack schema
// and builds the components; the tools and the policy pack run all of it. An import against
// that direction, or a cycle between modules anywhere, fails here.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..");

/** Top-level folders and what each may import, besides itself and packages. */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
    lib: [],
    data: [],
    components: ["lib", "data"],
    stacks: ["lib", "data", "components"],
    tools: ["lib", "data", "components", "stacks", "policies"],
    policies: ["lib", "data", "components", "stacks", "tools"],
};

interface Edge {
    from: string;
    to: string;
}

function sourcesUnder(dir: string): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
        for (const entry of fs.readdirSync(path.join(ROOT, d), { withFileTypes: true })) {
            const rel = path.posix.join(d, entry.name);
            if (entry.isDirectory()) {
                if (entry.name !== "node_modules") walk(rel);
            } else if (
                /\.(ts|mts|cts|js|mjs|cjs)$/.test(entry.name) &&
                !entry.name.endsWith(".d.ts")
            )
                out.push(rel);
        }
    };
    walk(dir);
    return out;
}

/** A relative specifier as the file it names (`.ts`, `/index.ts` or a data file), else undefined. */
function resolve(from: string, specifier: string): string | undefined {
    if (!specifier.startsWith(".")) return undefined;
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
    for (const candidate of [base, `${base}.ts`, `${base}/index.ts`])
        if (
            fs.existsSync(path.join(ROOT, candidate)) &&
            fs.statSync(path.join(ROOT, candidate)).isFile()
        )
            return candidate;
    throw new Error(`${from}: cannot resolve import "${specifier}"`);
}

/** Every relative import of every source: static, type-only, re-exports and `import(...)`. */
function importGraph(): Edge[] {
    const edges: Edge[] = [];
    for (const file of ["index.ts", ...Object.keys(MAY_IMPORT).flatMap(sourcesUnder)]) {
        const text = fs.readFileSync(path.join(ROOT, file), "utf8");
        const info = ts.preProcessFile(text, true, true);
        for (const ref of info.importedFiles) {
            const to = resolve(file, ref.fileName);
            if (to) edges.push({ from: file, to });
        }
    }
    return edges;
}

const layerOf = (file: string) => (file.includes("/") ? file.slice(0, file.indexOf("/")) : file);

/**
 * Imports the graph cannot follow: `import(x)` or `require(x)` of anything but a literal, and
 * `require` handed around (`const r = require`). `require.resolve` and `require.main` are reads,
 * not imports; a binding named `require` (createRequire) is a declaration.
 */
function opaqueImports(file: string, text: string): string[] {
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const found: string[] = [];
    const at = (n: ts.Node) =>
        `${file}:${source.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
    const literal = (n: ts.Node | undefined) =>
        n !== undefined && (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n));
    const visit = (n: ts.Node) => {
        if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
            if (!literal(n.arguments[0])) found.push(`${at(n)}: import() of a computed name`);
        } else if (ts.isIdentifier(n) && n.text === "require") {
            const p = n.parent;
            const called = ts.isCallExpression(p) && p.expression === n;
            const read =
                ts.isPropertyAccessExpression(p) &&
                p.expression === n &&
                ["resolve", "main"].includes(p.name.text);
            const declared =
                (ts.isVariableDeclaration(p) && p.name === n) ||
                (ts.isPropertyAccessExpression(p) && p.name === n);
            if (called && !literal((p as ts.CallExpression).arguments[0]))
                found.push(`${at(n)}: require() of a computed name`);
            else if (!called && !read && !declared) found.push(`${at(n)}: require passed around`);
        }
        ts.forEachChild(n, visit);
    };
    visit(source);
    return found;
}

/** Layer violations: imports a folder may not make. */
function layerProblems(edges: readonly Edge[]): string[] {
    return edges
        .filter(({ from, to }) => {
            const [a, b] = [layerOf(from), layerOf(to)];
            const allowed = MAY_IMPORT[a];
            return allowed !== undefined && a !== b && !allowed.includes(b);
        })
        .map(({ from, to }) => `${from} imports ${to}`);
}

/** The import cycles (strongly connected components of more than one module, or a self-import). */
function cycles(edges: readonly Edge[]): string[][] {
    const next = new Map<string, string[]>();
    for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
    // Tarjan's algorithm.
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const found: string[][] = [];
    let counter = 0;
    const visit = (v: string) => {
        index.set(v, counter);
        low.set(v, counter++);
        stack.push(v);
        onStack.add(v);
        for (const w of next.get(v) ?? []) {
            if (!index.has(w)) {
                visit(w);
                low.set(v, Math.min(low.get(v)!, low.get(w)!));
            } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        }
        if (low.get(v) === index.get(v)) {
            const component: string[] = [];
            let w: string;
            do {
                w = stack.pop()!;
                onStack.delete(w);
                component.push(w);
            } while (w !== v);
            if (component.length > 1 || (next.get(v) ?? []).includes(v))
                found.push(component.sort());
        }
    };
    for (const v of new Set(edges.flatMap((e) => [e.from, e.to]))) if (!index.has(v)) visit(v);
    return found;
}

describe("layers", () => {
    const edges = importGraph();

    it("reads the imports of every layer", () => {
        for (const layer of ["components", "stacks", "tools", "policies"])
            assert.ok(
                edges.some((e) => layerOf(e.from) === layer),
                `no imports read under ${layer}/`,
            );
        // The walker sees what the layering rests on: a component's own section, stacks → components.
        assert.ok(
            edges.some(
                (e) =>
                    e.from === "components/warehouse.ts" &&
                    e.to === "components/warehouse.schema.ts",
            ),
        );
        assert.ok(edges.some((e) => e.from === "stacks/config.ts" && e.to === "lib/schema.ts"));
    });

    it("imports only toward lower layers: lib ← components ← stacks ← tools, policies", () => {
        assert.deepEqual(layerProblems(edges), []);
    });

    it("imports nothing the graph cannot read (computed import() or require, require passed around)", () => {
        const files = ["index.ts", ...Object.keys(MAY_IMPORT).flatMap(sourcesUnder)];
        assert.deepEqual(
            files.flatMap((f) => opaqueImports(f, fs.readFileSync(path.join(ROOT, f), "utf8"))),
            [],
        );
        assert.deepEqual(
            opaqueImports(
                "lib/evil.ts",
                [
                    'const where = "../stacks/config";',
                    "void import(where);",
                    "const req = require;",
                    "req(where);",
                    "require(`../tools/${where}`);",
                    'require("../tools/cli");',
                    'require.resolve("mocha");',
                    'void import("../stacks/config");',
                ].join("\n"),
            ),
            [
                "lib/evil.ts:2: import() of a computed name",
                "lib/evil.ts:3: require passed around",
                "lib/evil.ts:5: require() of a computed name",
            ],
        );
    });

    it("has no import cycle", () => {
        assert.deepEqual(
            cycles(edges).map((c) => c.join(" ↔ ")),
            [],
        );
    });

    it("would report an upward import and a cycle", () => {
        const bad: Edge[] = [
            { from: "components/a.ts", to: "stacks/b.ts" },
            { from: "stacks/b.ts", to: "tools/c.ts" },
            { from: "lib/d.ts", to: "components/a.ts" },
            { from: "stacks/x.ts", to: "stacks/y.ts" },
            { from: "stacks/y.ts", to: "stacks/z.ts" },
            { from: "stacks/z.ts", to: "stacks/x.ts" },
        ];
        assert.deepEqual(layerProblems(bad), [
            "components/a.ts imports stacks/b.ts",
            "stacks/b.ts imports tools/c.ts",
            "lib/d.ts imports components/a.ts",
        ]);
        assert.deepEqual(cycles(bad), [["stacks/x.ts", "stacks/y.ts", "stacks/z.ts"]]);
    });

    it("keeps every config section next to the component that uses it", () => {
        // components/<entity>.schema.ts sits next to components/<entity>.ts, which it configures.
        const sections = sourcesUnder("components").filter((f) => f.endsWith(".schema.ts"));
        assert.ok(sections.length >= 8, `only ${sections.length} section files`);
        for (const s of sections)
            assert.ok(
                fs.existsSync(path.join(ROOT, s.replace(/\.schema\.ts$/, ".ts"))),
                `${s} has no component ${s.replace(/\.schema\.ts$/, ".ts")}`,
            );
        // stacks/ declares only the stack-wide keys: labels and acknowledgements (config.ts), the
        // cost assumptions (estimates.ts), failover and adopted names, which span components.
        assert.deepEqual(
            sourcesUnder("stacks").filter((f) =>
                /\b(section|z\.strictObject)\(/.test(fs.readFileSync(path.join(ROOT, f), "utf8")),
            ),
            ["stacks/config.ts", "stacks/estimates.ts", "stacks/failover.ts", "stacks/names.ts"],
        );
    });
});

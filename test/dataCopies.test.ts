// Where SQL copies data (policies/sql.ts, dataCopies): ADD REPLICA read by its grammar over
// BigQuery's tokens, so comments, strings and other statements neither hide nor fake a replica.
import { strict as assert } from "assert";
import { dataCopies } from "../policies/sql";
import { addReplicaSql } from "../components/sql";

describe("dataCopies", () => {
    it("reads the replica the platform's own statement adds", () => {
        const sql = addReplicaSql({ project: "my-project", dataset: "raw" }, "us-east4");
        assert.deepEqual(dataCopies(sql), {
            replicas: [{ dataset: "my-project.raw", replica: "us-east4", location: "us-east4" }],
            exports: [],
            opaque: [],
        });
    });

    it("ignores ADD REPLICA inside comments and strings", () => {
        const sql = [
            "-- ALTER SCHEMA raw ADD REPLICA a OPTIONS (location = 'asia-east1')",
            "# ALTER SCHEMA raw ADD REPLICA b OPTIONS (location = 'asia-east1')",
            "/* ALTER SCHEMA raw ADD REPLICA c OPTIONS (location = 'asia-east1') */",
            `SELECT 'ALTER SCHEMA raw ADD REPLICA d', r"ALTER SCHEMA raw ADD REPLICA e", """ALTER SCHEMA raw ADD REPLICA f"""`,
        ].join("\n");
        assert.deepEqual(dataCopies(sql), { replicas: [], exports: [], opaque: [] });
    });

    it("reads every ADD REPLICA of a script, and what else it exports", () => {
        const sql = [
            "ALTER SCHEMA raw ADD REPLICA `eu` OPTIONS (location = 'EU');",
            "/* then */ alter schema IF EXISTS `p.raw` add replica `asia` options (location = r'asia-east1');",
            "EXPORT DATA OPTIONS (uri = 'gs://b/x_*.csv', format = 'CSV') AS SELECT * FROM raw.t",
        ].join("\n");
        const copies = dataCopies(sql);
        assert.deepEqual(
            copies.replicas.map((r) => [r.dataset, r.replica, r.location]),
            [
                ["raw", "eu", "EU"],
                ["p.raw", "asia", "asia-east1"],
            ],
        );
        assert.deepEqual(copies.exports, ["gs://b/x_*.csv"]);
        assert.deepEqual(copies.opaque, []);
    });

    it("leaves other ALTER SCHEMA statements to the parser", () => {
        const set = "ALTER SCHEMA `p.raw` SET OPTIONS (failover_reservation = 'p.slots')";
        assert.deepEqual(dataCopies(set), { replicas: [], exports: [], opaque: [] });
        // A column named alter, aliased schema: no replica, and the SQL parses.
        assert.deepEqual(dataCopies("SELECT alter schema FROM t"), {
            replicas: [],
            exports: [],
            opaque: [],
        });
    });

    it("cannot read a location that is not one plain string literal", () => {
        const unreadable = (options: string) =>
            dataCopies(`ALTER SCHEMA raw ADD REPLICA r ${options}`).replicas[0]?.unreadable;
        assert.equal(
            unreadable("OPTIONS (location = 'us-' || 'east4')"),
            "its location is 'us-' || 'east4', not a string literal",
        );
        assert.equal(
            unreadable("OPTIONS (location = b'us-east4')"),
            "its location is b'us-east4', not a string literal",
        );
        assert.equal(
            unreadable("OPTIONS (location = 'us\\-east4')"),
            "its location 'us\\-east4' holds escape sequences",
        );
        assert.equal(unreadable("OPTIONS (replica_kms_key = 'k')"), "it has no location option");
        assert.equal(
            unreadable("OPTIONS (location = 'us-east4'"),
            "its OPTIONS list is not closed",
        );
        assert.equal(unreadable(""), "it has no OPTIONS (location = …)");
    });

    it("says SQL it cannot tokenize or parse cannot be judged", () => {
        assert.deepEqual(dataCopies("SELECT 1 /* no end").opaque, [
            "SQL does not parse as BigQuery SQL (unterminated comment at offset 9), so what it does cannot be judged",
        ]);
        assert.match(dataCopies("SELEC 1").opaque[0]!, /^SQL does not parse as BigQuery SQL \(/);
    });
});

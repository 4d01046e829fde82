// `duplicates`: keys loaded more than once.
import { RAW_KEYS } from "../../../components/sql";
import { duplicatesSql } from "../sql";
import { countCheck } from "./counts";

export const duplicates = countCheck({
    name: "duplicates",
    usage: "  duplicates      keys loaded more than once",
    tables: (all) => all.filter((t) => RAW_KEYS[t]),
    progress: (n) => `looking for keys loaded more than once in ${n} tables`,
    sql: duplicatesSql,
    columns: [
        ["table", "table_name"],
        ["key", "key_column"],
        ["duplicate_keys", "duplicate_keys"],
        ["duplicate_rows", "duplicate_rows"],
        ["examples", "examples"],
    ],
    count: "duplicate_keys",
    label: (r) => String(r["table"]),
    clean: (n) => `every key appears once in ${n} tables`,
    found: "duplicate keys in",
});

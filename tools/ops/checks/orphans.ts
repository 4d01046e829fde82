// `orphans`: references to keys that do not exist.
import { orphansSql } from "../sql";
import { countCheck } from "./counts";

export const orphans = countCheck({
    name: "orphans",
    usage: "  orphans         references to keys that do not exist (packages → customers, events → packages)",
    tables: (all) => [...all],
    progress: () => "joining references to their keys",
    sql: (raw) => orphansSql(raw),
    columns: [
        ["reference", "reference"],
        ["target", "target"],
        ["orphan_keys", "orphan_keys"],
        ["examples", "examples"],
    ],
    count: "orphan_keys",
    label: (r) => String(r["reference"]),
    clean: (n) => `every reference resolves (${n} references)`,
    found: "orphaned references in",
});

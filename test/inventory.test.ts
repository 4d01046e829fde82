// Golden inventories: each stack's plan must match test/inventories/<stack>.yaml.
import { strict as assert } from "assert";
import * as fs from "fs";
import YAML from "yaml";
import { compareInventory, inventoryOf } from "../tools/offline/inventory";
import { inventoryFile } from "../tools/inventory";
import { planFor } from "./harness";

describe("golden inventories", () => {
    for (const stack of ["dev", "prod"]) {
        it(`stack ${stack} matches test/inventories/${stack}.yaml`, async () => {
            const file = inventoryFile(stack);
            assert.ok(
                fs.existsSync(file),
                `missing ${file}: run npm run inventory -- --stack ${stack}`,
            );
            const problems = compareInventory(
                YAML.parse(fs.readFileSync(file, "utf8")),
                await planFor(stack),
            );
            assert.deepEqual(
                problems,
                [],
                `the ${stack} plan differs from ${file}:\n  ${problems.join("\n  ")}\n` +
                    `If the change is intended, run: npm run inventory -- --stack ${stack}, and review the diff.`,
            );
        });
    }

    it("catches a changed value, a missing resource and a changed count", async () => {
        const plan = await planFor("dev");
        const inventory = inventoryOf(plan);
        const [key, entry] = Object.entries(inventory.resources)[0]!;
        const edited = {
            ...inventory,
            resources: {
                ...inventory.resources,
                [key]: { ...entry, type: "gcp:x:Invented" },
                "ghost (gcp:storage:Bucket)": { type: "gcp:storage:Bucket" },
            },
            counts: { ...inventory.counts, "gcp:storage:Bucket": 7 },
        };
        assert.deepEqual(compareInventory(edited, plan), [
            `${key}.type: inventory says "gcp:x:Invented", plan has ${JSON.stringify(entry.type)}`,
            "ghost (gcp:storage:Bucket): listed in the inventory but not in the plan",
            `count of gcp:storage:Bucket: inventory says 7, plan has ${inventory.counts["gcp:storage:Bucket"] ?? 0}`,
        ]);
    });
});

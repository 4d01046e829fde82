// Naming and labels: deterministic names, global uniqueness from the project id, one label set.
import { strict as assert } from "assert";
import { parseStackConfig } from "../stacks/config";
import { naming } from "../stacks/naming";
import { planFor, resourcesOfType, stackConfig, withChanges } from "./harness";

const dev = parseStackConfig(stackConfig("dev"), { allowPlaceholderProject: true });

describe("naming", () => {
    it("builds <prefix>-<environment>-<name>", () => {
        assert.equal(naming(dev).name("api"), "lgx-dev-api");
    });

    it("takes global uniqueness from the project id, never from randomness", () => {
        assert.equal(naming(dev).globalName("lake"), "replace-me-logistics-dev-lgx-dev-lake");
        assert.equal(naming(dev).globalName("lake"), naming(dev).globalName("lake"));
    });

    it("refuses names GCP would reject", () => {
        assert.throws(() => naming(dev).name("Api"), /must be lowercase letters, digits and '-'/);
        assert.throws(
            () => naming(dev).globalName("a".repeat(40)),
            /is 73 characters; GCP accepts at most 63/,
        );
    });

    it("labels everything with the standard set, which extra labels cannot override", () => {
        const config = parseStackConfig(
            withChanges("dev", {
                "logistics:labels": {
                    team: "data-platform",
                    costCenter: "cc-1",
                    extra: { owner: "alice" },
                },
            }),
            { allowPlaceholderProject: true },
        );
        assert.deepEqual(naming(config).labels({ component: "lake", team: "someone-else" }), {
            owner: "alice",
            component: "lake",
            environment: "dev",
            team: "data-platform",
            "cost-center": "cc-1",
            "managed-by": "pulumi",
        });
    });

    it("keeps every bucket name within 63 characters for the longest ids the config accepts", async () => {
        // 30-character project id, 8-character prefix, 10-character environment: the maxima.
        const plan = await planFor("prod", {
            "gcp:project": "a-very-long-project-id-1234567",
            "logistics:prefix": "abcdefgh",
            "logistics:environment": "production",
            "logistics:acknowledge": { environmentNotStackName: "prod" },
        });
        const names = resourcesOfType(plan, "gcp:storage/bucket:Bucket").map(
            (b) => b.inputs["name"] as string,
        );
        assert.equal(names.length, 3);
        for (const n of names) assert.ok(n.length <= 63, `${n} is ${n.length} characters`);
        assert.ok(
            names.includes("a-very-long-project-id-1234567-abcdefgh-production-lake-backups"),
        );
    });
});

// Naming and labels: deterministic names, global uniqueness from the project id, one label set.
import { strict as assert } from "assert";
import { parseStackConfig } from "../stacks/config";
import { naming } from "../stacks/naming";
import { stackConfig, withChanges } from "./harness";

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
});

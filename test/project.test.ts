// The Pulumi project files agree with the program: name, documented keys, and the two stacks.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { CONFIG_SCHEMA, PROJECT, REQUIRED_KEYS } from "../stacks/config";
import { listStacks } from "../tools/offline/stackfile";
import { PROJECT_ROOT } from "./harness";

const projectText = fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8");
const project = YAML.parse(projectText);

describe("Pulumi project files", () => {
    it("name the project that namespaces the config keys", () => {
        assert.equal(project.name, PROJECT);
        assert.deepEqual(project.runtime, {
            name: "nodejs",
            options: { typescript: true, packagemanager: "npm" },
        });
    });

    it("document every config key the program reads", () => {
        for (const key of Object.keys(CONFIG_SCHEMA))
            assert.match(
                projectText,
                new RegExp(`^#\\s+${key}\\s`, "m"),
                `${key} is not documented in Pulumi.yaml`,
            );
    });

    it("declare only keys that are required (a declaration without default makes Pulumi require it)", () => {
        for (const [key, decl] of Object.entries<{ type: string; description: string }>(
            project.config,
        )) {
            assert.ok(
                REQUIRED_KEYS.includes(`${PROJECT}:${key}` as never),
                `${key} is declared but optional`,
            );
            assert.ok(decl.description.length > 10, `${key} needs a description`);
        }
    });

    it("ship a dev and a prod stack that set every required key, with a marked placeholder project", () => {
        assert.deepEqual(listStacks(PROJECT_ROOT), ["dev", "prod"]);
        for (const stack of ["dev", "prod"]) {
            const config = YAML.parse(
                fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8"),
            ).config;
            for (const key of REQUIRED_KEYS)
                assert.ok(key in config, `Pulumi.${stack}.yaml lacks ${key}`);
            assert.match(config["gcp:project"], /^replace-me-/);
        }
    });
});

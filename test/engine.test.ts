// The offline engine: what it records, how it treats secrets, stacks and failures.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../stacks/config";
import { OFFLINE_PROJECT_NUMBER, runOffline, UNKNOWN } from "../tools/offline/engine";
import { readStackFile, SECRET_PLACEHOLDER, UsageError } from "../tools/offline/stackfile";
import { planFor, resource, stackConfig, withChanges, PROJECT_ROOT } from "./harness";

function tempProject(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "logistics-"));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
}

describe("offline engine", () => {
    it("builds both shipped stacks under the platform root", async () => {
        for (const stack of ["dev", "prod"]) {
            const plan = await planFor(stack);
            const root = resource(plan, "pulumi:pulumi:Stack", `logistics-${stack}`);
            const platform = resource(plan, "logistics:stack:Platform", `lgx-${stack}`);
            assert.equal(platform.parent, root.urn);
            for (const r of plan.resources)
                if (r !== root)
                    assert.ok(
                        r.parent,
                        `${r.urn} has no parent: every resource hangs off the platform`,
                    );
            assert.equal(plan.outputs["environment"], stack);
        }
    });

    it("gives the same plan on every run", async () => {
        assert.deepEqual(await runOffline({ stack: "prod" }), await runOffline({ stack: "prod" }));
    });

    it("runs started together take turns: each plan whole, and stack traces back on after", async () => {
        const limit = Error.stackTraceLimit;
        const [dev, prod, bad] = await Promise.allSettled([
            runOffline({ stack: "dev" }),
            runOffline({ stack: "prod" }),
            runOffline({
                stack: "dev",
                config: stackConfig("dev"),
                program: () => {
                    throw new Error("a program bug");
                },
            }),
        ]);
        assert.equal(dev.status, "fulfilled");
        assert.equal(prod.status, "fulfilled");
        assert.equal(bad.status, "rejected");
        if (dev.status === "fulfilled" && prod.status === "fulfilled") {
            assert.deepEqual(dev.value, await planFor("dev"));
            assert.deepEqual(prod.value, await planFor("prod"));
        }
        assert.equal(Error.stackTraceLimit, limit);
    });

    it("stops on bad config before the program registers anything", async () => {
        let ran = false;
        await assert.rejects(
            runOffline({
                stack: "dev",
                config: withChanges("dev", {
                    "logistics:api": { image: "logistics-api:1", minInstances: 3, maxInstances: 1 },
                }),
                program: () => {
                    ran = true;
                    return {};
                },
            }),
            (err: unknown) => err instanceof ConfigError && err.problems.length === 1,
        );
        assert.equal(ran, false);
    });

    it("records options, dependencies, auto-naming and unknowns as the engine would see them", async () => {
        const plan = await runOffline({
            stack: "dev",
            config: stackConfig("dev"),
            program: () => {
                const bucket = new gcp.storage.Bucket(
                    "lake",
                    { location: "US" },
                    { protect: true, retainOnDelete: true },
                );
                const obj = new gcp.storage.BucketObject(
                    "readme",
                    { bucket: bucket.name, content: "hello", name: "README" },
                    { ignoreChanges: ["content"], dependsOn: [bucket] },
                );
                return { bucketUrl: bucket.url, object: obj.name };
            },
        });
        const bucket = resource(plan, "gcp:storage/bucket:Bucket", "lake");
        const obj = resource(plan, "gcp:storage/bucketObject:BucketObject", "readme");
        assert.equal(bucket.options.protect, true);
        assert.equal(bucket.options.retainOnDelete, true);
        assert.equal(bucket.autoNamed, "lake-<random suffix>");
        assert.deepEqual(obj.dependencies, [bucket.urn]);
        assert.deepEqual(obj.options.ignoreChanges, ["content"]);
        assert.equal(obj.options.protect, false);
        // The bucket's name is chosen by the provider: unknown offline, so the object's input is too.
        assert.equal(obj.inputs["bucket"], UNKNOWN);
        assert.equal(plan.outputs["bucketUrl"], UNKNOWN);
        assert.equal(plan.outputs["object"], "README");
    });

    it("reports a program error once, as the error the program threw", async () => {
        await assert.rejects(
            runOffline({
                stack: "dev",
                config: stackConfig("dev"),
                program: () => {
                    throw new Error("boom");
                },
            }),
            /^Error: boom$/,
        );
    });

    it("fails on a provider function it has no offline answer for", async () => {
        await assert.rejects(
            runOffline({
                stack: "dev",
                config: stackConfig("dev"),
                program: () => ({ p: gcp.organizations.getBillingAccountOutput({}).id }),
            }),
            /no offline answer for the provider function gcp:organizations\/getBillingAccount:getBillingAccount/,
        );
    });

    it("answers the project's number with a marked placeholder, never a made-up number", async () => {
        const plan = await runOffline({
            stack: "dev",
            config: stackConfig("dev"),
            program: () => ({
                n: gcp.organizations.getProjectOutput({ projectId: "p-1" }).number,
                id: gcp.organizations.getProjectOutput({ projectId: "p-1" }).projectId,
            }),
        });
        assert.deepEqual(plan.outputs, { id: "p-1", n: OFFLINE_PROJECT_NUMBER });
        assert.doesNotMatch(OFFLINE_PROJECT_NUMBER, /^[0-9]+$/);
    });

    it("keeps secret config values secret in the plan", async () => {
        const plan = await runOffline({
            stack: "dev",
            config: stackConfig("dev"),
            program: () => ({ token: pulumi.secret("s3cr3t") }),
        });
        assert.deepEqual(plan.outputs["token"], { secret: true, value: "[secret]" });
        assert.ok(!JSON.stringify(plan).includes("s3cr3t"));
    });
});

describe("stack files", () => {
    it("lists the stacks found when asked for an unknown one", () => {
        assert.throws(
            () => readStackFile(PROJECT_ROOT, "staging"),
            (err: unknown) =>
                err instanceof UsageError &&
                err.message.startsWith('unknown stack "staging". Stacks found in ') &&
                err.message.includes(": dev, prod (one Pulumi.<stack>.yaml each)."),
        );
    });

    it("passes scalars as text and objects as JSON, like the Pulumi CLI", () => {
        const config = stackConfig("prod");
        assert.equal(config["gcp:region"], "us-central1");
        assert.equal(config["logistics:protectStatefulResources"], "true");
        assert.deepEqual(JSON.parse(config["logistics:composer"]!).workers, {
            minCount: 2,
            maxCount: 10,
        });
    });

    it("replaces secure values with a marked placeholder and names them", () => {
        const dir = tempProject({
            "Pulumi.yaml": "name: logistics\nruntime: nodejs\n",
            "Pulumi.x.yaml":
                "config:\n  logistics:token:\n    secure: v1:abc\n  logistics:pager:\n    key:\n      secure: v1:def\n",
        });
        const file = readStackFile(dir, "x");
        assert.deepEqual(file.secrets, ["logistics:token", "logistics:pager.key"]);
        assert.equal(file.config["logistics:token"], SECRET_PLACEHOLDER);
        assert.deepEqual(JSON.parse(file.config["logistics:pager"]!), { key: SECRET_PLACEHOLDER });
    });

    it("rejects a stack file that is not YAML or has no config mapping", () => {
        const dir = tempProject({
            "Pulumi.a.yaml": "config: [1, 2\n",
            "Pulumi.b.yaml": "config: 3\n",
        });
        assert.throws(
            () => readStackFile(dir, "a"),
            /^UsageError: Pulumi\.a\.yaml: not valid YAML: /,
        );
        assert.throws(
            () => readStackFile(dir, "b"),
            /Pulumi\.b\.yaml: "config:" must be a mapping of keys to values\./,
        );
    });
});

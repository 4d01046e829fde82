// The Terraform migration's import file (`npm run import-file`): every resource type has an import
// id format or a reason; both stacks' files parse, list every stateful resource, nest imported
// resources under the program's components, and use ids built from the plan's own names.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildImportFile, fillTemplate, providerVersions } from "../tools/offline/importFile";
import { RESOURCE_TYPES } from "../tools/offline/types";
import { main, parseArgs } from "../tools/import-file";
import {
    argsOf,
    EVERY_FEATURE,
    planFor,
    platformTypes,
    PROJECT_ROOT,
    resource,
    runInProcess,
} from "./harness";

/**
 * The id format each importable type's import expects (the Google provider's documented import
 * formats), written out here independently of the templates in tools/offline/types.ts.
 */
const SEG = "[^/ ]+";
const GRANT = ` roles/[\\w.]+ (serviceAccount|user|group|principal|domain):\\S+$`;
const ID_FORMATS: Readonly<Record<string, RegExp>> = {
    "gcp:projects/service:Service": new RegExp(`^${SEG}/[a-z0-9.-]+\\.googleapis\\.com$`),
    "gcp:projects/iAMMember:IAMMember": new RegExp(`^${SEG}${GRANT}`),
    "gcp:serviceaccount/account:Account": new RegExp(
        `^projects/${SEG}/serviceAccounts/[a-z0-9-]+@${SEG}\\.iam\\.gserviceaccount\\.com$`,
    ),
    "gcp:serviceaccount/iAMMember:IAMMember": new RegExp(
        `^projects/${SEG}/serviceAccounts/${SEG}@${SEG}${GRANT}`,
    ),
    "gcp:storage/bucket:Bucket": new RegExp(`^${SEG}/[a-z0-9._-]+$`),
    "gcp:storage/bucketIAMMember:BucketIAMMember": new RegExp(`^b/[a-z0-9._-]+${GRANT}`),
    "gcp:bigquery/dataset:Dataset": new RegExp(`^projects/${SEG}/datasets/\\w+$`),
    "gcp:bigquery/datasetIamMember:DatasetIamMember": new RegExp(
        `^projects/${SEG}/datasets/\\w+${GRANT}`,
    ),
    "gcp:bigquery/table:Table": new RegExp(`^projects/${SEG}/datasets/\\w+/tables/\\w+$`),
    "gcp:bigquery/reservation:Reservation": new RegExp(
        `^projects/${SEG}/locations/${SEG}/reservations/${SEG}$`,
    ),
    "gcp:composer/environment:Environment": new RegExp(
        `^projects/${SEG}/locations/[a-z0-9-]+/environments/${SEG}$`,
    ),
    "gcp:artifactregistry/repository:Repository": new RegExp(
        `^projects/${SEG}/locations/[a-z0-9-]+/repositories/${SEG}$`,
    ),
    "gcp:secretmanager/secret:Secret": new RegExp(`^projects/${SEG}/secrets/${SEG}$`),
    "gcp:secretmanager/secretIamMember:SecretIamMember": new RegExp(
        `^projects/${SEG}/secrets/${SEG}${GRANT}`,
    ),
    "gcp:cloudrunv2/service:Service": new RegExp(
        `^projects/${SEG}/locations/[a-z0-9-]+/services/${SEG}$`,
    ),
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember": new RegExp(
        `^projects/${SEG}/locations/[a-z0-9-]+/services/${SEG}${GRANT}`,
    ),
    "gcp:logging/metric:Metric": new RegExp(`^${SEG} ${SEG}$`),
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": new RegExp(
        `^projects/${SEG}/locations/global/workloadIdentityPools/${SEG}$`,
    ),
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": new RegExp(
        `^projects/${SEG}/locations/global/workloadIdentityPools/${SEG}/providers/${SEG}$`,
    ),
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": new RegExp(
        `^projects/${SEG}/locations/${SEG}/keyRings/${SEG}/cryptoKeys/${SEG}${GRANT}`,
    ),
};

/** Types that hold data or history: adoption must import every one of them. */
const STATEFUL = [
    "gcp:storage/bucket:Bucket",
    "gcp:bigquery/dataset:Dataset",
    "gcp:bigquery/table:Table",
    "gcp:composer/environment:Environment",
    "gcp:artifactregistry/repository:Repository",
    "gcp:secretmanager/secret:Secret",
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool",
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider",
];

async function importFileOf(stack: string, changes?: Record<string, unknown>) {
    const plan = await planFor(stack, changes);
    const project = String(plan.outputs["project"]);
    return { plan, project, ...buildImportFile(plan, project, providerVersions()) };
}

describe("import file (Terraform migration)", () => {
    it("has, for every type the platform creates, an id format or a reason not to import", async () => {
        const types = await platformTypes();
        const problems: string[] = [];
        for (const type of types) {
            const rule = RESOURCE_TYPES[type]?.import;
            if (!rule) problems.push(`${type}: no import rule`);
            else if ("skip" in rule) {
                if (rule.skip.length < 20) problems.push(`${type}: the reason says too little`);
                if (ID_FORMATS[type])
                    problems.push(`${type}: skipped, yet it has an id format here`);
            } else {
                if (!ID_FORMATS[type]) problems.push(`${type}: no expected id format in this test`);
                const inputs = argsOf(type);
                for (const [, key] of rule.id.matchAll(/\{(\w+)\}/g))
                    if (!inputs.includes(key!)) problems.push(`${type}: {${key}} is not an input`);
            }
        }
        assert.deepEqual(problems, []);
    });

    for (const stack of ["dev", "prod"])
        it(`${stack}: parses, nests every import under its component and lists every stateful resource`, async () => {
            const { plan, project, file } = await importFileOf(stack, EVERY_FEATURE);
            const parsed = JSON.parse(JSON.stringify(file)) as typeof file;
            const seen = new Set<string>();
            for (const e of parsed.resources) {
                assert.ok(!seen.has(e.name), `${e.name} listed twice`);
                if (e.parent)
                    assert.ok(seen.has(e.parent), `${e.name}: parent ${e.parent} comes first`);
                seen.add(e.name);
                const r = plan.resources.find((x) => x.name === e.name)!;
                assert.equal(r.type, e.type);
                // The parent named in the file is the program's parent: same URNs after import.
                const parent = plan.resources.find((x) => x.urn === r.parent);
                assert.equal(
                    e.parent,
                    parent?.type === "pulumi:pulumi:Stack" ? undefined : parent?.name,
                );
                if (e.component) assert.equal(e.id, undefined);
                else {
                    assert.match(e.id!, ID_FORMATS[e.type]!, `${e.name}: ${e.id}`);
                    assert.ok(e.id!.includes(project) || !e.id!.includes("projects/"), e.id);
                    assert.match(e.version!, /^\d+\.\d+\.\d+/);
                }
            }
            for (const r of plan.resources.filter((x) => STATEFUL.includes(x.type)))
                assert.ok(
                    parsed.resources.some((e) => e.name === r.name && e.id),
                    `${r.name} (${r.type}) is imported`,
                );
        });

    it("builds ids from the plan's names, adopted names included", async () => {
        const names = {
            dataBucket: "acme-logistics-data",
            datasets: { raw: "logistics_raw" },
            composerEnvironment: "logistics-prod",
        };
        const { plan, project, file } = await importFileOf("prod", { "logistics:names": names });
        const id = (name: string) => file.resources.find((e) => e.name === name)!.id;
        assert.equal(id("lgx-prod-lake-bucket"), `${project}/acme-logistics-data`);
        assert.equal(id("lgx-prod-backups-bucket"), `${project}/acme-logistics-data-backups`);
        assert.equal(id("lgx-prod-warehouse-raw"), `projects/${project}/datasets/logistics_raw`);
        assert.equal(
            id("lgx-prod-warehouse-raw-packages"),
            `projects/${project}/datasets/logistics_raw/tables/packages`,
        );
        assert.equal(
            id("lgx-prod-composer-environment"),
            `projects/${project}/locations/us-central1/environments/logistics-prod`,
        );
        const grant = resource(
            plan,
            "gcp:storage/bucketIAMMember:BucketIAMMember",
            "lgx-prod-lake-storage.objectAdmin-lgx-prod-composer",
        );
        assert.equal(
            id(grant.name),
            `b/acme-logistics-data roles/storage.objectAdmin ${String(grant.inputs["member"])}`,
        );
    });

    it("lists what it does not import, with the reason, instead of guessing an id", async () => {
        const { skipped } = await importFileOf("prod");
        const reason = (name: string) => skipped.find((s) => s.name === name)?.reason ?? "";
        assert.match(reason("lgx-prod-api-key"), /rotated at adoption/);
        assert.match(reason("lgx-prod-alerting-dag-failure"), /GCP assigns its id/);
        assert.match(
            reason("lgx-prod-api-invoker-uptime-check"),
            /member is known only after deploy/,
        );
        assert.throws(
            () => fillTemplate("{project}/{name}", { name: "(known after deploy)" }, "p"),
            /known only after deploy/,
        );
        // A service agent's address offline holds the project number's placeholder, not a number.
        assert.throws(
            () =>
                fillTemplate(
                    "{member}",
                    { member: "serviceAccount:service-<project-number>@x" },
                    "p",
                ),
            /known only after deploy/,
        );
        assert.equal(fillTemplate("{project}/{name}", { name: "b" }, "p"), "p/b");
    });

    it("refuses bad arguments with the usage", () => {
        assert.throws(() => parseArgs([]), /--stack is required/);
        assert.throws(() => parseArgs(["--stack"]), /--stack needs a value/);
        assert.throws(() => parseArgs(["--stack", "dev", "--bogus"]), /unknown argument "--bogus"/);
        assert.deepEqual(parseArgs(["--stack", "prod", "--out", "-"]), {
            stack: "prod",
            out: "-",
            help: false,
        });
    });

    it("writes the file only for a real project, and names an unknown stack", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-"));
        fs.copyFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        const prod = fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8");
        fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), prod);
        // In-process through its main (its run as a process: test/smoke.test.ts).
        const cli = (...args: string[]) => runInProcess(main, args, { cwd: dir });
        const placeholder = await cli("--stack", "prod");
        assert.equal(placeholder.status, 2, placeholder.stderr);
        assert.match(placeholder.stderr, /gcp:project of stack prod is the placeholder/);
        assert.ok(!fs.existsSync(path.join(dir, "import-prod.json")), "no file on error");
        const unknown = await cli("--stack", "qa");
        assert.equal(unknown.status, 2);
        assert.match(unknown.stderr, /qa/);
        fs.writeFileSync(
            path.join(dir, "Pulumi.prod.yaml"),
            prod.replace(/replace-me-logistics-prod/g, "acme-logistics-prod"),
        );
        const ok = await cli("--stack", "prod");
        assert.equal(ok.status, 0, ok.stderr);
        const file = JSON.parse(fs.readFileSync(path.join(dir, "import-prod.json"), "utf8")) as {
            resources: { id?: string }[];
        };
        assert.ok(
            file.resources.some(
                (e) => e.id === "acme-logistics-prod/acme-logistics-prod-lgx-prod-lake",
            ),
        );
        assert.match(ok.stdout, /resources to import under \d+ components/);
        assert.match(ok.stdout, /Not imported/);
        fs.rmSync(dir, { recursive: true, force: true });
    });
});

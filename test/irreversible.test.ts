// Changes Google Cloud refuses or cannot undo, in the offline diff: reported with their reason,
// and `npm run preview -- --diff` exits 1 for them as for a protected delete.
import { strict as assert } from "assert";
import { diffPlans, renderDiff } from "../tools/offline/diff";
import type { Plan } from "../tools/offline/engine";
import { irreversibleChanges, IRREVERSIBLE_TYPES } from "../tools/offline/irreversible";
import { planFor } from "./harness";

const BACKUPS = {
    location: "US",
    versioning: false,
    retention: { days: 30, locked: true },
    snapshotLocation: "us-east1",
};

/** The irreversible findings of prod edited by `edit` (a copy of the shipped plan). */
async function edited(edit: (p: Plan) => void): Promise<string[]> {
    const base = await planFor("prod");
    const head = structuredClone(base);
    edit(head);
    return diffPlans(base, head).irreversible;
}
const inputs = (p: Plan, name: string) => p.resources.find((r) => r.name === name)!.inputs as any;

describe("irreversible changes in the offline diff", function () {
    this.timeout(300_000);

    it("the shipped stacks against themselves: none", async () => {
        for (const s of ["dev", "prod"])
            assert.deepEqual(diffPlans(await planFor(s), await planFor(s)).irreversible, []);
    });

    it("unlocking prod's locked backups retention (a stack-file edit)", async () => {
        const head = await planFor("prod", {
            "logistics:backups": { ...BACKUPS, retention: { days: 30, locked: false } },
        });
        const diff = diffPlans(await planFor("prod"), head);
        assert.deepEqual(diff.irreversible, [
            "Bucket lgx-prod-backups-bucket update: unlocks a locked retention policy: Cloud Storage refuses, locking cannot be undone (https://cloud.google.com/storage/docs/bucket-lock).",
        ]);
        assert.match(
            renderDiff(diff, "main", "working tree"),
            /Changes Google Cloud refuses or cannot undo:\n {2}!! Bucket lgx-prod-backups-bucket update: unlocks/,
        );
    });

    it("shortening it, or removing it", async () => {
        const shorter = await planFor("prod", {
            "logistics:backups": { ...BACKUPS, retention: { days: 7, locked: true } },
        });
        assert.deepEqual(diffPlans(await planFor("prod"), shorter).irreversible, [
            "Bucket lgx-prod-backups-bucket update: shortens a locked retention policy (2592000 s → 604800 s): Cloud Storage refuses, a locked period can only grow (https://cloud.google.com/storage/docs/bucket-lock).",
        ]);
        const removed = await planFor("prod", {
            "logistics:backups": { ...BACKUPS, retention: undefined, versioning: true },
        });
        assert.match(
            diffPlans(await planFor("prod"), removed).irreversible[0]!,
            /^Bucket lgx-prod-backups-bucket update: removes a locked retention policy/,
        );
    });

    it("an Airflow upgrade is allowed", async () => {
        const found = await edited(
            (p) =>
                (inputs(p, "lgx-prod-composer-environment").config.softwareConfig.imageVersion =
                    "composer-3-airflow-2.11.0"),
        );
        assert.deepEqual(found, []);
    });

    it("lengthening a locked retention is allowed", async () => {
        const longer = await planFor("prod", {
            "logistics:backups": { ...BACKUPS, retention: { days: 60, locked: true } },
        });
        assert.deepEqual(diffPlans(await planFor("prod"), longer).irreversible, []);
    });

    const EDITS: [string, (p: Plan) => void, RegExp][] = [
        [
            "Composer's service account changed",
            (p) =>
                (inputs(p, "lgx-prod-composer-environment").config.nodeConfig.serviceAccount =
                    "other@replace-me-logistics-prod.iam.gserviceaccount.com"),
            /^Environment lgx-prod-composer-environment update: changes the environment's service account/,
        ],
        [
            "the raw dataset moved to another location",
            (p) => (inputs(p, "lgx-prod-warehouse-raw").location = "EU"),
            /^Dataset lgx-prod-warehouse-raw (update|replace): moves the dataset to another location/,
        ],
        [
            "a raw table's partitioning changed",
            (p) =>
                (inputs(p, "lgx-prod-warehouse-raw-packages").timePartitioning.field =
                    "created_at"),
            /^Table lgx-prod-warehouse-raw-packages (update|replace): changes the table's partitioning/,
        ],
        [
            "Airflow downgraded",
            (p) =>
                (inputs(p, "lgx-prod-composer-environment").config.softwareConfig.imageVersion =
                    "composer-3-airflow-2.9.3"),
            /^Environment lgx-prod-composer-environment update: downgrades Composer or Airflow \(composer-3-airflow-2\.10\.5 → composer-3-airflow-2\.9\.3\)/,
        ],
        [
            "the Composer environment deleted",
            (p) =>
                (p.resources = p.resources.filter(
                    (r) => r.name !== "lgx-prod-composer-environment",
                )),
            /^Environment lgx-prod-composer-environment delete: deletes the environment with its Airflow database/,
        ],
        [
            "the image repository deleted",
            (p) => (p.resources = p.resources.filter((r) => r.name !== "lgx-prod-api-images")),
            /^Repository lgx-prod-api-images delete: deletes the repository with every image in it/,
        ],
        [
            "the workload identity pool deleted",
            (p) => (p.resources = p.resources.filter((r) => r.name !== "lgx-prod-ci-pool")),
            /^WorkloadIdentityPool lgx-prod-ci-pool delete: deletes a workload identity pool: its id stays reserved for 30 days/,
        ],
        [
            "the API key secret deleted",
            (p) => (p.resources = p.resources.filter((r) => r.name !== "lgx-prod-api-key-secret")),
            /^Secret lgx-prod-api-key-secret delete: deletes a secret with all its versions/,
        ],
        [
            "the locked backups bucket deleted",
            (p) => (p.resources = p.resources.filter((r) => r.name !== "lgx-prod-backups-bucket")),
            /^Bucket lgx-prod-backups-bucket delete: its retention policy is locked/,
        ],
    ];
    for (const [what, edit, expected] of EDITS)
        it(what, async () => {
            const found = await edited(edit);
            assert.ok(
                found.some((f) => expected.test(f)),
                JSON.stringify(found, null, 1),
            );
        });

    it("a KMS key or key version deleted", () => {
        const r = (type: string) => ({
            urn: `urn:pulumi:prod::logistics::${type}::k`,
            type,
            name: "k",
            custom: true,
            inputs: {},
            options: {
                protect: false,
                retainOnDelete: false,
                deleteBeforeReplace: false,
                ignoreChanges: [],
                replaceOnChanges: [],
                additionalSecretOutputs: [],
            },
            dependencies: [],
        });
        assert.deepEqual(
            irreversibleChanges([
                { op: "delete", before: r("gcp:kms/cryptoKey:CryptoKey") },
                { op: "delete", before: r("gcp:kms/cryptoKeyVersion:CryptoKeyVersion") },
                {
                    op: "update",
                    before: r("gcp:kms/cryptoKey:CryptoKey"),
                    after: r("gcp:kms/cryptoKey:CryptoKey"),
                },
            ]).map((s) => s.split(":")[0]),
            ["CryptoKey k delete", "CryptoKeyVersion k delete"],
        );
    });

    it("every type with a rule is a real type of the Google provider", async () => {
        for (const t of IRREVERSIBLE_TYPES) {
            const [, mod, name] = t.split(":") as [string, string, string];
            const dir = mod.split("/")[0]!;
            const module = (await import(`@pulumi/gcp/${dir}`)) as Record<
                string,
                { __pulumiType?: string } | undefined
            >;
            assert.equal(module[name]?.__pulumiType, t, t);
        }
    });
});

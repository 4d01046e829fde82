// PyPI pins against the packages the Composer image preinstalls: a pin that would downgrade one is
// refused with the image, the build and the page the data comes from.
import { strict as assert } from "assert";
import images from "../components/composerImages.json";
import {
    compareVersions,
    normalizePackageName,
    PREINSTALLED_SOURCE,
    pypiPinProblems,
} from "../components/composerPackages";
import { COMPOSER_IMAGE_PATTERN } from "../components/orchestration.schema";
import { configProblems } from "./harness";

const IMAGE = "composer-3-airflow-2.10.5";
const SOURCE = "https://cloud.google.com/composer/docs/versions-packages";
const composer = (imageVersion: string, pypiPackages: Record<string, string>) => ({
    "logistics:composer": { imageVersion, pypiPackages },
});

describe("Composer PyPI pins", () => {
    for (const stack of ["dev", "prod"])
        it(`${stack}: the shipped pins load`, () => {
            assert.deepEqual(configProblems({}, { stack }), []);
        });

    const cases: [string, string, Record<string, string>, string[]][] = [
        [
            "the pin the stacks shipped (a downgrade of the image's Google provider)",
            IMAGE,
            { "apache-airflow-providers-google": "==10.26.0" },
            [
                `logistics:composer.pypiPackages.apache-airflow-providers-google: got "==10.26.0", below the 15.1.0 that ${IMAGE} preinstalls (${IMAGE}-build.10, ${SOURCE}): pip would downgrade it under the image's Airflow. Expected no pin (the image's version) or "==15.1.0" or later.`,
            ],
        ],
        [
            "the same package spelled otherwise, with an extra",
            IMAGE,
            { "Apache_Airflow.Providers-Google[leveldb]": "==15.0.0" },
            [
                `logistics:composer.pypiPackages."Apache_Airflow.Providers-Google[leveldb]": got "==15.0.0", below the 15.1.0 that ${IMAGE} preinstalls (${IMAGE}-build.10, ${SOURCE}): pip would downgrade it under the image's Airflow. Expected no pin (the image's version) or "==15.1.0" or later.`,
            ],
        ],
        [
            "a package two builds carry: the newer build's version counts without a build",
            IMAGE,
            { "apache-airflow-providers-common-sql": "==1.27.3" },
            [
                `logistics:composer.pypiPackages.apache-airflow-providers-common-sql: got "==1.27.3", below the 1.28.0 that ${IMAGE} preinstalls (${IMAGE}-build.15, ${SOURCE}): pip would downgrade it under the image's Airflow. Expected no pin (the image's version) or "==1.28.0" or later.`,
            ],
        ],
        [
            "the older build, named: its own version counts",
            `${IMAGE}-build.10`,
            { "apache-airflow-providers-common-sql": "==1.27.3" },
            [],
        ],
        [
            "the image's version, or a later one",
            IMAGE,
            {
                "apache-airflow-providers-google": "==15.1.0",
                "apache-airflow-providers-ftp": "==3.14.0",
            },
            [],
        ],
        [
            "a pre-release of the image's version",
            IMAGE,
            { "apache-airflow-providers-google": "==15.1.0rc1" },
            [
                `logistics:composer.pypiPackages.apache-airflow-providers-google: got "==15.1.0rc1", below the 15.1.0 that ${IMAGE} preinstalls (${IMAGE}-build.10, ${SOURCE}): pip would downgrade it under the image's Airflow. Expected no pin (the image's version) or "==15.1.0" or later.`,
            ],
        ],
        [
            "a build the data does not list",
            `${IMAGE}-build.99`,
            { "dbt-bigquery": "==1.9.1" },
            [
                `logistics:composer.pypiPackages: cannot be checked against ${IMAGE}-build.99: components/composerImages.json lists no build of it. Expected the build's preinstalled packages added there from ${SOURCE}, or no pins.`,
            ],
        ],
        [
            "an image naming no full Airflow version",
            "composer-3-airflow-2",
            { "dbt-bigquery": "==1.9.1" },
            [
                `logistics:composer.pypiPackages: cannot be checked against composer-3-airflow-2: components/composerImages.json lists no build of it. Expected the build's preinstalled packages added there from ${SOURCE}, or no pins.`,
            ],
        ],
        ["any image without pins", "composer-3-airflow-3.1.0", {}, []],
    ];

    it(`refuses pins below the image's packages (${cases.length} cases)`, () => {
        for (const [title, image, pins, expected] of cases)
            assert.deepEqual(configProblems(composer(image, pins)), expected, title);
    });

    it("orders versions as pip does and names packages as pip does", () => {
        const ordered = [
            "1.9",
            "1.10.0rc1",
            "1.10.0",
            "1.10.0.post1",
            "1.10.1",
            "10.26.0",
            "15.1.0",
        ];
        for (let i = 0; i + 1 < ordered.length; i++) {
            assert.ok(
                compareVersions(ordered[i]!, ordered[i + 1]!) < 0,
                `${ordered[i]} < ${ordered[i + 1]}`,
            );
            assert.ok(compareVersions(ordered[i + 1]!, ordered[i]!) > 0);
        }
        assert.equal(compareVersions("2.10.5+composer", "2.10.5"), 0);
        assert.equal(compareVersions("==15.1", "15.1.0"), 0);
        assert.equal(normalizePackageName("Great_Expectations"), "great-expectations");
        assert.equal(
            normalizePackageName("apache.airflow--providers[google]"),
            "apache-airflow-providers",
        );
    });

    it("the data names its source and lists real builds, each with versions pip can order", () => {
        assert.equal(PREINSTALLED_SOURCE, SOURCE);
        for (const [build, b] of Object.entries(images.builds)) {
            assert.match(build, COMPOSER_IMAGE_PATTERN);
            assert.match(build, /-build\.\d+$/);
            assert.match(b.released, /^\d{4}-\d{2}-\d{2}$/);
            assert.ok(b.through in b.packages, `${build}: through names a listed package`);
            for (const [name, version] of Object.entries(b.packages)) {
                assert.equal(name, normalizePackageName(name), `${build}: ${name} normalized`);
                assert.match(version, /^\d+(\.\d+)*(\+[a-z]+)?$/, `${build}: ${name}`);
            }
        }
        assert.deepEqual(pypiPinProblems(IMAGE, {}), []);
    });
});

// Bad config for the data lake, backups and warehouse sections: exact, key-qualified messages.
import { strict as assert } from "assert";
import { BUCKET_MULTI_REGIONS } from "../components/locations";
import { configProblems } from "./harness";

const MULTI = BUCKET_MULTI_REGIONS.join(", ");

const cases: [string, Record<string, unknown>, string[]][] = [
    [
        "retention under one day",
        { "logistics:backups": { retention: { days: 0 }, versioning: false } },
        [
            "logistics:backups.retention.days: got 0. Expected an integer from 1 to 3650 (a retention under one day protects nothing).",
        ],
    ],
    [
        "time travel above 168 h",
        { "logistics:warehouse": { timeTravelHours: 200 } },
        [
            "logistics:warehouse.timeTravelHours: got 200. Expected an integer from 48 to 168 (BigQuery's time-travel window).",
        ],
    ],
    [
        "time travel below 48 h",
        { "logistics:warehouse": { timeTravelHours: 24 } },
        [
            "logistics:warehouse.timeTravelHours: got 24. Expected an integer from 48 to 168 (BigQuery's time-travel window).",
        ],
    ],
    [
        "time travel not in whole days",
        { "logistics:warehouse": { timeTravelHours: 100 } },
        ["logistics:warehouse.timeTravelHours: got 100. Expected a multiple of 24 from 48 to 168."],
    ],
    [
        "staging retention of zero days",
        { "logistics:dataLake": { stagingRetentionDays: 0 } },
        ["logistics:dataLake.stagingRetentionDays: got 0. Expected an integer from 1 to 3650."],
    ],
    [
        "negative tiering age",
        { "logistics:dataLake": { rawTiering: { coldlineAfterDays: -1 } } },
        [
            "logistics:dataLake.rawTiering.coldlineAfterDays: got -1. Expected an integer from 1 to 36500.",
        ],
    ],
    [
        "unknown storage class in tiering",
        { "logistics:dataLake": { rawTiering: { glacierAfterDays: 30 } } },
        [
            "logistics:dataLake.rawTiering.glacierAfterDays: unknown key. Known keys: nearlineAfterDays, coldlineAfterDays, archiveAfterDays.",
        ],
    ],
    [
        "colder class before a warmer one",
        { "logistics:dataLake": { rawTiering: { nearlineAfterDays: 90, coldlineAfterDays: 30 } } },
        [
            "logistics:dataLake.rawTiering.coldlineAfterDays: got 30, not after nearlineAfterDays (90). Expected colder classes at later ages.",
        ],
    ],
    [
        "soft delete outside GCP's range",
        { "logistics:dataLake": { softDeleteDays: 3 } },
        [
            "logistics:dataLake.softDeleteDays: got 3. Expected 0 (off) or 7 to 90 days (GCP's range).",
        ],
    ],
    [
        "bucket location that does not exist",
        { "logistics:dataLake": { location: "mars" } },
        [
            `logistics:dataLake.location: got "mars". Expected a region (e.g. us-central1, see gcp:region), a multi-region or a predefined dual-region (${MULTI}).`,
        ],
    ],
    [
        "unknown edition",
        {
            "logistics:warehouse": {
                reservation: { edition: "PREMIUM", baselineSlots: 0, maxSlots: 100 },
            },
        },
        [
            'logistics:warehouse.reservation.edition: got "PREMIUM". Expected one of STANDARD, ENTERPRISE, ENTERPRISE_PLUS.',
        ],
    ],
    [
        "reservation max below baseline",
        {
            "logistics:warehouse": {
                reservation: { edition: "ENTERPRISE", baselineSlots: 200, maxSlots: 100 },
            },
        },
        [
            "logistics:warehouse.reservation.maxSlots: got 100, below baselineSlots (200). Expected maxSlots ≥ baselineSlots.",
        ],
    ],
    [
        "slots not in steps of 50",
        {
            "logistics:warehouse": {
                reservation: { edition: "ENTERPRISE", baselineSlots: 25, maxSlots: 100 },
            },
        },
        ["logistics:warehouse.reservation.baselineSlots: got 25. Expected a multiple of 50."],
    ],
    [
        "single-region backups when multi-region is required",
        { "logistics:backups": { requireMultiRegion: true, location: "us-central1" } },
        [
            `logistics:backups.location: got "us-central1", a single region, while requireMultiRegion is true. Expected a multi-region or dual-region (${MULTI}) or dualRegion: [region, region].`,
        ],
    ],
    [
        "no backups location when multi-region is required",
        { "logistics:backups": { requireMultiRegion: true } },
        [
            `logistics:backups.location: is not set, so defaults to gcp:region, a single region, while requireMultiRegion is true. Expected a multi-region or dual-region (${MULTI}) or dualRegion: [region, region].`,
        ],
    ],
    [
        "versioning together with a retention policy",
        { "logistics:backups": { versioning: true, retention: { days: 30 } } },
        [
            "logistics:backups.versioning: is true while a retention policy is set. Cloud Storage does not allow both on one bucket: set versioning: false (the retention policy already prevents deletes and overwrites) or remove retention.",
        ],
    ],
    [
        "backups deleted before their retention ends",
        {
            "logistics:backups": {
                versioning: false,
                retention: { days: 30 },
                deleteAfterDays: 10,
                tiering: {},
            },
        },
        [
            "logistics:backups.deleteAfterDays: got 10, shorter than retention.days (30). Expected deleteAfterDays ≥ retention.days.",
        ],
    ],
    [
        "tiering after deletion",
        { "logistics:backups": { tiering: { coldlineAfterDays: 30 }, deleteAfterDays: 20 } },
        [
            "logistics:backups.tiering.coldlineAfterDays: got 30, not before deleteAfterDays (20). Expected a tier change before deletion.",
        ],
    ],
    [
        "dual-region across continents",
        { "logistics:backups": { dualRegion: ["us-central1", "europe-west1"] } },
        [
            'logistics:backups.dualRegion: got ["us-central1","europe-west1"]. Expected two different regions of one continent (us-*, europe-* or asia-*).',
        ],
    ],
    [
        "dual-region with one region",
        { "logistics:backups": { dualRegion: ["us-central1"] } },
        [
            'logistics:backups.dualRegion: got a list (["us-central1"]). Expected a list of exactly two regions, e.g. [us-central1, us-east1].',
        ],
    ],
    [
        "public member on a dataset",
        { "logistics:warehouse": { iam: { raw: { "roles/bigquery.dataViewer": ["allUsers"] } } } },
        [
            'logistics:warehouse.iam.raw."roles/bigquery.dataViewer"[0]: got "allUsers". Expected an IAM member such as group:analysts@example.com or serviceAccount:<email> (allUsers and allAuthenticatedUsers are not allowed on data).',
        ],
    ],
    [
        "role without the roles/ prefix",
        {
            "logistics:warehouse": {
                iam: { raw: { "bigquery.dataViewer": ["user:a@example.com"] } },
            },
        },
        [
            'logistics:warehouse.iam.raw."bigquery.dataViewer": invalid key "bigquery.dataViewer". Expected an IAM role such as roles/bigquery.dataViewer.',
        ],
    ],
    [
        "IAM for a dataset that does not exist",
        { "logistics:warehouse": { iam: { rawx: {} } } },
        [
            "logistics:warehouse.iam.rawx: unknown key. Did you mean raw? Known keys: raw, staging, marts.",
        ],
    ],
    [
        "Standard edition with baseline slots",
        {
            "logistics:warehouse": {
                reservation: { edition: "STANDARD", baselineSlots: 100, maxSlots: 2000 },
            },
        },
        [
            "logistics:warehouse.reservation.baselineSlots: got 100. Expected 0 with edition STANDARD, which has no baseline slots (use ENTERPRISE for a baseline).",
            "logistics:warehouse.reservation.maxSlots: got 2000. Expected at most 1600 with edition STANDARD (its reservation cap).",
        ],
    ],
    [
        "data lake outside a regional dataset's region",
        { "logistics:dataLake": { location: "US" } },
        [
            "logistics:dataLake.location: places the bucket in US, while the BigQuery datasets are in the region us-central1. Expected us-central1: BigQuery loads, exports and restores a regional dataset only through a bucket in its region.",
        ],
    ],
    [
        "backups outside a regional dataset's region",
        { "logistics:backups": { dualRegion: ["us-central1", "us-east1"] } },
        [
            "logistics:backups.dualRegion: places the bucket in US-CENTRAL1+US-EAST1, while the BigQuery datasets are in the region us-central1. Expected us-central1: BigQuery loads, exports and restores a regional dataset only through a bucket in its region.",
        ],
    ],
];

describe("data config", () => {
    it(`rejects bad data-lake, backups and warehouse config with exact messages (${cases.length} cases)`, () => {
        for (const [title, changes, expected] of cases)
            assert.deepEqual(configProblems(changes), expected, `case "${title}"`);
    });

    it("accepts a dual-region backups bucket as multi-region", () => {
        assert.deepEqual(
            configProblems({
                "logistics:backups": {
                    dualRegion: ["europe-west1", "europe-west4"],
                    requireMultiRegion: true,
                },
                "logistics:warehouse": { location: "EU" },
                "logistics:dataLake": { location: "EU" },
            }),
            [],
        );
    });
});

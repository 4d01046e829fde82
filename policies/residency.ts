// Residency: every location any resource of the plan names — its own, a nested placement or
// replica, an explicit provider's default region — is one of the stack's allowed locations; and
// every place a job, a scheduled query, a procedure, a transfer, a log sink or a subscription
// copies data to is one too: a replica added by SQL, an EXPORT DATA, extract, storage transfer,
// log sink or subscription into a bucket, query results, a load, a table copy, a transfer config,
// a log sink or a subscription into a dataset (by project and id), a log bucket's location.
import {
    BQ_JOB,
    BUCKET,
    DATASET,
    get,
    planPolicy,
    TRANSFER,
    UNKNOWN,
    type PlanResource,
} from "./lib";
import { dataCopies } from "./sql";

/** Input names that place a resource (any depth): the provider's naming for GCP locations. */
const LOCATION_KEYS = new Set([
    "location",
    "region",
    "zone",
    "locationId",
    "dataLocations",
    "locations",
    // Pub/Sub's message storage policy. https://cloud.google.com/pubsub/docs/resource-location-restriction
    "allowedPersistenceRegions",
    // A failover reservation's secondary: the raw dataset fails over (and is replicated) there.
    // https://cloud.google.com/bigquery/docs/managed-disaster-recovery
    "secondaryLocation",
    // Copies kept elsewhere: a linked dataset's replicas (bigqueryanalyticshub), a disk snapshot's
    // or image's storage locations, a regional disk's zones (compute), in the provider's naming.
    "replicaLocations",
    "storageLocations",
    "replicaZones",
]);

/** Where a location may legitimately be a non-place: a monitored resource's labels, a notification label. */
const SKIP_UNDER =
    /^(labels|userLabels|monitoredResource|filter|conditions|documentation|mosaicLayout|dashboardJson)/;

/** Every location a resource names, with its input path. */
export function locationsOf(r: PlanResource): [string, unknown][] {
    const out: [string, unknown][] = [];
    const walk = (v: unknown, path: string, key: string) => {
        if (SKIP_UNDER.test(path)) return;
        if (LOCATION_KEYS.has(key)) {
            if (Array.isArray(v)) v.forEach((x, i) => out.push([`${path}[${i}]`, x]));
            else if (typeof v === "string" || v === UNKNOWN) out.push([path, v]);
            return;
        }
        if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`, key));
        else if (v !== null && typeof v === "object")
            for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k, k);
    };
    walk(r.props, "", "");
    return out;
}

/**
 * Types whose location the provider defaults to US when the input is left out: "The default value
 * is US" (bigquery.DataTransferConfig and bigquery.Job), "multi-regional location US"
 * (bigquery.Dataset), in @pulumi/gcp's documentation of each.
 */
const DEFAULT_US = new Set([BQ_JOB, TRANSFER, DATASET]);

const ROUTINE = "gcp:bigquery/routine:Routine";
const STORAGE_TRANSFER = "gcp:storage/transferJob:TransferJob";
const SUBSCRIPTION = "gcp:pubsub/subscription:Subscription";
const SINKS = new Set([
    "gcp:logging/projectSink:ProjectSink",
    "gcp:logging/folderSink:FolderSink",
    "gcp:logging/organizationSink:OrganizationSink",
    "gcp:logging/billingAccountSink:BillingAccountSink",
]);

/** The SQL a resource runs, with its input path: a job's query, a scheduled query, a procedure. */
function sqlOf(r: PlanResource): [string, unknown][] {
    if (r.type === BQ_JOB && r.props["query"] !== undefined)
        return [["query.query", get(r.props, "query.query")]];
    if (r.type === TRANSFER && get(r.props, "params.query") !== undefined)
        return [["params.query", get(r.props, "params.query")]];
    // A procedure's body runs statements; a function's is an expression. A type known only after
    // deploy is judged as a procedure (a function's body does not parse as statements: a finding).
    const routineType = r.props["routineType"];
    if (r.type === ROUTINE && (routineType === "PROCEDURE" || typeof routineType !== "string"))
        return [["definitionBody", r.props["definitionBody"]]];
    return [];
}

/**
 * Where each resource copies data to, judged against the plan: the replicas its SQL adds (their
 * location read from the statement), and the buckets and datasets it writes into, which must be
 * the stack's own (their locations are judged as every resource's are). A destination the plan does
 * not hold, or SQL that cannot be read, leaves the data's location unknown: a finding.
 */
export function copyFindings(
    resources: readonly PlanResource[],
    allowedLocation: (l: string) => boolean,
    allowed: readonly string[],
): [PlanResource, string][] {
    const out: [PlanResource, string][] = [];
    const buckets = new Set(
        resources
            .filter((r) => r.type === BUCKET && typeof r.props["name"] === "string")
            .map((r) => String(r.props["name"])),
    );
    const datasets = resources
        .filter((r) => r.type === DATASET)
        .map((r) => ({ id: r.props["datasetId"], project: r.props["project"] }));
    const list = allowed.join(", ");
    const topics = new Set(
        resources
            .filter(
                (r) => r.type === "gcp:pubsub/topic:Topic" && typeof r.props["name"] === "string",
            )
            .map((r) => String(r.props["name"])),
    );
    /**
     * A dataset of the plan: its id, and its project when both sides name one (a dataset or job
     * without a project is in the provider's project). A value known only after deploy is none.
     */
    const inPlanDataset = (project: unknown, id: unknown) =>
        typeof id === "string" &&
        (project === undefined || typeof project === "string") &&
        datasets.some(
            (d) =>
                d.id === id &&
                (project === undefined || d.project === undefined || d.project === project),
        );
    /** A URI data is written to: gs:// of a bucket in the plan, else a finding. */
    const destination = (r: PlanResource, path: string, what: string, uri: unknown) => {
        if (typeof uri !== "string") {
            out.push([
                r,
                `${path} ${what} a destination known only at run time or after deploy: where the data goes cannot be judged.`,
            ]);
            return;
        }
        const bucket = /^gs:\/\/([^/]+)\//.exec(uri)?.[1];
        if (bucket === undefined)
            out.push([
                r,
                `${path} ${what} ${uri}, not a Cloud Storage bucket of the stack: the data leaves the stack's locations. Write into a bucket the stack declares.`,
            ]);
        else if (!buckets.has(bucket))
            out.push([
                r,
                `${path} ${what} gs://${bucket}/, a bucket not in the stack: its location cannot be judged. Write into a bucket the stack declares.`,
            ]);
    };
    for (const r of resources) {
        for (const [path, sql] of sqlOf(r)) {
            if (typeof sql !== "string") {
                out.push([
                    r,
                    `${path} is known only after deploy: where its SQL copies data cannot be judged.`,
                ]);
                continue;
            }
            const copies = dataCopies(sql);
            for (const why of copies.opaque)
                out.push([r, `${path}: ${why}, nor where it copies data.`]);
            for (const c of copies.replicas)
                if (c.location === undefined)
                    out.push([
                        r,
                        `${path} adds a replica of ${c.dataset} (ADD REPLICA ${c.replica}) whose location cannot be read: ${c.unreadable}. Expected OPTIONS (location = '<allowed location>').`,
                    ]);
                else if (!allowedLocation(c.location))
                    out.push([
                        r,
                        `${path} adds a replica of ${c.dataset} in ${c.location}: must be an allowed location (${list}).`,
                    ]);
            for (const uri of copies.exports) destination(r, path, "exports data to", uri);
        }
        if (r.type === BQ_JOB) {
            const uris = get(r.props, "extract.destinationUris");
            if (r.props["extract"] !== undefined)
                (Array.isArray(uris) ? uris : [uris]).forEach((u, i) =>
                    destination(r, `extract.destinationUris[${i}]`, "extracts a table to", u),
                );
            // A query's results, a load and a table copy are written into their destination
            // table's dataset, in any project and any region the dataset is in: the destination
            // dataset decides where (https://cloud.google.com/bigquery/docs/managing-tables#copy-table,
            // https://cloud.google.com/bigquery/docs/writing-results). The project is the table's
            // projectId, a full `projects/<p>/datasets/<d>/tables/<t>` tableId's, else the job's.
            for (const kind of ["query", "load", "copy"]) {
                const dest = get(r.props, `${kind}.destinationTable`);
                if (dest === undefined) continue;
                const full = /^projects\/([^/]+)\/datasets\/([^/]+)\/tables\//.exec(
                    String(get(dest, "tableId") ?? ""),
                );
                const id = full?.[2] ?? get(dest, "datasetId");
                const project = full?.[1] ?? get(dest, "projectId") ?? r.props["project"];
                if (!inPlanDataset(project, id))
                    out.push([
                        r,
                        `${kind}.destinationTable writes into ${typeof id === "string" ? `the dataset ${typeof project === "string" ? `${project}.` : ""}${id}` : "a dataset known only after deploy"}, not in the stack: its location cannot be judged. Write into a dataset the stack declares.`,
                    ]);
            }
        }
        // A transfer config writes into its destination dataset, which a dataset copy
        // (dataSourceId cross_region_copy) puts in any region:
        // https://cloud.google.com/bigquery/docs/managing-datasets#copy-datasets
        if (r.type === TRANSFER && r.props["destinationDatasetId"] !== undefined) {
            const id = r.props["destinationDatasetId"];
            const project = r.props["project"];
            if (!inPlanDataset(project, id))
                out.push([
                    r,
                    `destinationDatasetId writes into ${typeof id === "string" ? `the dataset ${typeof project === "string" ? `${project}.` : ""}${id}` : "a dataset known only after deploy"}, not in the stack: its location cannot be judged. Write into a dataset the stack declares.`,
                ]);
        }
        // A log sink routes log entries (data) to its destination: a bucket, a dataset, a log
        // bucket in a location, a topic. https://cloud.google.com/logging/docs/export/configure_export_v2#dest-path-reqs
        if (SINKS.has(r.type)) {
            const to = r.props["destination"];
            const bq = /^bigquery\.googleapis\.com\/projects\/([^/]+)\/datasets\/([^/]+)$/.exec(
                String(to),
            );
            const gcs = /^storage\.googleapis\.com\/([^/]+)$/.exec(String(to));
            const logBucket =
                /^logging\.googleapis\.com\/projects\/[^/]+\/locations\/([^/]+)\/buckets\/[^/]+$/.exec(
                    String(to),
                );
            const topic = /^pubsub\.googleapis\.com\/projects\/[^/]+\/topics\/([^/]+)$/.exec(
                String(to),
            );
            if (typeof to !== "string") destination(r, "destination", "routes logs to", to);
            else if (gcs) destination(r, "destination", "routes logs to", `gs://${gcs[1]}/`);
            else if (bq) {
                if (!inPlanDataset(bq[1], bq[2]))
                    out.push([
                        r,
                        `destination routes logs into the dataset ${bq[1]}.${bq[2]}, not in the stack: its location cannot be judged. Route into a dataset the stack declares.`,
                    ]);
            } else if (logBucket) {
                if (!allowedLocation(logBucket[1]!))
                    out.push([
                        r,
                        `destination routes logs to a log bucket in ${logBucket[1]}: must be an allowed location (${list}).`,
                    ]);
            } else if (!(topic && topics.has(topic[1]!)))
                out.push([
                    r,
                    `destination routes logs to ${to}, not a bucket, dataset, log bucket or topic of the stack: where they are kept cannot be judged.`,
                ]);
        }
        // A subscription that writes what it receives into a bucket or a table.
        // https://cloud.google.com/pubsub/docs/cloudstorage, https://cloud.google.com/pubsub/docs/bigquery
        if (r.type === SUBSCRIPTION) {
            const bucket = get(r.props, "cloudStorageConfig.bucket");
            if (bucket !== undefined)
                destination(
                    r,
                    "cloudStorageConfig.bucket",
                    "writes messages to",
                    typeof bucket === "string" ? `gs://${bucket}/` : bucket,
                );
            const table = get(r.props, "bigqueryConfig.table");
            if (table !== undefined) {
                const parts =
                    typeof table === "string" ? /^([^:.]+)[:.]([^.]+)\.[^.]+$/.exec(table) : null;
                if (!parts || !inPlanDataset(parts[1], parts[2]))
                    out.push([
                        r,
                        `bigqueryConfig.table writes messages into ${typeof table === "string" ? table : "a table known only after deploy"}, not a dataset of the stack: its location cannot be judged. Write into a dataset the stack declares.`,
                    ]);
            }
        }
        // Storage Transfer Service: its sink, a bucket or a file system.
        // https://cloud.google.com/storage-transfer/docs/reference/rest/v1/TransferSpec
        if (r.type === STORAGE_TRANSFER)
            for (const spec of ["transferSpec", "replicationSpec"]) {
                if (get(r.props, `${spec}.posixDataSink`) !== undefined)
                    out.push([
                        r,
                        `${spec}.posixDataSink copies objects to a file system outside Google Cloud: the data leaves the stack's locations.`,
                    ]);
                const sink = get(r.props, `${spec}.gcsDataSink`);
                if (sink !== undefined) {
                    const name = get(sink, "bucketName");
                    destination(
                        r,
                        `${spec}.gcsDataSink.bucketName`,
                        "copies objects to",
                        typeof name === "string" ? `gs://${name}/` : name,
                    );
                }
            }
    }
    return out;
}

/** A zone's region (`us-central1-a` → `us-central1`). */
function regionOfZone(l: string): string {
    return /^[a-z]+-[a-z]+\d+-[a-z]$/.test(l) ? l.slice(0, -2) : l;
}

export const regionsEveryResource = planPolicy<{ allowed: string[] }>({
    name: "regions-every-resource",
    description:
        "Checks whether every location in the plan (any resource's location, region or zone, nested placements and replicas, an explicit provider's region, a BigQuery default of US) is allowed, and every place data is copied to: a replica added by SQL (its location read from the statement), EXPORT DATA, extracts, storage transfers, log sinks and subscriptions into the stack's buckets, query results, loads, table copies, transfer configs, log sinks and subscriptions into the stack's datasets, log buckets in allowed locations; Secret Manager's automatic replication stores data anywhere.",
    remediationSteps:
        "Use an allowed location (gcp:region and the logistics:* locations), user-managed replication for secrets, a literal allowed location in ADD REPLICA, exports and copies into the stack's own buckets and datasets, or extend allowed in policies/config/<stack>.json.",
    configSchema: {
        properties: {
            allowed: { type: "array", items: { type: "string" }, default: [] },
        },
    },
    check: (resources, report, { allowed }) => {
        const ok = new Set([...allowed.map((l) => l.toLowerCase()), "global"]);
        const allowedLocation = (l: string) =>
            ok.has(l.toLowerCase()) || ok.has(regionOfZone(l.toLowerCase()));
        for (const r of resources) {
            const named = locationsOf(r);
            if (
                DEFAULT_US.has(r.type) &&
                r.props["location"] === undefined &&
                !allowedLocation("US")
            )
                report(
                    r,
                    `location is not set, so the provider's default US applies: must be an allowed location (${allowed.join(", ")}).`,
                );
            for (const [path, l] of named) {
                if (l === UNKNOWN) {
                    report(
                        r,
                        `${path} is known only after deploy: the resource's location cannot be judged.`,
                    );
                    continue;
                }
                if (!allowedLocation(String(l)))
                    report(
                        r,
                        `${path} must be an allowed location (${allowed.join(", ")}), got ${String(l)}.`,
                    );
            }
            // Automatic replication keeps the payload in regions Google chooses.
            // https://cloud.google.com/secret-manager/docs/choosing-replication#automatic
            if (
                /^gcp:secretmanager\/secret:/.test(r.type) &&
                r.props["replication"]?.auto !== undefined
            )
                report(
                    r,
                    "replication.auto stores the secret in any region: use userManaged replicas in allowed locations.",
                );
        }
        for (const [r, message] of copyFindings(resources, allowedLocation, allowed))
            report(r, message);
    },
});

export const residencyPlanPolicies = [regionsEveryResource];

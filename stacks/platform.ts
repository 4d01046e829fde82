// The platform's root component: composes one component per logical entity from the stack config.
import * as pulumi from "@pulumi/pulumi";
import { BackupStore } from "../components/backupStore";
import { DataLake } from "../components/dataLake";
import { Warehouse } from "../components/warehouse";
import type { StackConfig } from "./config";
import { naming, type Naming } from "./naming";

/** What every component receives: the validated config, the naming rules and stateful-resource options. */
export interface PlatformContext {
    config: StackConfig;
    naming: Naming;
    /**
     * Options for stateful resources (data, history, secrets): `protect` and `retainOnDelete` when
     * `logistics:protectStatefulResources` is true, so no `pulumi up` or `destroy` can drop them.
     */
    stateful: Pick<pulumi.CustomResourceOptions, "protect" | "retainOnDelete">;
}

export function platformContext(config: StackConfig): PlatformContext {
    const p = config.protectStatefulResources;
    return { config, naming: naming(config), stateful: { protect: p, retainOnDelete: p } };
}

export interface PlatformArgs {
    config: StackConfig;
}

export class Platform extends pulumi.ComponentResource {
    /** Stack outputs: what operators, DAGs and CI read after `pulumi up`. */
    public readonly outputs: Record<string, pulumi.Input<unknown>>;

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("logistics:stack:Platform", name, {}, opts);
        const { config, naming, stateful } = platformContext(args.config);
        const protect = stateful.protect === true;
        const child = { parent: this };

        const lake = new DataLake(
            naming.name("lake"),
            {
                bucketName: naming.globalName("lake"),
                location: (config.dataLake.location ?? config.region).toUpperCase(),
                settings: config.dataLake,
                labels: naming.labels({ component: "data-lake" }),
                protect,
            },
            child,
        );
        const backups = new BackupStore(
            naming.name("backups"),
            {
                // The runbook's "$BUCKET-backups".
                bucketName: naming.globalName("lake-backups"),
                snapshotBucketName: naming.globalName("snapshots"),
                settings: config.backups,
                defaultLocation: config.region,
                labels: naming.labels({ component: "backups" }),
                protect,
            },
            child,
        );
        const warehouse = new Warehouse(
            naming.name("warehouse"),
            {
                project: config.project,
                location: config.warehouse.location ?? config.region,
                settings: config.warehouse,
                labels: naming.labels({ component: "warehouse" }),
                protect,
                reservationName: naming.name("slots"),
            },
            child,
        );

        this.outputs = {
            project: config.project,
            region: config.region,
            environment: config.environment,
            dataBucket: lake.bucketName,
            rawPrefix: lake.rawPrefix,
            stagingPrefix: lake.stagingPrefix,
            backupsBucket: backups.bucketName,
            composerSnapshotUrl: backups.snapshotUrl,
            datasets: warehouse.datasets,
            rawTables: warehouse.rawTables,
            ...(warehouse.reservation ? { slotReservation: warehouse.reservation } : {}),
        };
        this.registerOutputs(this.outputs);
    }
}

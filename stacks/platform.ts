// The platform's root component: composes one component per logical entity from the stack config.
import * as pulumi from "@pulumi/pulumi";
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
        const ctx = platformContext(args.config);
        void ctx;
        this.outputs = {
            project: args.config.project,
            region: args.config.region,
            environment: args.config.environment,
        };
        this.registerOutputs(this.outputs);
    }
}

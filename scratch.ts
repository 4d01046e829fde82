import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { runOffline } from "./tools/offline/engine";
import { stackConfig } from "./test/harness";
class C extends pulumi.ComponentResource {
    constructor(n: string, o: pulumi.ComponentResourceOptions) {
        super("x:y:C", n, {}, o);
        new gcp.storage.Bucket(`${n}-b`, { location: "US" }, { parent: this });
        this.registerOutputs({});
    }
}
runOffline({
    stack: "dev",
    config: stackConfig("dev"),
    program: () => {
        const svc = new gcp.projects.Service("svc", { service: "storage.googleapis.com" });
        const svcs = new C("svcs", {});
        new C("c", { dependsOn: [svc] });
        new gcp.storage.Bucket("d", { location: "US" }, { dependsOn: [svcs] });
        return {};
    },
}).then((p) => {
    for (const r of p.resources)
        console.log(
            r.name,
            r.dependencies.map((u) => u.split("::").pop()),
        );
});

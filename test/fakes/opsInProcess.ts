// Runs `npm run ops -- <argv>` in-process, as the command would, and captures what it prints: the
// exit code (a failure reported as the CLI reports it), stdout and stderr.
import { main, reportOpsFailure } from "../../tools/ops";
import { bigQueryWarehouse } from "../../tools/ops/bigquery";
import { runInProcess } from "../harness";

export interface OpsRun {
    code: number;
    stdout: string;
    stderr: string;
}

export async function runOps(argv: readonly string[], clock?: () => number): Promise<OpsRun> {
    const r = await runInProcess(
        (args, io) =>
            main(args, io, { warehouseFor: bigQueryWarehouse, ...(clock ? { clock } : {}) }),
        argv,
        { report: reportOpsFailure },
    );
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

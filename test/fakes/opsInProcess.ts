// Runs `npm run ops -- <argv>` in-process, as the command would, and captures what it prints: the
// exit code (a failure mapped as the CLI maps it), stdout lines and stderr.
import { main, opsFailure } from "../../tools/ops";
import { bigQueryWarehouse } from "../../tools/ops/bigquery";

export interface OpsRun {
    code: number;
    stdout: string;
    stderr: string;
}

export async function runOps(argv: readonly string[], clock?: () => number): Promise<OpsRun> {
    const out: string[] = [];
    const err: string[] = [];
    const log = console.log;
    const write = process.stderr.write.bind(process.stderr);
    console.log = (...a: unknown[]) => void out.push(a.join(" "));
    process.stderr.write = ((chunk: string) => (
        err.push(String(chunk)),
        true
    )) as typeof process.stderr.write;
    try {
        const code = await main(argv, bigQueryWarehouse, clock).catch((e: unknown) => {
            const f = opsFailure(e);
            err.push(f.message);
            return f.code;
        });
        return { code, stdout: out.join("\n"), stderr: err.join("") };
    } finally {
        console.log = log;
        process.stderr.write = write;
    }
}

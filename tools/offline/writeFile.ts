// Writes a command's output file whole or not at all, and never over a file the command did not
// write (a stack file, anything git tracks) unless forced.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { UsageError } from "./stackfile";

/** Why `target` may not be overwritten, or undefined: absent, or a file `isOurs` recognises and git does not track. */
export function overwriteRefusal(
    target: string,
    isOurs: (text: string) => boolean,
): string | undefined {
    let stat: fs.Stats;
    try {
        stat = fs.statSync(target);
    } catch {
        return undefined;
    }
    if (stat.isDirectory()) return "is a directory";
    if (!stat.isFile()) return "is not a regular file";
    const tracked = spawnSync("git", ["ls-files", "--error-unmatch", "--", path.basename(target)], {
        cwd: path.dirname(target),
        encoding: "utf8",
    });
    if (tracked.status === 0) return "is tracked by git";
    let text: string;
    try {
        text = fs.readFileSync(target, "utf8");
    } catch (err) {
        return `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
    }
    return isOurs(text) ? undefined : "exists and was not written by this command";
}

/**
 * Writes `text` to `target` through a temporary file beside it (same folder, so the rename is
 * atomic), removed on every failure and on SIGINT/SIGTERM. Errors name the path and the reason.
 */
export function writeWhole(target: string, text: string, flag: string): void {
    const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
    const cleanup = () => fs.rmSync(temp, { force: true });
    const onSignal = (signal: NodeJS.Signals) => {
        cleanup();
        process.exit(signal === "SIGINT" ? 130 : 143);
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
        fs.writeFileSync(temp, text, { flag: "wx" });
        fs.renameSync(temp, target);
    } catch (err) {
        cleanup();
        const e = err as NodeJS.ErrnoException;
        const why =
            e.code === "ENOENT"
                ? `its folder ${path.dirname(target)} does not exist`
                : e.code === "EACCES" || e.code === "EPERM"
                  ? "permission denied"
                  : e.code === "EISDIR"
                    ? "it is a directory"
                    : e.code === "EROFS"
                      ? "the file system is read-only"
                      : e.code === "ENOSPC"
                        ? "no space left on the device"
                        : `${e.code ?? ""} ${e.message}`.trim();
        throw new UsageError(
            `${flag} ${target}: cannot write it: ${why}. Expected a writable path in an existing folder.`,
        );
    } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
    }
}

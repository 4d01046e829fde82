// PyPI pins checked against what the Composer image preinstalls (components/composerImages.json): a
// pin below the image's version downgrades a package the image's Airflow and operators rely on.
import images from "./composerImages.json";

/** Where the preinstalled package lists come from. */
export const PREINSTALLED_SOURCE: string = images.source;

interface Build {
    released: string;
    through: string;
    packages: Record<string, string>;
}
const BUILDS: Readonly<Record<string, Build>> = images.builds;

/** A PyPI name as pip compares it (PEP 503: case and runs of `-_.` do not matter), without extras. */
export function normalizePackageName(name: string): string {
    return name
        .replace(/\[.*\]$/, "")
        .toLowerCase()
        .replace(/[-_.]+/g, "-");
}

/**
 * A version's release numbers and where it sorts among its release's versions: a pre-release
 * (`15.1.0rc1`) before it, a post-release (`1.10.0.post1`) after; local parts (`+composer`) ignored.
 */
function release(version: string): { parts: number[]; rank: number } {
    const v = version.replace(/^==/, "").replace(/\+.*$/, "");
    const m = /^(\d+(?:\.\d+)*)(.*)$/.exec(v);
    if (!m) return { parts: [], rank: -1 };
    const rest = m[2]!;
    return {
        parts: m[1]!.split(".").map(Number),
        rank: rest === "" ? 0 : /^[._-]?post/.test(rest) ? 1 : -1,
    };
}

/** PEP 440 order of release versions: negative when a < b (`10.26.0` < `15.1.0`, `2.0rc1` < `2.0`). */
export function compareVersions(a: string, b: string): number {
    const x = release(a);
    const y = release(b);
    for (let i = 0; i < Math.max(x.parts.length, y.parts.length); i++) {
        const d = (x.parts[i] ?? 0) - (y.parts[i] ?? 0);
        if (d !== 0) return d;
    }
    return x.rank - y.rank;
}

/**
 * What an image version preinstalls, at least: an exact build's list; for a version without a
 * build (`composer-3-airflow-2.10.5`), Composer creates the environment with that Airflow
 * version's newest build (https://cloud.google.com/composer/docs/composer-versions), so the
 * highest version any listed build carries. That assumes versions do not go down from one build
 * to the next; if one did, the check would refuse a pin that was fine — the safe side. Undefined
 * when the data lists no build of the image (or the image names no full Airflow version).
 */
export function preinstalledPackages(
    imageVersion: string,
): Map<string, { version: string; build: string }> | undefined {
    const builds = /-build\.\d+$/.test(imageVersion)
        ? Object.keys(BUILDS).filter((b) => b === imageVersion)
        : /^composer-3-airflow-\d+\.\d+\.\d+$/.test(imageVersion)
          ? Object.keys(BUILDS).filter((b) => b.startsWith(`${imageVersion}-build.`))
          : [];
    if (builds.length === 0) return undefined;
    const packages = new Map<string, { version: string; build: string }>();
    for (const build of builds)
        for (const [name, version] of Object.entries(BUILDS[build]!.packages)) {
            const key = normalizePackageName(name);
            const known = packages.get(key);
            if (known === undefined || compareVersions(version, known.version) > 0)
                packages.set(key, { version, build });
        }
    return packages;
}

/**
 * Pins that would downgrade a package the image preinstalls, and pins that cannot be checked
 * because the data lists no build of the image. Paths are below `pypiPackages`.
 */
export function pypiPinProblems(
    imageVersion: string,
    pins: Readonly<Record<string, string>>,
): { path: string[]; message: string }[] {
    if (Object.keys(pins).length === 0) return [];
    const image = preinstalledPackages(imageVersion);
    if (!image)
        return [
            {
                path: [],
                message: `cannot be checked against ${imageVersion}: components/composerImages.json lists no build of it. Expected the build's preinstalled packages added there from ${PREINSTALLED_SOURCE}, or no pins`,
            },
        ];
    const problems: { path: string[]; message: string }[] = [];
    for (const [name, pin] of Object.entries(pins)) {
        const carried = image.get(normalizePackageName(name));
        if (carried !== undefined && compareVersions(pin, carried.version) < 0)
            problems.push({
                path: [name],
                message: `got "${pin}", below the ${carried.version} that ${imageVersion} preinstalls (${carried.build}, ${PREINSTALLED_SOURCE}): pip would downgrade it under the image's Airflow. Expected no pin (the image's version) or "==${carried.version.replace(/\+.*$/, "")}" or later`,
            });
    }
    return problems;
}

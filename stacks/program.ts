// The program: load and validate config, then build the platform. `index.ts` and the offline
// preview both call this, so the code that runs offline is the code that deploys.
import { loadStackConfig, type LoadOptions } from "./config";
import { Platform } from "./platform";

export function program(options: LoadOptions = {}): Record<string, unknown> {
    // Validation throws before the first resource is registered: bad config never half-applies.
    const config = loadStackConfig(options);
    const platform = new Platform(`${config.prefix}-${config.environment}`, { config });
    return platform.outputs;
}

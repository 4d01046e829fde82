// The program: load and validate config, then build the platform. `index.ts` and the offline
// preview both call this, so the code that runs offline is the code that deploys.
import { readRawSchemas } from "../components/warehouse";
import { loadStackConfig, type LoadOptions } from "./config";
import { Platform } from "./platform";

export function program(options: LoadOptions = {}): Record<string, unknown> {
    // Validation throws before the first resource is registered: bad config never half-applies.
    const config = loadStackConfig(options);
    // Input files are read up front for the same reason.
    const schemas = readRawSchemas();
    const platform = new Platform(`${config.prefix}-${config.environment}`, { config, schemas });
    return platform.outputs;
}

import type { EngineDeps } from "../src/engine/deps.js";
import type { FunctionDefinition } from "../src/hosting/definition.js";
import { backgroundFunctions, backgroundHandlers } from "./background.js";
import { consoleFunctions, consoleHandlers } from "./console.js";
import { registryFunctions, registryHandlers } from "./registry.js";
import { reportFunctions, reportHandlers } from "./reports.js";
import { requestFunctions, requestHandlers } from "./requests.js";
import { serviceBusFunctions, serviceBusHandlers } from "./service-bus.js";
import { sweepFunctions, sweepHandlers } from "./sweeps.js";
import { systemFunctions, systemHandlers } from "./system.js";

// Every function of the engine, built from the deps it is given, and the console's files. Both
// hosts (functions/index.ts for Azure, src/local/host for `npm start`) register what `allFunctions` returns.

/** Every handler by name: tests call these, and `allFunctions` registers the same ones. */
export function allHandlers(deps: EngineDeps) {
  return {
    ...systemHandlers(deps),
    ...requestHandlers(deps),
    ...registryHandlers(deps),
    ...backgroundHandlers(deps),
    ...serviceBusHandlers(deps),
    ...sweepHandlers(deps),
    ...reportHandlers(deps),
    ...consoleHandlers(deps),
  };
}

export type AllHandlers = ReturnType<typeof allHandlers>;

export function allFunctions(deps: EngineDeps, h: AllHandlers = allHandlers(deps)): readonly FunctionDefinition[] {
  return [
    ...systemFunctions(deps, h),
    ...requestFunctions(deps, h),
    ...registryFunctions(deps, h),
    ...backgroundFunctions(deps, h),
    ...serviceBusFunctions(deps, h),
    ...sweepFunctions(deps, h),
    ...reportFunctions(deps, h),
    ...consoleFunctions(deps, h),
  ];
}

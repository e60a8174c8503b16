import type { FunctionDefinition } from "../src/hosting/definition.js";
import { backgroundFunctions } from "./background.js";
import { registryFunctions } from "./registry.js";
import { requestFunctions } from "./requests.js";
import { serviceBusFunctions } from "./service-bus.js";
import { sweepFunctions } from "./sweeps.js";
import { systemFunctions } from "./system.js";

/** Every function of the engine, described once; both hosts read this list. */
export const allFunctions: readonly FunctionDefinition[] = [...systemFunctions, ...requestFunctions, ...registryFunctions, ...backgroundFunctions, ...serviceBusFunctions, ...sweepFunctions];

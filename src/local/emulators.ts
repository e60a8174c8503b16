// Embedded emulators for `npm start` and the test suite: @vercel/cosmosdb-server for Cosmos and
// Azurite (blob, queue, table) in this process, in memory. What each lacks is handled in the store
// adapters, which say so where it matters; the README's "Emulator patch" section covers the query engine.
//
// Split by concern under ./emulators/: connection (ports, well-known keys, client options and the
// storage connection string), ports (free port, port answers), azure-guard (whether settings point
// at this machine, and the refusal to serve Azure data from `npm start`), cosmos and azurite (each
// server's start) and lifecycle (startEmbeddedEmulators and its stop). This file only re-exports,
// so importers keep one path.

export {
  AZURITE_ACCOUNT_KEY,
  AZURITE_ACCOUNT_NAME,
  COSMOS_EMULATOR_KEY,
  cosmosClientOptions,
  storageConnectionString,
  type EmulatorPorts,
} from "./emulators/connection.js";
export { freePort, portAnswers } from "./emulators/ports.js";
export { azureEndpointProblems, isLocalStorageConnection, isLoopbackHost, isLoopbackUrl, refuseAzureEndpoints } from "./emulators/azure-guard.js";
export { startEmbeddedEmulators, type RunningEmulators } from "./emulators/lifecycle.js";

import type { Settings } from "../config/settings.js";
import { loadDataMap } from "../config/data-map-loader.js";
import { engineConfig, type EngineDeps } from "../engine/deps.js";
import { createAzureStores, type AzureStoresOptions, type StoreClients } from "../stores/azure-stores.js";

// The composition root: one host's EngineDeps, built once from its settings. functions/index.ts
// (Azure) and src/local/start.ts (`npm start`) call it at start; tests call it per namespace.
// Building it connects to nothing: the SDK clients connect on first use.

/** One host's deps, with the settings and SDK clients they were built from (for provisioning, seeding and tests). */
export interface Runtime extends EngineDeps {
  readonly settings: Settings;
  readonly clients: StoreClients;
}

export type RuntimeOptions = AzureStoresOptions;

/** Builds the deps; a bad data map throws here, so a host refuses to start instead of failing its first call. */
export function createRuntime(settings: Settings, options: RuntimeOptions = {}): Runtime {
  const { stores, clients } = createAzureStores(settings, options);
  return {
    ...stores,
    settings,
    clients,
    config: engineConfig(settings),
    dataMap: loadDataMap(settings.PRIVACY_DATA_MAP_PATH),
    resolve: {
      database: (name) => (name === "platform" ? settings.PLATFORM_DATABASE : name),
      container: (name) => (name === "assets" ? settings.PRIVACY_ASSETS_CONTAINER : name),
    },
    // Read at call time, so tests can freeze it with fake timers.
    now: () => new Date(),
  };
}

/** Lets go of the runtime's clients (shutdown, the end of a test file). */
export function disposeRuntime(rt: Pick<Runtime, "clients">): void {
  rt.clients.cosmos.dispose();
}

import { parseSettings, type Settings } from "../../src/config/settings.js";
import { seedPlatform, type SeedOptions } from "../../src/local/seed.js";
import { createRuntime, type Runtime } from "../../src/hosting/composition.js";
import { provision } from "../../src/stores/provision.js";
import { testNamespace } from "./env.js";

/** A fresh namespace of its own (platform and privacy databases, assets container), provisioned and seeded. */
export interface SeededNamespace {
  readonly rt: Runtime;
  readonly settings: Settings;
  /** Drops the databases and the container, then closes the client; safe to call once per namespace. */
  readonly dispose: () => Promise<void>;
}

/**
 * For property tests that seed a world per run: `prefix` tells the namespaces of one test file
 * apart; `overrides` are settings on top of the process's. One message erases everything by
 * default: continuations only come when a slice runs out of time.
 */
export async function seededNamespace(prefix: string, options: Omit<SeedOptions, "now">, overrides: Record<string, string> = {}): Promise<SeededNamespace> {
  const ns = testNamespace(prefix);
  const settings = parseSettings({
    ...process.env,
    PLATFORM_DATABASE: `pl${ns}`,
    PRIVACY_DATABASE: `p${ns}`,
    PRIVACY_ASSETS_CONTAINER: `a${ns}`,
    PRIVACY_ERASURE_SLICE_MS: "600000",
    ...overrides,
  });
  const rt = createRuntime(settings);
  const dispose = async () => {
    try {
      await Promise.allSettled([
        rt.clients.cosmos.database(settings.PLATFORM_DATABASE).delete(),
        rt.clients.cosmos.database(settings.PRIVACY_DATABASE).delete(),
        rt.clients.blobs.getContainerClient(settings.PRIVACY_ASSETS_CONTAINER).deleteIfExists(),
      ]);
    } finally {
      rt.clients.cosmos.dispose();
    }
  };
  try {
    await provision(rt.clients, rt.settings);
    // seedPlatform writes `organizations`, which is what the request API's org check reads.
    await seedPlatform({ cosmos: rt.clients.cosmos, platformDatabase: settings.PLATFORM_DATABASE, blobService: rt.clients.blobs, assetsContainer: settings.PRIVACY_ASSETS_CONTAINER }, options);
  } catch (error) {
    await dispose();
    throw error;
  }
  return { rt, settings, dispose };
}

import type { TestProject } from "vitest/node";
import { freePort, startEmbeddedEmulators } from "../../src/local/emulators.js";

/** Where test files find the emulators started once for the run: `inject("emulators")`. */
export interface ProvidedEmulators {
  cosmosEndpoint: string;
  cosmosKey: string;
  storageConnectionString: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    emulators: ProvidedEmulators;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const ports = { cosmos: await freePort(), blob: await freePort(), queue: await freePort(), table: await freePort() };
  const emulators = await startEmbeddedEmulators(ports);
  project.provide("emulators", {
    cosmosEndpoint: emulators.cosmosEndpoint,
    cosmosKey: emulators.cosmosKey,
    storageConnectionString: emulators.storageConnectionString,
  });
  return () => emulators.stop();
}

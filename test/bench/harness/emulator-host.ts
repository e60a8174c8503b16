// Starting the emulator host a benchmark run talks to, after checking that the Cosmos query
// engine carries the project's patch.
//
// Where the emulators run: by default in a child process (`--emulators child`), so that the
// benchmark process holds the engine and nothing else and its heap and RSS figures are the
// engine's. `--emulators in-process` runs them (and the proxies) in this process, as the test
// suite does; then memory figures include the emulators' own work (query evaluation over the
// whole container, the blobs they keep in memory).

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { startChildHost } from "./emulator-child.js";
import { snapshotAll, startServices, type EmulatorHost, type EmulatorMode } from "./services.js";

/** The query engine inside @vercel/cosmosdb-server must carry the project's push-accumulation patch. */
export function assertCosmosQueryPatch(): void {
  const require = createRequire(import.meta.url);
  const fromServer = createRequire(require.resolve("@vercel/cosmosdb-server"));
  const file = fromServer.resolve("@zeit/cosmosdb-query/lib/transformer.js");
  if (!readFileSync(file, "utf8").includes("privacy-engine: push-accumulation patch")) {
    throw new Error(
      `${file} lacks the push-accumulation patch: queries over big containers would be quadratic. Run \`npm ci\` (its postinstall applies patches/ with patch-package).`,
    );
  }
}

/** Starts the emulators and their proxies, in this process or in a child process. */
export async function startEmulatorHost(options: { mode: EmulatorMode; rttMs: number; childEntry: string }): Promise<EmulatorHost> {
  assertCosmosQueryPatch();
  if (options.mode === "in-process") {
    const services = await startServices(options.rttMs);
    return {
      mode: "in-process",
      rttMs: options.rttMs,
      ...services.endpoints,
      counts: () => Promise.resolve(snapshotAll(services.proxies)),
      resetCounts: () => {
        for (const proxy of Object.values(services.proxies)) proxy.reset();
        return Promise.resolve();
      },
      stop: services.stop,
    };
  }
  return startChildHost(options.childEntry, options.rttMs);
}

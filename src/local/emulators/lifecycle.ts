// The embedded emulators' life, for `npm start` and the test suite: startEmbeddedEmulators starts
// the Cosmos server and Azurite (blob, queue, table) in this process, in memory, reusing any that
// already answers on its port, and returns their endpoints with a stop() that undoes, in reverse
// order, only what this call started.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createAzuriteServer, newChunkStore, type ChunkStore, type StorageService } from "./azurite.js";
import { COSMOS_EMULATOR_KEY, LOOPBACK, storageConnectionString, type EmulatorPorts } from "./connection.js";
import { startCosmosServer } from "./cosmos.js";
import { portAnswers } from "./ports.js";

export interface RunningEmulators {
  /** `http://127.0.0.1:PORT`. */
  cosmosEndpoint: string;
  cosmosKey: string;
  /** Connection string for `devstoreaccount1` with explicit Blob/Queue/Table endpoints. */
  storageConnectionString: string;
  /** False where something already answered on the port and was reused. */
  started: { cosmos: boolean; storage: boolean };
  /** Stops only what this call started; idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the embedded Cosmos server and Azurite (blob, queue, table) on 127.0.0.1, unless
 * something already answers on a port: then that service is reused and left alone by stop().
 */
export async function startEmbeddedEmulators(
  ports: EmulatorPorts,
  options: { log?: (line: string) => void } = {},
): Promise<RunningEmulators> {
  const log = options.log ?? (() => undefined);
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    const errors: unknown[] = [];
    for (const stop of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, "Stopping the embedded emulators failed");
  };

  const started = { cosmos: false, storage: false };
  try {
    if (await portAnswers(ports.cosmos)) {
      log(`cosmos: something already answers on ${LOOPBACK}:${ports.cosmos}; reusing it`);
    } else {
      stops.push(await startCosmosServer(ports.cosmos));
      started.cosmos = true;
      log(`cosmos: embedded server listening on http://${LOOPBACK}:${ports.cosmos}`);
    }

    const services: [StorageService, number][] = [
      ["blob", ports.blob],
      ["queue", ports.queue],
      ["table", ports.table],
    ];
    let shared: { dir: string; chunks: ChunkStore } | undefined;
    for (const [service, port] of services) {
      if (await portAnswers(port)) {
        log(`azurite ${service}: something already answers on ${LOOPBACK}:${port}; reusing it`);
        continue;
      }
      if (shared === undefined) {
        // Extents of this instance only: with azurite's process-wide default store, cleaning
        // one instance would drop the chunks of another one running in the same process.
        const chunks = newChunkStore();
        const dir = await mkdtemp(path.join(os.tmpdir(), "privacy-engine-azurite-"));
        stops.push(() => rm(dir, { recursive: true, force: true }));
        shared = { dir, chunks };
      }
      const server = createAzuriteServer(service, port, shared.dir, shared.chunks);
      await server.start();
      stops.push(() => server.close());
      started.storage = true;
      log(`azurite ${service}: listening on http://${LOOPBACK}:${port} (in memory)`);
    }
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }

  let stopping: Promise<void> | undefined;
  return {
    cosmosEndpoint: `http://${LOOPBACK}:${ports.cosmos}`,
    cosmosKey: COSMOS_EMULATOR_KEY,
    storageConnectionString: storageConnectionString(ports),
    started,
    stop: () => {
      stopping ??= stopAll();
      return stopping;
    },
  };
}

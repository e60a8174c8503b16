// What the emulator host serves and how a scenario sees it: the embedded emulators on free ports
// with one counting proxy per engine-facing service (Cosmos, Blob, Queue; Table is not counted),
// started by startServices in whichever process hosts them, and the EmulatorHost interface.

import { freePort, startEmbeddedEmulators, type EmulatorPorts } from "../../../src/local/emulators.js";
import { CountingProxy, type ProxyCounts } from "./proxy.js";

export type EmulatorMode = "child" | "in-process";
export type CountedService = "cosmos" | "blob" | "queue";
export type StoreCounts = Record<CountedService, ProxyCounts> & {
  /** CPU time (user + system) the emulator process spent since the last reset; only with `--emulators child`. */
  emulatorCpuMs?: number;
};

export interface HostEndpoints {
  /** The emulators' own ports: for seeding, which is not measured and must not be delayed. */
  direct: EmulatorPorts;
  /** The proxies' ports: what the engine under test talks to. */
  proxied: Record<CountedService, number>;
}

export interface EmulatorHost extends HostEndpoints {
  readonly mode: EmulatorMode;
  readonly rttMs: number;
  counts(): Promise<StoreCounts>;
  resetCounts(): Promise<void>;
  stop(): Promise<void>;
}

/** The emulators and their proxies, running in this process. */
export interface RunningServices {
  endpoints: HostEndpoints;
  proxies: Record<CountedService, CountingProxy>;
  stop: () => Promise<void>;
}

/** Starts the emulators on free ports, then a proxy in front of each counted service. */
export async function startServices(rttMs: number): Promise<RunningServices> {
  const direct: EmulatorPorts = { cosmos: await freePort(), blob: await freePort(), queue: await freePort(), table: await freePort() };
  const emulators = await startEmbeddedEmulators(direct);
  if (!emulators.started.cosmos || !emulators.started.storage) {
    await emulators.stop();
    throw new Error("A free port was taken before the emulators could bind it");
  }
  const proxies = {
    cosmos: await CountingProxy.start(direct.cosmos, rttMs),
    blob: await CountingProxy.start(direct.blob, rttMs),
    queue: await CountingProxy.start(direct.queue, rttMs),
  };
  return {
    endpoints: { direct, proxied: { cosmos: proxies.cosmos.port, blob: proxies.blob.port, queue: proxies.queue.port } },
    proxies,
    stop: async () => {
      await Promise.all(Object.values(proxies).map((p) => p.close()));
      await emulators.stop();
    },
  };
}

export const snapshotAll = (proxies: Record<CountedService, CountingProxy>): StoreCounts => ({
  cosmos: proxies.cosmos.snapshot(),
  blob: proxies.blob.snapshot(),
  queue: proxies.queue.snapshot(),
});

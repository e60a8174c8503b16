// The emulator host in a child process (`--emulators child`, the default): the bench entry point
// forks itself with EMULATOR_CHILD_FLAG, the child serves the emulators and proxies
// (serveEmulatorsInChild) and the parent talks to it over IPC (startChildHost). Parent → child:
// counts | reset | stop. Child → parent: ready | counts | done | failed.

import { fork, type ChildProcess } from "node:child_process";
import { cpuMsSince } from "./measure.js";
import { snapshotAll, startServices, type EmulatorHost, type HostEndpoints, type RunningServices, type StoreCounts } from "./services.js";

type ToChild = { type: "counts"; id: number } | { type: "reset"; id: number } | { type: "stop"; id: number };
type FromChild =
  | { type: "ready"; endpoints: HostEndpoints }
  | { type: "counts"; id: number; counts: StoreCounts }
  | { type: "done"; id: number }
  | { type: "failed"; message: string };

/** Flag that makes the bench entry point serve the emulators instead of running scenarios. */
export const EMULATOR_CHILD_FLAG = "--emulator-child";

/** Runs in the child: serves the emulators and proxies until told to stop or the parent goes away. */
export async function serveEmulatorsInChild(rttMs: number): Promise<void> {
  const send = (message: FromChild) => {
    process.send?.(message);
  };
  let services: RunningServices;
  try {
    services = await startServices(rttMs);
  } catch (error) {
    send({ type: "failed", message: error instanceof Error ? error.message : String(error) });
    process.disconnect();
    return;
  }
  let cpuSince = process.cpuUsage();
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= services.stop().finally(() => {
      if (process.connected) process.disconnect();
    });
    return stopping;
  };
  process.on("message", (message) => {
    const raw = message as ToChild;
    switch (raw.type) {
      case "counts":
        send({ type: "counts", id: raw.id, counts: { ...snapshotAll(services.proxies), emulatorCpuMs: cpuMsSince(cpuSince) } });
        break;
      case "reset":
        for (const proxy of Object.values(services.proxies)) proxy.reset();
        cpuSince = process.cpuUsage();
        send({ type: "done", id: raw.id });
        break;
      case "stop":
        void stop().then(() => undefined);
        break;
    }
  });
  // The parent died or let go: stop, so nothing outlives the benchmark.
  process.on("disconnect", () => {
    void stop();
  });
  send({ type: "ready", endpoints: services.endpoints });
}

/** Forks the bench entry point as the emulator process and returns the host it serves, over IPC. */
export async function startChildHost(entry: string, rttMs: number): Promise<EmulatorHost> {
  const child: ChildProcess = fork(entry, [EMULATOR_CHILD_FLAG, "--rtt-ms", String(rttMs)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  let nextId = 0;
  const waiting = new Map<number, (message: FromChild) => void>();
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once("exit", () => {
      exited = true;
      resolve();
    });
  });
  const endpoints = await new Promise<HostEndpoints>((resolve, reject) => {
    child.once("error", reject);
    void exitedPromise.then(() => {
      reject(new Error("The emulator process exited before it was ready"));
    });
    child.on("message", (raw) => {
      const message = raw as FromChild;
      if (message.type === "ready") resolve(message.endpoints);
      else if (message.type === "failed") reject(new Error(`The emulator process failed: ${message.message}`));
      else waiting.get(message.id)?.(message);
    });
  });
  const ask = (type: "counts" | "reset") =>
    new Promise<FromChild>((resolve, reject) => {
      if (exited) {
        reject(new Error("The emulator process has exited"));
        return;
      }
      const id = nextId++;
      waiting.set(id, (message) => {
        waiting.delete(id);
        resolve(message);
      });
      child.send({ type, id } satisfies ToChild);
    });
  let stopping: Promise<void> | undefined;
  return {
    mode: "child",
    rttMs,
    ...endpoints,
    counts: async () => {
      const reply = await ask("counts");
      if (reply.type !== "counts") throw new Error("Unexpected reply from the emulator process");
      return reply.counts;
    },
    resetCounts: async () => {
      await ask("reset");
    },
    stop: () => {
      stopping ??= (async () => {
        if (!exited) child.send({ type: "stop", id: nextId++ } satisfies ToChild);
        const timer = setTimeout(() => child.kill(), 15_000);
        await exitedPromise;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

import { PRIVACY_CONTAINERS } from "../../src/config/resources.js";
import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import type { CosmosClient } from "@azure/cosmos";
import { BlobServiceClient } from "@azure/storage-blob";
import { QueueServiceClient } from "@azure/storage-queue";
import { parseSettings, withSettingDefaults, type Settings } from "../../src/config/settings.js";
import type { Logger } from "../../src/engine/ports.js";
import { COSMOS_EMULATOR_KEY, freePort, startEmbeddedEmulators, storageConnectionString, type EmulatorPorts } from "../../src/local/emulators.js";
import { createRuntime, type Runtime, type RuntimeOptions } from "../../src/hosting/composition.js";
import { createCosmosClient } from "../../src/stores/cosmos-client.js";
import { provision } from "../../src/stores/provision.js";

/**
 * The benchmark harness (`npm run bench`, issue 7): emulators on free ports behind counting,
 * optionally delaying TCP proxies; a fresh namespace and runtime per scenario; a memory sampler;
 * the markdown table and `bench-results.json`.
 *
 * Where the emulators run: by default in a child process (`--emulators child`), so that the
 * benchmark process holds the engine and nothing else and its heap and RSS figures are the
 * engine's. `--emulators in-process` runs them (and the proxies) in this process, as the test
 * suite does; then memory figures include the emulators' own work (query evaluation over the
 * whole container, the blobs they keep in memory).
 */

const LOOPBACK = "127.0.0.1";
const MB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Counting HTTP requests on the wire

/**
 * Counts HTTP/1.1 requests in a client → server byte stream. Keep-alive connections carry many
 * requests, and bodies may contain anything, so the stream is parsed: a header block up to the
 * blank line, then a body of Content-Length bytes or chunked transfer coding; a request is a
 * header block whose first line is `METHOD target HTTP/x.y`.
 */
export class HttpRequestCounter {
  private state: "head" | "body" | "chunk-size" | "chunk-data" | "chunk-end" | "trailers" = "head";
  private head = "";
  private line = "";
  private remaining = 0;
  /** Set when the stream is not HTTP/1.x as expected (then counting stops rather than guessing). */
  broken = false;

  constructor(private readonly onRequest: (method: string, target: string, headers: ReadonlyMap<string, string>) => void) {}

  feed(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length && !this.broken) {
      switch (this.state) {
        case "head": {
          const previous = this.head.length;
          const text = this.head + chunk.toString("latin1", i);
          // Blank lines between messages are allowed (RFC 9112 §2.2).
          const start = /^(?:\r\n)*/.exec(text)?.[0].length ?? 0;
          const end = text.indexOf("\r\n\r\n", start);
          if (end < 0) {
            this.head = text.slice(start);
            if (this.head.length > 256 * 1024) this.broken = true;
            i = chunk.length;
            break;
          }
          i += end + 4 - previous;
          this.head = "";
          this.startMessage(text.slice(start, end));
          break;
        }
        case "body":
        case "chunk-data": {
          const take = Math.min(this.remaining, chunk.length - i);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) {
            if (this.state === "body") this.state = "head";
            else {
              this.state = "chunk-end";
              this.line = "";
            }
          }
          break;
        }
        case "chunk-size":
        case "chunk-end":
        case "trailers": {
          const newline = chunk.indexOf(0x0a, i);
          const stop = newline < 0 ? chunk.length : newline + 1;
          this.line += chunk.toString("latin1", i, stop);
          i = stop;
          if (newline < 0) {
            if (this.line.length > 8192) this.broken = true;
            break;
          }
          const line = this.line.replace(/\r?\n$/, "");
          this.line = "";
          if (this.state === "chunk-end") {
            // The CRLF after a chunk's data.
            if (line !== "") this.broken = true;
            this.state = "chunk-size";
          } else if (this.state === "chunk-size") {
            const size = Number.parseInt(line.split(";")[0]?.trim() ?? "", 16);
            if (!Number.isFinite(size) || size < 0) this.broken = true;
            else if (size === 0) this.state = "trailers";
            else {
              this.remaining = size;
              this.state = "chunk-data";
            }
          } else if (line === "") {
            this.state = "head";
          }
          break;
        }
      }
    }
  }

  private startMessage(head: string): void {
    const [requestLine = "", ...fields] = head.split("\r\n");
    const match = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(requestLine);
    if (match?.[1] === undefined || match[2] === undefined) {
      this.broken = true;
      return;
    }
    const headers = new Map<string, string>();
    for (const field of fields) {
      const colon = field.indexOf(":");
      if (colon >= 0) headers.set(field.slice(0, colon).trim().toLowerCase(), field.slice(colon + 1).trim());
    }
    this.onRequest(match[1], match[2], headers);
    const length = Number.parseInt(headers.get("content-length") ?? "0", 10);
    const chunked = /chunked\s*$/i.test(headers.get("transfer-encoding") ?? "");
    if (chunked) {
      this.state = "chunk-size";
      this.line = "";
    } else if (Number.isFinite(length) && length > 0) {
      this.state = "body";
      this.remaining = length;
    } else {
      this.state = "head";
    }
  }
}

export interface ProxyCounts {
  /** HTTP requests sent through the proxy. */
  requests: number;
  byMethod: Record<string, number>;
  /** Requests by route: method and path with names and ids replaced (see `routeOf`). */
  byRoute: Record<string, number>;
  connections: number;
  bytesUp: number;
  bytesDown: number;
  /** True when a connection carried something the counter could not parse (its count is then a floor). */
  unparsed: boolean;
}

const emptyCounts = (): ProxyCounts => ({ requests: 0, byMethod: {}, byRoute: {}, connections: 0, bytesUp: 0, bytesDown: 0, unparsed: false });

/**
 * A request's route, for the breakdown: Cosmos `POST /dbs/{db}/colls/messages/docs (query)`, Blob
 * `GET /{container}/{blob}` or `GET /{container}?restype=container&comp=list`.
 */
export function routeOf(method: string, target: string, headers: ReadonlyMap<string, string>): string {
  const url = new URL(target, "http://x");
  if (url.pathname.startsWith("/dbs")) {
    // Database names are per namespace; container names stay (they say what was asked); item ids go.
    const segments = url.pathname.split("/").map((segment, i, all) => (all[i - 1] === "dbs" ? "{db}" : all[i - 1] === "docs" || all[i - 1] === "pkranges" ? "{id}" : segment));
    const path = segments.join("/");
    const flag = (name: string) => (headers.get(name) ?? "").toLowerCase() === "true";
    const kind = flag("x-ms-cosmos-is-query-plan-request") ? " (query plan)" : flag("x-ms-documentdb-isquery") ? " (query)" : flag("x-ms-cosmos-is-batch-request") ? " (batch)" : "";
    return `${method} ${path}${kind}`;
  }
  const [, , container, ...blob] = url.pathname.split("/");
  const params = ["restype", "comp"].flatMap((p) => (url.searchParams.has(p) ? [`${p}=${url.searchParams.get(p) ?? ""}`] : []));
  const path = container === undefined || container === "" ? "/" : `/{container}${blob.length > 0 ? "/{blob}" : ""}`;
  return `${method} ${path}${params.length > 0 ? `?${params.join("&")}` : ""}`;
}

/** Bytes held back by a delaying pipe before it pauses its source. */
const DELAY_BUFFER_HIGH = 8 * MB;

/**
 * A TCP proxy on 127.0.0.1 in front of one emulator port: counts HTTP requests and bytes, and,
 * with `rttMs` > 0, delays every chunk by half the round-trip time in each direction, so each
 * request/response exchange costs one extra round trip, as between a function and a store in
 * its region. Ordering is kept (timers of one duration fire in the order they were set).
 */
export class CountingProxy {
  private counts = emptyCounts();
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    readonly rttMs: number,
  ) {}

  static async start(targetPort: number, rttMs: number): Promise<CountingProxy> {
    const server = net.createServer({ allowHalfOpen: true });
    const port = await new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, LOOPBACK, () => {
        const address = server.address();
        if (typeof address === "object" && address !== null) resolve(address.port);
        else reject(new Error("The proxy got no port"));
      });
    });
    const proxy = new CountingProxy(server, port, rttMs);
    server.on("connection", (client) => {
      proxy.connect(client, targetPort);
    });
    return proxy;
  }

  private connect(client: net.Socket, targetPort: number): void {
    this.counts.connections += 1;
    // Half-open allowed: each side's end is passed on (after the delay) by pipeDelayed, not by Node.
    const upstream = net.connect({ host: LOOPBACK, port: targetPort, allowHalfOpen: true });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const counter = new HttpRequestCounter((method, target, headers) => {
      this.counts.requests += 1;
      this.counts.byMethod[method] = (this.counts.byMethod[method] ?? 0) + 1;
      const route = routeOf(method, target, headers);
      this.counts.byRoute[route] = (this.counts.byRoute[route] ?? 0) + 1;
    });
    const oneWay = this.rttMs / 2;
    pipeDelayed(client, upstream, oneWay, (chunk) => {
      this.counts.bytesUp += chunk.length;
      counter.feed(chunk);
      if (counter.broken) this.counts.unparsed = true;
    });
    pipeDelayed(upstream, client, oneWay, (chunk) => {
      this.counts.bytesDown += chunk.length;
    });
    const forget = (socket: net.Socket) => () => {
      this.sockets.delete(socket);
    };
    client.on("close", forget(client));
    upstream.on("close", forget(upstream));
  }

  snapshot(): ProxyCounts {
    return { ...this.counts, byMethod: { ...this.counts.byMethod }, byRoute: { ...this.counts.byRoute } };
  }

  reset(): void {
    this.counts = emptyCounts();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}

/**
 * Copies `from` to `to`, each chunk `delayMs` later, in order, with backpressure. An end is passed
 * on after the data before it; a close without an end (a reset, an error) destroys `to` as well.
 * (The embedded Cosmos server closes a connection right after its response: passing the close on
 * at once would cut the delayed response.)
 */
function pipeDelayed(from: net.Socket, to: net.Socket, delayMs: number, tap: (chunk: Buffer) => void): void {
  const later = (action: () => void) => {
    if (delayMs <= 0) action();
    else setTimeout(action, delayMs);
  };
  let held = 0;
  let ended = false;
  from.on("data", (chunk: Buffer) => {
    tap(chunk);
    if (delayMs <= 0) {
      if (!to.write(chunk) && !from.isPaused()) {
        from.pause();
        to.once("drain", () => from.resume());
      }
      return;
    }
    held += chunk.length;
    if (held > DELAY_BUFFER_HIGH) from.pause();
    setTimeout(() => {
      held -= chunk.length;
      if (!to.destroyed && to.writable) to.write(chunk);
      if (from.isPaused() && held <= DELAY_BUFFER_HIGH / 2) from.resume();
    }, delayMs);
  });
  from.on("end", () => {
    ended = true;
    later(() => to.end());
  });
  // The close that follows an error or a reset; after a clean end the other side closes by itself.
  from.on("error", () => undefined);
  from.on("close", () => {
    if (!ended) later(() => to.destroy());
  });
}

// ---------------------------------------------------------------------------------------------
// The emulator host: emulators plus one proxy per engine-facing service

export type EmulatorMode = "child" | "in-process";
export type CountedService = "cosmos" | "blob" | "queue";
export type StoreCounts = Record<CountedService, ProxyCounts> & {
  /** CPU time (user + system) the emulator process spent since the last reset; only with `--emulators child`. */
  emulatorCpuMs?: number;
};

interface HostEndpoints {
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

async function startServices(rttMs: number): Promise<{ endpoints: HostEndpoints; proxies: Record<CountedService, CountingProxy>; stop: () => Promise<void> }> {
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

const snapshotAll = (proxies: Record<CountedService, CountingProxy>): StoreCounts => ({
  cosmos: proxies.cosmos.snapshot(),
  blob: proxies.blob.snapshot(),
  queue: proxies.queue.snapshot(),
});

/** CPU time (user + system, ms) this process spent since `since`. */
export function cpuMsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return Math.round((used.user + used.system) / 1000);
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

// The child process's side. Parent → child: counts | reset | stop. Child → parent: ready | counts | done | failed.
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
  let services: Awaited<ReturnType<typeof startServices>>;
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

async function startChildHost(entry: string, rttMs: number): Promise<EmulatorHost> {
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

// ---------------------------------------------------------------------------------------------
// A scenario's world: a fresh namespace, its runtime (through the proxies) and direct clients

export const BENCH_SUBJECT_KEY_SECRET = "bench-subject-key-secret-0123456789abcdef";

export interface BenchNamespace {
  readonly settings: Settings;
  /** The app settings the namespace was made from (for code that reads process.env, as the handlers do). */
  readonly env: NodeJS.ProcessEnv;
  /** The engine under test: every store call goes through the counting proxies. */
  readonly rt: Runtime;
  /** Clients straight to the emulators, for seeding and checks outside the measurement. */
  readonly direct: { readonly cosmos: CosmosClient; readonly blobs: BlobServiceClient; readonly queues: QueueServiceClient };
  close(): void;
}

/** A fresh namespace (databases, assets container, queue), provisioned. */
export async function openNamespace(host: EmulatorHost, label: string, overrides: Record<string, string> = {}, runtimeOptions: RuntimeOptions = {}): Promise<BenchNamespace> {
  const ns = `b${label.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 12)}${randomBytes(4).toString("hex")}`;
  const base: NodeJS.ProcessEnv = {
    COSMOS_ENDPOINT: `http://${LOOPBACK}:${host.proxied.cosmos}`,
    COSMOS_KEY: COSMOS_EMULATOR_KEY,
    AzureWebJobsStorage: storageConnectionString({ blob: host.proxied.blob, queue: host.proxied.queue, table: host.direct.table }),
    PRIVACY_DATABASE: `p${ns}`,
    PLATFORM_DATABASE: `pl${ns}`,
    PRIVACY_WORK_QUEUE: `w${ns}`,
    PRIVACY_ASSETS_CONTAINER: `a${ns}`,
    PRIVACY_SUBJECT_KEY_SECRET: BENCH_SUBJECT_KEY_SECRET,
    PRIVACY_CERTIFICATE_KEY: "bench-certificate-key-0123456789abcdef0123",
    ...overrides,
  };
  const settings = parseSettings(withSettingDefaults(base, parseSettings(base)));
  const directStorage = storageConnectionString(host.direct);
  const direct = {
    cosmos: createCosmosClient({ endpoint: `http://${LOOPBACK}:${host.direct.cosmos}`, key: COSMOS_EMULATOR_KEY }),
    blobs: BlobServiceClient.fromConnectionString(directStorage),
    queues: QueueServiceClient.fromConnectionString(directStorage),
  };
  await provision(direct, settings);
  const rt = createRuntime(settings, runtimeOptions);
  return {
    settings,
    env: base,
    rt,
    direct,
    close: () => {
      rt.clients.cosmos.dispose();
      direct.cosmos.dispose();
    },
  };
}

/**
 * A function instance after its first invocation: connections open and every container's
 * metadata (partition key definition) cached by the client, as on a warm Azure Functions host.
 */
export async function warmUp(rt: Runtime): Promise<void> {
  for (const probe of rt.health) await probe.check();
  const privacy = rt.clients.cosmos.database(rt.settings.PRIVACY_DATABASE);
  for (const spec of Object.values(PRIVACY_CONTAINERS)) await privacy.container(spec.id).read();
  for (const mapping of rt.dataMap.containers) await rt.clients.cosmos.database(rt.resolve.database(mapping.database)).container(mapping.container).read();
}

// ---------------------------------------------------------------------------------------------
// Memory

export function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error("Run the benchmark with node --expose-gc");
  // Twice: the first pass may only free what finalisers of the second then release.
  collect();
  collect();
}

export interface MemoryPeaks {
  peakHeapUsed: number;
  peakRss: number;
  peakExternal: number;
  samples: number;
}

/** Samples process.memoryUsage() every `everyMs` until stopped; returns the peaks. */
export function sampleMemory(everyMs = 50): { stop(): MemoryPeaks } {
  const peaks: MemoryPeaks = { peakHeapUsed: 0, peakRss: 0, peakExternal: 0, samples: 0 };
  const sample = () => {
    const usage = process.memoryUsage();
    peaks.peakHeapUsed = Math.max(peaks.peakHeapUsed, usage.heapUsed);
    peaks.peakRss = Math.max(peaks.peakRss, usage.rss);
    peaks.peakExternal = Math.max(peaks.peakExternal, usage.external);
    peaks.samples += 1;
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return { ...peaks };
    },
  };
}

export const toMB = (bytes: number): number => Math.round((bytes / MB) * 10) / 10;

// ---------------------------------------------------------------------------------------------
// Logging and concurrency helpers

type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/** A logger that keeps the engine's last log entries (for figures and failure reports) without printing them. */
export function quietLogger(): Logger & { entries: { level: string; message: string; fields: LogFields }[]; tail(n: number): string } {
  const entries: { level: string; message: string; fields: LogFields }[] = [];
  const keep = (level: string) => (message: string, fields: LogFields = {}) => {
    entries.push({ level, message, fields });
    if (entries.length > 500) entries.shift();
  };
  return {
    entries,
    tail: (n) => entries.slice(-n).map((e) => `[${e.level}] ${e.message} ${JSON.stringify(e.fields)}`).join("\n"),
    info: keep("info"),
    warn: keep("warn"),
    error: keep("error"),
  };
}

/** Runs `task` over `count` indices with at most `concurrency` in flight. */
export async function forEachConcurrent(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

export function progress(line: string): void {
  console.error(`[bench] ${line}`);
}

// ---------------------------------------------------------------------------------------------
// Scenarios and results

export interface BenchFlags {
  readonly messages: number;
  readonly media: number;
  readonly mediaKb: number;
  readonly rttMs: number;
  /** Erasure scenario: one run per size, the subject having `items` items and `blobs` blobs. */
  readonly erasureSizes: readonly { readonly items: number; readonly blobs: number }[];
  /** HTTP scenario: autocannon's connections and duration. */
  readonly httpConnections: number;
  readonly httpSeconds: number;
  /** Sweep scenario: org sizes N, each with K inactive contacts. */
  readonly sweepContacts: readonly number[];
  readonly sweepInactive: number;
}

export interface TableRow {
  readonly figure: string;
  readonly value: string;
  readonly target?: string;
  readonly met?: boolean;
}

export interface ScenarioOutcome {
  /** Rows of the markdown table. */
  readonly rows: readonly TableRow[];
  /** The scenario's entry in bench-results.json. */
  readonly result: Record<string, unknown> & { readonly met: boolean };
}

/** One benchmark scenario: it gets the running emulators and the flags, and measures one thing. */
export interface Scenario {
  /** The key in bench-results.json's `scenarios`. */
  readonly name: string;
  run(host: EmulatorHost, flags: BenchFlags): Promise<ScenarioOutcome>;
}

export function machineInfo(): { cpus: number; cpuModel: string; totalMemGB: number; node: string; platform: string } {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    totalMemGB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${os.release()} ${process.arch}`,
  };
}

export function markdownTable(outcomes: readonly { name: string; rows: readonly TableRow[] }[]): string {
  const lines = ["| scenario | figure | value | target | met? |", "| --- | --- | --- | --- | --- |"];
  for (const { name, rows } of outcomes) {
    for (const row of rows) {
      const met = row.met === undefined ? "" : row.met ? "yes" : "**no**";
      lines.push(`| ${name} | ${row.figure} | ${row.value} | ${row.target ?? ""} | ${met} |`);
    }
  }
  return lines.join("\n");
}

export function writeResults(path: string, results: unknown): void {
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}

import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { CosmosClientOptions } from "@azure/cosmos";
// A namespace import: a default import means module.exports natively but the `default` export
// (createHttpsServer) under vitest's CJS interop.
import * as cosmosdbServer from "@vercel/cosmosdb-server";
import { SettingsError, SettingsSchema } from "../config/settings.js";

// Embedded emulators for `npm start` and the test suite: @vercel/cosmosdb-server for Cosmos and
// Azurite (blob, queue, table) in this process, in memory. What each lacks is handled in the store
// adapters, which say so where it matters; the README's "Emulator patch" section covers the query engine.

export interface EmulatorPorts {
  cosmos: number;
  blob: number;
  queue: number;
  table: number;
}

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

/** The Cosmos emulator's well-known key (the embedded server accepts any key). */
export const COSMOS_EMULATOR_KEY = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";
/** Azurite's development account and its well-known key. */
export const AZURITE_ACCOUNT_NAME = "devstoreaccount1";
export const AZURITE_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

const LOOPBACK = "127.0.0.1";

/**
 * Client options for the embedded Cosmos server. Endpoint discovery must be off: the server's
 * account metadata advertises an https endpoint, and following it fails with EPROTO.
 */
export function cosmosClientOptions(endpoint: string, key: string): CosmosClientOptions {
  return { endpoint, key, connectionPolicy: { enableEndpointDiscovery: false } };
}

export function storageConnectionString(ports: Pick<EmulatorPorts, "blob" | "queue" | "table">): string {
  return [
    "DefaultEndpointsProtocol=http",
    `AccountName=${AZURITE_ACCOUNT_NAME}`,
    `AccountKey=${AZURITE_ACCOUNT_KEY}`,
    `BlobEndpoint=http://${LOOPBACK}:${ports.blob}/${AZURITE_ACCOUNT_NAME}`,
    `QueueEndpoint=http://${LOOPBACK}:${ports.queue}/${AZURITE_ACCOUNT_NAME}`,
    `TableEndpoint=http://${LOOPBACK}:${ports.table}/${AZURITE_ACCOUNT_NAME}`,
  ].join(";");
}

// --- Local or Azure -------------------------------------------------------------------------

/** localhost, 127.0.0.0/8 or ::1 (brackets allowed). */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, "").toLowerCase();
  return name === "localhost" || name === "::1" || /^127(?:\.\d{1,3}){3}$/.test(name);
}

/** True for an absolute URL whose host is this machine; false for any other host or no URL. */
export function isLoopbackUrl(value: string): boolean {
  try {
    return isLoopbackHost(new URL(value).hostname);
  } catch {
    return false;
  }
}

/** `key=value;…` (storage and Service Bus connection strings); keys case-insensitive. */
function connectionStringParts(value: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const part of value.split(";")) {
    const at = part.indexOf("=");
    if (at > 0) parts.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  return parts;
}

/** The emulators' storage: the development shortcut, or devstoreaccount1 with loopback endpoints only. */
export function isLocalStorageConnection(value: string): boolean {
  const parts = connectionStringParts(value);
  if (parts.get("usedevelopmentstorage")?.toLowerCase() === "true") return true;
  const endpoints = ["blobendpoint", "queueendpoint", "tableendpoint", "fileendpoint"].flatMap((k) => {
    const endpoint = parts.get(k);
    return endpoint === undefined ? [] : [endpoint];
  });
  // No explicit endpoint: the SDK builds https://<account>.<service>.core.windows.net.
  if (endpoints.length === 0) return false;
  if (!endpoints.every(isLoopbackUrl)) return false;
  const account = parts.get("accountname");
  return account === undefined || account === AZURITE_ACCOUNT_NAME;
}

/**
 * The settings that would make the local host (`npm start`) serve data that is not on this
 * machine: Cosmos, storage (connection string or identity-based settings) and Service Bus that
 * point anywhere but loopback. Each problem names the setting, never its value (connection
 * strings carry keys).
 */
export function azureEndpointProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const set = (name: string) => {
    const value = env[name];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  };
  const elsewhere = (name: string, what: string) => problems.push(`${name} points at ${what} other than this machine (Azure?)`);

  const cosmos = set("COSMOS_ENDPOINT");
  if (cosmos !== undefined && !isLoopbackUrl(cosmos)) elsewhere("COSMOS_ENDPOINT", "a Cosmos DB account");
  const storage = set("AzureWebJobsStorage");
  if (storage !== undefined && !isLocalStorageConnection(storage)) elsewhere("AzureWebJobsStorage", "a storage account");
  // Identity-based connections (AzureWebJobsStorage__accountName, __blobServiceUri, …).
  for (const name of Object.keys(env).filter((k) => k.toLowerCase().startsWith("azurewebjobsstorage__")).sort()) {
    const value = set(name);
    if (value === undefined) continue;
    const local = name.toLowerCase().endsWith("uri") ? isLoopbackUrl(value) : name.toLowerCase().endsWith("__accountname") && value === AZURITE_ACCOUNT_NAME;
    if (!local) elsewhere(name, "a storage account");
  }
  const accountUrl = set("PRIVACY_STORAGE_ACCOUNT_URL");
  if (accountUrl !== undefined && !isLoopbackUrl(accountUrl)) elsewhere("PRIVACY_STORAGE_ACCOUNT_URL", "a storage account");
  const serviceBus = set("ServiceBusConnection");
  if (serviceBus !== undefined) {
    const endpoint = connectionStringParts(serviceBus).get("endpoint");
    if (endpoint === undefined || !isLoopbackUrl(endpoint)) elsewhere("ServiceBusConnection", "a Service Bus namespace");
  }
  const namespace = set("ServiceBusConnection__fullyQualifiedNamespace");
  if (namespace !== undefined && !isLoopbackUrl(`sb://${namespace}`)) elsewhere("ServiceBusConnection__fullyQualifiedNamespace", "a Service Bus namespace");
  return problems;
}

/**
 * `npm start` serves every function with a development key that is privacy-admin for every
 * org; against Azure data that is a door. Throws (naming the settings) unless
 * PRIVACY_LOCAL_ALLOW_AZURE=true; returns the settings that point at Azure when it is.
 */
export function refuseAzureEndpoints(env: NodeJS.ProcessEnv): string[] {
  const raw = env.PRIVACY_LOCAL_ALLOW_AZURE;
  const allow = SettingsSchema.shape.PRIVACY_LOCAL_ALLOW_AZURE.safeParse(raw === "" ? undefined : raw);
  if (!allow.success) throw new SettingsError(["PRIVACY_LOCAL_ALLOW_AZURE: must be true or false"]);
  const problems = azureEndpointProblems(env);
  if (problems.length > 0 && !allow.data) {
    throw new SettingsError([
      ...problems,
      "npm start runs on the embedded emulators only: unset these to use them, or set PRIVACY_LOCAL_ALLOW_AZURE=true to run the local host against Azure",
    ]);
  }
  return problems;
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => {
        if (port > 0) resolve(port);
        else reject(new Error("The OS did not assign a port"));
      });
    });
  });
}

/** True when something accepts a TCP connection on 127.0.0.1:port. */
export async function portAnswers(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: LOOPBACK, port });
    const done = (answers: boolean) => {
      socket.destroy();
      resolve(answers);
    };
    socket.setTimeout(timeoutMs, () => {
      done(false);
    });
    socket.once("connect", () => {
      done(true);
    });
    socket.once("error", () => {
      done(false);
    });
  });
}

// --- Azurite, in-process --------------------------------------------------------------------
//
// Azurite ships no type declarations and its package entry (dist/src/main.js) re-exports the
// VS Code extension, which requires the `vscode` module. So the server and configuration
// classes are loaded from their own files, and typed here as far as this module uses them.
// The positional constructor arguments mirror how dist/src/azurite.js builds them from the CLI.

interface AzuriteServer {
  start(): Promise<void>;
  close(): Promise<void>;
}
type ChunkStore = object;
type PersistenceArray = { locationId: string; locationPath: string; maxConcurrency: number }[];

/** (host, port, keepAliveTimeout, metadataDBPath, extentDBPath, persistencePathArray, enableAccessLog,
 * accessLogWriteStream, enableDebugLog, debugLogFilePath, loose, skipApiVersionCheck, cert, key, pwd,
 * oauth, disableProductStyleUrl, isMemoryPersistence, memoryStore) */
type BlobOrQueueConfigurationClass = new (
  host: string,
  port: number,
  keepAliveTimeout: number,
  metadataDBPath: string,
  extentDBPath: string,
  persistencePathArray: PersistenceArray,
  enableAccessLog: boolean,
  accessLogWriteStream: undefined,
  enableDebugLog: boolean,
  debugLogFilePath: undefined,
  loose: boolean,
  skipApiVersionCheck: boolean,
  cert: string,
  key: string,
  pwd: string,
  oauth: undefined,
  disableProductStyleUrl: boolean,
  isMemoryPersistence: boolean,
  memoryStore: ChunkStore,
) => object;

/** Note the table configuration's different order: enableDebugLog comes before enableAccessLog. */
type TableConfigurationClass = new (
  host: string,
  port: number,
  keepAliveTimeout: number,
  metadataDBPath: string,
  enableDebugLog: boolean,
  enableAccessLog: boolean,
  accessLogWriteStream: undefined,
  debugLogFilePath: undefined,
  loose: boolean,
  skipApiVersionCheck: boolean,
  cert: string,
  key: string,
  pwd: string,
  oauth: undefined,
  disableProductStyleUrl: boolean,
  isMemoryPersistence: boolean,
) => object;

interface AzuriteModules {
  BlobServer: new (config: object) => AzuriteServer;
  BlobConfiguration: BlobOrQueueConfigurationClass;
  QueueServer: new (config: object) => AzuriteServer;
  QueueConfiguration: BlobOrQueueConfigurationClass;
  TableServer: new (config: object) => AzuriteServer;
  TableConfiguration: TableConfigurationClass;
  MemoryExtentChunkStore: new (sizeLimit?: number) => ChunkStore;
  defaultExtentMemoryLimit: number;
}

let azuriteModules: AzuriteModules | undefined;

function loadAzurite(): AzuriteModules {
  if (azuriteModules !== undefined) return azuriteModules;
  const require = createRequire(import.meta.url);
  const load = (file: string): unknown => (require(`azurite/dist/src/${file}.js`) as { default: unknown }).default;
  const memory = require("azurite/dist/src/common/persistence/MemoryExtentStore.js") as {
    MemoryExtentChunkStore: AzuriteModules["MemoryExtentChunkStore"];
    DEFAULT_EXTENT_MEMORY_LIMIT: number;
  };
  const telemetry = require("azurite/dist/src/common/Telemetry.js") as {
    AzuriteTelemetryClient: { enableTelemetry: boolean };
  };
  // What --disableTelemetry amounts to; the client is only started by azurite.js's main(),
  // which is never loaded here, but the request middleware checks this flag on every request.
  telemetry.AzuriteTelemetryClient.enableTelemetry = false;
  azuriteModules = {
    BlobServer: load("blob/BlobServer") as AzuriteModules["BlobServer"],
    BlobConfiguration: load("blob/BlobConfiguration") as BlobOrQueueConfigurationClass,
    QueueServer: load("queue/QueueServer") as AzuriteModules["QueueServer"],
    QueueConfiguration: load("queue/QueueConfiguration") as BlobOrQueueConfigurationClass,
    TableServer: load("table/TableServer") as AzuriteModules["TableServer"],
    TableConfiguration: load("table/TableConfiguration") as TableConfigurationClass,
    MemoryExtentChunkStore: memory.MemoryExtentChunkStore,
    defaultExtentMemoryLimit: memory.DEFAULT_EXTENT_MEMORY_LIMIT,
  };
  return azuriteModules;
}

type StorageService = "blob" | "queue" | "table";

/**
 * Creates an Azurite server as `azurite --inMemoryPersistence --skipApiVersionCheck
 * --disableTelemetry --blobHost 127.0.0.1` would, without access or debug logs. In memory the
 * Loki databases never save and extents live in `chunks`; the paths still matter because each
 * store's init() loads an existing file at its path, so they point into a private temp dir.
 */
function createAzuriteServer(service: StorageService, port: number, dir: string, chunks: ChunkStore): AzuriteServer {
  const azurite = loadAzurite();
  const keepAliveSeconds = 5;
  const persistence: PersistenceArray = [
    { locationId: "Default", locationPath: path.join(dir, `__${service}storage__`), maxConcurrency: 1 },
  ];
  const metadataPath = path.join(dir, `__azurite_db_${service}__.json`);
  const extentPath = path.join(dir, `__azurite_db_${service}_extent__.json`);
  switch (service) {
    case "blob":
    case "queue": {
      const Configuration = service === "blob" ? azurite.BlobConfiguration : azurite.QueueConfiguration;
      const Server = service === "blob" ? azurite.BlobServer : azurite.QueueServer;
      const config = new Configuration(
        LOOPBACK,
        port,
        keepAliveSeconds,
        metadataPath,
        extentPath,
        persistence,
        false,
        undefined,
        false,
        undefined,
        false,
        true,
        "",
        "",
        "",
        undefined,
        false,
        true,
        chunks,
      );
      return new Server(config);
    }
    case "table": {
      const config = new azurite.TableConfiguration(
        LOOPBACK,
        port,
        keepAliveSeconds,
        metadataPath,
        false,
        false,
        undefined,
        undefined,
        false,
        true,
        "",
        "",
        "",
        undefined,
        false,
        true,
      );
      return new azurite.TableServer(config);
    }
  }
}

// --- Cosmos -----------------------------------------------------------------------------------

async function listen(server: Server, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => {
      reject(error);
    };
    server.once("error", onError);
    server.listen(port, LOOPBACK, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

async function closeHttpServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
    // Keep-alive sockets of SDK clients would otherwise hold the server open.
    server.closeAllConnections();
  });
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
      const server = cosmosdbServer.createHttpServer();
      await listen(server, ports.cosmos);
      stops.push(() => closeHttpServer(server));
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
        const azurite = loadAzurite();
        const dir = await mkdtemp(path.join(os.tmpdir(), "privacy-engine-azurite-"));
        stops.push(() => rm(dir, { recursive: true, force: true }));
        // Extents of this instance only: with azurite's process-wide default store, cleaning
        // one instance would drop the chunks of another one running in the same process.
        shared = { dir, chunks: new azurite.MemoryExtentChunkStore(azurite.defaultExtentMemoryLimit) };
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

// Azurite (blob, queue, table) in this process, in memory.
//
// Azurite ships no type declarations and its package entry (dist/src/main.js) re-exports the
// VS Code extension, which requires the `vscode` module. So the server and configuration
// classes are loaded from their own files, and typed here as far as this module uses them.
// The positional constructor arguments mirror how dist/src/azurite.js builds them from the CLI.

import { createRequire } from "node:module";
import path from "node:path";
import { LOOPBACK } from "./connection.js";

export interface AzuriteServer {
  start(): Promise<void>;
  close(): Promise<void>;
}
/** Where an instance keeps its extents (blob and message contents). */
export type ChunkStore = object;
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

export type StorageService = "blob" | "queue" | "table";

/** A fresh in-memory extent store with azurite's default size limit. */
export function newChunkStore(): ChunkStore {
  const azurite = loadAzurite();
  return new azurite.MemoryExtentChunkStore(azurite.defaultExtentMemoryLimit);
}

/**
 * Creates an Azurite server as `azurite --inMemoryPersistence --skipApiVersionCheck
 * --disableTelemetry --blobHost 127.0.0.1` would, without access or debug logs. In memory the
 * Loki databases never save and extents live in `chunks`; the paths still matter because each
 * store's init() loads an existing file at its path, so they point into a private temp dir.
 */
export function createAzuriteServer(service: StorageService, port: number, dir: string, chunks: ChunkStore): AzuriteServer {
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

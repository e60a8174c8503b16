import { PRIVACY_CONTAINERS, type ContainerSpec } from "../../src/config/resources.js";
import { setTimeout as sleep } from "node:timers/promises";
import type { Container } from "@azure/cosmos";
import { afterAll, beforeAll } from "vitest";
import type { WorkMessage } from "../../src/engine/ports.js";
import { AzureBlobSource } from "../../src/stores/blob-source.js";
import { CosmosAuditStore } from "../../src/stores/cosmos-audit-store.js";
import { readItem } from "../../src/stores/cosmos-client.js";
import { CosmosItemUpdater } from "../../src/stores/cosmos-item-updater.js";
import { CosmosJobStore } from "../../src/stores/cosmos-job-store.js";
import { CosmosManifestStore } from "../../src/stores/cosmos-manifest-store.js";
import { CosmosPlatformItems } from "../../src/stores/cosmos-platform-items.js";
import { CosmosRequestStore } from "../../src/stores/cosmos-request-store.js";
import { StorageWorkQueue } from "../../src/stores/storage-work-queue.js";
import { auditStoreContract } from "../contracts/audit-store.js";
import { blobSourceContract } from "../contracts/blob-source.js";
import { itemUpdaterContract } from "../contracts/item-updater.js";
import { jobStoreContract, type ContractJob } from "../contracts/job-store.js";
import { manifestStoreContract } from "../contracts/manifest-store.js";
import { platformItemsContract } from "../contracts/platform-items.js";
import { requestStoreContract } from "../contracts/request-store.js";
import { workQueueContract } from "../contracts/work-queue.js";
import { setupEngine, teardownEngines, type TestEngine } from "../support/engine.js";

// The real adapters (src/stores), built as createRuntime (src/hosting/composition.ts) builds them,
// against the contract suites, on the emulators: Cosmos (@vercel/cosmosdb-server) and Azurite. Every
// suite (and every describe block in it) gets fresh containers and queues in this file's namespace.

let rt: TestEngine;
beforeAll(async () => {
  rt = await setupEngine();
});
afterAll(() => {
  teardownEngines();
});

let counter = 0;
const fresh = (label: string): string => {
  counter += 1;
  return `${label}${String(counter)}`;
};

async function privacyContainer(label: string, partitionKeyPath: string, defaultTtl?: number, spec?: ContainerSpec): Promise<Container> {
  const compositeIndexes = spec?.compositeIndexes?.map((index) => index.map((entry) => ({ ...entry })));
  const { container } = await rt.clients.cosmos.database(rt.settings.PRIVACY_DATABASE).containers.createIfNotExists({
    id: fresh(label),
    partitionKey: { paths: [partitionKeyPath] },
    ...(defaultTtl === undefined ? {} : { defaultTtl }),
    ...(compositeIndexes === undefined ? {} : { indexingPolicy: { compositeIndexes } }),
  });
  return container;
}

async function platformContainer(label: string): Promise<Container> {
  const { container } = await rt.clients.cosmos.database(rt.settings.PLATFORM_DATABASE).containers.createIfNotExists({ id: fresh(label), partitionKey: { paths: ["/orgId"] } });
  return container;
}

// The requests container as provisioning creates it (its composite indexes serve sort=due).
requestStoreContract("Cosmos (emulator)", async () => ({ store: new CosmosRequestStore(await privacyContainer("requests", "/id", undefined, PRIVACY_CONTAINERS.requests)) }));

jobStoreContract("Cosmos (emulator)", async () => ({ store: new CosmosJobStore<ContractJob>(await privacyContainer("jobs", "/id")) }));

auditStoreContract("Cosmos (emulator)", async () => ({ store: new CosmosAuditStore(await privacyContainer("audit", "/requestId")) }));

manifestStoreContract("Cosmos (emulator)", async () => ({ store: new CosmosManifestStore(await privacyContainer("manifests", "/requestId", -1)) }));

workQueueContract("Storage queue (Azurite)", async () => {
  const client = rt.clients.queues.getQueueClient(`${rt.settings.PRIVACY_WORK_QUEUE}-${fresh("c")}`);
  await client.createIfNotExists();
  return {
    queue: new StorageWorkQueue(client),
    // Peeked, not received: decoded as the Functions host's queue trigger decodes (base64 of UTF-8 JSON).
    visible: async () => {
      const { peekedMessageItems } = await client.peekMessages({ numberOfMessages: 32 });
      return peekedMessageItems.map((m) => JSON.parse(Buffer.from(m.messageText, "base64").toString("utf8")) as WorkMessage);
    },
    elapse: (seconds: number) => sleep(seconds * 1000),
  };
});

platformItemsContract("Cosmos (emulator)", async () => {
  const container = await platformContainer("contacts");
  return {
    items: new CosmosPlatformItems(rt.clients.cosmos),
    target: { database: rt.settings.PLATFORM_DATABASE, container: container.id },
    missing: { database: rt.settings.PLATFORM_DATABASE, container: "no-such-container" },
    seed: async (items: readonly Record<string, unknown>[]) => {
      await Promise.all(items.map((item) => container.items.upsert(item)));
    },
  };
  // @vercel/cosmosdb-server runs a query over the whole container whatever partition key it is
  // given (its query handler never reads the header); Cosmos on Azure scopes it to the partition.
}, { partitionScoped: false });

itemUpdaterContract("Cosmos (emulator)", async () => {
  const container = await platformContainer("items");
  return {
    updater: new CosmosItemUpdater(rt.clients.cosmos),
    target: { database: rt.settings.PLATFORM_DATABASE, container: container.id, orgField: "orgId" },
    put: async (item: Record<string, unknown>) => {
      await container.items.upsert(item);
    },
    read: (orgId: string, id: string) => readItem<Record<string, unknown>>(container.item(id, orgId), "item"),
  };
});

blobSourceContract("Blob storage (Azurite)", async () => {
  const name = `${rt.settings.PRIVACY_ASSETS_CONTAINER}-${fresh("c")}`;
  const container = rt.clients.blobs.getContainerClient(name);
  await container.createIfNotExists();
  return {
    source: new AzureBlobSource(rt.clients.blobs),
    container: name,
    put: async (blob: string, content: string | Uint8Array) => {
      const body = Buffer.from(content);
      await container.getBlockBlobClient(blob).upload(body, body.length);
    },
  };
});

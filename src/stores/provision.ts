import type { CosmosClient } from "@azure/cosmos";
import type { BlobServiceClient } from "@azure/storage-blob";
import type { QueueServiceClient } from "@azure/storage-queue";
import type { Settings } from "../config/settings.js";
import { engineQueues, PLATFORM_CONTAINERS, PRIVACY_CONTAINERS, type ContainerSpec } from "../config/resources.js";

export interface ProvisionClients {
  readonly cosmos: CosmosClient;
  readonly blobs: BlobServiceClient;
  readonly queues: QueueServiceClient;
}

/**
 * Creates what is missing: the engine's database and containers, the platform's database and
 * containers of the default data map, the assets blob container and the engine's queues.
 * Safe to run at every start; in Azure the same resources come from infrastructure as code.
 */
export async function provision(clients: ProvisionClients, settings: Settings): Promise<void> {
  await Promise.all([
    ensureContainers(clients.cosmos, settings.PRIVACY_DATABASE, Object.values(PRIVACY_CONTAINERS)),
    ensureContainers(clients.cosmos, settings.PLATFORM_DATABASE, PLATFORM_CONTAINERS),
    clients.blobs.getContainerClient(settings.PRIVACY_ASSETS_CONTAINER).createIfNotExists(),
    ...engineQueues(settings.PRIVACY_WORK_QUEUE).map((name) => clients.queues.getQueueClient(name).createIfNotExists()),
  ]);
}

async function ensureContainers(cosmos: CosmosClient, databaseId: string, specs: readonly ContainerSpec[]): Promise<void> {
  const { database } = await cosmos.databases.createIfNotExists({ id: databaseId });
  for (const spec of specs) {
    await database.containers.createIfNotExists({
      id: spec.id,
      partitionKey: { paths: [spec.partitionKeyPath] },
      ...(spec.defaultTtl === undefined ? {} : { defaultTtl: spec.defaultTtl }),
      ...(spec.compositeIndexes === undefined ? {} : { indexingPolicy: { compositeIndexes: spec.compositeIndexes.map((index) => index.map((entry) => ({ ...entry }))) } }),
    });
  }
}

// Writes a dataset into the stores: creates the platform database, its containers (partition
// key `/orgId`) and the assets blob container when missing, upserts every item in bulk chunks
// (retrying throttled operations) and uploads every blob. Idempotent: upserts and overwrites, so
// seeding twice leaves the same state. Also tells whether a store is already seeded.

import type { CosmosClient, Container, JSONObject, OperationInput } from "@azure/cosmos";
import type { BlobServiceClient } from "@azure/storage-blob";
import { PLATFORM_CONTAINERS, PLATFORM_CONTAINER_IDS } from "../../config/resources.js";
import { EngineError, ensureError } from "../../domain/errors.js";
import { buildDataset } from "./builder.js";
import { HARD_CASES } from "./hard-cases.js";
import type { ItemBase, OrganizationItem } from "./model.js";
import type { SeedOptions } from "./options.js";
import { datasetCounts, personalValuesOf } from "./summary.js";

export interface SeedTargets {
  cosmos: CosmosClient;
  platformDatabase: string;
  blobService: BlobServiceClient;
  assetsContainer: string;
}

export interface SeedResult {
  counts: Record<string, number>;
  blobs: number;
  orgIds: string[];
  personalValues: string[];
}

/** `container.items.bulk` takes at most 100 operations a call. */
const BULK_LIMIT = 100;
const BULK_CONCURRENCY = 4;
const BLOB_CONCURRENCY = 16;
const RETRYABLE_STATUS = new Set([408, 429, 449, 503]);

async function mapConcurrent<T>(values: readonly T[], concurrency: number, task: (value: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < values.length) {
      const value = values[next++] as T;
      await task(value);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, values.length) }, worker));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function partitionOf(item: JSONObject): string {
  if (typeof item.orgId !== "string") throw new Error(`item ${JSON.stringify(item.id)} has no orgId to be partitioned by`);
  return item.orgId;
}

/**
 * Upserts one chunk (≤ 100 items, each partitioned by its `orgId`); retries throttled operations,
 * fails on any other error. The benchmark seeds through it too.
 */
export async function upsertChunk(container: Container, items: readonly object[]): Promise<void> {
  // Plain JSON documents of the platform's containers.
  let pending = items as readonly JSONObject[];
  for (let attempt = 0; pending.length > 0; attempt++) {
    const operations: OperationInput[] = pending.map((item) => ({
      operationType: "Upsert",
      partitionKey: partitionOf(item),
      resourceBody: item,
    }));
    // items.bulk, not executeBulkOperations: the latter waits 1 s per partial batch (emulators.md).
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    const responses = await container.items.bulk(operations, { continueOnError: true });
    const retry: JSONObject[] = [];
    for (const [index, response] of responses.entries()) {
      const item = pending[index];
      if (item === undefined || (response.statusCode >= 200 && response.statusCode < 300)) continue;
      if (RETRYABLE_STATUS.has(response.statusCode) && attempt < 6) retry.push(item);
      else
        throw new EngineError(
          "unavailable",
          `Seeding ${container.id} failed: status ${String(response.statusCode)} for item ${JSON.stringify(item.id)}`,
          { reason: "seed-write-failed" },
        );
    }
    if (retry.length > 0) await sleep(50 * 2 ** attempt);
    pending = retry;
  }
}

function unavailable(store: string, cause: unknown): EngineError {
  return new EngineError("unavailable", `${store} did not answer: ${ensureError(cause).message}`, {
    reason: "store-unavailable",
    cause,
  });
}

/**
 * Creates the platform database, its containers (partition key `/orgId`) and the assets blob
 * container when missing, then upserts every item and uploads every blob. Idempotent.
 */
export async function seedPlatform(targets: SeedTargets, options: Partial<SeedOptions> = {}): Promise<SeedResult> {
  const dataset = buildDataset(options);

  let database;
  try {
    ({ database } = await targets.cosmos.databases.createIfNotExists({ id: targets.platformDatabase }));
  } catch (cause) {
    throw unavailable("Cosmos DB", cause);
  }
  const blobContainer = targets.blobService.getContainerClient(targets.assetsContainer);
  try {
    await blobContainer.createIfNotExists();
  } catch (cause) {
    throw unavailable("Blob Storage", cause);
  }

  for (const id of PLATFORM_CONTAINER_IDS) {
    const partitionKeyPath = PLATFORM_CONTAINERS.find((spec) => spec.id === id)?.partitionKeyPath ?? "/orgId";
    const { container } = await database.containers.createIfNotExists({ id, partitionKey: { paths: [partitionKeyPath] } });
    const items: readonly ItemBase[] = dataset.items[id];
    const chunks: (readonly ItemBase[])[] = [];
    for (let start = 0; start < items.length; start += BULK_LIMIT) chunks.push(items.slice(start, start + BULK_LIMIT));
    await mapConcurrent(chunks, BULK_CONCURRENCY, (chunk) => upsertChunk(container, chunk));
  }

  await mapConcurrent(dataset.blobs, BLOB_CONCURRENCY, async (blob) => {
    await blobContainer
      .getBlockBlobClient(blob.name)
      .uploadData(blob.content, { blobHTTPHeaders: { blobContentType: blob.contentType } });
  });

  return {
    counts: datasetCounts(dataset),
    blobs: dataset.blobs.length,
    orgIds: dataset.orgIds,
    personalValues: personalValuesOf(dataset),
  };
}

/** True when the demo org exists in `organizations`; false when it, the container or the database is missing. */
export async function isSeeded(targets: SeedTargets): Promise<boolean> {
  const demo = HARD_CASES.duplicateContact.orgId;
  try {
    const organizations = targets.cosmos.database(targets.platformDatabase).container("organizations");
    const { resource } = await organizations.item(demo, demo).read<OrganizationItem>();
    return resource !== undefined;
  } catch (cause) {
    if (typeof cause === "object" && cause !== null && "code" in cause && cause.code === 404) return false;
    throw unavailable("Cosmos DB", cause);
  }
}

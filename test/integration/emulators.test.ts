import { CosmosClient } from "@azure/cosmos";
import { BlobServiceClient } from "@azure/storage-blob";
import { QueueServiceClient } from "@azure/storage-queue";
import { afterAll, describe, expect, inject, it } from "vitest";
import { cosmosClientOptions, freePort, portAnswers, startEmbeddedEmulators } from "../../src/local/emulators.js";
import { testNamespace } from "../support/env.js";

const emulators = inject("emulators");

describe("embedded Cosmos server", () => {
  const client = new CosmosClient(cosmosClientOptions(emulators.cosmosEndpoint, emulators.cosmosKey));
  afterAll(() => {
    client.dispose();
  });

  it("creates a database and container, upserts, and pages a parameterised query with continuation tokens", async () => {
    const { database } = await client.databases.createIfNotExists({ id: testNamespace("cosmos") });
    const { container } = await database.containers.createIfNotExists({ id: "items", partitionKey: { paths: ["/orgId"] } });
    for (let i = 0; i < 7; i++) {
      await container.items.upsert({ id: `item-${i}`, orgId: "org-a", rank: i });
    }
    await container.items.upsert({ id: "other", orgId: "org-b", rank: 0 });
    await container.items.upsert({ id: "item-0", orgId: "org-a", rank: 0, updated: true });

    const query = {
      query: "SELECT c.id, c.rank FROM c WHERE c.orgId = @orgId ORDER BY c.rank",
      parameters: [{ name: "@orgId", value: "org-a" }],
    };
    const seen: string[] = [];
    let continuationToken: string | undefined;
    let pages = 0;
    do {
      const page = await container.items
        .query<{ id: string; rank: number }>(query, { maxItemCount: 3, continuationToken })
        .fetchNext();
      seen.push(...page.resources.map((r) => r.id));
      continuationToken = page.hasMoreResults ? page.continuationToken : undefined;
      pages++;
    } while (continuationToken !== undefined && pages < 10);

    expect(seen).toEqual(["item-0", "item-1", "item-2", "item-3", "item-4", "item-5", "item-6"]);
    expect(pages).toBeGreaterThanOrEqual(3);
    const { resource } = await container.item("item-0", "org-a").read<{ updated?: boolean }>();
    expect(resource?.updated).toBe(true);
    await database.delete();
  });
});

describe("embedded Azurite", () => {
  it("uploads, lists and deletes blobs through the connection string", async () => {
    const service = BlobServiceClient.fromConnectionString(emulators.storageConnectionString);
    const container = service.getContainerClient(testNamespace("blob"));
    await container.create();
    await container.getBlockBlobClient("exports/a.json").upload('{"a":1}', 7, {
      blobHTTPHeaders: { blobContentType: "application/json" },
    });
    await container.getBlockBlobClient("exports/b.json").upload("{}", 2);
    await container.getBlockBlobClient("other/c.json").upload("{}", 2);

    const listed: string[] = [];
    for await (const blob of container.listBlobsFlat({ prefix: "exports/" })) listed.push(blob.name);
    expect(listed).toEqual(["exports/a.json", "exports/b.json"]);
    const downloaded = await container.getBlockBlobClient("exports/a.json").downloadToBuffer();
    expect(downloaded.toString("utf8")).toBe('{"a":1}');

    await container.getBlockBlobClient("exports/a.json").delete();
    const remaining: string[] = [];
    for await (const blob of container.listBlobsFlat()) remaining.push(blob.name);
    expect(remaining).toEqual(["exports/b.json", "other/c.json"]);
    await container.delete();
  });

  it("sends and receives queue messages", async () => {
    const queue = QueueServiceClient.fromConnectionString(emulators.storageConnectionString).getQueueClient(testNamespace("queue"));
    await queue.create();
    const body = Buffer.from(JSON.stringify({ kind: "erase", requestId: "r-1" })).toString("base64");
    await queue.sendMessage(body);
    const received = await queue.receiveMessages({ numberOfMessages: 5, visibilityTimeout: 5 });
    expect(received.receivedMessageItems).toHaveLength(1);
    const [message] = received.receivedMessageItems;
    expect(message?.messageText).toBe(body);
    expect(message?.dequeueCount).toBe(1);
    await queue.deleteMessage(message!.messageId, message!.popReceipt);
    const after = await queue.peekMessages();
    expect(after.peekedMessageItems).toHaveLength(0);
    await queue.delete();
  });
});

describe("startEmbeddedEmulators", () => {
  it("reuses services that already answer and leaves them running when the reusing instance stops", async () => {
    const ports = { cosmos: await freePort(), blob: await freePort(), queue: await freePort(), table: await freePort() };
    const lines: string[] = [];
    const first = await startEmbeddedEmulators(ports);
    try {
      expect(first.started).toEqual({ cosmos: true, storage: true });
      const second = await startEmbeddedEmulators(ports, { log: (line) => lines.push(line) });
      expect(second.started).toEqual({ cosmos: false, storage: false });
      expect(second.cosmosEndpoint).toBe(first.cosmosEndpoint);
      expect(second.storageConnectionString).toBe(first.storageConnectionString);
      expect(lines.filter((line) => line.includes("reusing"))).toHaveLength(4);
      await second.stop();
      await second.stop();

      for (const port of Object.values(ports)) expect(await portAnswers(port)).toBe(true);
      const client = new CosmosClient(cosmosClientOptions(first.cosmosEndpoint, first.cosmosKey));
      const { database } = await client.databases.createIfNotExists({ id: testNamespace("reuse") });
      expect(database.id).toMatch(/^treuse/);
      client.dispose();
      const queue = QueueServiceClient.fromConnectionString(first.storageConnectionString).getQueueClient(testNamespace("reuse"));
      await queue.create();
    } finally {
      await first.stop();
      await first.stop();
    }
    for (const port of Object.values(ports)) expect(await portAnswers(port)).toBe(false);
  });
});

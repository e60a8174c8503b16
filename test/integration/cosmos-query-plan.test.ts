import { CosmosClient, type Container, type CosmosClientOptions, type JSONObject, type Next, type PluginConfig, type QueryIterator } from "@azure/cosmos";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createBlobServiceClient, type BlobRequestKind } from "../../src/stores/blob-client.js";
import { cosmosOptions, cosmosRequestKind, createCosmosClient, fetchPage, QueryPlanSkipped, type CosmosRequestKind } from "../../src/stores/cosmos-client.js";
import { testNamespace } from "../support/env.js";

// fetchPage skips the query plan of a partition-scoped query (an SDK internal, behind
// skipQueryPlan in src/stores/cosmos-client.ts), and the opt-in request counting of the Cosmos
// and Blob clients reports every request with its kind. If an SDK update renames what
// skipQueryPlan sets, the "no query plan" expectations here fail first.

const ORG = "org-a";
const OTHER_ORG = "org-b";

let client: CosmosClient;
let container: Container;
const kinds: CosmosRequestKind[] = [];
const count = (kind: CosmosRequestKind) => kinds.filter((k) => k === kind).length;

beforeAll(async () => {
  const emulators = inject("emulators");
  client = createCosmosClient({ endpoint: emulators.cosmosEndpoint, key: emulators.cosmosKey }, (kind) => kinds.push(kind));
  const { database } = await client.databases.createIfNotExists({ id: testNamespace("queryplan") });
  ({ container } = await database.containers.createIfNotExists({ id: "items", partitionKey: { paths: ["/orgId"] } }));
  const operations = [ORG, OTHER_ORG].flatMap((orgId) =>
    Array.from({ length: 25 }, (_, i) => ({ operationType: "Create" as const, partitionKey: orgId, resourceBody: { id: `${orgId}-${String(i).padStart(2, "0")}`, orgId, rank: i } })),
  );
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- executeBulkOperations pauses a second per partial batch
  await container.items.bulk(operations);
});

afterAll(() => {
  client.dispose();
});

async function pageThrough(partitionKey: string | undefined): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await fetchPage<{ id: string }>(
      container,
      { query: "SELECT c.id FROM c WHERE c.orgId = @orgId ORDER BY c.rank", parameters: [{ name: "@orgId", value: ORG }] },
      { maxItemCount: 10, ...(partitionKey === undefined ? {} : { partitionKey }), ...(token === undefined ? {} : { continuationToken: token }) },
    );
    ids.push(...page.resources.map((r) => r.id));
    token = page.continuationToken;
    pages += 1;
  } while (token !== undefined && pages < 100);
  return { ids, pages };
}

describe("fetchPage and the query plan", () => {
  it("pages a partition-scoped query with one request a page and no query plan", async () => {
    kinds.length = 0;
    const { ids, pages } = await pageThrough(ORG);
    expect(ids).toEqual(Array.from({ length: 25 }, (_, i) => `${ORG}-${String(i).padStart(2, "0")}`));
    expect(pages).toBe(3);
    expect(count("query-plan")).toBe(0);
    expect(count("query")).toBe(pages);
  });

  it("leaves a query without a partition key to the SDK, plan and all", async () => {
    kinds.length = 0;
    const { ids } = await pageThrough(undefined);
    expect(ids).toHaveLength(25);
    expect(count("query-plan")).toBeGreaterThan(0);
  });

  it("asks again the SDK's usual way when the gateway wants the plan after all", async () => {
    // A container whose first iterator fails as a skipped plan surfaces in the SDK; the second answers.
    let opened = 0;
    const fake = {
      items: {
        query: () => {
          opened += 1;
          const first = opened === 1;
          return {
            fetchNext: () => (first ? Promise.reject(new QueryPlanSkipped()) : Promise.resolve({ resources: [{ id: "x" }], continuationToken: undefined })),
          } as unknown as QueryIterator<JSONObject>;
        },
      },
    } as unknown as Container;
    const page = await fetchPage<JSONObject>(fake, { query: "SELECT * FROM c", parameters: [] }, { maxItemCount: 1, partitionKey: ORG });
    expect(page.resources).toEqual([{ id: "x" }]);
    expect(opened).toBe(2);
  });

  it("falls back through the real SDK when the gateway refuses a query without its plan", async () => {
    // A plugin answers the first query request as a gateway does when it needs a plan: 400 with
    // additionalErrorInfo. The SDK then looks for the plan skipQueryPlan stood in for, and
    // fetchPage asks again the usual way.
    const emulators = inject("emulators");
    const seen: string[] = [];
    let refused = false;
    const refusing: PluginConfig = {
      on: "request",
      plugin: (context, _diagnostics, next: Next<unknown>) => {
        const kind = cosmosRequestKind(context);
        seen.push(kind);
        if (kind === "query" && !refused) {
          refused = true;
          return Promise.reject(Object.assign(new Error("Cross partition query only supports 'VALUE <AggreateFunc>'"), { code: 400, body: { additionalErrorInfo: "{}" } }));
        }
        return next(context);
      },
    };
    const refusingClient = new CosmosClient({ ...cosmosOptions({ endpoint: emulators.cosmosEndpoint, key: emulators.cosmosKey }), plugins: [refusing] } as CosmosClientOptions);
    try {
      const target = refusingClient.database(container.database.id).container(container.id);
      const page = await fetchPage<{ id: string }>(
        target,
        { query: "SELECT c.id FROM c WHERE c.orgId = @orgId ORDER BY c.rank", parameters: [{ name: "@orgId", value: OTHER_ORG }] },
        { maxItemCount: 5, partitionKey: OTHER_ORG },
      );
      expect(refused).toBe(true);
      expect(page.resources.map((r) => r.id)).toEqual(Array.from({ length: 5 }, (_, i) => `${OTHER_ORG}-${String(i).padStart(2, "0")}`));
      // No plan before the refused query (it was skipped); the fallback's iterator then asks for one.
      const queryish = seen.filter((k) => k === "query" || k === "query-plan");
      expect(queryish[0]).toBe("query");
      expect(queryish.filter((k) => k === "query")).toHaveLength(2);
      expect(queryish.slice(1)).toContain("query-plan");
    } finally {
      refusingClient.dispose();
    }
  });

  it("counts point operations, bulk and metadata requests by kind", async () => {
    kinds.length = 0;
    await container.item(`${ORG}-00`, ORG).read();
    await container.item(`${ORG}-01`, ORG).patch([{ op: "set", path: "/rank", value: 100 }]);
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- see beforeAll
    await container.items.bulk([{ operationType: "Delete", id: `${ORG}-02`, partitionKey: ORG }]);
    expect(count("read")).toBe(1);
    expect(count("patch")).toBe(1);
    expect(count("batch")).toBe(1);
    expect(kinds.every((k) => k !== "other")).toBe(true);
  });
});

describe("Blob request counting", () => {
  it("reports listing, upload, download and batch requests", async () => {
    const seen: BlobRequestKind[] = [];
    const blobs = createBlobServiceClient(inject("emulators").storageConnectionString, (kind) => seen.push(kind));
    const assets = blobs.getContainerClient(testNamespace("blobcount"));
    await assets.create();
    await assets.getBlockBlobClient("a/one.txt").uploadData(Buffer.from("one"));
    await assets.getBlockBlobClient("a/two.txt").uploadData(Buffer.from("two"));
    const listed: string[] = [];
    for await (const blob of assets.listBlobsFlat({ prefix: "a/" })) listed.push(blob.name);
    const body = await assets.getBlobClient("a/one.txt").downloadToBuffer();
    const batch = await blobs.getBlobBatchClient().deleteBlobs(listed.map((name) => assets.getBlobClient(name)));
    expect(listed).toEqual(["a/one.txt", "a/two.txt"]);
    expect(body.toString()).toBe("one");
    expect(batch.subResponsesSucceededCount).toBe(2);
    expect(seen.filter((k) => k === "upload")).toHaveLength(3); // the container and two blobs
    expect(seen.filter((k) => k === "list")).toHaveLength(1);
    expect(seen.filter((k) => k === "batch")).toHaveLength(1);
    expect(seen).toContain("download");
  });
});

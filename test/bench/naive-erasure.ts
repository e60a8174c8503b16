import { performance } from "node:perf_hooks";
import type { CosmosClient, PatchOperation } from "@azure/cosmos";
import type { BlobServiceClient } from "@azure/storage-blob";
import { BENCH_ORG, type ErasureDataset } from "./erasure-data.js";

// The naive baseline the engine's erasure is compared with: what a first script would do. Query
// every mapped container of the org for the subject's items (SELECT *, all pages, the SDK's
// defaults), then erase one item per request, one after another (orders are anonymised by one
// patch each, as the law keeps them; everything else is deleted); list every blob under the org's
// prefix and delete the subject's one per request. Same clients, so same proxies, as the engine.

export interface NaiveOutcome {
  queried: number;
  deleted: number;
  patched: number;
  listed: number;
  blobsDeleted: number;
  /** Wall time of each phase, ms. */
  phases: { query: number; erase: number; list: number; deleteBlobs: number };
}

const ORDER_REDACTIONS: PatchOperation[] = ["/customer/name", "/customer/phone", "/customer/email", "/customer/address", "/contactId"].map((path) => ({ op: "set", path, value: null }));

export async function naiveErasure(clients: { readonly cosmos: CosmosClient; readonly blobs: BlobServiceClient }, platformDatabase: string, assetsContainer: string, data: ErasureDataset): Promise<NaiveOutcome> {
  const platform = clients.cosmos.database(platformDatabase);
  const contacts = [...data.subject.contactIds];
  const byContactOrPhone = "c.orgId = @orgId AND (ARRAY_CONTAINS(@contacts, c.contactId) OR c.phone = @phone)";
  const queries: { container: string; where: string; anonymise: boolean }[] = [
    { container: "contacts", where: "c.orgId = @orgId AND (c.phone = @phone OR c.email = @email)", anonymise: false },
    { container: "conversations", where: "c.orgId = @orgId AND ARRAY_CONTAINS(@contacts, c.contactId)", anonymise: false },
    { container: "messages", where: "c.orgId = @orgId AND ARRAY_CONTAINS(@contacts, c.contactId)", anonymise: false },
    { container: "orders", where: "c.orgId = @orgId AND (ARRAY_CONTAINS(@contacts, c.contactId) OR c.customer.phone = @phone OR c.customer.email = @email)", anonymise: true },
    { container: "campaignEvents", where: byContactOrPhone, anonymise: false },
  ];
  const parameters = [
    { name: "@orgId", value: BENCH_ORG },
    { name: "@contacts", value: contacts },
    { name: "@phone", value: data.subject.phone },
    { name: "@email", value: data.subject.email },
  ];
  const outcome: NaiveOutcome = { queried: 0, deleted: 0, patched: 0, listed: 0, blobsDeleted: 0, phases: { query: 0, erase: 0, list: 0, deleteBlobs: 0 } };
  let mark = performance.now();
  const phase = (name: keyof NaiveOutcome["phases"]) => {
    const now = performance.now();
    outcome.phases[name] = Math.round(now - mark);
    mark = now;
  };
  const found: { container: string; ids: string[]; anonymise: boolean }[] = [];
  for (const { container, where, anonymise } of queries) {
    const { resources } = await platform
      .container(container)
      .items.query<{ id: string }>({ query: `SELECT * FROM c WHERE ${where}`, parameters }, { partitionKey: BENCH_ORG })
      .fetchAll();
    outcome.queried += resources.length;
    found.push({ container, ids: resources.map((r) => r.id), anonymise });
  }
  phase("query");
  for (const { container, ids, anonymise } of found) {
    const target = platform.container(container);
    for (const id of ids) {
      if (anonymise) {
        await target.item(id, BENCH_ORG).patch(ORDER_REDACTIONS);
        outcome.patched += 1;
      } else {
        await target.item(id, BENCH_ORG).delete();
        outcome.deleted += 1;
      }
    }
  }
  phase("erase");
  const assets = clients.blobs.getContainerClient(assetsContainer);
  const doomed: string[] = [];
  for await (const blob of assets.listBlobsFlat({ prefix: `${BENCH_ORG}/` })) {
    outcome.listed += 1;
    if (contacts.some((id) => blob.name.startsWith(`${BENCH_ORG}/chat-media/${id}/`))) doomed.push(blob.name);
  }
  phase("list");
  for (const name of doomed) {
    await assets.getBlobClient(name).delete();
    outcome.blobsDeleted += 1;
  }
  phase("deleteBlobs");
  return outcome;
}

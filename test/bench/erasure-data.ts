import type { Container, CosmosClient, JSONObject } from "@azure/cosmos";
import { upsertChunk } from "../../src/local/seed.js";
import type { BlobServiceClient } from "@azure/storage-blob";
import { forEachConcurrent } from "./harness.js";

// The erasure scenarios' data, deterministic: one org, the subject with `items` items spread over
// contacts, conversations, messages, orders and campaign events and `blobs` chat-media blobs, plus
// other subjects in the same org (about half as many items and blobs again), so an erasure must be
// selective. `census` counts, straight from the emulators, what is left of the subject and of the
// others: a run that erased the wrong thing is caught there.

export const BENCH_ORG = "org-bench";
const OTHERS = 4;
const BULK_LIMIT = 100;
const BULK_IN_FLIGHT = 8;
const UPLOADS_IN_FLIGHT = 32;

/** Where the subject's items go; the mapped containers the engine erases (orders are anonymised, the rest deleted). */
export interface Spread {
  contacts: number;
  conversations: number;
  messages: number;
  orders: number;
  campaignEvents: number;
}

export function spread(items: number): Spread {
  if (items < 5) throw new Error("a subject needs at least 5 items (one per container)");
  const contacts = items >= 100 ? 2 : 1;
  const conversations = Math.max(1, Math.round(items * 0.02));
  const orders = Math.max(1, Math.round(items * 0.05));
  const campaignEvents = Math.max(1, Math.round(items * 0.13));
  return { contacts, conversations, orders, campaignEvents, messages: items - contacts - conversations - orders - campaignEvents };
}

interface Person {
  key: string;
  phone: string;
  email: string;
  contactIds: string[];
}

const pad = (n: number, width = 6) => String(n).padStart(width, "0");

function person(index: number, contacts: number): Person {
  const key = index === 0 ? "s" : `o${index}`;
  return {
    key,
    // German mobile numbers (+49 151 and eight digits), one per person.
    phone: `+49151${String(20_000_000 + index * 7919)}`,
    email: `bench.person.${key}@example.org`,
    contactIds: Array.from({ length: contacts }, (_, c) => `contact-${key}-${c + 1}`),
  };
}

export interface ErasureDataset {
  readonly subject: { readonly phone: string; readonly email: string; readonly contactIds: readonly string[] };
  readonly spread: Spread;
  readonly blobs: number;
  /** Items and blobs of everyone else, as seeded. */
  readonly others: { readonly items: number; readonly blobs: number };
}

function itemsOf(p: Person, s: Spread): Record<keyof Spread, JSONObject[]> {
  const base = Date.parse("2026-09-01T00:00:00.000Z");
  const orgId = BENCH_ORG;
  const contacts = p.contactIds.map((id, c) => ({ id, orgId, name: `Bench ${p.key}`, phone: p.phone, ...(c === 0 ? { email: p.email } : {}), tags: ["bench"], lastActivityAt: new Date(base).toISOString() }));
  const conversations = Array.from({ length: s.conversations }, (_, i) => ({
    id: `conv-${p.key}-${pad(i)}`,
    orgId,
    contactId: p.contactIds[i % p.contactIds.length] ?? "",
    channel: "whatsapp",
    status: "closed",
    startedAt: new Date(base + i * 60_000).toISOString(),
  }));
  const messages = Array.from({ length: s.messages }, (_, i) => ({
    id: `msg-${p.key}-${pad(i)}`,
    orgId,
    conversationId: conversations[i % conversations.length]?.id ?? "",
    contactId: p.contactIds[i % p.contactIds.length] ?? "",
    text: `Nachricht ${i} von ${p.key}`,
    direction: i % 2 === 0 ? "inbound" : "outbound",
    sentAt: new Date(base + i * 1000).toISOString(),
  }));
  const orders = Array.from({ length: s.orders }, (_, i) => ({
    id: `order-${p.key}-${pad(i)}`,
    orgId,
    contactId: p.contactIds[0] ?? "",
    customer: { name: `Bench ${p.key}`, phone: p.phone, email: p.email, address: "Musterstraße 1, 10115 Berlin" },
    total: 10 + (i % 90),
    currency: "EUR",
    placedAt: new Date(base + i * 3_600_000).toISOString(),
  }));
  const campaignEvents = Array.from({ length: s.campaignEvents }, (_, i) => ({
    id: `ce-${p.key}-${pad(i)}`,
    orgId,
    campaignId: `campaign-${i % 5}`,
    contactId: p.contactIds[i % p.contactIds.length] ?? "",
    phone: p.phone,
    status: "delivered",
    at: new Date(base + i * 60_000).toISOString(),
  }));
  return { contacts, conversations, messages, orders, campaignEvents };
}

const CONTAINER_OF: Record<keyof Spread, string> = { contacts: "contacts", conversations: "conversations", messages: "messages", orders: "orders", campaignEvents: "campaignEvents" };

/** Upserts items of one container, BULK_IN_FLIGHT chunks of ≤ 100 at a time. */
export async function upsertAll(container: Container, items: readonly JSONObject[]): Promise<void> {
  const chunks = Math.ceil(items.length / BULK_LIMIT);
  await forEachConcurrent(chunks, BULK_IN_FLIGHT, (chunk) => upsertChunk(container, items.slice(chunk * BULK_LIMIT, (chunk + 1) * BULK_LIMIT)));
}

const mediaName = (p: Person, i: number) => `${BENCH_ORG}/chat-media/${p.contactIds[i % p.contactIds.length] ?? ""}/m-${pad(i)}.jpg`;

/** Seeds the org, the subject and the others through direct (unproxied) clients. */
export async function seedErasureData(
  direct: { readonly cosmos: CosmosClient; readonly blobs: BlobServiceClient },
  names: { readonly platformDatabase: string; readonly assetsContainer: string },
  size: { readonly items: number; readonly blobs: number },
): Promise<ErasureDataset> {
  const platform = direct.cosmos.database(names.platformDatabase);
  await platform.container("organizations").items.upsert({ id: BENCH_ORG, orgId: BENCH_ORG, name: "Bench GmbH", settings: { jurisdiction: "GDPR", defaultCountry: "DE" } });
  const subject = person(0, spread(size.items).contacts);
  const othersItems = Math.max(20, Math.round(size.items / 2 / OTHERS));
  const othersBlobs = Math.max(1, Math.round(size.blobs / 2 / OTHERS));
  const people: { p: Person; s: Spread; blobs: number }[] = [
    { p: subject, s: spread(size.items), blobs: size.blobs },
    ...Array.from({ length: OTHERS }, (_, i) => {
      const s = spread(othersItems);
      return { p: person(i + 1, s.contacts), s, blobs: othersBlobs };
    }),
  ];
  const byContainer = new Map<string, JSONObject[]>();
  for (const { p, s } of people) {
    for (const [kind, items] of Object.entries(itemsOf(p, s)) as [keyof Spread, JSONObject[]][]) {
      const list = byContainer.get(CONTAINER_OF[kind]) ?? [];
      list.push(...items);
      byContainer.set(CONTAINER_OF[kind], list);
    }
  }
  for (const [container, items] of byContainer) await upsertAll(platform.container(container), items);
  const assets = direct.blobs.getContainerClient(names.assetsContainer);
  const uploads = people.flatMap(({ p, blobs }) => Array.from({ length: blobs }, (_, i) => mediaName(p, i)));
  const body = Buffer.alloc(512, 0xab);
  await forEachConcurrent(uploads.length, UPLOADS_IN_FLIGHT, async (i) => {
    await assets.getBlockBlobClient(uploads[i] ?? "").uploadData(body, { blobHTTPHeaders: { blobContentType: "image/jpeg" } });
  });
  return {
    subject: { phone: subject.phone, email: subject.email, contactIds: subject.contactIds },
    spread: spread(size.items),
    blobs: size.blobs,
    others: { items: OTHERS * othersItems, blobs: OTHERS * othersBlobs },
  };
}

export interface Census {
  /** The subject's items still there (orders count when they still carry the subject's contact id or phone). */
  subjectItems: number;
  subjectBlobs: number;
  /** Orders of the subject kept, anonymised (the amount stays, the personal fields are gone). */
  anonymisedOrders: number;
  otherItems: number;
  otherBlobs: number;
}

/** Counts what is left, straight from the emulators. */
export async function census(
  direct: { readonly cosmos: CosmosClient; readonly blobs: BlobServiceClient },
  names: { readonly platformDatabase: string; readonly assetsContainer: string },
  data: ErasureDataset,
): Promise<Census> {
  const platform = direct.cosmos.database(names.platformDatabase);
  const contacts = [...data.subject.contactIds];
  let subjectItems = 0;
  let otherItems = 0;
  let anonymisedOrders = 0;
  for (const container of Object.values(CONTAINER_OF)) {
    const { resources } = await platform
      .container(container)
      .items.query<{ id: string; contactId?: string | null; phone?: string; customer?: { phone?: string | null } }>(
        { query: "SELECT c.id, c.contactId, c.phone, c.customer FROM c WHERE c.orgId = @orgId", parameters: [{ name: "@orgId", value: BENCH_ORG }] },
        { partitionKey: BENCH_ORG },
      )
      .fetchAll();
    for (const item of resources) {
      const ofSubject = item.id.includes("-s-") || item.id.startsWith("contact-s-");
      if (!ofSubject) {
        otherItems += 1;
        continue;
      }
      const personal = contacts.includes(item.contactId ?? "") || item.phone === data.subject.phone || item.customer?.phone === data.subject.phone || container === "contacts";
      if (container === "orders" && !personal) anonymisedOrders += 1;
      else subjectItems += 1;
    }
  }
  let subjectBlobs = 0;
  let otherBlobs = 0;
  for await (const blob of direct.blobs.getContainerClient(names.assetsContainer).listBlobsFlat({ prefix: `${BENCH_ORG}/chat-media/` })) {
    if (contacts.some((id) => blob.name.startsWith(`${BENCH_ORG}/chat-media/${id}/`))) subjectBlobs += 1;
    else otherBlobs += 1;
  }
  return { subjectItems, subjectBlobs, anonymisedOrders, otherItems, otherBlobs };
}

/** Throws unless the subject is gone (orders kept anonymised) and everyone else's data is all there. */
export function checkErased(after: Census, data: ErasureDataset, who: string): void {
  const problems: string[] = [];
  if (after.subjectItems !== 0) problems.push(`${after.subjectItems} of the subject's items remain`);
  if (after.subjectBlobs !== 0) problems.push(`${after.subjectBlobs} of the subject's blobs remain`);
  if (after.anonymisedOrders !== data.spread.orders) problems.push(`${after.anonymisedOrders} anonymised orders, expected ${data.spread.orders}`);
  if (after.otherItems !== data.others.items) problems.push(`${after.otherItems} items of others, expected ${data.others.items}`);
  if (after.otherBlobs !== data.others.blobs) problems.push(`${after.otherBlobs} blobs of others, expected ${data.others.blobs}`);
  if (problems.length > 0) throw new Error(`${who} erased the wrong things: ${problems.join("; ")}`);
}

// The demo dataset (src/local/seed/): determinism, hard cases, locale formats and the writer.
// Over 400 lines on purpose: one describe per part of the seed, sharing one built dataset.

import { CosmosClient } from "@azure/cosmos";
import { BlobServiceClient } from "@azure/storage-blob";
import fc from "fast-check";
import { isValidPhoneNumber } from "libphonenumber-js";
import { describe, expect, inject, it } from "vitest";
import { PLATFORM_CONTAINER_IDS } from "../../src/config/resources.js";
import { EngineError } from "../../src/domain/errors.js";
import { cosmosClientOptions } from "../../src/local/emulators.js";
import {
  buildDataset,
  contactImportCsv,
  datasetCounts,
  DEFAULT_SEED_OPTIONS,
  HARD_CASES,
  isSeeded,
  personalValuesOf,
  resolveSeedOptions,
  seedPlatform,
  type Dataset,
  type OrderItem,
  type SeedOptions,
  type SeedTargets,
} from "../../src/local/seed.js";
import { testNamespace } from "../support/env.js";

const E164 = /^\+[1-9]\d{6,14}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Minimal RFC 4180 reader, enough to check the seeded imports. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += ch;
  }
  if (field !== "" || row.length > 0) rows.push([...row, field]);
  return rows;
}

function expectedCounts(o: SeedOptions): Record<string, number> {
  const contacts = o.orgs * o.contactsPerOrg;
  return {
    organizations: o.orgs,
    users: o.orgs * o.usersPerOrg,
    contacts,
    conversations: contacts,
    messages: contacts * o.messagesPerContact,
    orders: contacts * o.ordersPerContact,
    campaignEvents: contacts * o.campaigns,
    campaigns: o.orgs * o.campaigns,
    knowledgeBaseDocuments: o.orgs * o.kbDocsPerOrg,
  };
}

const expectedBlobs = (o: SeedOptions) =>
  o.orgs * (o.contactsPerOrg * o.mediaPerContact + o.usersPerOrg + o.kbDocsPerOrg + o.importsPerOrg);

/** Referential integrity and shape; returns nothing, fails the test on the first violation. */
function checkModel(dataset: Dataset): void {
  const { items, blobs, options } = dataset;
  const nowMs = Date.parse(options.now);
  const blobNames = new Set(blobs.map((b) => b.name));
  expect(blobNames.size).toBe(blobs.length);

  for (const id of PLATFORM_CONTAINER_IDS) {
    const keys = new Set<string>();
    for (const item of items[id]) {
      expect(typeof item.id).toBe("string");
      expect(dataset.orgIds).toContain(item.orgId);
      keys.add(`${item.orgId}/${item.id}`);
    }
    expect(keys.size, `ids in ${id} are unique`).toBe(items[id].length);
  }

  const byOrg = (list: readonly { orgId: string; id: string }[]) => new Set(list.map((i) => `${i.orgId}/${i.id}`));
  const contacts = byOrg(items.contacts);
  const users = byOrg(items.users);
  const conversations = byOrg(items.conversations);
  const campaigns = byOrg(items.campaigns);

  for (const org of items.organizations) {
    expect(org.id).toBe(org.orgId);
    expect(users.has(`${org.orgId}/${org.ownerUserId}`)).toBe(true);
    expect(org.billingEmail).toMatch(/@[a-z0-9.-]*example\.(com|org|net)$/);
    expect(Date.parse(org.lastActiveAt)).toBeLessThanOrEqual(nowMs);
  }
  for (const user of items.users) {
    expect(user.phone).toMatch(E164);
    expect(user.email).toMatch(/@[a-z0-9.-]*example\.(com|org|net)$/);
    expect(user.lastLoginAt).toMatch(ISO_DATE_TIME);
    expect(Date.parse(user.lastLoginAt)).toBeLessThanOrEqual(nowMs);
    if (user.dateOfBirth !== undefined) expect(user.dateOfBirth).toMatch(ISO_DATE);
    expect(blobNames.has(`${user.orgId}/user-avatars/${user.id}.png`)).toBe(true);
  }
  for (const contact of items.contacts) {
    expect(contact.phone).toMatch(E164);
    expect(isValidPhoneNumber(contact.phone), contact.phone).toBe(true);
    if (contact.email !== undefined) expect(contact.email).toMatch(/^[a-z0-9.-]+@[a-z0-9.-]*example\.(com|org|net)$/);
    if (contact.dateOfBirth !== undefined) expect(contact.dateOfBirth).toMatch(ISO_DATE);
    expect(contact.lastActivityAt).toMatch(ISO_DATE_TIME);
    expect(Date.parse(contact.lastActivityAt)).toBeLessThanOrEqual(nowMs);
    expect(Array.isArray(contact.tags)).toBe(true);
    expect(typeof contact.attributes).toBe("object");
  }
  for (const conversation of items.conversations) {
    expect(contacts.has(`${conversation.orgId}/${conversation.contactId}`)).toBe(true);
    expect(users.has(`${conversation.orgId}/${conversation.assignedUserId}`)).toBe(true);
  }
  for (const message of items.messages) {
    expect(contacts.has(`${message.orgId}/${message.contactId}`)).toBe(true);
    expect(conversations.has(`${message.orgId}/${message.conversationId}`)).toBe(true);
    expect(Date.parse(message.sentAt)).toBeLessThanOrEqual(nowMs);
    if (message.media !== undefined) {
      expect(message.media.blobPath).toBe(`${message.orgId}/chat-media/${message.contactId}/${message.id}.jpg`);
      expect(blobNames.has(message.media.blobPath)).toBe(true);
    }
  }
  expect(items.messages.filter((m) => m.media !== undefined)).toHaveLength(items.contacts.length * options.mediaPerContact);
  for (const order of items.orders) {
    expect(contacts.has(`${order.orgId}/${order.contactId}`)).toBe(true);
    expect(order.customer.name.length).toBeGreaterThan(0);
    expect(order.amount).toBeGreaterThan(0);
  }
  for (const event of items.campaignEvents) {
    expect(contacts.has(`${event.orgId}/${event.contactId}`)).toBe(true);
    expect(campaigns.has(`${event.orgId}/${event.campaignId}`)).toBe(true);
  }
  for (const campaign of items.campaigns) {
    const events = items.campaignEvents.filter((e) => e.orgId === campaign.orgId && e.campaignId === campaign.id);
    expect(campaign.stats.recipients).toBe(events.length);
    expect(campaign.stats.failed).toBe(events.filter((e) => e.status === "failed").length);
    expect(campaign.stats.read).toBe(events.filter((e) => e.status === "read").length);
  }
  for (const doc of items.knowledgeBaseDocuments) {
    expect(users.has(`${doc.orgId}/${doc.uploadedBy}`)).toBe(true);
    expect(doc.blobPath.startsWith(`${doc.orgId}/knowledge-base/${doc.id}/`)).toBe(true);
    expect(blobNames.has(doc.blobPath)).toBe(true);
  }
  for (const blob of blobs) {
    const [orgId, assetType] = blob.name.split("/");
    expect(dataset.orgIds).toContain(orgId);
    expect(["chat-media", "user-avatars", "knowledge-base", "contact-imports"]).toContain(assetType);
    expect(blob.content.length).toBeGreaterThan(0);
  }
  // Every import row is a contact of that org, as the contact holds it.
  for (const blob of blobs.filter((b) => b.name.includes("/contact-imports/"))) {
    const orgId = blob.name.split("/")[0];
    const [header, ...rows] = parseCsv(blob.content.toString("utf8"));
    expect(header).toEqual(["name", "phone", "email"]);
    for (const [name, phone, email] of rows) {
      const match = items.contacts.find(
        (c) => c.orgId === orgId && c.name === name && c.phone === phone && (c.email ?? "") === email,
      );
      expect(match, `import row of ${blob.name}`).toBeDefined();
    }
  }
}

describe("buildDataset", () => {
  it("gives the same items and bytes for the same options, different ones for another seed", () => {
    const a = buildDataset();
    const b = buildDataset({ ...DEFAULT_SEED_OPTIONS });
    expect(b).toEqual(a);
    expect(JSON.stringify(b.items)).toBe(JSON.stringify(a.items));
    expect(Buffer.concat(b.blobs.map((x) => x.content)).equals(Buffer.concat(a.blobs.map((x) => x.content)))).toBe(true);

    const other = buildDataset({ seed: 43 });
    expect(other).not.toEqual(a);
    expect(other.items.contacts.map((c) => c.name)).not.toEqual(a.items.contacts.map((c) => c.name));
    // Ids do not depend on the seed, so the hard cases stay where HARD_CASES says.
    expect(other.items.contacts.map((c) => c.id)).toEqual(a.items.contacts.map((c) => c.id));
  });

  it("has the default counts", () => {
    const dataset = buildDataset();
    expect(dataset.orgIds).toEqual(["org-demo", "org-0002"]);
    expect(datasetCounts(dataset)).toEqual({
      organizations: 2,
      users: 6,
      contacts: 50,
      conversations: 50,
      messages: 300,
      orders: 50,
      campaignEvents: 100,
      campaigns: 4,
      knowledgeBaseDocuments: 4,
    });
    expect(dataset.blobs).toHaveLength(62);
  });

  it("follows the data model, with referential integrity", () => {
    const dataset = buildDataset();
    checkModel(dataset);
    const [demo, second] = dataset.items.organizations;
    expect(demo?.settings).toMatchObject({ jurisdiction: "GDPR", defaultCountry: "DE" });
    expect(second?.settings).toMatchObject({ jurisdiction: "CCPA", defaultCountry: "US" });
  });

  it("follows the data model for any small option set", () => {
    fc.assert(
      fc.property(
        fc.record({
          orgs: fc.integer({ min: 2, max: 4 }),
          contactsPerOrg: fc.integer({ min: 7, max: 12 }),
          usersPerOrg: fc.integer({ min: 1, max: 3 }),
          messagesPerContact: fc.integer({ min: 2, max: 4 }),
          mediaPerContact: fc.integer({ min: 1, max: 2 }),
          ordersPerContact: fc.integer({ min: 1, max: 2 }),
          campaigns: fc.integer({ min: 1, max: 3 }),
          kbDocsPerOrg: fc.integer({ min: 1, max: 4 }),
          importsPerOrg: fc.integer({ min: 1, max: 3 }),
          seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        }),
        (partial) => {
          const dataset = buildDataset(partial);
          const options = resolveSeedOptions(partial);
          expect(datasetCounts(dataset)).toEqual(expectedCounts(options));
          expect(dataset.blobs).toHaveLength(expectedBlobs(options));
          checkModel(dataset);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("holds every hard case", () => {
    const dataset = buildDataset();
    const { contacts, orders, campaignEvents } = dataset.items;
    const now = new Date(dataset.options.now);
    const contact = (orgId: string, id: string) => contacts.find((c) => c.orgId === orgId && c.id === id);

    // One person imported twice.
    const dup = HARD_CASES.duplicateContact;
    const twins = dup.contactIds.map((id) => contact(dup.orgId, id));
    for (const twin of twins) expect(twin).toMatchObject({ name: dup.name, phone: dup.phone, email: dup.email });
    expect(contacts.filter((c) => c.orgId === dup.orgId && c.phone === dup.phone).map((c) => c.id)).toEqual(dup.contactIds);
    expect(contacts.filter((c) => c.name === dup.name)).toHaveLength(2);

    // One phone in two orgs, nowhere else.
    const cross = HARD_CASES.crossOrgPhone;
    const holders = contacts.filter((c) => c.phone === cross.phone);
    expect(holders.map((c) => ({ orgId: c.orgId, contactId: c.id, email: c.email }))).toEqual(cross.contacts);

    // The subject's phone and email stored in other formats outside the contacts.
    const ref = HARD_CASES.reformattedIdentifiers;
    const order = orders.find((o) => o.orgId === ref.orgId && o.id === ref.orderId);
    expect(order).toMatchObject({ contactId: ref.contactId, customer: { phone: ref.orderPhone, email: ref.orderEmail } });
    const event = campaignEvents.find((e) => e.orgId === ref.orgId && e.id === ref.campaignEventId);
    expect(event).toMatchObject({ contactId: ref.contactId, phone: ref.campaignEventPhone });
    expect(ref.orderPhone.replace(/^0/, "+49").replace(/\s/g, "")).toBe(ref.e164);
    expect(ref.campaignEventPhone.replace(/\s/g, "")).toBe(ref.e164);
    expect(ref.orderEmail.toLowerCase()).toBe(dup.email);

    // A contact import holding the subject among others, one name needing quotes.
    const imp = HARD_CASES.importWithSubject;
    const csvBlob = dataset.blobs.find((b) => b.name === imp.blobPath);
    expect(csvBlob?.contentType).toMatch(/^text\/csv/);
    const csv = csvBlob?.content.toString("utf8") ?? "";
    expect(csv).toContain(`"Vogel, Ann-Kathrin ""Anki"""`);
    const rows = parseCsv(csv);
    expect(rows[0]).toEqual(["name", "phone", "email"]);
    expect(rows).toContainEqual([dup.name, dup.phone, dup.email]);
    expect(rows.some((r) => r[0] === imp.quotedContact.name)).toBe(true);
    expect(rows.length).toBeGreaterThan(3);
    expect(contact(imp.orgId, imp.subjectContactId)?.attributes.importId).toBe(imp.importId);

    // Children: one without, one with parental consent; all other people are adults.
    const ageYears = (dob: string) => (now.getTime() - Date.parse(`${dob}T00:00:00Z`)) / (365.25 * 86_400_000);
    const child = contact(HARD_CASES.childWithoutConsent.orgId, HARD_CASES.childWithoutConsent.contactId);
    expect(child?.dateOfBirth).toBeDefined();
    expect(ageYears(child?.dateOfBirth ?? "")).toBeLessThan(13);
    expect(child?.parentalConsent).toBeUndefined();
    const consented = contact(HARD_CASES.childWithConsent.orgId, HARD_CASES.childWithConsent.contactId);
    expect(ageYears(consented?.dateOfBirth ?? "")).toBeLessThan(13);
    expect(consented?.parentalConsent).toMatchObject({ verified: true });
    const minors = contacts.filter((c) => c.dateOfBirth !== undefined && ageYears(c.dateOfBirth) < 18).map((c) => c.id);
    expect(minors.sort()).toEqual([HARD_CASES.childWithoutConsent.contactId, HARD_CASES.childWithConsent.contactId].sort());

    // Exactly one contact inactive for more than 36 months.
    const cutoff = new Date(now);
    cutoff.setUTCMonth(cutoff.getUTCMonth() - 36);
    const stale = contacts.filter((c) => Date.parse(c.lastActivityAt) < cutoff.getTime()).map((c) => c.id);
    expect(stale).toEqual([HARD_CASES.staleContact.contactId]);
  });

  it("refuses options that leave no room for the hard cases, naming the option", () => {
    expect(() => buildDataset({ orgs: 1 })).toThrow(EngineError);
    expect(() => buildDataset({ orgs: 1 })).toThrow(/orgs/);
    expect(() => buildDataset({ contactsPerOrg: 3 })).toThrow(/contactsPerOrg/);
    expect(() => buildDataset({ mediaPerContact: 7, messagesPerContact: 6 })).toThrow(/mediaPerContact/);
    expect(() => buildDataset({ usersPerOrg: 1.5 })).toThrow(/usersPerOrg/);
    expect(() => buildDataset({ now: "yesterday" })).toThrow(/now/);
  });

  it("quotes CSV fields that need it", () => {
    expect(contactImportCsv([{ name: 'A "B", C', phone: "+1", email: "x@example.com" }, { name: "D", phone: "+2" }])).toBe(
      'name,phone,email\r\n"A ""B"", C",+1,x@example.com\r\nD,+2,\r\n',
    );
  });

  it("lists every name, phone and email in personalValuesOf", () => {
    const dataset = buildDataset();
    const values = new Set(personalValuesOf(dataset));
    for (const c of dataset.items.contacts) {
      expect(values).toContain(c.name);
      expect(values).toContain(c.phone);
      if (c.email !== undefined) expect(values).toContain(c.email);
    }
    for (const u of dataset.items.users) for (const v of [u.name, u.email, u.phone]) expect(values).toContain(v);
    for (const o of dataset.items.organizations) expect(values).toContain(o.billingEmail);
    for (const o of dataset.items.orders) {
      expect(values).toContain(o.customer.phone);
      if (o.customer.email !== undefined) expect(values).toContain(o.customer.email);
    }
    for (const e of dataset.items.campaignEvents) expect(values).toContain(e.phone);
    expect(values).toContain(HARD_CASES.reformattedIdentifiers.orderPhone);
    expect(values).toContain(HARD_CASES.reformattedIdentifiers.campaignEventPhone);
    // Nothing short enough to match by accident.
    for (const v of values) expect(v.length).toBeGreaterThanOrEqual(8);
  });
});

describe("seedPlatform into the emulators", () => {
  function targets(): SeedTargets {
    const emulators = inject("emulators");
    return {
      cosmos: new CosmosClient(cosmosClientOptions(emulators.cosmosEndpoint, emulators.cosmosKey)),
      platformDatabase: testNamespace("seed"),
      blobService: BlobServiceClient.fromConnectionString(emulators.storageConnectionString),
      assetsContainer: testNamespace("seed"),
    };
  }

  async function storedCounts(t: SeedTargets): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const id of PLATFORM_CONTAINER_IDS) {
      const { resources } = await t.cosmos
        .database(t.platformDatabase)
        .container(id)
        .items.query<number>("SELECT VALUE COUNT(1) FROM c")
        .fetchAll();
      counts[id] = resources[0] ?? -1;
    }
    return counts;
  }

  async function storedBlobs(t: SeedTargets): Promise<Map<string, string | undefined>> {
    const blobs = new Map<string, string | undefined>();
    for await (const blob of t.blobService.getContainerClient(t.assetsContainer).listBlobsFlat()) {
      blobs.set(blob.name, blob.properties.contentType);
    }
    return blobs;
  }

  it("writes the expected items and blobs, idempotently, and isSeeded turns true", async () => {
    const t = targets();
    const options: Partial<SeedOptions> = { contactsPerOrg: 12, messagesPerContact: 3, campaigns: 2 };
    const dataset = buildDataset(options);
    const expected = expectedCounts(resolveSeedOptions(options));

    expect(await isSeeded(t)).toBe(false);
    const first = await seedPlatform(t, options);
    expect(first.counts).toEqual(expected);
    expect(first.blobs).toBe(dataset.blobs.length);
    expect(first.orgIds).toEqual(["org-demo", "org-0002"]);
    expect(first.personalValues).toEqual(personalValuesOf(dataset));
    expect(await isSeeded(t)).toBe(true);

    expect(await storedCounts(t)).toEqual(expected);
    const blobs = await storedBlobs(t);
    expect([...blobs.keys()].sort()).toEqual(dataset.blobs.map((b) => b.name).sort());
    for (const blob of dataset.blobs.slice(0, 5)) expect(blobs.get(blob.name)).toBe(blob.contentType);

    // Stored items are the dataset's items (plus Cosmos system properties).
    const ref = HARD_CASES.reformattedIdentifiers;
    const orders = t.cosmos.database(t.platformDatabase).container("orders");
    const { resource: order } = await orders.item(ref.orderId, ref.orgId).read<OrderItem>();
    expect(order).toMatchObject(dataset.items.orders.find((o) => o.id === ref.orderId) ?? {});
    const imp = HARD_CASES.importWithSubject;
    const csv = await t.blobService.getContainerClient(t.assetsContainer).getBlobClient(imp.blobPath).downloadToBuffer();
    expect(csv.equals(dataset.blobs.find((b) => b.name === imp.blobPath)?.content ?? Buffer.alloc(0))).toBe(true);

    const second = await seedPlatform(t, options);
    expect(second.counts).toEqual(expected);
    expect(await storedCounts(t)).toEqual(expected);
    expect((await storedBlobs(t)).size).toBe(dataset.blobs.length);
  });

  it("seeds the defaults", async () => {
    const t = targets();
    const result = await seedPlatform(t);
    expect(result.counts).toEqual(expectedCounts(DEFAULT_SEED_OPTIONS));
    expect(await storedCounts(t)).toEqual(expectedCounts(DEFAULT_SEED_OPTIONS));
    expect((await storedBlobs(t)).size).toBe(62);
    expect(await isSeeded(t)).toBe(true);
  });
});

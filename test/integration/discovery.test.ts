import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizeSubject } from "../../src/domain/identifiers.js";
import { discover } from "../../src/engine/discovery.js";
import type { ManifestEntry } from "../../src/engine/ports.js";
import { buildDataset, HARD_CASES, type Dataset } from "../../src/local/seed.js";
import { expectedDiscovery, type Expected } from "../support/discovery-oracle.js";
import { seedDemo, setupEngine, teardownEngines, type TestEngine } from "../support/engine.js";

let rt: TestEngine;
let dataset: Dataset;
const countryOf = (orgId: string) => dataset.items.organizations.find((o) => o.id === orgId)?.settings.defaultCountry;

beforeAll(async () => {
  rt = await setupEngine();
  dataset = buildDataset();
  await seedDemo(rt);
});
afterAll(() => {
  teardownEngines();
});

async function run(orgId: string, subject: Record<string, string>, pageSize = 7): Promise<{ found: Expected; entries: ManifestEntry[] }> {
  const entries: ManifestEntry[] = [];
  await discover(rt.dataMap, orgId, normalizeSubject(subject, countryOf(orgId)), { items: rt.platformItems, blobs: rt.blobSource, resolve: rt.resolve }, { pageSize, defaultCountry: countryOf(orgId), valuesPerQuery: 3 }, (entry) => {
    entries.push(entry);
    return Promise.resolve();
  });
  const found: Expected = { items: {}, blobs: {}, csvRows: {} };
  for (const entry of entries) {
    if (entry.ids) (found.items[entry.name] ??= []).push(...entry.ids);
    if (entry.blobs) (found.blobs[entry.name] ??= []).push(...entry.blobs);
    if (entry.rows) (found.csvRows[entry.name] ??= []).push(entry.rows);
  }
  for (const list of Object.values(found.items)) list.sort();
  for (const list of Object.values(found.blobs)) list.sort();
  return { found, entries };
}

function expected(orgId: string, subject: Record<string, string>): Expected {
  return expectedDiscovery(rt.dataMap, dataset, orgId, normalizeSubject(subject, countryOf(orgId)) as Record<string, string>, countryOf(orgId));
}

describe("discovery on seeded data", () => {
  const mila = HARD_CASES.duplicateContact;
  const formats = HARD_CASES.reformattedIdentifiers;

  it("finds both imports of one person, every phone format, her orders, events, media and CSV rows", async () => {
    const { found } = await run(mila.orgId, { phone: mila.phone });
    expect(found).toEqual(expected(mila.orgId, { phone: mila.phone }));
    expect(found.items.contacts).toEqual([...mila.contactIds].sort());
    expect(found.items.orders).toContain(formats.orderId); // stored as "030 1234567"
    expect(found.items["campaign-events"]).toContain(formats.campaignEventId); // stored as "+49 30 1234567"
    expect(found.csvRows["contact-imports"]?.map((r) => r.blob)).toContain(HARD_CASES.importWithSubject.blobPath);
    expect((found.blobs["chat-media"] ?? []).length).toBeGreaterThan(0);
    expect(found.items.messages?.length).toBeGreaterThan(0);
  });

  it("finds the same from any form of the phone or the e-mail", async () => {
    const reference = (await run(mila.orgId, { phone: mila.phone })).found;
    const subjects: Record<string, string>[] = [{ phone: "030 1234567" }, { phone: "+49 (30) 123-4567" }, { email: mila.email.toUpperCase() }, { contactId: mila.contactIds[1] }];
    for (const subject of subjects) {
      expect((await run(mila.orgId, subject)).found, JSON.stringify(subject)).toEqual(reference);
    }
  });

  it("finds items reachable only through a phone in another format or an e-mail in another case", async () => {
    const platform = rt.clients.cosmos.database(rt.settings.PLATFORM_DATABASE);
    const orphan = (id: string, orgId: string, customer: Record<string, string>) => ({ id, orgId, customer, amount: 10, currency: "EUR" });
    await platform.container("orders").items.upsert(orphan("order-x-national", mila.orgId, { phone: "030 1234567" }));
    await platform.container("orders").items.upsert(orphan("order-x-intl", mila.orgId, { phone: "+49 30 1234567" }));
    await platform.container("orders").items.upsert(orphan("order-x-0049", mila.orgId, { phone: "0049301234567" }));
    await platform.container("orders").items.upsert(orphan("order-x-mail", mila.orgId, { email: "MILA.Hartmann@EXAMPLE.com" }));
    await platform.container("orders").items.upsert(orphan("order-x-other-org", "org-0002", { phone: "+49 30 1234567" }));
    await platform.container("campaignEvents").items.upsert({ id: "cevt-x", orgId: mila.orgId, campaignId: "c", phone: "(030) 1234567", status: "sent" });
    try {
      const { found } = await run(mila.orgId, { contactId: mila.contactIds[0] });
      expect(found.items.orders).toEqual(expect.arrayContaining(["order-x-national", "order-x-intl", "order-x-0049", "order-x-mail"]));
      expect(found.items.orders).not.toContain("order-x-other-org");
      expect(found.items["campaign-events"]).toContain("cevt-x");
    } finally {
      for (const id of ["order-x-national", "order-x-intl", "order-x-0049", "order-x-mail"]) await platform.container("orders").item(id, mila.orgId).delete();
      await platform.container("orders").item("order-x-other-org", "org-0002").delete();
      await platform.container("campaignEvents").item("cevt-x", mila.orgId).delete();
    }
  });

  it("never takes a foreign number's national form for another person's number in the org's country", async () => {
    const contacts = rt.clients.cosmos.database(rt.settings.PLATFORM_DATABASE).container("contacts");
    // A UK customer of a German org, and a German customer whose national number has the same digits.
    await contacts.items.upsert({ id: "contact-uk", orgId: mila.orgId, name: "Oliver Grant", phone: "+442079460958" });
    // Before the fix, the UK number's national form "020 7946 0958" matched this German number.
    await contacts.items.upsert({ id: "contact-de-same-digits", orgId: mila.orgId, name: "Karl Berg", phone: "020 7946 0958" });
    await contacts.items.upsert({ id: "contact-de-formatted", orgId: mila.orgId, name: "Karl Berg", phone: "02079 460958" });
    await contacts.items.upsert({ id: "contact-de-no-plus", orgId: mila.orgId, name: "Udo Lenz", phone: "442079460958" });
    try {
      const { found } = await run(mila.orgId, { phone: "+44 20 7946 0958" });
      expect(found.items.contacts).toEqual(["contact-uk"]);
      // The German number itself is found in libphonenumber's grouping (other groupings are a known limit).
      const german = await run(mila.orgId, { phone: "020 7946 0958" });
      expect(german.found.items.contacts).toEqual(expect.arrayContaining(["contact-de-formatted"]));
      expect(german.found.items.contacts).not.toContain("contact-uk");
    } finally {
      for (const id of ["contact-uk", "contact-de-same-digits", "contact-de-formatted", "contact-de-no-plus"]) await contacts.item(id, mila.orgId).delete();
    }
  });

  it("stays inside the org: one phone in two orgs", async () => {
    const jonas = HARD_CASES.crossOrgPhone;
    const [inDemo, inOther] = jonas.contacts;
    const demo = (await run(inDemo.orgId, { phone: jonas.phone })).found;
    const other = (await run(inOther.orgId, { phone: jonas.phone })).found;
    expect(demo.items.contacts).toEqual([inDemo.contactId]);
    expect(other.items.contacts).toEqual([inOther.contactId]);
    const otherIds = new Set(Object.values(other.items).flat());
    expect(Object.values(demo.items).flat().some((id) => otherIds.has(id))).toBe(false);
    expect(demo).toEqual(expected(inDemo.orgId, { phone: jonas.phone }));
  });

  it("finds a user's uploads and avatar", async () => {
    const user = dataset.items.users.find((u) => u.orgId === "org-demo" && dataset.items.knowledgeBaseDocuments.some((d) => d.uploadedBy === u.id));
    if (user === undefined) throw new Error("seed has no uploader");
    const { found } = await run("org-demo", { userId: user.id });
    expect(found).toEqual(expected("org-demo", { userId: user.id }));
    expect(found.items["knowledge-base-documents"]?.length).toBeGreaterThan(0);
    expect(found.blobs["user-avatars"]).toHaveLength(1);
  });

  it("matches the oracle for random subjects, identifier forms and page sizes (property)", async () => {
    const people = [
      ...dataset.items.contacts.map((c) => ({ orgId: c.orgId, ids: { contactId: c.id, phone: c.phone, ...(c.email === undefined ? {} : { email: c.email }) } })),
      ...dataset.items.users.map((u) => ({ orgId: u.orgId, ids: { userId: u.id, phone: u.phone, email: u.email } })),
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...people), fc.nat(), fc.integer({ min: 1, max: 50 }), async (person, pick, pageSize) => {
        const entries = Object.entries(person.ids);
        const [kind, value] = entries[pick % entries.length] ?? ["contactId", ""];
        const subject = { [kind]: kind === "email" ? value.toUpperCase() : value };
        expect((await run(person.orgId, subject, pageSize)).found).toEqual(expected(person.orgId, subject));
      }),
      { numRuns: 25 },
    );
  });

  it("finds nothing for an unknown subject", async () => {
    const { found, entries } = await run("org-demo", { phone: "+4915199999999" });
    expect(entries).toEqual([]);
    expect(found).toEqual({ items: {}, blobs: {}, csvRows: {} });
  });
});

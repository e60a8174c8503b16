import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorize, type Caller } from "../../src/domain/access.js";
import { verifyCertificate } from "../../src/domain/certificate.js";
import { normalizeSubject } from "../../src/domain/identifiers.js";
import type { PrivacyRequestRecord } from "../../src/domain/privacy-request.js";
import { runErasure } from "../../src/engine/erasure.js";
import type { Logger } from "../../src/engine/ports.js";
import { submitRequest } from "../../src/engine/requests.js";
import { buildDataset, contactImportCsv, upsertChunk, type Dataset, type SeedBlob, type SeedOptions } from "../../src/local/seed.js";
import { expectedDiscovery, namesNoOne, type Expected } from "../support/discovery-oracle.js";
import { call, countRequests, ORG_A, setupEngine, teardownEngines, type TestEngine } from "../support/engine.js";
import type { Runtime } from "../../src/hosting/composition.js";
import { expectOnlySubjectErased } from "../support/erasure-check.js";
import { capturedLog } from "../support/log-capture.js";
import { snapshotPlatform } from "../support/platform-snapshot.js";
import { seededNamespace } from "../support/seeded-namespace.js";

// Issue 12.1: empty and placeholder identifiers never become keys. Many contacts of one org share
// "", "  ", "-", "n/a", "null", "unknown", "0000000", "noemail"... in their e-mail and phone
// fields, in their orders and campaign events, the org's billing e-mail and a contact-import CSV;
// erasing one person, named by each identifier kind, removes exactly that person (the oracle
// decides) and leaves everyone else byte-identical.

const log: Logger = {
  info: (message, fields) => { capturedLog(`[info] placeholder-identifiers: ${message} ${JSON.stringify(fields ?? {})}`); },
  warn: (message, fields) => { capturedLog(`[warn] placeholder-identifiers: ${message} ${JSON.stringify(fields ?? {})}`); },
  error: (message, fields) => { capturedLog(`[error] placeholder-identifiers: ${message} ${JSON.stringify(fields ?? {})}`); },
};

const desk: Caller = { id: "test", kind: "api-key", role: "privacy-admin", orgs: "*" };

const EMAIL_PLACEHOLDERS = ["", "  ", "-", "n/a", "N/A", "null", "unknown", "noemail", "none", "?", "no email"] as const;
const PHONE_PLACEHOLDERS = ["", "  ", "-", "n/a", "null", "unknown", "0000000", "000 000 0000", "0", "--"] as const;

type Options = Omit<SeedOptions, "now">;
type Subject = Record<string, string>;

interface World {
  readonly rt: Runtime;
  readonly dataset: Dataset;
  readonly orgId: string;
  readonly csv: SeedBlob;
  dispose(): Promise<void>;
}

const worlds = new Set<World>();

/** Where each contact of the org gets a placeholder: an index into the lists, or undefined (keeps its own value). */
interface Plan {
  readonly emails: readonly (number | undefined)[];
  readonly phones: readonly (number | undefined)[];
  readonly userPhones: readonly (number | undefined)[];
}

/** The seeded dataset with the plan's placeholders in contacts, orders, campaign events, users, the org and a new CSV. */
function withPlaceholders(dataset: Dataset, orgId: string, plan: Plan): { dataset: Dataset; csv: SeedBlob } {
  const items = structuredClone(dataset.items);
  const contacts = items.contacts.filter((c) => c.orgId === orgId);
  contacts.forEach((contact, i) => {
    const e = plan.emails[i % plan.emails.length];
    const p = plan.phones[i % plan.phones.length];
    const email = e === undefined ? undefined : EMAIL_PLACEHOLDERS[e % EMAIL_PLACEHOLDERS.length];
    const phone = p === undefined ? undefined : PHONE_PLACEHOLDERS[p % PHONE_PLACEHOLDERS.length];
    if (email !== undefined) contact.email = email;
    if (phone !== undefined) contact.phone = phone;
    for (const order of items.orders.filter((o) => o.orgId === orgId && o.contactId === contact.id)) {
      if (email !== undefined) order.customer.email = email;
      if (phone !== undefined) order.customer.phone = phone;
    }
    for (const event of items.campaignEvents.filter((ev) => ev.orgId === orgId && ev.contactId === contact.id)) if (phone !== undefined) event.phone = phone;
  });
  items.users
    .filter((u) => u.orgId === orgId)
    .forEach((user, i) => {
      const p = plan.userPhones[i % plan.userPhones.length];
      if (p !== undefined) user.phone = PHONE_PLACEHOLDERS[p % PHONE_PLACEHOLDERS.length] ?? "";
    });
  for (const org of items.organizations) if (org.id === orgId) org.billingEmail = "";
  // Every contact once more in an import, placeholders and all, plus rows that are only placeholders.
  const rows = [
    ...contacts.map((c, i) => ({ name: `Imported ${String(i)}`, phone: c.phone, ...(c.email === undefined ? {} : { email: c.email }) })),
    ...EMAIL_PLACEHOLDERS.map((email, i) => ({ name: `Blank ${String(i)}`, phone: PHONE_PLACEHOLDERS[i % PHONE_PLACEHOLDERS.length] ?? "", email })),
  ];
  const csv: SeedBlob = { name: `${orgId}/contact-imports/placeholders.csv`, content: Buffer.from(contactImportCsv(rows)), contentType: "text/csv" };
  return { dataset: { ...dataset, items, blobs: [...dataset.blobs, csv] }, csv };
}

async function world(options: Options, plan: Plan): Promise<World> {
  const { rt, settings, dispose } = await seededNamespace("ph", options);
  const seeded = buildDataset(options);
  const orgId = seeded.orgIds[0] ?? "org-demo";
  const { dataset, csv } = withPlaceholders(seeded, orgId, plan);
  const created: World = {
    rt,
    dataset,
    orgId,
    csv,
    async dispose() {
      worlds.delete(created);
      await dispose();
    },
  };
  worlds.add(created);
  // The placeholders over the seeded items, and the extra import.
  const platform = rt.clients.cosmos.database(settings.PLATFORM_DATABASE);
  for (const name of ["contacts", "orders", "campaignEvents", "users", "organizations"] as const) {
    const changed = dataset.items[name].filter((item) => item.orgId === orgId);
    for (let i = 0; i < changed.length; i += 100) await upsertChunk(platform.container(name), changed.slice(i, i + 100));
  }
  await rt.clients.blobs.getContainerClient(settings.PRIVACY_ASSETS_CONTAINER).getBlockBlobClient(csv.name).uploadData(csv.content, { blobHTTPHeaders: { blobContentType: csv.contentType } });
  return created;
}

let suite: TestEngine | undefined;
beforeAll(async () => {
  suite = await setupEngine();
});
afterAll(async () => {
  for (const w of [...worlds]) await w.dispose();
  teardownEngines();
});

const KINDS = ["contactId", "userId", "phone", "email"] as const;
type Kind = (typeof KINDS)[number];

/** People of the org with a usable identifier of the kind (by the oracle's own rule). */
function candidates(w: World, kind: Kind): Subject[] {
  const people: Subject[] = [
    ...w.dataset.items.contacts.filter((c) => c.orgId === w.orgId).map((c) => ({ contactId: c.id, phone: c.phone, ...(c.email === undefined ? {} : { email: c.email }) })),
    ...w.dataset.items.users.filter((u) => u.orgId === w.orgId).map((u) => ({ userId: u.id, phone: u.phone, email: u.email })),
  ];
  return people.filter((p) => p[kind] !== undefined && !namesNoOne(kind, p[kind] ?? "")).map((p) => ({ [kind]: p[kind] ?? "" }));
}

async function runUntilDone(rt: Runtime, id: string): Promise<PrivacyRequestRecord> {
  for (let delivery = 0; delivery < 5; delivery++) {
    await runErasure(rt, id, { attempt: 1 }, log);
    const request = (await rt.requests.get(id))?.value;
    if (request === undefined) throw new Error("request gone");
    if (request.status !== "in-progress") return request;
  }
  throw new Error("request still in progress after 5 deliveries");
}

/** The placeholder CSV holds every original line byte for byte, except the subject's rows. */
async function expectCsv(w: World, expected: Expected) {
  const rows = new Set((expected.csvRows["contact-imports"] ?? []).filter((f) => f.blob === w.csv.name).flatMap((f) => f.rows));
  const lines = w.csv.content.toString("utf8").split("\r\n");
  const kept = lines.filter((_line, index) => index === 0 || !rows.has(index));
  const now = (await w.rt.clients.blobs.getContainerClient(w.rt.settings.PRIVACY_ASSETS_CONTAINER).getBlobClient(w.csv.name).downloadToBuffer()).toString("utf8");
  expect(now).toBe(kept.join("\r\n"));
}

const placeholderIndex = fc.option(fc.nat({ max: 20 }), { nil: undefined, freq: 4 });
const plan: fc.Arbitrary<Plan> = fc.record({
  emails: fc.array(placeholderIndex, { minLength: 3, maxLength: 8 }),
  phones: fc.array(placeholderIndex, { minLength: 3, maxLength: 8 }),
  userPhones: fc.array(placeholderIndex, { minLength: 1, maxLength: 3 }),
});

const FC_SEED = Number(process.env.PLACEHOLDER_PROPERTIES_SEED ?? Date.now() % 0x7fffffff);

describe("placeholder identifiers (issue 12.1)", () => {
  it.each(KINDS)("erasing one of many contacts that share placeholders removes exactly that person, named by %s (property)", async (kind) => {
    console.log(`[placeholder-identifiers] fast-check seed ${String(FC_SEED)}`);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 0xffffffff }), plan, fc.nat(), async (seed, p, pick) => {
        const options: Options = { orgs: 2, contactsPerOrg: 8, usersPerOrg: 2, messagesPerContact: 1, ordersPerContact: 1, mediaPerContact: 1, campaigns: 1, kbDocsPerOrg: 1, importsPerOrg: 1, seed };
        const w = await world(options, p);
        try {
          const country = w.dataset.items.organizations.find((o) => o.id === w.orgId)?.settings.defaultCountry;
          const people = candidates(w, kind);
          const subject = people[pick % Math.max(people.length, 1)];
          if (subject === undefined) return;
          const expected = expectedDiscovery(w.rt.dataMap, w.dataset, w.orgId, normalizeSubject(subject, country) as Subject, country);
          const before = await snapshotPlatform(w.rt);
          const { request } = await submitRequest(w.rt, authorize(desk, "request:open"), { type: "erasure", orgId: w.orgId, subject, verification: { method: "attested", by: "privacy-desk" } }, undefined, log);
          const done = await runUntilDone(w.rt, request.id);
          const after = await snapshotPlatform(w.rt);
          expect(done.status).toBe("completed");
          expectOnlySubjectErased(w.rt, before, after, w.orgId, expected);
          await expectCsv(w, expected);
          // The org's billing e-mail is "": no subject's empty e-mail reaches it.
          expect(expected.items.organizations).toBeUndefined();
          const certificate = done.certificate;
          expect(certificate !== undefined && verifyCertificate(w.rt.settings.PRIVACY_CERTIFICATE_KEY, certificate)).toBe(true);
          expect(certificate?.verification.remaining).toBe(0);
        } finally {
          await w.dispose();
        }
      }),
      { numRuns: 2, seed: FC_SEED, endOnFailure: true },
    );
  }, 90_000);

  it.each([
    [{ contactId: "n/a" }, "subject.contactId"],
    [{ contactId: "  -  " }, "subject.contactId"],
    [{ userId: "null" }, "subject.userId"],
    [{ phone: "0000000" }, "subject.phone"],
    [{ phone: "000 000 0000" }, "subject.phone"],
    [{ email: "noemail" }, "subject.email"],
    [{ contactId: "unknown", phone: "0000000" }, "subject.contactId"],
  ])("a request whose only identifiers are placeholders is a 400 naming the field: %j", async (subject, path) => {
    const before = await countRequests(suiteRuntime());
    const response = await call(suiteRuntime().fn.submitRequestHandler, { path: "/api/requests", body: { type: "erasure", orgId: ORG_A, subject, verification: { method: "attested", by: "privacy-desk" } } });
    expect(response.status).toBe(400);
    expect(response.headers["content-type"]).toContain("application/problem+json");
    expect(JSON.stringify(response.body)).toContain(path);
    for (const value of Object.values(subject)) if (value.trim().length > 2) expect(response.text).not.toContain(value);
    expect(await countRequests(suiteRuntime())).toBe(before);
  });

  it.each([["email", "n/a@"], ["email", "unknown"], ["contactId", "null"], ["userId", "-"], ["phone", "0000000"], ["phone", "+49 0000000"], ["contactId", "n/a"]])(
    "the status lookup refuses a placeholder %s %j as a 400 naming the field",
    async (kind, value) => {
      const response = await call(suiteRuntime().fn.subjectStatusHandler, { path: `/api/subjects/status?${new URLSearchParams({ orgId: ORG_A, [kind]: value }).toString()}` });
      expect(response.status).toBe(400);
      expect(JSON.stringify(response.body)).toContain(kind);
    },
  );
});

function suiteRuntime(): TestEngine {
  if (suite === undefined) throw new Error("no engine");
  return suite;
}

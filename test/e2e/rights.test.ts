import type { CosmosClient } from "@azure/cosmos";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CosmosItemUpdater } from "../../src/stores/cosmos-item-updater.js";
import type { Certificate } from "../../src/domain/certificate.js";
import { HARD_CASES } from "../../src/local/seed.js";
import { call, countRequests, invocationContext, seedDemo, setupEngine, teardownEngines, type TestEngine } from "../support/engine.js";
import { snapshotPlatform, type PlatformSnapshot } from "../support/platform-snapshot.js";
import { personalNeedles } from "../support/pii.js";

// Issue 5 end to end on the emulators: rectification of every copy, concurrent rectifications,
// restriction markers placed and lifted, objection and consent withdrawal as suppressions, and the
// status lookup other services use, by every identifier form.

let rt: TestEngine;
beforeAll(async () => {
  rt = await setupEngine();
  await seedDemo(rt);
});
afterAll(() => {
  teardownEngines();
});

const attested = { method: "attested", by: "privacy-desk" } as const;

async function open(body: Record<string, unknown>, key: "admin" | "operator" = "admin"): Promise<string> {
  const opened = await call(rt.fn.submitRequestHandler, { path: "/api/requests", key, body });
  expect(opened.status, opened.text).toBe(201);
  return (opened.body as { id: string }).id;
}

async function work(id: string): Promise<void> {
  await rt.fn.workQueueHandler({ requestId: id }, invocationContext("work-queue", { dequeueCount: 1 }));
}

interface View {
  id: string;
  status: string;
  applied?: { places: Record<string, number>; registryEntries: number; fields?: string[] };
  restriction?: { state: string; since: string };
  followUp?: { requestId: string; type: string };
  statusReason?: string;
}

async function view(id: string): Promise<View> {
  return (await call(rt.fn.getRequestHandler, { path: "/x", params: { id } })).body as View;
}

async function item(container: string, orgId: string, id: string): Promise<Record<string, unknown> | undefined> {
  const { resource } = await rt.clients.cosmos.database(rt.settings.PLATFORM_DATABASE).container(container).item(id, orgId).read<Record<string, unknown>>();
  return resource;
}

async function outboxTypes(requestId: string): Promise<string[]> {
  const { resources } = await rt.clients.cosmos
    .database(rt.settings.PRIVACY_DATABASE)
    .container("outbox")
    .items.query<{ type: string; createdAt: string; data: Record<string, unknown> }>({ query: "SELECT * FROM c WHERE c.requestId = @id", parameters: [{ name: "@id", value: requestId }] })
    .fetchAll();
  return resources.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map((e) => e.type);
}

async function status(query: string, key: "admin" | "service" | "auditor" | "operatorB" = "admin") {
  return call(rt.fn.subjectStatusHandler, { path: `/api/subjects/status?${query}`, key });
}

/** Items whose key is in `changed` differ; every other item is byte for byte as it was. */
function onlyChanged(before: PlatformSnapshot, after: PlatformSnapshot, changed: ReadonlySet<string>): void {
  for (const [k, v] of before.items) {
    if (changed.has(k)) expect(after.items.get(k), k).not.toBe(v);
    else expect(after.items.get(k), k).toBe(v);
  }
  expect(after.items.size).toBe(before.items.size);
}

describe("rectification", () => {
  const mila = HARD_CASES.duplicateContact;
  const copies = HARD_CASES.reformattedIdentifiers;

  it("refuses fields the map does not list and values that are not valid, storing nothing", async () => {
    const before = await countRequests(rt);
    const cases: [unknown, string][] = [
      [[{ field: "tags", value: "vip" }], "changes[0].field"],
      [[{ field: "phone", value: "call me maybe" }], "changes[0].value"],
      [[{ field: "email", value: "not-an-email" }], "changes[0].value"],
      [[{ field: "dateOfBirth", value: "2999-01-01" }], "changes[0].value"],
      [[{ field: "name", value: "A" }, { field: "name", value: "B" }], "changes[1].field"],
      [[{ field: "name", value: 42 }], "changes[0].value"],
    ];
    for (const [changes, path] of cases) {
      const refused = await call(rt.fn.submitRequestHandler, { path: "/api/requests", body: { type: "rectification", orgId: mila.orgId, subject: { email: mila.email }, changes, verification: attested } });
      expect(refused.status, JSON.stringify(changes)).toBe(400);
      expect(refused.headers["content-type"]).toContain("application/problem+json");
      expect(JSON.stringify(refused.body)).toContain(path);
    }
    expect(await countRequests(rt)).toBe(before);
  });

  it("corrects the record and every mapped copy, moves the registry with the phone, and audits without values", async () => {
    // A hold and a suppression under the old phone must follow the subject to the new one.
    const hold = await call(rt.fn.placeHoldHandler, { path: "/api/legal-holds", body: { orgId: mila.orgId, subject: { phone: mila.phone }, category: "sales", reason: "tax audit 2026" } });
    expect(hold.status).toBe(201);
    const before = await snapshotPlatform(rt);
    const newName = "Mila Hartmann-Berg";
    const newEmail = "mila.berg@example.net";
    const id = await open({
      type: "rectification",
      orgId: mila.orgId,
      subject: { contactId: mila.contactIds[0] },
      // National format: normalised with the org's country (DE).
      changes: [{ field: "name", value: newName }, { field: "phone", value: "030 7654321" }, { field: "email", value: "  Mila.Berg@Example.NET " }],
      verification: attested,
    });
    await work(id);
    const done = await view(id);
    expect(done.status, done.statusReason).toBe("completed");
    expect(done.applied?.fields).toEqual(["name", "phone", "email"]);

    for (const contactId of mila.contactIds) {
      expect(await item("contacts", mila.orgId, contactId)).toMatchObject({ name: newName, phone: "+49307654321", email: newEmail });
    }
    const order = await item("orders", mila.orgId, copies.orderId);
    expect(order?.customer).toMatchObject({ name: newName, phone: "+49307654321", email: newEmail });
    expect(await item("campaignEvents", mila.orgId, copies.campaignEventId)).toMatchObject({ phone: "+49307654321" });

    // Exactly the subject's items changed: their contacts, orders and campaign sends; nothing else.
    const after = await snapshotPlatform(rt);
    const changed = new Set([...before.items].filter(([k, v]) => after.items.get(k) !== v).map(([k]) => k));
    expect([...changed].every((k) => k.includes(`/${mila.orgId}/`))).toBe(true);
    expect([...changed].some((k) => k.startsWith("orders/"))).toBe(true);
    expect([...changed].some((k) => k.startsWith("campaignEvents/"))).toBe(true);
    for (const k of changed) expect(k.startsWith("contacts/") || k.startsWith("orders/") || k.startsWith("campaignEvents/"), k).toBe(true);
    for (const k of changed) expect(mila.contactIds.some((c) => before.items.get(k)?.includes(c) === true), k).toBe(true);
    onlyChanged(before, after, changed);

    // The hold follows the phone: the new number shows it, the old one no longer does.
    const byNew = await status(`orgId=${mila.orgId}&phone=${encodeURIComponent("+49 30 7654321")}`);
    expect(byNew.status).toBe(200);
    expect((byNew.body as { legalHolds: { id: string }[] }).legalHolds.map((h) => h.id)).toEqual([(hold.body as { id: string }).id]);
    const byOld = await status(`orgId=${mila.orgId}&phone=${encodeURIComponent(mila.phone)}`);
    expect((byOld.body as { legalHolds: unknown[] }).legalHolds).toEqual([]);

    // The audit names fields and digests, never a value (old or new, in any phone format).
    const audit = await call(rt.fn.auditHandler, { path: "/x", params: { id } });
    const text = JSON.stringify(audit.body);
    for (const needle of [...personalNeedles(), newName, newEmail, "+49307654321", "7654321", "Berg"]) expect(text.includes(needle), needle).toBe(false);
    const applied = (audit.body as { entries: { action: string; details: Record<string, unknown> }[] }).entries.find((e) => e.action === "rectification.applied");
    expect(applied?.details.fields).toEqual(["name", "phone", "email"]);
    expect((applied?.details.after as string[]).length).toBe(3);
    expect((applied?.details.before as string[]).length).toBeGreaterThanOrEqual(3);
    expect(await outboxTypes(id)).toContain("subject.rectified");
  });

  it("two rectifications of the same subject at once both land (ETag preconditions, no lost update)", async () => {
    const jonas = HARD_CASES.crossOrgPhone.contacts[0];
    const a = await open({ type: "rectification", orgId: jonas.orgId, subject: { contactId: jonas.contactId }, changes: [{ field: "name", value: "Jonas A. Albrecht" }], verification: attested });
    const b = await open({ type: "rectification", orgId: jonas.orgId, subject: { contactId: jonas.contactId }, changes: [{ field: "dateOfBirth", value: "1990-04-01" }], verification: attested });
    await Promise.all([work(a), work(b)]);
    expect((await view(a)).status).toBe("completed");
    expect((await view(b)).status).toBe("completed");
    expect(await item("contacts", jonas.orgId, jonas.contactId)).toMatchObject({ name: "Jonas A. Albrecht", dateOfBirth: "1990-04-01" });
  });

  it("a write between the read and the replace is re-read and kept", async () => {
    const target = { database: rt.settings.PLATFORM_DATABASE, container: "contacts", orgField: "orgId" };
    const real = rt.clients.cosmos;
    // The real client, except that the first read of the item lets another writer land right after it.
    let intercepted = false;
    const racing = {
      database: (db: string) => ({
        container: (c: string) => ({
          item: (id: string, pk: string) => {
            const item = real.database(db).container(c).item(id, pk);
            return {
              read: async () => {
                const result = await item.read();
                if (!intercepted) {
                  intercepted = true;
                  await item.patch([{ op: "set", path: "/concurrent", value: "theirs" }]);
                }
                return result;
              },
              replace: item.replace.bind(item),
            };
          },
        }),
      }),
    } as unknown as CosmosClient;
    let calls = 0;
    const outcome = await new CosmosItemUpdater(racing).update(target, "org-demo", "contact-demo-0006", (current) => {
      calls += 1;
      return { ...current, rectifiedField: "ours" };
    });
    expect(outcome).toBe("updated");
    // The first replace failed on the ETag; the change was applied again to what the other writer left.
    expect(calls).toBe(2);
    expect(await item("contacts", "org-demo", "contact-demo-0006")).toMatchObject({ rectifiedField: "ours", concurrent: "theirs" });
  });
});

describe("restriction", () => {
  const jonas = HARD_CASES.crossOrgPhone;
  const demo = jonas.contacts[0];
  const other = jonas.contacts[1];

  it("marks every item of the subject, records it in the registry, and lifts only after a notice", async () => {
    const before = await snapshotPlatform(rt);
    const id = await open({ type: "restriction", orgId: demo.orgId, subject: { phone: jonas.phone }, ground: "accuracy-contested", verification: attested });
    expect((await call(rt.fn.liftHandler, { path: "/x", params: { id }, body: { reason: "accuracy confirmed" } })).status).toBe(409);
    await work(id);
    const placed = await view(id);
    expect(placed.status, placed.statusReason).toBe("completed");
    expect(placed.restriction?.state).toBe("in-force");
    expect(placed.applied?.places.contacts).toBeGreaterThan(0);

    const contact = await item("contacts", demo.orgId, demo.contactId);
    expect(contact?._privacy).toMatchObject({ restricted: { ground: "accuracy-contested", requestId: id } });
    // The same phone in another org is another org's subject: untouched.
    expect((await item("contacts", other.orgId, other.contactId))?._privacy).toBeUndefined();
    // Nothing but the marker changed (the snapshot ignores `_` fields), and no other item was marked.
    const after = await snapshotPlatform(rt);
    onlyChanged(before, after, new Set());
    expect((await item("contacts", demo.orgId, "contact-demo-0005"))?._privacy).toBeUndefined();

    // Every identifier form finds the restriction.
    for (const query of [
      `phone=${encodeURIComponent(jonas.phone)}`,
      `phone=${encodeURIComponent("+49 30 98765432")}`,
      `phone=${encodeURIComponent("030 98765432")}`,
      `phone=${encodeURIComponent("0049 30 98765432")}`,
      `email=${encodeURIComponent(demo.email.toUpperCase())}`,
      `contactId=${demo.contactId}`,
    ]) {
      const found = await status(`orgId=${demo.orgId}&${query}`);
      expect(found.status, query).toBe(200);
      expect(found.body, query).toMatchObject({ restricted: true, restriction: { ground: "accuracy-contested" } });
      expect(found.headers["cache-control"]).toBe("no-store");
    }
    expect((await status(`orgId=${other.orgId}&phone=${encodeURIComponent(jonas.phone)}`)).body).toMatchObject({ restricted: false });

    // Lifting: a reason is required, the auditor may not, the notice goes out before the markers come off.
    expect((await call(rt.fn.liftHandler, { path: "/x", params: { id }, body: {} })).status).toBe(400);
    expect((await call(rt.fn.liftHandler, { path: "/x", params: { id }, key: "auditor", body: { reason: "accuracy confirmed" } })).status).toBe(403);
    expect((await call(rt.fn.liftHandler, { path: "/x", params: { id }, key: "operatorB", body: { reason: "accuracy confirmed" } })).status).toBe(404);
    const lifting = await call(rt.fn.liftHandler, { path: "/x", params: { id }, body: { reason: "accuracy confirmed" } });
    expect(lifting.status).toBe(202);
    expect((lifting.body as View).restriction?.state).toBe("lift-requested");
    expect(await outboxTypes(id)).toContain("restriction.lift-notice");
    expect((await item("contacts", demo.orgId, demo.contactId))?._privacy).toBeDefined();
    await work(id);
    expect((await view(id)).restriction?.state).toBe("lifted");
    // The lift's discovery named the subject's items again; that manifest goes with it.
    const manifests = await rt.clients.cosmos
      .database(rt.settings.PRIVACY_DATABASE)
      .container("manifests")
      .items.query({ query: "SELECT VALUE COUNT(1) FROM c WHERE c.requestId = @id", parameters: [{ name: "@id", value: id }] })
      .fetchAll();
    expect(manifests.resources).toEqual([0]);
    expect((await item("contacts", demo.orgId, demo.contactId))?._privacy).toBeUndefined();
    expect((await status(`orgId=${demo.orgId}&contactId=${demo.contactId}`)).body).toMatchObject({ restricted: false });
    const types = await outboxTypes(id);
    expect(types.indexOf("restriction.lift-notice")).toBeLessThan(types.indexOf("restriction.lifted"));
    expect(types).toContain("subject.restricted");
    expect((await call(rt.fn.liftHandler, { path: "/x", params: { id }, body: { reason: "again" } })).status).toBe(409);
    onlyChanged(before, await snapshotPlatform(rt), new Set());
  });
});

describe("objection and consent withdrawal", () => {
  const subject = { orgId: "org-demo", contactId: "contact-demo-0004" };

  it("records suppressions under every identifier; an objection to marketing cannot be refused", async () => {
    const pending = await open({ type: "objection", orgId: subject.orgId, subject: { contactId: subject.contactId }, purposes: ["marketing", "analytics"] });
    const refused = await call(rt.fn.rejectHandler, { path: "/x", params: { id: pending }, body: { reason: "excessive", detail: "too many" } });
    expect(refused.status).toBe(409);
    expect((await call(rt.fn.rejectHandler, { path: "/x", params: { id: pending }, body: { reason: "identity-not-verified", detail: "no answer" } })).status).toBe(200);

    const id = await open({ type: "objection", orgId: subject.orgId, subject: { contactId: subject.contactId }, purposes: ["marketing", "analytics"], verification: attested });
    await work(id);
    expect((await view(id)).status).toBe("completed");
    const contact = await item("contacts", subject.orgId, subject.contactId);
    const phone = String(contact?.phone);
    for (const query of [`contactId=${subject.contactId}`, `phone=${encodeURIComponent(phone)}`]) {
      const found = await status(`orgId=${subject.orgId}&${query}`);
      expect(found.body, query).toMatchObject({
        restricted: false,
        suppressions: [
          { purpose: "analytics", absolute: false, basis: "objection" },
          { purpose: "marketing", absolute: true, basis: "objection" },
        ],
      });
    }
    expect(await outboxTypes(id)).toContain("subject.suppressed");
  });

  it("a withdrawal with erase opens one erasure of the consent categories only", async () => {
    const target = { orgId: "org-demo", contactId: "contact-demo-0006" };
    const before = await snapshotPlatform(rt);
    const id = await open({ type: "consent-withdrawal", orgId: target.orgId, subject: { contactId: target.contactId }, purposes: ["marketing"], erase: true, verification: attested });
    const counted = await countRequests(rt);
    await work(id);
    // A redelivery opens no second erasure.
    await work(id);
    expect(await countRequests(rt)).toBe(counted + 1);
    const done = await view(id);
    expect(done.status).toBe("completed");
    const erasureId = done.followUp?.requestId;
    if (erasureId === undefined) throw new Error("no follow-up erasure");
    await work(erasureId);
    const erasure = await view(erasureId);
    expect(erasure.status, erasure.statusReason).toBe("completed");
    const after = await snapshotPlatform(rt);
    const mine = (k: string, v: string) => k.includes(`/${target.orgId}/`) && (v.includes(target.contactId) || k.endsWith(`/${target.contactId}`));
    let kept = 0;
    for (const [k, v] of before.items) {
      if (!mine(k, v)) {
        expect(after.items.get(k), k).toBe(v);
        continue;
      }
      // Consent-based categories (contact list, campaign) go; chat logs and orders stay.
      if (k.startsWith("contacts/") || k.startsWith("campaignEvents/")) expect(after.items.has(k), k).toBe(false);
      else if (k.startsWith("messages/") || k.startsWith("conversations/") || k.startsWith("orders/")) {
        expect(after.items.get(k), k).toBe(v);
        kept += 1;
      }
    }
    expect(kept).toBeGreaterThan(0);
    expect(((await call(rt.fn.getRequestHandler, { path: "/x", params: { id: erasureId } })).body as { categories?: string[] }).categories).toEqual(["contact-list", "campaign"]);
    // The certificate says the erasure was limited, and verification counted only those categories.
    const certificate = (await call(rt.fn.certificateHandler, { path: "/x", params: { id: erasureId } })).body as Certificate;
    expect(certificate).toMatchObject({ outcome: "erased", categories: ["contact-list", "campaign"], verification: { remaining: 0 } });
    expect(Object.keys(certificate.places).sort()).toEqual(expect.arrayContaining(["campaign-events", "contacts"]));
    expect(certificate.places.messages).toBeUndefined();
  });
});

describe("status lookup", () => {
  it("answers services and privacy roles for their orgs only, and refuses bad queries", async () => {
    // The service key acts on org-alpha only (an org without data here: nothing recorded).
    expect((await status("orgId=org-alpha&contactId=contact-demo-0009", "service")).body).toEqual({
      orgId: "org-alpha",
      subjectKey: expect.stringMatching(/^sk_/) as unknown,
      restricted: false,
      suppressions: [],
      legalHolds: [],
    });
    expect((await status("orgId=org-demo&contactId=x", "service")).status).toBe(404);
    expect((await status("orgId=org-alpha&contactId=x", "auditor")).status).toBe(200);
    expect((await status("orgId=org-alpha&contactId=x", "operatorB")).status).toBe(404);
    expect((await status("orgId=org-alpha", "service")).status).toBe(400);
    expect((await status("orgId=org-alpha&contactId=a&email=b%40c.de", "service")).status).toBe(400);
    expect((await status("orgId=org-alpha&phone=hello", "service")).status).toBe(400);
    expect((await status("orgId=org-alpha&contactId=a&extra=1", "service")).status).toBe(400);
  });

  it("shows org-wide holds beside the subject's own", async () => {
    const placed = await call(rt.fn.placeHoldHandler, { path: "/api/legal-holds", body: { orgId: "org-0002", category: "sales", reason: "tax audit 2027" } });
    expect(placed.status).toBe(201);
    const found = await status("orgId=org-0002&contactId=contact-0002-0003");
    expect((found.body as { legalHolds: { id: string; category: string }[] }).legalHolds).toEqual([{ id: (placed.body as { id: string }).id, category: "sales" }]);
  });
});

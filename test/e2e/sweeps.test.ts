import { authorize } from "../../src/domain/access.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Certificate } from "../../src/domain/certificate.js";
import { EngineError } from "../../src/domain/errors.js";
import type { OutboxEvent } from "../../src/domain/events.js";
import { noticeId } from "../../src/domain/retention.js";
import { orgKey, subjectKey } from "../../src/domain/subject-key.js";
import type { PlatformItems, RetentionNoticeStore, SweepStore } from "../../src/engine/ports.js";
import { runSweepStep, startSweep, type RetentionPreview, type SweepRunView } from "../../src/engine/sweeps.js";
import { buildDataset, HARD_CASES } from "../../src/local/seed.js";
import { expectedDiscovery } from "../support/discovery-oracle.js";
import { call, invocationContext, seedDemo, setupEngine, TEST_TIMER, teardownEngines, type TestEngine } from "../support/engine.js";
import { snapshotKey, snapshotPlatform } from "../support/platform-snapshot.js";

// The sweeps end to end on the emulators, with frozen time: timers and routes in, the work
// queue drained as the host would, the platform's data and the engine's records out.
// Over 400 lines on purpose: every case shares one frozen clock, seeded orgs and the queue drain.

let rt: TestEngine;
const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
const HOUR = 3_600_000;
const T0 = Date.parse("2026-11-02T03:00:00Z");

beforeAll(async () => {
  // Pages of two subjects, so every sweep here walks several pages and checkpoints between them.
  rt = await setupEngine({ PRIVACY_SWEEP_PAGE_SIZE: "2" });
  await seedDemo(rt);
  vi.useFakeTimers({ toFake: ["Date"] });
});
beforeEach(() => {
  vi.setSystemTime(T0);
});
afterAll(() => {
  vi.useRealTimers();
  teardownEngines();
});

const at = (ms: number) => {
  vi.setSystemTime(ms);
};
const key = (orgId: string, kind: "contactId" | "userId", id: string) => subjectKey(rt.settings.PRIVACY_SUBJECT_KEY_SECRET, orgId, kind, id);
const platform = (container: string) => rt.clients.cosmos.database(rt.settings.PLATFORM_DATABASE).container(container);

/** Delivers every visible work message to the work-queue function, as the host would, until none is left. */
async function drain(): Promise<number> {
  const queue = rt.clients.queues.getQueueClient(rt.settings.PRIVACY_WORK_QUEUE);
  let delivered = 0;
  for (let round = 0; round < 200; round += 1) {
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 120 });
    if (receivedMessageItems.length === 0) return delivered;
    for (const message of receivedMessageItems) {
      const body = JSON.parse(Buffer.from(message.messageText, "base64").toString("utf8")) as unknown;
      await rt.fn.workQueueHandler(body, invocationContext("work-queue", { dequeueCount: message.dequeueCount }));
      await queue.deleteMessage(message.messageId, message.popReceipt);
      delivered += 1;
    }
  }
  throw new Error("the work queue did not drain");
}

async function retentionRun(): Promise<void> {
  await rt.fn.retentionSweepHandler(TEST_TIMER, invocationContext("retention-sweep"));
  await drain();
}

async function addOrg(orgId: string, jurisdiction: string, contacts: Record<string, unknown>[], users: Record<string, unknown>[] = []): Promise<void> {
  await platform("organizations").items.upsert({ id: orgId, orgId, name: `Org ${orgId}`, settings: { jurisdiction, defaultCountry: "DE" }, lastActiveAt: new Date(T0 - HOUR).toISOString() });
  for (const contact of contacts) await platform("contacts").items.upsert({ orgId, name: "Fixture Person", ...contact });
  for (const user of users) await platform("users").items.upsert({ orgId, name: "Fixture User", lastLoginAt: new Date(T0 - HOUR).toISOString(), ...user });
}

async function exists(container: string, orgId: string, id: string): Promise<boolean> {
  const { resource } = await platform(container).item(id, orgId).read<Record<string, unknown>>();
  return resource !== undefined;
}

async function events(orgId: string, type: string): Promise<OutboxEvent[]> {
  const { resources } = await rt.clients.cosmos
    .database(rt.settings.PRIVACY_DATABASE)
    .container("outbox")
    .items.query<OutboxEvent>({ query: "SELECT * FROM c WHERE c.orgId = @orgId AND c.type = @type", parameters: [{ name: "@orgId", value: orgId }, { name: "@type", value: type }] })
    .fetchAll();
  return resources;
}

async function requestsFor(orgId: string, subject: string, type: string) {
  return (await rt.requests.forSubject(orgId, [subject], [type])).map((r) => r.value);
}

const stale = (months: number) => new Date(T0 - months * 31 * 24 * HOUR).toISOString();

describe("retention sweep", () => {
  it("notices an inactive contact, waits the notice period, then erases it through the pipeline", async () => {
    const greta = HARD_CASES.staleContact;
    const subject = key(greta.orgId, "contactId", greta.contactId);
    const dataset = buildDataset();

    // The preview says what a run would do, and changes nothing.
    const preview = await call(rt.fn.previewRetentionHandler, { path: `/api/sweeps/retention/preview?orgId=${greta.orgId}`, method: "POST" });
    expect(preview.status, preview.text).toBe(200);
    const shown = preview.body as RetentionPreview;
    expect(shown.retention.contacts?.counts).toEqual({ inactive: 1, noticed: 1 });
    expect(shown.retention.users?.counts).toEqual({});
    expect(shown.retention.contacts?.category).toBe("contact-list");
    expect(shown.children.contacts?.counts).toMatchObject({ children: 2, consented: 1, erasureOpened: 1 });
    expect(await rt.notices.get(greta.orgId, noticeId(subject))).toBeUndefined();
    expect(await call(rt.fn.previewRetentionHandler, { path: `/api/sweeps/retention/preview?orgId=${greta.orgId}`, method: "POST", key: "operator" }).then((r) => r.status)).toBe(404);
    expect(await call(rt.fn.previewRetentionHandler, { path: `/api/sweeps/retention/preview?orgId=org-nobody`, method: "POST" }).then((r) => r.status)).toBe(404);

    const before = await snapshotPlatform(rt);
    await retentionRun();
    const notice = await rt.notices.get(greta.orgId, noticeId(subject));
    expect(notice?.value).toMatchObject({ state: "noticed", mapping: "contacts", eraseAfter: new Date(T0 + 48 * HOUR).toISOString() });
    const noticeEvents = await events(greta.orgId, "retention.notice");
    expect(noticeEvents.map((e) => e.subjectKey)).toEqual([subject]);
    for (const value of [greta.phone, greta.email, greta.name]) expect(JSON.stringify(noticeEvents)).not.toContain(value);
    expect(await snapshotPlatform(rt)).toEqual(before);

    // Within the notice period nothing happens, and a second run does not notice again.
    at(T0 + 47 * HOUR);
    await retentionRun();
    expect(await events(greta.orgId, "retention.notice")).toHaveLength(1);
    expect(await exists("contacts", greta.orgId, greta.contactId)).toBe(true);
    expect(await requestsFor(greta.orgId, subject, "erasure")).toEqual([]);

    // After it, still inactive: erased, with a certificate that says why.
    at(T0 + 49 * HOUR);
    await retentionRun();
    const [request, ...more] = await requestsFor(greta.orgId, subject, "erasure");
    expect(more).toEqual([]);
    expect(request).toMatchObject({ status: "completed", reason: "retention", createdBy: { kind: "principal", id: "retention-sweep" } });
    const certificate = (await call(rt.fn.certificateHandler, { path: "/x", params: { id: request?.id ?? "" } })).body as Certificate;
    expect(certificate).toMatchObject({ reason: "retention", outcome: "erased", verification: { remaining: 0 } });
    expect(certificate.places.contacts?.deleted).toBe(1);

    // Her items are gone (orders anonymised), everything else is byte for byte as it was.
    const expected = expectedDiscovery(rt.dataMap, dataset, greta.orgId, { contactId: greta.contactId }, "DE");
    const containerOf: Record<string, string> = Object.fromEntries(rt.dataMap.containers.map((m) => [m.name, m.container]));
    const hers = new Set(Object.entries(expected.items).flatMap(([place, ids]) => ids.map((id) => snapshotKey(containerOf[place] ?? place, greta.orgId, id))));
    expect(hers.size).toBeGreaterThan(3);
    const after = await snapshotPlatform(rt);
    for (const [k, value] of before.items) {
      if (!hers.has(k)) expect(after.items.get(k), k).toBe(value);
      else if (k.startsWith("orders/")) expect(after.items.get(k), k).not.toBe(value);
      else expect(after.items.has(k), k).toBe(false);
    }

    // The next run finds the erasure ended and lets the notice go.
    at(T0 + 72 * HOUR);
    await retentionRun();
    expect(await rt.notices.get(greta.orgId, noticeId(subject))).toBeUndefined();
    expect(await requestsFor(greta.orgId, subject, "erasure")).toHaveLength(1);

    const runs = await call(rt.fn.listSweepsHandler, { path: "/api/sweeps?kind=retention", key: "auditor" });
    expect(runs.status, runs.text).toBe(200);
    const { items } = runs.body as { items: SweepRunView[] };
    expect(items.length).toBeGreaterThanOrEqual(4);
    expect(items[0]?.status).toBe("done");
    expect(items[0]?.durationMs).toBeGreaterThanOrEqual(0);
    // The auditor sees only its org's steps.
    expect(items.every((run) => run.orgSteps.every((s) => s.orgId === "org-alpha"))).toBe(true);
    const all = ((await call(rt.fn.listSweepsHandler, { path: "/api/sweeps?kind=retention" })).body as { items: SweepRunView[] }).items;
    const erasing = all.find((run) => run.counts.erasureOpened === 1);
    expect(erasing?.orgSteps.find((s) => s.orgId === greta.orgId)).toMatchObject({ status: "done", phase: "done", checkpoint: false, slices: 1, counts: { erasureOpened: 1 } });
  });

  it("follows an org's own policy from its settings document", async () => {
    await addOrg("org-short", "GDPR", [
      { id: "short-1", phone: "+4930555000031", lastActivityAt: stale(14) },
      { id: "short-2", phone: "+4930555000032", lastActivityAt: stale(10) },
    ]);
    await rt.clients.cosmos.database(rt.settings.PRIVACY_DATABASE).container("orgSettings").items.upsert({ id: "org-short", orgId: "org-short", retention: { contactInactivityMonths: 12, noticeHours: 0 } });
    const preview = (await call(rt.fn.previewRetentionHandler, { path: "/api/sweeps/retention/preview?orgId=org-short", method: "POST" })).body as RetentionPreview;
    expect(preview.policy).toMatchObject({ contactInactivityMonths: 12, accountInactivityMonths: 24, noticeHours: 0 });
    expect(preview.retention.contacts).toMatchObject({ cutoff: "2025-11-02T03:00:00.000Z", counts: { inactive: 1, noticed: 1 } });
    // No notice period: the run after the notice erases.
    await call(rt.fn.sweepOrgHandler, { path: "/api/sweeps/retention?orgId=org-short", method: "POST", params: { kind: "retention" } });
    await drain();
    await call(rt.fn.sweepOrgHandler, { path: "/api/sweeps/retention?orgId=org-short", method: "POST", params: { kind: "retention" } });
    await drain();
    expect(await exists("contacts", "org-short", "short-1")).toBe(false);
    expect(await exists("contacts", "org-short", "short-2")).toBe(true);
  });

  it("renewed activity cancels the pending erasure", async () => {
    await addOrg("org-renew", "GDPR", [
      { id: "renew-1", phone: "+4930555000001", lastActivityAt: stale(40) },
      { id: "renew-2", phone: "+4930555000002", lastActivityAt: stale(2) },
    ]);
    const started = await call(rt.fn.sweepOrgHandler, { path: "/api/sweeps/retention?orgId=org-renew", method: "POST", key: "admin", params: { kind: "retention" } });
    expect(started.status, started.text).toBe(202);
    await drain();
    const subject = key("org-renew", "contactId", "renew-1");
    expect((await rt.notices.get("org-renew", noticeId(subject)))?.value.state).toBe("noticed");

    at(T0 + 5 * HOUR);
    const { resource } = await platform("contacts").item("renew-1", "org-renew").read<Record<string, unknown>>();
    await platform("contacts").items.upsert({ ...resource, lastActivityAt: new Date(T0 + 4 * HOUR).toISOString() });

    at(T0 + 49 * HOUR);
    await call(rt.fn.sweepOrgHandler, { path: "/api/sweeps/retention?orgId=org-renew", method: "POST", params: { kind: "retention" } });
    await drain();
    expect(await rt.notices.get("org-renew", noticeId(subject))).toBeUndefined();
    expect((await events("org-renew", "retention.cancelled")).map((e) => e.subjectKey)).toEqual([subject]);
    expect(await requestsFor("org-renew", subject, "erasure")).toEqual([]);
    expect(await exists("contacts", "org-renew", "renew-1")).toBe(true);
    expect(await exists("contacts", "org-renew", "renew-2")).toBe(true);
  });

  it("renewed activity cancels an erasure opened but not started yet", async () => {
    await addOrg("org-late", "GDPR", [{ id: "late-1", phone: "+4930555000041", lastActivityAt: stale(40) }]);
    const subject = key("org-late", "contactId", "late-1");
    const step = async () => {
      const run = await startSweep(rt, "retention", { kind: "on-demand", by: "test", orgId: "org-late" }, log);
      await runSweepStep(rt, { sweep: "retention", runId: run.runId, orgId: "org-late" }, log);
    };
    await step();
    at(T0 + 49 * HOUR);
    await step(); // the erasure is opened and queued; its message has not run yet
    const [queued] = await requestsFor("org-late", subject, "erasure");
    expect(queued?.status).toBe("queued");
    const { resource } = await platform("contacts").item("late-1", "org-late").read<Record<string, unknown>>();
    await platform("contacts").items.upsert({ ...resource, lastActivityAt: new Date(T0 + 49 * HOUR).toISOString() });
    at(T0 + 50 * HOUR);
    await step();
    expect((await requestsFor("org-late", subject, "erasure"))[0]).toMatchObject({ status: "cancelled", resolution: { outcome: "cancelled", by: "retention-sweep" } });
    expect(await rt.notices.get("org-late", noticeId(subject))).toBeUndefined();
    expect((await events("org-late", "retention.cancelled")).map((e) => e.subjectKey)).toEqual([subject]);
    await drain();
    expect(await exists("contacts", "org-late", "late-1")).toBe(true);
  });

  it("skips a subject under a legal hold and erases the others", async () => {
    await addOrg("org-hold", "GDPR", [
      { id: "hold-1", phone: "+4930555000011", lastActivityAt: stale(40) },
      { id: "hold-2", phone: "+4930555000012", lastActivityAt: stale(40) },
    ]);
    const placed = await call(rt.fn.placeHoldHandler, { path: "/api/legal-holds", body: { orgId: "org-hold", subject: { phone: "+49 30 555000011" }, reason: "pending litigation LIT-9" } });
    expect(placed.status).toBe(201);
    await call(rt.fn.sweepOrgHandler, { path: "/api/sweeps/retention?orgId=org-hold", method: "POST", params: { kind: "retention" } });
    await drain();
    expect(await rt.notices.get("org-hold", noticeId(key("org-hold", "contactId", "hold-1")))).toBeUndefined();
    expect(await rt.notices.get("org-hold", noticeId(key("org-hold", "contactId", "hold-2")))).toBeDefined();
    at(T0 + 49 * HOUR);
    await call(rt.fn.sweepOrgHandler, { path: "/api/sweeps/retention?orgId=org-hold", method: "POST", params: { kind: "retention" } });
    await drain();
    expect(await exists("contacts", "org-hold", "hold-1")).toBe(true);
    expect(await exists("contacts", "org-hold", "hold-2")).toBe(false);
    const runs = ((await call(rt.fn.listSweepsHandler, { path: "/api/sweeps?kind=retention" })).body as { items: SweepRunView[] }).items;
    const last = runs.find((run) => run.startedAt === new Date(T0 + 49 * HOUR).toISOString() && run.orgSteps.some((s) => s.orgId === "org-hold"));
    expect(last?.counts).toMatchObject({ held: 1, erasureOpened: 1 });
  });
  it("never takes a placeholder id for a subject: such contacts are counted unidentifiable and left alone", async () => {
    // Before placeholders were refused, a contact with the id "null" failed the sweep page on every run.
    await addOrg("org-placeholder", "GDPR", [
      { id: "ph-real", phone: "+4930555000021", email: "", lastActivityAt: stale(40) },
      { id: "null", phone: "", lastActivityAt: stale(40) },
      { id: "unknown", phone: "0000000", lastActivityAt: stale(40) },
    ]);
    const sweep = async () => {
      const started = await call(rt.fn.sweepOrgHandler, { path: "/api/sweeps/retention?orgId=org-placeholder", method: "POST", params: { kind: "retention" } });
      expect(started.status, started.text).toBe(202);
      await drain();
    };
    await sweep();
    expect(await rt.notices.get("org-placeholder", noticeId(key("org-placeholder", "contactId", "ph-real")))).toBeDefined();
    expect(await rt.notices.get("org-placeholder", noticeId(key("org-placeholder", "contactId", "null")))).toBeUndefined();
    at(T0 + 49 * HOUR);
    await sweep();
    expect(await exists("contacts", "org-placeholder", "ph-real")).toBe(false);
    expect(await exists("contacts", "org-placeholder", "null")).toBe(true);
    expect(await exists("contacts", "org-placeholder", "unknown")).toBe(true);
    const runs = ((await call(rt.fn.listSweepsHandler, { path: "/api/sweeps?kind=retention" })).body as { items: SweepRunView[] }).items;
    const last = runs.find((run) => run.startedAt === new Date(T0 + 49 * HOUR).toISOString() && run.orgSteps.some((s) => s.orgId === "org-placeholder"));
    expect(last?.status).toBe("done");
    expect(last?.counts).toMatchObject({ unidentifiable: 2, erasureOpened: 1 });
  });

  it("offboards an org inactive longer than its period, after notice", async () => {
    await addOrg("org-dormant", "GDPR", [{ id: "dormant-1", phone: "+4930555000021", lastActivityAt: stale(3) }]);
    await platform("organizations").items.upsert({ id: "org-dormant", orgId: "org-dormant", name: "Dormant", settings: { jurisdiction: "GDPR", defaultCountry: "DE" }, lastActiveAt: stale(30) });
    const org = orgKey(rt.settings.PRIVACY_SUBJECT_KEY_SECRET, "org-dormant");
    const preview = (await call(rt.fn.previewRetentionHandler, { path: "/api/sweeps/retention/preview?orgId=org-dormant", method: "POST" })).body as RetentionPreview;
    expect(preview.retention.organizations?.counts).toEqual({ inactive: 1, noticed: 1 });
    await call(rt.fn.sweepOrgHandler, { path: "/api/sweeps/retention?orgId=org-dormant", method: "POST", params: { kind: "retention" } });
    await drain();
    expect((await rt.notices.get("org-dormant", noticeId(org)))?.value).toMatchObject({ mapping: "organizations", period: "org", state: "noticed" });
    expect(await exists("contacts", "org-dormant", "dormant-1")).toBe(true);

    at(T0 + 49 * HOUR);
    await call(rt.fn.sweepOrgHandler, { path: "/api/sweeps/retention?orgId=org-dormant", method: "POST", params: { kind: "retention" } });
    await drain();
    const [offboarding] = await requestsFor("org-dormant", org, "org-offboarding");
    expect(offboarding).toMatchObject({ status: "completed", reason: "retention" });
    expect(await exists("contacts", "org-dormant", "dormant-1")).toBe(false);
    expect(await exists("organizations", "org-dormant", "org-dormant")).toBe(false);
    expect(await exists("contacts", "org-renew", "renew-2")).toBe(true);
  });
});

describe("children's data", () => {
  it("erases children without a verified consent on the timer, keeps the consented one", async () => {
    const leni = HARD_CASES.childWithoutConsent;
    const finn = HARD_CASES.childWithConsent;
    await rt.fn.childrenSweepHandler(TEST_TIMER, invocationContext("children-sweep"));
    await drain();
    expect(await exists("contacts", leni.orgId, leni.contactId)).toBe(false);
    expect(await exists("contacts", finn.orgId, finn.contactId)).toBe(true);
    const [request] = await requestsFor(leni.orgId, key(leni.orgId, "contactId", leni.contactId), "child-data");
    expect(request).toMatchObject({ status: "completed", createdBy: { id: "children-sweep" } });
    const certificate = (await call(rt.fn.certificateHandler, { path: "/x", params: { id: request?.id ?? "" } })).body as Certificate;
    expect(certificate.reason).toBe("child-data");
    // The next hour's run has nothing left to do.
    at(T0 + HOUR);
    await rt.fn.childrenSweepHandler(TEST_TIMER, invocationContext("children-sweep"));
    await drain();
    expect(await requestsFor(leni.orgId, key(leni.orgId, "contactId", leni.contactId), "child-data")).toHaveLength(1);
  });

  it("tells children by their birthday, 29 February included, and by the jurisdiction's age", async () => {
    const born = (id: string, dateOfBirth: string, extra: Record<string, unknown> = {}) => ({ id, phone: `+49305550${String(100 + Number(id.slice(-2)))}`, dateOfBirth, lastActivityAt: stale(1), ...extra });
    // On 28 February 2025, under GDPR (13): the leap-day child is 12 until 1 March.
    await addOrg(
      "org-kids-a",
      "GDPR",
      [
        born("a-01", "2012-02-29"),
        born("a-02", "2012-02-28"),
        born("a-03", "2012-03-01"),
        born("a-04", "2014-05-05", { parentalConsent: { verified: true, verifiedAt: "2024-01-01T00:00:00Z", method: "guardian-email-confirmation" } }),
        born("a-05", "2014-05-06", { parentalConsent: { verified: false } }),
        born("a-06", "2009-06-01"),
      ],
      [{ id: "a-user-01", email: "kid.a@example.org", dateOfBirth: "2013-01-01" }],
    );
    // On 1 March 2025: the leap-day child is 13 under GDPR; under DPDP (18) a 15-year-old is a child.
    await addOrg("org-kids-b", "GDPR", [born("b-01", "2012-02-29"), born("b-02", "2012-03-02")]);
    await addOrg("org-kids-c", "DPDP", [born("c-01", "2009-06-01"), born("c-02", "2007-02-28"), born("c-03", "2007-03-02")]);

    const sweep = async (orgId: string) => {
      const started = await call(rt.fn.sweepOrgHandler, { path: `/api/sweeps/children?orgId=${orgId}`, method: "POST", key: orgId === "org-alpha" ? "operator" : "admin", params: { kind: "children" } });
      expect(started.status, started.text).toBe(202);
      await drain();
    };
    at(Date.parse("2025-02-28T23:30:00Z"));
    await sweep("org-kids-a");
    at(Date.parse("2025-03-01T00:30:00Z"));
    await sweep("org-kids-b");
    await sweep("org-kids-c");

    const left = async (orgId: string, ids: string[], container = "contacts") => (await Promise.all(ids.map((id) => exists(container, orgId, id)))).map((e, i) => (e ? ids[i] : "-"));
    expect(await left("org-kids-a", ["a-01", "a-02", "a-03", "a-04", "a-05", "a-06"])).toEqual(["-", "a-02", "-", "a-04", "-", "a-06"]);
    expect(await left("org-kids-a", ["a-user-01"], "users")).toEqual(["-"]);
    expect(await left("org-kids-b", ["b-01", "b-02"])).toEqual(["b-01", "-"]);
    expect(await left("org-kids-c", ["c-01", "c-02", "c-03"])).toEqual(["-", "c-02", "-"]);

    // On demand for one subject: a child-data request by the privacy team does it at once.
    const opened = await call(rt.fn.submitRequestHandler, { path: "/api/requests", body: { type: "child-data", orgId: "org-kids-b", subject: { contactId: "b-01" }, verification: { method: "attested", by: "privacy-desk" } } });
    expect(opened.status).toBe(201);
    await drain();
    expect(await exists("contacts", "org-kids-b", "b-01")).toBe(false);
    // Another org's operator cannot sweep an org it does not act on.
    expect((await call(rt.fn.sweepOrgHandler, { path: "/api/sweeps/children?orgId=org-kids-a", method: "POST", key: "operator", params: { kind: "children" } })).status).toBe(404);
    expect((await call(rt.fn.sweepOrgHandler, { path: "/api/sweeps/children?orgId=org-kids-a", method: "POST", key: "auditor", params: { kind: "children" } })).status).toBe(403);
  });
});

describe("runs at any size", () => {
  const many = Array.from({ length: 10 }, (_, i) => ({ id: `many-${String(i).padStart(2, "0")}`, phone: `+4930555002${String(i).padStart(2, "0")}`, lastActivityAt: i % 2 === 0 ? stale(40) : stale(3) }));

  it("an interrupted step resumes from its checkpoint; an overlapping run skips the org; no subject is noticed twice", async () => {
    await addOrg("org-many", "GDPR", many);
    const runA = await startSweep(rt, "retention", { kind: "on-demand", by: "test", orgId: "org-many" }, log);
    const runB = await startSweep(rt, "retention", { kind: "on-demand", by: "test", orgId: "org-many" }, log);

    // Run A's process dies while creating its third notice: from then on none of its calls lands.
    let created = 0;
    let dead = false;
    const die = () => {
      dead = true;
      throw new EngineError("unavailable", "injected crash");
    };
    const guard = <T>(work: () => Promise<T>): Promise<T> => (dead ? Promise.reject(new EngineError("unavailable", "dead")) : work());
    const notices: RetentionNoticeStore = {
      get: (o, id) => guard(() => rt.notices.get(o, id)),
      create: (n) => guard(() => (++created === 3 ? die() : rt.notices.create(n))),
      replace: (n, e) => guard(() => rt.notices.replace(n, e)),
      remove: (o, id) => guard(() => rt.notices.remove(o, id)),
      after: (o, a, l) => guard(() => rt.notices.after(o, a, l)),
    };
    const sweeps: SweepStore = {
      createRun: (r) => guard(() => rt.sweeps.createRun(r)),
      recentRuns: (l, k) => guard(() => rt.sweeps.recentRuns(l, k)),
      steps: (r) => guard(() => rt.sweeps.steps(r)),
      getStep: (r, o) => guard(() => rt.sweeps.getStep(r, o)),
      createStep: (s) => guard(() => rt.sweeps.createStep(s)),
      replaceStep: (s, e) => guard(() => rt.sweeps.replaceStep(s, e)),
      getLease: (k, o) => guard(() => rt.sweeps.getLease(k, o)),
      putLease: (l, e) => guard(() => rt.sweeps.putLease(l, e)),
    };
    const message = (runId: string) => ({ sweep: "retention" as const, runId, orgId: "org-many" });
    await expect(runSweepStep({ ...rt, notices, sweeps }, message(runA.runId), log)).rejects.toThrow();
    const checkpoint = await rt.sweeps.getStep(runA.runId, "org-many");
    expect(checkpoint?.value).toMatchObject({ status: "running", phase: 3, counts: { inactive: 2, noticed: 2 } }); // notices, organizations, users, contacts
    expect(checkpoint?.value.cursor).toBeDefined();

    // A's message comes back while the dead holder's lease still holds: it waits (a delayed message), touching nothing.
    await runSweepStep(rt, message(runA.runId), log);
    expect((await rt.sweeps.getStep(runA.runId, "org-many"))?.value).toMatchObject({ status: "running", slices: 1, counts: { noticed: 2 } });

    // Run B overlaps while A's lease still holds: it leaves the org to A.
    at(T0 + 60_000);
    await runSweepStep(rt, message(runB.runId), log);
    expect((await rt.sweeps.getStep(runB.runId, "org-many"))?.value).toMatchObject({ status: "skipped" });

    // A's message again, once the dead holder's lease has lapsed: it continues where it stopped.
    at(T0 + (rt.settings.PRIVACY_SWEEP_LEASE_SECONDS + 1) * 1000);
    await runSweepStep(rt, message(runA.runId), log);
    const done = (await rt.sweeps.getStep(runA.runId, "org-many"))?.value;
    expect(done).toMatchObject({ status: "done", slices: 2 });
    expect(done?.counts.noticed).toBe(5);
    const noticed = many.filter((_, i) => i % 2 === 0).map((c) => key("org-many", "contactId", c.id));
    for (const subject of noticed) expect(await rt.notices.get("org-many", noticeId(subject)), subject).toBeDefined();
    const sent = await events("org-many", "retention.notice");
    expect(sent.map((e) => e.subjectKey).sort()).toEqual([...noticed].sort());
    await drain();
    expect(await events("org-many", "retention.notice")).toHaveLength(5);
  });

  it("a step out of time continues in a new message from its checkpoint", async () => {
    await addOrg("org-slow", "GDPR", Array.from({ length: 5 }, (_, i) => ({ id: `slow-${String(i)}`, phone: `+49305550030${String(i)}`, lastActivityAt: stale(40) })));
    const run = await startSweep(rt, "retention", { kind: "on-demand", by: "test", orgId: "org-slow" }, log);
    await drain();
    expect((await rt.sweeps.getStep(run.runId, "org-slow"))?.value).toMatchObject({ status: "done", slices: 1, counts: { noticed: 5 } });
    // A slow store: every query page takes half a slice, so the step hands over after two pages.
    at(T0 + 49 * HOUR);
    const second = await startSweep(rt, "retention", { kind: "on-demand", by: "test", orgId: "org-slow" }, log);
    const queue = rt.clients.queues.getQueueClient(rt.settings.PRIVACY_WORK_QUEUE);
    await queue.clearMessages();
    const slow: PlatformItems = {
      queryPage: async (target, orgId, query, page) => {
        vi.setSystemTime(Date.now() + rt.settings.PRIVACY_SWEEP_SLICE_MS / 2 + 1);
        return rt.platformItems.queryPage(target, orgId, query, page);
      },
    };
    await runSweepStep({ ...rt, platformItems: slow }, { sweep: "retention", runId: second.runId, orgId: "org-slow" }, log);
    const handedOver = (await rt.sweeps.getStep(second.runId, "org-slow"))?.value;
    expect(handedOver).toMatchObject({ status: "running", slices: 1, phase: 0, counts: { erasureOpened: 2 } });
    expect(handedOver?.cursor).toBeDefined();
    // The next message (the one the step enqueued) finishes the rest, at the store's usual pace.
    await drain();
    const finished = (await rt.sweeps.getStep(second.runId, "org-slow"))?.value;
    expect(finished).toMatchObject({ status: "done", slices: 2, counts: { erasureOpened: 5 } });
    for (let i = 0; i < 5; i += 1) expect(await exists("contacts", "org-slow", `slow-${String(i)}`)).toBe(false);
  });

  it("queries grow with the inactive set, not with the org", async () => {
    const fill = (prefix: string, total: number) =>
      Array.from({ length: total }, (_, i) => ({ id: `${prefix}-${String(i).padStart(3, "0")}`, phone: `+4930556${prefix === "small" ? "1" : "2"}${String(i).padStart(3, "0")}`, lastActivityAt: i < 3 ? stale(40) : stale(1) }));
    await addOrg("org-small", "GDPR", fill("small", 6));
    await addOrg("org-large", "GDPR", fill("large", 60));
    const counted = (calls: { pages: number; items: number }): PlatformItems => ({
      queryPage: async (target, orgId, query, page) => {
        const result = await rt.platformItems.queryPage(target, orgId, query, page);
        calls.pages += 1;
        calls.items += result.items.length;
        return result;
      },
    });
    const small = { pages: 0, items: 0 };
    const large = { pages: 0, items: 0 };
    const admin = authorize({ id: "admin", kind: "api-key" as const, role: "privacy-admin" as const, orgs: "*" as const }, "sweep:read");
    const { previewRetention } = await import("../../src/engine/sweeps.js");
    const a = await previewRetention({ ...rt, platformItems: counted(small) }, admin, "org-small", log);
    const b = await previewRetention({ ...rt, platformItems: counted(large) }, admin, "org-large", log);
    expect(a.retention.contacts?.counts).toEqual({ inactive: 3, noticed: 3 });
    expect(b.retention.contacts?.counts).toEqual({ inactive: 3, noticed: 3 });
    expect(large).toEqual(small);
    expect(large.items).toBe(3); // the three inactive contacts: nothing else is read
  });
});

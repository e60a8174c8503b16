import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { call, ORG_A, ORG_B, ORG_UNKNOWN, countRequests, setupEngine, teardownEngines, type TestEngine } from "../support/engine.js";

interface View {
  id: string;
  status: string;
  dueAt: string;
  extendedDueAt?: string;
  jurisdiction: string;
  subject: Record<string, string>;
  subjectKey: string;
  links: Record<string, string>;
  statusReason?: string;
  resolution?: { outcome: string; reason?: string };
  acknowledgeDueAt?: string;
  pausedDays: number;
}
interface Problem {
  status: number;
  reason: string;
  errors?: { path: string; message: string }[];
}

let rt: TestEngine;
beforeAll(async () => {
  rt = await setupEngine();
});
afterAll(() => {
  teardownEngines();
});

const subject = { phone: "+49 30 901820", email: " Mila.Hartmann@Example.com " };
const open = (body: Record<string, unknown>, key: Parameters<typeof call>[1]["key"] = "admin", headers: Record<string, string> = {}) =>
  call(rt.fn.submitRequestHandler, { path: "/api/requests", body, key, headers });


describe("POST /api/requests", () => {
  it("opens a request with the org's jurisdiction, a normalised subject and a due date", async () => {
    const response = await open({ type: "access", orgId: ORG_A, subject, receivedAt: "2026-01-31T10:00:00Z" });
    expect(response.status).toBe(201);
    const view = response.body as View;
    expect(view.status).toBe("awaiting-verification");
    expect(view.jurisdiction).toBe("GDPR");
    expect(view.subject).toEqual({ phone: "+4930901820", email: "mila.hartmann@example.com" });
    expect(view.subjectKey).toMatch(/^sk_[0-9a-f]{64}$/);
    expect(response.headers.location).toBe(`/api/requests/${view.id}`);
    // No code issued yet: the link offered is the one that issues a code, not the one that answers it.
    expect(view.links.verification).toBe(`/api/requests/${view.id}/verification`);
    expect(view.links.verify).toBeUndefined();
    expect(view.pausedDays).toBeGreaterThanOrEqual(0);
  });

  it("counts the days before verification was asked for under GDPR, but not under UK GDPR", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      // Received by e-mail on 2 Feb, entered on 12 Feb, verified on 17 Feb.
      vi.setSystemTime(new Date("2026-02-12T09:00:00Z"));
      const gdpr = (await open({ type: "access", orgId: ORG_A, subject: { userId: "u-late" }, receivedAt: "2026-02-02T09:00:00Z" })).body as View & { pausedDays: number };
      const uk = (await open({ type: "access", orgId: ORG_A, jurisdiction: "UK-GDPR", subject: { userId: "u-late-uk" }, receivedAt: "2026-02-02T09:00:00Z" })).body as View & { pausedDays: number };
      vi.setSystemTime(new Date("2026-02-17T09:00:00Z"));
      const gdprNow = (await call(rt.fn.getRequestHandler, { path: "/x", params: { id: gdpr.id } })).body as View & { pausedDays: number };
      const ukNow = (await call(rt.fn.getRequestHandler, { path: "/x", params: { id: uk.id } })).body as View & { pausedDays: number };
      // GDPR: paused 12 → 17 Feb (5 days): 2 Mar + 5 = 7 Mar 2026, a Saturday → Monday 9 Mar.
      expect(gdprNow.pausedDays).toBe(5);
      expect(gdprNow.dueAt).toBe("2026-03-09");
      // UK GDPR: the clock starts with identity: paused 2 → 17 Feb (15 days): 2 Mar + 15 = 17 Mar.
      expect(ukNow.pausedDays).toBe(15);
      expect(ukNow.dueAt).toBe("2026-03-17");
    } finally {
      vi.useRealTimers();
    }
  });

  it("queues an attested request and hands it to the work queue", async () => {
    const response = await open({
      type: "erasure",
      orgId: ORG_B,
      subject: { contactId: "c-123" },
      verification: { method: "attested", by: "privacy-desk" },
      receivedAt: "2026-03-06T09:00:00Z",
    });
    expect(response.status).toBe(201);
    const view = response.body as View;
    expect(view.status).toBe("queued");
    expect(view.jurisdiction).toBe("CCPA");
    expect(view.dueAt).toBe("2026-04-20"); // 6 Mar + 45 days
    expect(view.acknowledgeDueAt).toBe("2026-03-20"); // 10 business days
    const messages = await rt.clients.queues.getQueueClient(rt.settings.PRIVACY_WORK_QUEUE).peekMessages({ numberOfMessages: 32 });
    const ids = messages.peekedMessageItems.map((m) => (JSON.parse(Buffer.from(m.messageText, "base64").toString("utf8")) as { requestId: string }).requestId);
    expect(ids).toContain(view.id);
  });

  it("accepts a receipt a little ahead of the server's clock as received now", async () => {
    const ahead = new Date(Date.now() + 60_000).toISOString();
    const response = await open({ type: "access", orgId: ORG_A, subject: { userId: "u-skew" }, receivedAt: ahead });
    expect(response.status).toBe(201);
    expect(Date.parse((response.body as { receivedAt: string }).receivedAt)).toBeLessThanOrEqual(Date.now());
  });

  it("takes an explicit jurisdiction over the org's", async () => {
    const response = await open({ type: "access", orgId: ORG_A, jurisdiction: "LGPD", subject: { userId: "u-1" }, receivedAt: "2026-05-01T00:00:00Z", verification: { method: "attested", by: "desk" } });
    expect((response.body as View).dueAt).toBe("2026-05-16");
  });

  it("replays the same Idempotency-Key and body, and refuses the key with another body", async () => {
    const body = { type: "objection", orgId: ORG_A, subject: { contactId: "c-9" }, purposes: ["marketing"] };
    const first = await open(body, "admin", { "idempotency-key": "abc-1" });
    const again = await open(body, "admin", { "idempotency-key": "abc-1" });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect((again.body as View).id).toBe((first.body as View).id);
    const other = await open({ ...body, subject: { contactId: "c-10" } }, "admin", { "idempotency-key": "abc-1" });
    expect(other.status).toBe(409);
    expect((other.body as Problem).reason).toBe("idempotency-key-reused");
  });

  it("stores concurrent submissions with one Idempotency-Key exactly once", async () => {
    const before = await countRequests(rt);
    const body = { type: "access", orgId: ORG_A, subject: { contactId: "c-race" } };
    const results = await Promise.all(Array.from({ length: 8 }, () => open(body, "admin", { "idempotency-key": "race-1" })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(7);
    expect(new Set(results.map((r) => (r.body as View).id)).size).toBe(1);
    expect(await countRequests(rt)).toBe(before + 1);
  });

  it.each([
    ["no identifier", { type: "access", orgId: ORG_A, subject: {} }, "subject"],
    ["unknown field", { type: "access", orgId: ORG_A, subject: { userId: "u" }, extra: 1 }, "extra"],
    ["unknown nested field", { type: "access", orgId: ORG_A, subject: { userId: "u", ssn: "x" } }, "subject.ssn"],
    ["unknown type", { type: "delete-everything", orgId: ORG_A, subject: { userId: "u" } }, "type"],
    ["wrong type of field", { type: "access", orgId: 42, subject: { userId: "u" } }, "orgId"],
    ["future receipt", { type: "access", orgId: ORG_A, subject: { userId: "u" }, receivedAt: "2999-01-01T00:00:00Z" }, "receivedAt"],
    ["bad phone", { type: "access", orgId: ORG_A, subject: { phone: "not a phone" } }, "subject.phone"],
    ["bad email", { type: "access", orgId: ORG_A, subject: { email: "nobody" } }, "subject.email"],
    ["rectification without changes", { type: "rectification", orgId: ORG_A, subject: { userId: "u" } }, "changes"],
    ["changes on access", { type: "access", orgId: ORG_A, subject: { userId: "u" }, changes: [{ field: "name", value: "x" }] }, "changes"],
    ["__proto__ key", JSON.parse('{"type":"access","orgId":"org-alpha","subject":{"userId":"u"},"__proto__":{"admin":true}}') as unknown, "__proto__"],
  ])("refuses %s with a 400 naming the field and stores nothing", async (_name, body, path) => {
    const before = await countRequests(rt);
    const response = await call(rt.fn.submitRequestHandler, { path: "/api/requests", body });
    expect(response.status).toBe(400);
    expect(response.headers["content-type"]).toBe("application/problem+json");
    const problem = response.body as Problem;
    expect(problem.status).toBe(400);
    expect(problem.errors?.map((e) => e.path)).toContain(path);
    expect(await countRequests(rt)).toBe(before);
  });

  it("refuses malformed JSON, wrong content types, big bodies and bad idempotency keys", async () => {
    const before = await countRequests(rt);
    const malformed = await call(rt.fn.submitRequestHandler, { path: "/api/requests", rawBody: '{"type": "access",', headers: { "content-type": "application/json" } });
    expect(malformed.status).toBe(400);
    expect((malformed.body as Problem).reason).toBe("malformed-json");
    const textPlain = await call(rt.fn.submitRequestHandler, { path: "/api/requests", rawBody: "{}", headers: { "content-type": "text/plain" } });
    expect(textPlain.status).toBe(415);
    const big = await call(rt.fn.submitRequestHandler, {
      path: "/api/requests",
      body: { type: "access", orgId: ORG_A, subject: { userId: "u" }, note: "x".repeat(70_000) },
    });
    expect(big.status).toBe(413);
    const badKey = await open({ type: "access", orgId: ORG_A, subject: { userId: "u" } }, "admin", { "idempotency-key": "has space" });
    expect(badKey.status).toBe(400);
    expect(await countRequests(rt)).toBe(before);
  });

  it("answers 404 for an unknown org and for an org the caller may not act on", async () => {
    const unknown = await open({ type: "access", orgId: ORG_UNKNOWN, subject: { userId: "u" } });
    expect(unknown.status).toBe(404);
    const other = await open({ type: "access", orgId: ORG_B, subject: { userId: "u" } }, "operator");
    expect(other.status).toBe(404);
  });
});

describe("reading, extending and closing", () => {
  it("reads a request by id, hides other orgs' requests and unknown ids", async () => {
    const created = (await open({ type: "access", orgId: ORG_A, subject: { userId: "u-read" } })).body as View;
    const read = await call(rt.fn.getRequestHandler, { path: `/api/requests/${created.id}`, params: { id: created.id }, key: "operator" });
    expect(read.status).toBe(200);
    expect((read.body as View).id).toBe(created.id);
    const otherOrg = await call(rt.fn.getRequestHandler, { path: `/api/requests/${created.id}`, params: { id: created.id }, key: "operatorB" });
    expect(otherOrg.status).toBe(404);
    const missing = await call(rt.fn.getRequestHandler, { path: "/api/requests/x", params: { id: "00000000-0000-4000-8000-000000000000" } });
    expect(missing.status).toBe(404);
    const notAnId = await call(rt.fn.getRequestHandler, { path: "/api/requests/x", params: { id: "../etc" } });
    expect(notAnId.status).toBe(404);
    // Told apart by their reasons: an id that names no request, a parameter that names nothing.
    expect((missing.body as { reason?: string }).reason).toBe("request-not-found");
    expect((notAnId.body as { reason?: string }).reason).toBe("unparsable-route-parameter");
  });

  it("lists most urgent first (sort=due) and by jurisdiction, on the container as provisioning creates it", async () => {
    // ORG_B's jurisdiction is CCPA: 45 days; a GDPR request in the same org is due sooner.
    await open({ type: "access", orgId: ORG_B, subject: { contactId: "c-due-ccpa" } });
    await open({ type: "access", orgId: ORG_B, jurisdiction: "GDPR", subject: { contactId: "c-due-gdpr" } });
    const due = await call(rt.fn.listRequestsHandler, { path: `/api/requests?orgId=${ORG_B}&type=access&sort=due` });
    expect(due.status, due.text).toBe(200);
    const items = (due.body as { items: { dueAt: string; extendedDueAt?: string; jurisdiction: string }[] }).items;
    const dates = items.map((v) => v.extendedDueAt ?? v.dueAt);
    expect(dates).toEqual([...dates].sort());
    expect(items[0]?.jurisdiction).toBe("GDPR");
    const gdpr = await call(rt.fn.listRequestsHandler, { path: `/api/requests?orgId=${ORG_B}&jurisdiction=GDPR` });
    const jurisdictions = (gdpr.body as { items: { jurisdiction: string }[] }).items.map((v) => v.jurisdiction);
    expect(jurisdictions.length).toBeGreaterThan(0);
    expect(new Set(jurisdictions)).toEqual(new Set(["GDPR"]));
  });

  it("lists with filters and continuation tokens", async () => {
    for (let i = 0; i < 3; i += 1) {
      await open({ type: "portability", orgId: ORG_B, subject: { contactId: `c-list-${i}` } });
    }
    const first = await call(rt.fn.listRequestsHandler, { path: `/api/requests?orgId=${ORG_B}&type=portability&limit=2` });
    expect(first.status).toBe(200);
    const page1 = first.body as { items: View[]; continuationToken?: string };
    expect(page1.items).toHaveLength(2);
    expect(page1.continuationToken).toBeDefined();
    const second = await call(rt.fn.listRequestsHandler, {
      path: `/api/requests?orgId=${ORG_B}&type=portability&limit=2&continuationToken=${encodeURIComponent(page1.continuationToken ?? "")}`,
    });
    const page2 = second.body as { items: View[] };
    expect(page2.items).toHaveLength(1);
    const all = [...page1.items, ...page2.items].map((v) => v.id);
    expect(new Set(all).size).toBe(3);
    // An operator of ORG_A sees none of ORG_B's.
    const foreign = await call(rt.fn.listRequestsHandler, { path: `/api/requests?orgId=${ORG_B}`, key: "operator" });
    expect((foreign.body as { items: View[] }).items).toHaveLength(0);
    // Garbage, and a real token used on another listing (another type filter).
    const foreignToken = page1.continuationToken ?? "";
    const otherListing = await call(rt.fn.listRequestsHandler, { path: `/api/requests?orgId=${ORG_B}&type=access&continuationToken=${encodeURIComponent(foreignToken)}` });
    expect(otherListing.status).toBe(400);
    for (const token of ['{"x":1}', "[]", "garbage", `v1.0000000000000000.${Buffer.from('{"token":"x"}').toString("base64url")}`]) {
      const response = await call(rt.fn.listRequestsHandler, { path: `/api/requests?orgId=${ORG_B}&continuationToken=${encodeURIComponent(token)}` });
      expect(response.status, token).toBe(400);
      expect((response.body as Problem).errors?.[0]?.path).toBe("query.continuationToken");
    }
    const bad = await call(rt.fn.listRequestsHandler, { path: "/api/requests?status=done" });
    expect(bad.status).toBe(400);
    expect((bad.body as Problem).errors?.[0]?.path).toBe("query.status");
  });

  it("extends once within the jurisdiction's limit", async () => {
    const created = (await open({ type: "access", orgId: ORG_A, subject: { userId: "u-ext" }, verification: { method: "attested", by: "desk" } })).body as View;
    const extended = await call(rt.fn.extendHandler, { path: "/x", params: { id: created.id }, body: { reason: "complex request, many systems" }, key: "operator" });
    expect(extended.status).toBe(200);
    const view = extended.body as View;
    expect(view.extendedDueAt).toBeDefined();
    expect((view.extendedDueAt ?? "") > view.dueAt).toBe(true);
    const twice = await call(rt.fn.extendHandler, { path: "/x", params: { id: created.id }, body: { reason: "again please" } });
    expect(twice.status).toBe(409);
    expect((twice.body as Problem).reason).toBe("extension-refused");
    const lgpd = (await open({ type: "access", orgId: ORG_A, jurisdiction: "LGPD", subject: { userId: "u-lgpd" } })).body as View;
    const refused = await call(rt.fn.extendHandler, { path: "/x", params: { id: lgpd.id }, body: { reason: "no extension in LGPD" } });
    expect(refused.status).toBe(409);
  });

  it("rejects and cancels through the state machine", async () => {
    const a = (await open({ type: "erasure", orgId: ORG_A, subject: { contactId: "c-rej" } })).body as View;
    const byOperator = await call(rt.fn.rejectHandler, { path: "/x", params: { id: a.id }, body: { reason: "excessive", detail: "third in a week" }, key: "operator" });
    expect(byOperator.status).toBe(403);
    const rejected = await call(rt.fn.rejectHandler, { path: "/x", params: { id: a.id }, body: { reason: "excessive", detail: "third in a week" } });
    expect(rejected.status).toBe(200);
    expect((rejected.body as View).status).toBe("rejected");
    expect((rejected.body as View).resolution?.reason).toBe("excessive");
    const badReason = await call(rt.fn.rejectHandler, { path: "/x", params: { id: a.id }, body: { reason: "bored", detail: "x" } });
    expect(badReason.status).toBe(400);
    const cancelRejected = await call(rt.fn.cancelHandler, { path: "/x", params: { id: a.id }, body: {} });
    expect(cancelRejected.status).toBe(409);
    expect((cancelRejected.body as Problem).reason).toBe("illegal-transition");

    const b = (await open({ type: "access", orgId: ORG_A, subject: { contactId: "c-can" } })).body as View;
    const cancelled = await call(rt.fn.cancelHandler, { path: "/x", params: { id: b.id }, body: { reason: "requester withdrew" }, key: "operator" });
    expect(cancelled.status).toBe(200);
    expect((cancelled.body as View).status).toBe("cancelled");
  });
});

describe("system routes", () => {
  it("reports health without a caller", async () => {
    const response = await call(rt.fn.healthHandler, { path: "/api/health", key: null });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: "ok", stores: { cosmos: { ok: true }, blob: { ok: true }, queue: { ok: true } } });
  });

  it("serves an OpenAPI 3.1 document generated from the schemas, to callers only", async () => {
    expect((await call(rt.fn.openApiHandler, { path: "/api/openapi.json", key: null })).status).toBe(401);
    const response = await call(rt.fn.openApiHandler, { path: "/api/openapi.json", key: "auditor" });
    expect(response.status).toBe(200);
    const doc = response.body as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>>; components: { schemas: Record<string, unknown> } };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/requests", "/api/requests/{id}", "/api/requests/{id}/verify", "/api/requests/{id}/audit", "/api/health"]),
    );
    const submit = JSON.stringify(doc.paths["/api/requests"]?.post?.requestBody);
    for (const type of ["access", "portability", "rectification", "erasure", "restriction", "objection", "consent-withdrawal"]) {
      expect(submit).toContain(type);
    }
    expect(doc.components.schemas).toHaveProperty("Request");
    expect(doc.components.schemas).toHaveProperty("Problem");
    // Every reference resolves inside the document.
    const refs = [...response.text.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas).toHaveProperty(ref.replace("#/components/schemas/", ""));
    }
    expect(JSON.stringify(doc.components.schemas.Request)).toContain("dueAt");
  });
});

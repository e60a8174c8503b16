import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Certificate } from "../../src/domain/certificate.js";
import { HARD_CASES } from "../../src/local/seed.js";
import { codeHash, sha256Hex } from "../../src/domain/subject-key.js";
import { call, invocationContext, seedDemo, setupEngine, teardownEngines, type TestEngine } from "../support/engine.js";
import { snapshotPlatform } from "../support/platform-snapshot.js";

let rt: TestEngine;
beforeAll(async () => {
  rt = await setupEngine();
  await seedDemo(rt);
});
afterAll(() => {
  teardownEngines();
});

async function run(body: Record<string, unknown>): Promise<{ id: string; status: string }> {
  const opened = await call(rt.fn.submitRequestHandler, { path: "/api/requests", body });
  expect(opened.status, opened.text).toBe(201);
  const id = (opened.body as { id: string }).id;
  await rt.fn.workQueueHandler({ requestId: id }, invocationContext("work-queue", { dequeueCount: 1 }));
  return (await call(rt.fn.getRequestHandler, { path: "/x", params: { id } })).body as { id: string; status: string };
}

describe("legal holds", () => {
  it("keeps what a hold covers, says so in the certificate, and can be lifted", async () => {
    const mila = HARD_CASES.duplicateContact;
    const placed = await call(rt.fn.placeHoldHandler, { path: "/api/legal-holds", body: { orgId: mila.orgId, subject: { email: mila.email.toUpperCase() }, category: "chat-log", reason: "pending litigation LIT-2026-7" } });
    expect(placed.status).toBe(201);
    const hold = placed.body as { id: string; subjectKeys: string[] };
    expect(JSON.stringify(hold)).not.toContain(mila.email);
    expect((await call(rt.fn.placeHoldHandler, { path: "/api/legal-holds", key: "operator", body: { orgId: mila.orgId, category: "sales", reason: "x-y-z" } })).status).toBe(403);
    expect((await call(rt.fn.placeHoldHandler, { path: "/api/legal-holds", body: { orgId: mila.orgId, category: "nope", reason: "x-y-z" } })).status).toBe(400);

    const before = await snapshotPlatform(rt);
    const view = await run({ type: "erasure", orgId: mila.orgId, subject: { phone: mila.phone }, verification: { method: "attested", by: "desk" } });
    expect(view.status).toBe("completed");
    const after = await snapshotPlatform(rt);
    // Chat logs (conversations, messages, media) stay byte-identical; the contacts are gone.
    for (const [k, v] of before.items) if (k.startsWith("messages/") || k.startsWith("conversations/")) expect(after.items.get(k), k).toBe(v);
    for (const [k, v] of before.blobs) if (k.includes("/chat-media/")) expect(after.blobs.get(k), k).toBe(v);
    for (const id of mila.contactIds) expect(after.items.has(`contacts/${mila.orgId}/${id}`)).toBe(false);
    const certificate = (await call(rt.fn.certificateHandler, { path: "/x", params: { id: view.id } })).body as Certificate;
    expect(certificate.outcome).toBe("partially-erased");
    expect(certificate.exceptions.map((e) => e.place)).toEqual(expect.arrayContaining(["messages", "conversations", "chat-media"]));
    expect(certificate.exceptions.every((e) => e.reason.includes("LIT-2026-7"))).toBe(true);
    expect(certificate.verification.remaining).toBe(0);

    const listed = await call(rt.fn.listHoldsHandler, { path: `/api/legal-holds?orgId=${mila.orgId}`, key: "auditor" });
    expect(listed.status).toBe(200);
    expect(await call(rt.fn.liftHoldHandler, { path: "/x", params: { orgId: mila.orgId, holdId: hold.id } }).then((r) => r.status)).toBe(204);
    expect(await call(rt.fn.liftHoldHandler, { path: "/x", params: { orgId: mila.orgId, holdId: hold.id } }).then((r) => r.status)).toBe(404);
  });
  it("records a hold's reason in the audit only by a keyed digest, never in clear or by a plain hash", async () => {
    const reason = "pending litigation LIT-2026-9";
    const placed = await call(rt.fn.placeHoldHandler, { path: "/api/legal-holds", body: { orgId: "org-alpha", category: "sales", reason } });
    expect(placed.status).toBe(201);
    const hold = placed.body as { id: string };
    expect(await call(rt.fn.liftHoldHandler, { path: "/x", params: { orgId: "org-alpha", holdId: hold.id } }).then((r) => r.status)).toBe(204);
    const entries = await rt.audit.listForRequest(`hold:${hold.id}`);
    expect(entries.map((e) => e.action)).toEqual(["legal-hold.placed", "legal-hold.lifted"]);
    const trail = JSON.stringify(entries);
    expect(trail).not.toContain(reason);
    // An unkeyed hash of a short text is reversed by guessing it: no part of one may be there.
    expect(trail).not.toContain(sha256Hex(reason).slice(0, 12));
    const keyed = codeHash(rt.settings.PRIVACY_SUBJECT_KEY_SECRET, `text\u0000hold:${hold.id}`, reason);
    for (const entry of entries) expect(entry.details).toMatchObject({ reasonDigest: keyed });
  });
});

describe("org offboarding", () => {
  it("refuses without a matching confirmation, and for roles other than privacy-admin", async () => {
    expect((await call(rt.fn.submitRequestHandler, { path: "/api/requests", body: { type: "org-offboarding", orgId: "org-0002", confirmation: "org-demo" } })).status).toBe(400);
    expect((await call(rt.fn.submitRequestHandler, { path: "/api/requests", body: { type: "org-offboarding", orgId: "org-0002" } })).status).toBe(400);
    const byOperator = await call(rt.fn.submitRequestHandler, { path: "/api/requests", key: "operator", body: { type: "org-offboarding", orgId: "org-alpha", confirmation: "org-alpha" } });
    expect(byOperator.status).toBe(403);
  });

  it("deletes every item and blob of the org and nothing of any other org", async () => {
    const before = await snapshotPlatform(rt);
    const view = await run({ type: "org-offboarding", orgId: "org-0002", confirmation: "org-0002", verification: { method: "attested", by: "desk" } });
    expect(view.status).toBe("completed");
    const after = await snapshotPlatform(rt);
    const gone = [...before.items.keys()].filter((k) => k.split("/")[1] === "org-0002");
    expect(gone.length).toBeGreaterThan(50);
    for (const k of gone) expect(after.items.has(k), k).toBe(false);
    for (const [k, v] of before.items) if (k.split("/")[1] !== "org-0002") expect(after.items.get(k), k).toBe(v);
    for (const [k, v] of before.blobs) {
      if (k.startsWith("org-0002/")) expect(after.blobs.has(k), k).toBe(false);
      else expect(after.blobs.get(k), k).toBe(v);
    }
    const certificate = (await call(rt.fn.certificateHandler, { path: "/x", params: { id: view.id } })).body as Certificate;
    expect(certificate).toMatchObject({ reason: "org-offboarding", outcome: "erased", verification: { remaining: 0 } });
    expect(certificate.places.contacts?.deleted).toBeGreaterThan(0);
  });

  it("keeps a category under an org-wide legal hold and says so", async () => {
    const placed = await call(rt.fn.placeHoldHandler, { path: "/api/legal-holds", body: { orgId: "org-demo", category: "sales", reason: "tax audit 2026" } });
    expect(placed.status).toBe(201);
    const before = await snapshotPlatform(rt);
    const view = await run({ type: "org-offboarding", orgId: "org-demo", confirmation: "org-demo", verification: { method: "attested", by: "desk" } });
    expect(view.status).toBe("completed");
    const after = await snapshotPlatform(rt);
    for (const [k, v] of before.items) {
      if (!k.includes("/org-demo/")) continue;
      if (k.startsWith("orders/")) expect(after.items.get(k), k).toBe(v);
      else expect(after.items.has(k), k).toBe(false);
    }
    const certificate = (await call(rt.fn.certificateHandler, { path: "/x", params: { id: view.id } })).body as Certificate;
    expect(certificate.outcome).toBe("partially-erased");
    expect(certificate.exceptions).toEqual([expect.objectContaining({ place: "orders", reason: "legal hold: tax audit 2026" })]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDataset, HARD_CASES } from "../../src/local/seed.js";
import { call, invocationContext, seedDemo, setupEngine, teardownEngines, type TestEngine } from "../support/engine.js";
import { unzip } from "../support/zip.js";

// Issue 19.5 (b): the access package's summary.html names the controller, the org's name from the
// platform's organizations item, instead of only "the organisation".

interface View {
  id: string;
  status: string;
  delivery?: { sha256: string };
}

const mila = HARD_CASES.duplicateContact;
let rt: TestEngine;

beforeAll(async () => {
  rt = await setupEngine({ PRIVACY_DISCOVERY_PAGE_SIZE: "10" });
  await seedDemo(rt);
});
afterAll(() => {
  teardownEngines();
});

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

describe("summary.html names the controller", () => {
  it("says which organisation is the controller, by the name the platform holds", async () => {
    const org = buildDataset().items.organizations.find((o) => o.id === mila.orgId);
    const name = typeof org?.name === "string" ? org.name.trim() : "";
    expect(name).not.toBe("");

    const opened = await call(rt.fn.submitRequestHandler, {
      path: "/api/requests",
      body: { orgId: mila.orgId, verification: { method: "attested", by: "desk" }, type: "access", subject: { phone: mila.phone } },
    });
    expect(opened.status, opened.text).toBe(201);
    const id = (opened.body as View).id;
    await rt.fn.workQueueHandler({ requestId: id }, invocationContext("work-queue", { dequeueCount: 1 }));
    const view = (await call(rt.fn.getRequestHandler, { path: "/x", params: { id } })).body as View;
    expect(view.status).toBe("completed");

    const link = await call(rt.fn.packageLinkHandler, { path: `/api/requests/${id}/package`, params: { id }, key: "admin" });
    expect(link.status, link.text).toBe(200);
    const response = await fetch((link.body as { url: string }).url);
    expect(response.status).toBe(200);
    const entries = await unzip(Buffer.from(await response.arrayBuffer()));
    const summary = entries.get("summary.html")?.toString("utf8") ?? "";
    expect(summary).toContain(`that ${escapeHtml(name)} (the controller) keeps`);
    expect(summary).not.toContain("the organisation (the controller)");
  });
});

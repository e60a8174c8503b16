import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runErasure } from "../../src/engine/erasure.js";
import type { Logger } from "../../src/engine/ports.js";
import { HARD_CASES } from "../../src/local/seed.js";
import { call, invocationContext, seedDemo, setupEngine, teardownEngines, type TestEngine } from "../support/engine.js";
import { withFaults } from "../support/faults.js";
import { capturedLog } from "../support/log-capture.js";

// A discovery manifest lists the subject's item ids and blob paths. It serves the request while it
// runs and must not outlive it: an erased subject would otherwise stay findable in the engine's
// own database by where their data used to be.

const log: Logger = {
  info: (message, fields) => {
    capturedLog(`[info] manifest-cleanup: ${message} ${JSON.stringify(fields ?? {})}`);
  },
  warn: (message, fields) => {
    capturedLog(`[warn] manifest-cleanup: ${message} ${JSON.stringify(fields ?? {})}`);
  },
  error: (message, fields) => {
    capturedLog(`[error] manifest-cleanup: ${message} ${JSON.stringify(fields ?? {})}`);
  },
};

let rt: TestEngine;
beforeAll(async () => {
  rt = await setupEngine({ PRIVACY_DISCOVERY_PAGE_SIZE: "10" });
  await seedDemo(rt);
});
afterAll(() => {
  teardownEngines();
});

interface View {
  id: string;
  status: string;
  discovery?: { items: Record<string, number>; blobs: Record<string, number> };
}

async function manifestPages(requestId: string): Promise<number> {
  const { resources } = await rt.clients.cosmos
    .database(rt.settings.PRIVACY_DATABASE)
    .container("manifests")
    .items.query<number>({ query: "SELECT VALUE COUNT(1) FROM c WHERE c.requestId = @r", parameters: [{ name: "@r", value: requestId }] })
    .fetchAll();
  return resources[0] ?? 0;
}

async function open(body: Record<string, unknown>): Promise<string> {
  const opened = await call(rt.fn.submitRequestHandler, { path: "/api/requests", body: { verification: { method: "attested", by: "desk" }, ...body } });
  expect(opened.status, opened.text).toBe(201);
  return (opened.body as View).id;
}

async function deliver(id: string, attempt = 1): Promise<View> {
  await rt.fn.workQueueHandler({ requestId: id }, invocationContext("work-queue", { dequeueCount: attempt }));
  return (await call(rt.fn.getRequestHandler, { path: "/x", params: { id } })).body as View;
}

const found = (view: View) => Object.values(view.discovery?.items ?? {}).reduce((n, c) => n + c, 0) + Object.values(view.discovery?.blobs ?? {}).reduce((n, c) => n + c, 0);

describe("manifests of a finished request", () => {
  it("are gone once an access export is delivered", async () => {
    const jonas = HARD_CASES.crossOrgPhone;
    const id = await open({ type: "access", orgId: "org-demo", subject: { phone: jonas.phone } });
    const view = await deliver(id);
    expect(view.status).toBe("completed");
    expect(found(view)).toBeGreaterThan(0);
    expect(await manifestPages(id)).toBe(0);
  });

  it("are gone once an erasure is certified, and a redelivery neither recreates them nor fails", async () => {
    const mila = HARD_CASES.duplicateContact;
    const id = await open({ type: "erasure", orgId: mila.orgId, subject: { phone: mila.phone } });
    const view = await deliver(id);
    expect(view.status).toBe("completed");
    expect(found(view)).toBeGreaterThan(10); // more than one manifest page
    expect(await manifestPages(id)).toBe(0);

    const again = await deliver(id, 2);
    expect(again.status).toBe("completed");
    expect(await manifestPages(id)).toBe(0);

    // A page left behind (a duplicate that died after writing it, or a crash before the removal)
    // goes with the next delivery of the finished request.
    await rt.manifests.write(id, "left-over-run", 0, { source: "container", name: "contacts", ids: [...mila.contactIds] });
    expect(await manifestPages(id)).toBe(1);
    expect((await deliver(id, 3)).status).toBe("completed");
    expect(await manifestPages(id)).toBe(0);
  });

  it("are gone once a request fails", async () => {
    const jonas = HARD_CASES.crossOrgPhone;
    const id = await open({ type: "erasure", orgId: "org-0002", subject: { phone: jonas.phone } });
    // Every item delete fails on the last attempt: the request fails after discovery wrote its manifest.
    const faulty = withFaults(rt, { failAt: "always", ports: ["itemEraser"] });
    await expect(runErasure(faulty.rt, id, { attempt: rt.settings.PRIVACY_MAX_ATTEMPTS }, log)).rejects.toMatchObject({ reason: "injected-fault" });
    await faulty.settled();
    const view = (await call(rt.fn.getRequestHandler, { path: "/x", params: { id } })).body as View;
    expect(view.status).toBe("failed");
    expect(found(view)).toBeGreaterThan(0);
    expect(await manifestPages(id)).toBe(0);
  });
});

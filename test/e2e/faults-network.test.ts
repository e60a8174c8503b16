import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { workQueueHandler } from "../../functions/background.js";
import { auditHandler, getRequestHandler, submitRequestHandler } from "../../functions/requests.js";
import { normalizeSubject } from "../../src/domain/identifiers.js";
import { buildDataset, HARD_CASES } from "../../src/local/seed.js";
import { resetRuntime, type Runtime } from "../../src/runtime.js";
import { createCosmosClient } from "../../src/stores/cosmos-client.js";
import { expectedDiscovery } from "../support/discovery-oracle.js";
import { call, countRequests, invocationContext, seedDemo, setupEngine } from "../support/engine.js";
import { expectOnlySubjectErased } from "../support/erasure-check.js";
import { recordFigure } from "../support/figures.js";
import { snapshotPlatform } from "../support/platform-snapshot.js";
import { portOf, proxiedStorage, TcpFaultProxy } from "../support/tcp-fault-proxy.js";

/**
 * The network breaks under the engine: Cosmos and Blob Storage are reached through TCP proxies
 * that cut every connection in the middle of an erasure or an export (and refuse new ones) until
 * the work item has really failed, as the host would see it. The message is then redelivered
 * with the network back. The request completes, nothing of the subject remains, nothing else
 * changed, the audit chain verifies, and no request, event or package exists twice.
 */
let rt: Runtime;
let cosmosProxy: TcpFaultProxy;
let blobProxy: TcpFaultProxy;
/** Reads the engine's own documents around the proxy, to see where a run is while it is cut. */
let direct: ReturnType<typeof createCosmosClient>;
const dataset = buildDataset();
const survived: Record<string, { resets: number; failedAfterMs: number }> = {};

interface View {
  id: string;
  status: string;
  progress?: { step?: string };
  delivery?: { url?: string; sha256: string };
}

beforeAll(async () => {
  const emulators = inject("emulators");
  const blobEndpoint = /BlobEndpoint=([^;]+)/.exec(emulators.storageConnectionString)?.[1] ?? "";
  cosmosProxy = await TcpFaultProxy.start(portOf(emulators.cosmosEndpoint));
  blobProxy = await TcpFaultProxy.start(portOf(blobEndpoint));
  rt = await setupEngine({
    COSMOS_ENDPOINT: `http://127.0.0.1:${String(cosmosProxy.port)}`,
    AzureWebJobsStorage: proxiedStorage(emulators.storageConnectionString, { blob: blobProxy.port }),
  });
  direct = createCosmosClient({ endpoint: emulators.cosmosEndpoint, key: emulators.cosmosKey });
  await seedDemo(rt);
}, 120_000);
afterAll(async () => {
  recordFigure("faults", survived);
  resetRuntime();
  await cosmosProxy.close();
  await blobProxy.close();
});

const work = (requestId: string, dequeueCount: number) => workQueueHandler({ requestId }, invocationContext("work-queue", { dequeueCount }));

async function open(body: Record<string, unknown>): Promise<string> {
  const opened = await call(submitRequestHandler, { path: "/api/requests", body: { ...body, verification: { method: "attested", by: "desk" } } });
  expect(opened.status).toBe(201);
  return (opened.body as View).id;
}

/** Polls a document of the engine's database directly (not through the proxy) until `ready` holds. */
async function waitForDocument(container: string, id: string, ready: (doc: Record<string, unknown>) => boolean, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  const item = direct.database(rt.settings.PRIVACY_DATABASE).container(container).item(id, id);
  const seen = new Set<string>();
  while (Date.now() < until) {
    const { resource } = await item.read<Record<string, unknown>>().catch((e: unknown) => { seen.add(String(e).slice(0, 200)); return { resource: undefined }; });
    if (resource !== undefined && ready(resource)) return;
    seen.add(JSON.stringify({ step: resource?.step, nextPage: resource?.nextPage, pages: resource?.pages, status: resource?.status, progress: resource?.progress }));
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const request = await direct.database(rt.settings.PRIVACY_DATABASE).container("requests").item(id, id).read<Record<string, unknown>>();
  seen.add(JSON.stringify({ status: request.resource?.status, progress: request.resource?.progress, stepd: request.resource?.statusReason }));
  throw new Error(`${container}/${id} never reached the awaited state; seen ${[...seen].join(" ")}`);
}

/** Runs the work item while `proxy` is cut at the moment `trigger` resolves; the item must fail. */
async function failUnderCut(label: string, proxy: TcpFaultProxy, requestId: string, trigger: () => Promise<void>): Promise<void> {
  proxy.delay(10);
  const running = work(requestId, 1).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  await trigger();
  const resetsBefore = proxy.resets;
  const cutAt = Date.now();
  proxy.cut();
  // The SDKs retry connection errors by themselves; the cut holds until the executor gives up.
  expect(await running, "the work item failed").toBeInstanceOf(Error);
  survived[label] = { resets: proxy.resets - resetsBefore, failedAfterMs: Date.now() - cutAt };
  proxy.restore();
  proxy.delay(0);
}

async function expectCleanHistory(requestId: string): Promise<void> {
  const trail = await call(auditHandler, { path: "/x", params: { id: requestId } });
  expect(trail.status).toBe(200);
  const { chain } = trail.body as { chain: { valid: boolean; problems: string[] } };
  expect(chain.problems).toEqual([]);
  expect(chain.valid).toBe(true);
  // Each event of the request exists once: a retried step did not emit it again.
  const { resources } = await rt.clients.cosmos
    .database(rt.settings.PRIVACY_DATABASE)
    .container("outbox")
    .items.query<{ type: string; data?: unknown }>({ query: "SELECT c.type, c.data FROM c WHERE c.requestId = @id", parameters: [{ name: "@id", value: requestId }] })
    .fetchAll();
  const events = resources.map((r) => `${r.type} ${JSON.stringify(r.data ?? {})}`).sort();
  expect(events.length).toBeGreaterThan(0);
  expect(events).toEqual([...new Set(events)]);
}

describe("network faults", () => {
  it("Cosmos cut in the middle of an erasure: redelivered, it erases the subject and nothing else, once", async () => {
    const mila = HARD_CASES.duplicateContact;
    const subject = { phone: mila.phone };
    const expected = expectedDiscovery(rt.dataMap, dataset, mila.orgId, normalizeSubject(subject, "DE") as Record<string, string>, "DE");
    const before = await snapshotPlatform(rt);
    const requests = await countRequests(rt);
    const id = await open({ type: "erasure", orgId: mila.orgId, subject });

    await failUnderCut("cosmos-erasure", cosmosProxy, id, () => waitForDocument("jobs", id, (job) => job.step === "erase" && Number(job.nextPage) >= 1));
    const stalled = (await call(getRequestHandler, { path: "/x", params: { id } })).body as View;
    expect(stalled.status).toBe("in-progress");

    await work(id, 2);
    const done = (await call(getRequestHandler, { path: "/x", params: { id } })).body as View;
    expect(done.status).toBe("completed");
    expectOnlySubjectErased(rt, before, await snapshotPlatform(rt), mila.orgId, expected);
    expect(await countRequests(rt)).toBe(requests + 1);
    await expectCleanHistory(id);
  });

  it("Blob Storage cut in the middle of an export: redelivered, it delivers one intact package", async () => {
    const jonas = HARD_CASES.crossOrgPhone;
    const requests = await countRequests(rt);
    const id = await open({ type: "access", orgId: "org-demo", subject: { phone: jonas.phone } });

    await failUnderCut("blob-export", blobProxy, id, () => waitForDocument("requests", id, (doc) => (doc.progress as { step?: string } | undefined)?.step === "packaging"));
    await work(id, 2);
    const done = (await call(getRequestHandler, { path: "/x", params: { id } })).body as View;
    expect(done.status).toBe("completed");
    const link = done.delivery?.url ?? "";
    const zip = Buffer.from(await (await fetch(link)).arrayBuffer());
    expect(createHash("sha256").update(zip).digest("hex")).toBe(done.delivery?.sha256);
    // One package for the request: the interrupted upload left nothing beside it.
    const blobName = decodeURIComponent(new URL(link).pathname.split("/").slice(3).join("/"));
    const folder = blobName.slice(0, blobName.lastIndexOf("/") + 1);
    const names: string[] = [];
    for await (const blob of rt.clients.blobs.getContainerClient(decodeURIComponent(new URL(link).pathname.split("/")[2] ?? "")).listBlobsFlat({ prefix: folder })) names.push(blob.name);
    expect(names.filter((n) => n.includes(id))).toEqual([blobName]);
    expect(await countRequests(rt)).toBe(requests + 1);
    await expectCleanHistory(id);
  });
});

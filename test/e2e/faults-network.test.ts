import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { normalizeSubject } from "../../src/domain/identifiers.js";
import { buildDataset, HARD_CASES } from "../../src/local/seed.js";
import { createCosmosClient } from "../../src/stores/cosmos-client.js";
import { expectedDiscovery } from "../support/discovery-oracle.js";
import { call, countRequests, invocationContext, seedDemo, setupEngine, teardownEngines, type TestEngine } from "../support/engine.js";
import { capturedLog } from "../support/log-capture.js";
import { expectOnlySubjectErased } from "../support/erasure-check.js";
import { recordFigure } from "../support/figures.js";
import { snapshotPlatform } from "../support/platform-snapshot.js";
import { portOf, proxiedStorage, TcpFaultProxy } from "../support/tcp-fault-proxy.js";

// The network breaks under the engine: Cosmos and Blob Storage are reached through TCP proxies
// that cut every connection in the middle of an erasure or an export (and refuse new ones) until
// the work item has really failed, as the host would see it. The message is then redelivered
// with the network back. The request completes, nothing of the subject remains, nothing else
// changed, the audit chain verifies, and no request, event or package exists twice. The same
// holds when the process running the work item is killed (SIGKILL) between steps.

let rt: TestEngine;
let cosmosProxy: TcpFaultProxy;
let blobProxy: TcpFaultProxy;
/** Reads the engine's own documents around the proxy, to see where a run is while it is cut. */
let direct: ReturnType<typeof createCosmosClient>;
const dataset = buildDataset();
/** Per scenario: connections reset by the cut and how long until the work item failed; or where the process died. */
const survived: Record<string, { resets: number; failedAfterMs: number } | { killedInStep: string }> = {};

interface View {
  id: string;
  status: string;
  progress?: { step?: string };
  delivery?: { sha256: string };
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
  teardownEngines();
  await cosmosProxy.close();
  await blobProxy.close();
});

const work = (requestId: string, dequeueCount: number) => rt.fn.workQueueHandler({ requestId }, invocationContext("work-queue", { dequeueCount }));

async function open(body: Record<string, unknown>): Promise<string> {
  const opened = await call(rt.fn.submitRequestHandler, { path: "/api/requests", body: { ...body, verification: { method: "attested", by: "desk" } } });
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
  const trail = await call(rt.fn.auditHandler, { path: "/x", params: { id: requestId } });
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
    const stalled = (await call(rt.fn.getRequestHandler, { path: "/x", params: { id } })).body as View;
    expect(stalled.status).toBe("in-progress");

    await work(id, 2);
    const done = (await call(rt.fn.getRequestHandler, { path: "/x", params: { id } })).body as View;
    expect(done.status).toBe("completed");
    expectOnlySubjectErased(rt, before, await snapshotPlatform(rt), mila.orgId, expected);
    expect(await countRequests(rt)).toBe(requests + 1);
    await expectCleanHistory(id);
  });

  it("Blob Storage cut in the middle of an export: redelivered, it delivers one intact package", async () => {
    const jonas = HARD_CASES.crossOrgPhone;
    const before = await snapshotPlatform(rt);
    const requests = await countRequests(rt);
    const id = await open({ type: "access", orgId: "org-demo", subject: { phone: jonas.phone } });

    await failUnderCut("blob-export", blobProxy, id, () => waitForDocument("requests", id, (doc) => (doc.progress as { step?: string } | undefined)?.step === "packaging"));
    await work(id, 2);
    const done = (await call(rt.fn.getRequestHandler, { path: "/x", params: { id } })).body as View;
    expect(done.status).toBe("completed");
    const link = ((await call(rt.fn.packageLinkHandler, { path: "/x", params: { id } })).body as { url: string }).url;
    const zip = Buffer.from(await (await fetch(link)).arrayBuffer());
    expect(createHash("sha256").update(zip).digest("hex")).toBe(done.delivery?.sha256);
    // One package for the request: the interrupted upload left nothing beside it.
    const blobName = decodeURIComponent(new URL(link).pathname.split("/").slice(3).join("/"));
    const folder = blobName.slice(0, blobName.lastIndexOf("/") + 1);
    const names: string[] = [];
    for await (const blob of rt.clients.blobs.getContainerClient(decodeURIComponent(new URL(link).pathname.split("/")[2] ?? "")).listBlobsFlat({ prefix: folder })) names.push(blob.name);
    expect(names.filter((n) => n.includes(id))).toEqual([blobName]);
    // An export reads: the platform is as it was (packages live apart from it).
    const after = await snapshotPlatform(rt);
    expect([...after.items]).toEqual([...before.items]);
    expect([...after.blobs]).toEqual([...before.blobs]);
    expect(await countRequests(rt)).toBe(requests + 1);
    await expectCleanHistory(id);
  });
});

const ROOT = new URL("../../", import.meta.url).pathname;

function newestMtime(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(dir, entry.name);
    return Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }, 0);
}

/** The child runs the built engine: build it when dist/ is missing or older than the sources (CI builds first). */
function ensureBuilt(): void {
  const entry = join(ROOT, "dist/functions/background.js");
  if (existsSync(entry) && statSync(entry).mtimeMs >= Math.max(newestMtime(join(ROOT, "src")), newestMtime(join(ROOT, "functions")))) return;
  const built = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.build.json")], { encoding: "utf8" });
  if (built.status !== 0) throw new Error(`build failed: ${built.stdout}${built.stderr}`);
}

describe("process killed", () => {
  it("SIGKILL of the process in the middle of an erasure: redelivered, it completes as if never interrupted", async () => {
    ensureBuilt();
    const greta = HARD_CASES.staleContact;
    const subject = { phone: greta.phone };
    const expected = expectedDiscovery(rt.dataMap, dataset, greta.orgId, normalizeSubject(subject, "DE") as Record<string, string>, "DE");
    const before = await snapshotPlatform(rt);
    const requests = await countRequests(rt);
    const id = await open({ type: "erasure", orgId: greta.orgId, subject });

    // The child reaches Cosmos through a slow link, so the test sees it mid-step and kills it there.
    const slow = await TcpFaultProxy.start(portOf(inject("emulators").cosmosEndpoint));
    slow.delay(15);
    const child = spawn(process.execPath, [join(ROOT, "test/support/work-child.mjs"), id, "1"], {
      env: { ...process.env, COSMOS_ENDPOINT: `http://127.0.0.1:${String(slow.port)}` },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => {
      resolve({ code, signal });
    }));
    let output = "";
    for (const stream of [child.stdout, child.stderr]) {
      stream.on("data", (chunk: Buffer) => {
        output += chunk.toString("utf8");
        for (const line of chunk.toString("utf8").split("\n")) if (line !== "") capturedLog(line);
      });
    }
    try {
      await waitForDocument("jobs", id, (job) => job.step === "erase");
      child.kill("SIGKILL");
      expect(await exited).toEqual({ code: null, signal: "SIGKILL" });
    } finally {
      child.kill("SIGKILL");
      await slow.close();
    }
    expect(output).not.toContain("work item done");
    const killed = (await call(rt.fn.getRequestHandler, { path: "/x", params: { id } })).body as View;
    expect(killed.status).toBe("in-progress");

    // The host redelivers the message (here: to this process).
    await work(id, 2);
    const done = (await call(rt.fn.getRequestHandler, { path: "/x", params: { id } })).body as View;
    expect(done.status).toBe("completed");
    expectOnlySubjectErased(rt, before, await snapshotPlatform(rt), greta.orgId, expected);
    expect(await countRequests(rt)).toBe(requests + 1);
    await expectCleanHistory(id);
    survived["sigkill-erasure"] = { killedInStep: "erase" };
  }, 120_000);
});

import { createHash } from "node:crypto";
import { BlobSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential } from "@azure/storage-blob";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AZURITE_ACCOUNT_KEY, AZURITE_ACCOUNT_NAME } from "../../src/local/emulators.js";
import { buildDataset, HARD_CASES } from "../../src/local/seed.js";
import { call, invocationContext, ORG_A, TEST_TIMER, seedDemo, setupEngine, type KeyName, teardownEngines, type TestEngine } from "../support/engine.js";
import { testNamespace } from "../support/env.js";
import { unzip } from "../support/zip.js";

interface View {
  id: string;
  status: string;
  statusReason?: string;
  progress?: Record<string, unknown>;
  discovery?: { items: Record<string, number>; blobs: Record<string, number>; csvRows: Record<string, number> };
  delivery?: { url?: string; sha256: string; bytes: number; expiresAt: string; sentTo?: string; deletedAt?: string };
  failure?: { step: string; reason: string };
  links?: Record<string, string>;
}

interface PackageLink {
  url: string;
  expiresAt: string;
  sizeBytes: number;
  sha256: string;
}

interface Trail {
  entries: { action: string; at: string; actor: { id: string; role?: string }; details: Record<string, unknown> }[];
  chain: { valid: boolean };
}

const mila = HARD_CASES.duplicateContact;
let rt: TestEngine;
let destinationContainer: string;

beforeAll(async () => {
  destinationContainer = testNamespace("dest");
  rt = await setupEngine({ PRIVACY_PORTABILITY_DESTINATION_HOSTS: "127.0.0.1,*.blob.core.windows.net", PRIVACY_DISCOVERY_PAGE_SIZE: "10" });
  await seedDemo(rt);
  await rt.clients.blobs.getContainerClient(destinationContainer).createIfNotExists();
});
afterAll(() => {
  vi.useRealTimers();
  teardownEngines();
});

async function openAndRun(body: Record<string, unknown>, attempt = 1): Promise<View> {
  const opened = await call(rt.fn.submitRequestHandler, { path: "/api/requests", body: { orgId: mila.orgId, verification: { method: "attested", by: "desk" }, ...body } });
  expect(opened.status).toBe(201);
  const id = (opened.body as View).id;
  await rt.fn.workQueueHandler({ requestId: id }, invocationContext("work-queue", { dequeueCount: attempt }));
  return (await call(rt.fn.getRequestHandler, { path: "/x", params: { id } })).body as View;
}

/** The package's read link, as a privacy role is handed it (GET /api/requests/{id}/package). */
async function linkOf(view: View, key: KeyName = "admin"): Promise<PackageLink> {
  const response = await call(rt.fn.packageLinkHandler, { path: `/api/requests/${view.id}/package`, params: { id: view.id }, key });
  expect(response.status, response.text).toBe(200);
  return response.body as PackageLink;
}

async function download(view: View): Promise<Map<string, Buffer>> {
  const { url } = await linkOf(view);
  const response = await fetch(url);
  expect(response.status).toBe(200);
  const bytes = Buffer.from(await response.arrayBuffer());
  expect(createHash("sha256").update(bytes).digest("hex")).toBe(view.delivery?.sha256);
  return unzip(bytes);
}

async function stored(container: string, ids: readonly string[]): Promise<Record<string, unknown>[]> {
  const c = rt.clients.cosmos.database(rt.settings.PLATFORM_DATABASE).container(container);
  const items = await Promise.all(ids.map(async (id) => (await c.item(id, mila.orgId).read<Record<string, unknown>>()).resource));
  return items.map((i) => Object.fromEntries(Object.entries(i ?? {}).filter(([k]) => !k.startsWith("_"))));
}

const json = (entries: Map<string, Buffer>, name: string) => JSON.parse(entries.get(name)?.toString("utf8") ?? "null") as { source: string; item: Record<string, unknown> }[] | null;

describe("access export", () => {
  it("packages everything discovery found, as stored, with media, CSV rows and a summary", async () => {
    const view = await openAndRun({ type: "access", subject: { phone: mila.phone } });
    expect(view.status).toBe("completed");
    expect(view.progress).toMatchObject({ step: "delivered" });
    const entries = await download(view);

    // Contacts: both imports, exactly as stored.
    const contacts = json(entries, "data/contact-list.json") ?? [];
    const contactItems = contacts.filter((r) => r.source === "contacts").map((r) => r.item);
    expect(contactItems.map((i) => i.id).sort()).toEqual([...mila.contactIds].sort());
    expect(contactItems.sort((a, b) => String(a.id).localeCompare(String(b.id)))).toEqual(await stored("contacts", [...mila.contactIds].sort()));

    // Every item discovery counted is in the package, once.
    const all = [...entries.keys()].filter((n) => n.endsWith(".json") && n.startsWith("data/")).flatMap((n) => json(entries, n) ?? []);
    const counted = Object.entries(view.discovery?.items ?? {}).reduce((sum, [, n]) => sum + n, 0);
    expect(all).toHaveLength(counted);
    expect(new Set(all.map((r) => `${r.source}/${String(r.item.id)}`)).size).toBe(counted);
    const orders = all.filter((r) => r.source === "orders").map((r) => r.item);
    expect(orders.map((o) => o.id)).toContain(HARD_CASES.reformattedIdentifiers.orderId);

    // Media as files, byte for byte.
    const dataset = buildDataset();
    const media = dataset.blobs.filter((b) => mila.contactIds.some((c) => b.name.startsWith(`${mila.orgId}/chat-media/${c}/`)));
    expect(media.length).toBeGreaterThan(0);
    for (const blob of media) expect(entries.get(`files/${blob.name.slice(mila.orgId.length + 1)}`)).toEqual(blob.content);

    // The subject's rows of the contact import, nothing else of it.
    const rowsFile = entries.get("data/contact-list-contact-imports-rows.csv");
    const rows = parse<Record<string, string>>(rowsFile ?? Buffer.alloc(0), { columns: true, bom: true });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.email === mila.email || r.phone === mila.phone)).toBe(true);

    // The blob carries its digest.
    const blobName = decodeURIComponent(new URL((await linkOf(view)).url).pathname.split("/").slice(3).join("/"));
    const properties = await rt.clients.blobs.getContainerClient(rt.settings.PRIVACY_ASSETS_CONTAINER).getBlobClient(blobName).getProperties();
    expect(properties.metadata?.sha256).toBe(view.delivery?.sha256);
    expect(blobName).toBe(`${mila.orgId}/exports/${view.id}/access-${view.id}.zip`);

    // CSV versions and the readable summary.
    expect(entries.has("data/contact-list-contacts.csv")).toBe(true);
    const summary = entries.get("summary.html")?.toString("utf8") ?? "";
    for (const text of ["Purposes", "Recipients", "How long we keep it", "Where it came from", "WhatsApp conversations"]) expect(summary).toContain(text);

    // The audit records what was exported, never the content or the link.
    const trail = await call(rt.fn.auditHandler, { path: "/x", params: { id: view.id } });
    expect(trail.text).toContain(view.delivery?.sha256 ?? "none");
    expect(trail.text).not.toContain(mila.name);
    expect(trail.text).not.toContain("sig=");
    expect((trail.body as { chain: { valid: boolean } }).chain.valid).toBe(true);
  });

  it("exports nothing of other people or other orgs", async () => {
    const jonas = HARD_CASES.crossOrgPhone;
    const view = await openAndRun({ type: "access", subject: { phone: jonas.phone } });
    const entries = await download(view);
    const ids = [...entries.keys()].filter((n) => n.endsWith(".json")).flatMap((n) => json(entries, n) ?? []).map((r) => String(r.item.id));
    expect(ids).toContain(jonas.contacts[0].contactId);
    expect(ids).not.toContain(jonas.contacts[1].contactId);
    expect(ids.some((id) => id.includes("0002-"))).toBe(false);
    expect(ids.some((id) => mila.contactIds.includes(id as (typeof mila.contactIds)[number]))).toBe(false);
  });

  it("gives a link that reads this package only, and the sweep deletes it after expiry", async () => {
    const view = await openAndRun({ type: "access", subject: { contactId: mila.contactIds[0] } });
    const url = new URL((await linkOf(view)).url);
    expect(url.searchParams.get("sp")).toBe("r");
    expect((await fetch(url, { method: "DELETE" })).status).toBe(403);
    expect((await fetch(url, { method: "PUT", headers: { "x-ms-blob-type": "BlockBlob" }, body: "overwritten" })).status).toBe(403);
    // The signature itself expires when the package does, whether or not the sweep ran.
    expect(Date.parse(url.searchParams.get("se") ?? "")).toBeLessThanOrEqual(Date.parse(view.delivery?.expiresAt ?? ""));
    expect((await fetch(url)).status).toBe(200);
    const other = new URL(url);
    other.pathname = other.pathname.replace(/[^/]+$/, "other.zip");
    expect((await fetch(other)).status).toBe(403);

    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date(Date.parse(view.delivery?.expiresAt ?? "") + 60_000));
    await rt.fn.packageExpiryHandler(TEST_TIMER, invocationContext("package-expiry"));
    vi.useRealTimers();
    const after = (await call(rt.fn.getRequestHandler, { path: "/x", params: { id: view.id } })).body as View;
    expect(after.delivery?.deletedAt).toBeDefined();
    expect(after.delivery?.url).toBeUndefined();
    // A deleted package has no link to hand over.
    const gone = await call(rt.fn.packageLinkHandler, { path: "/x", params: { id: view.id } });
    expect(gone.status).toBe(409);
    expect(gone.headers["content-type"]).toBe("application/problem+json");
    expect(gone.text).not.toContain("sig=");
    expect((await fetch(url)).status).toBe(404);
  });
});

describe("package links: handed over only to privacy roles", () => {
  /** A completed access request of ORG_A, where every test key acts. */
  let done: View;
  beforeAll(async () => {
    done = await openAndRun({ type: "access", orgId: ORG_A, subject: { contactId: "c-package-link" } });
    expect(done.status).toBe("completed");
  });
  const trailOf = async (id: string) => (await call(rt.fn.auditHandler, { path: "/x", params: { id } })).body as Trail;
  const issued = (trail: Trail) => trail.entries.filter((e) => e.action === "package.link-issued");

  it("shows no SAS in lists or reads of a completed request, for any role: that a package exists, its size and hash", async () => {
    for (const key of ["admin", "operator", "auditor", "service"] as const) {
      const list = await call(rt.fn.listRequestsHandler, { path: `/api/requests?orgId=${ORG_A}&type=access`, key });
      const read = await call(rt.fn.getRequestHandler, { path: "/x", params: { id: done.id }, key });
      for (const response of [list, read]) {
        expect(response.text, key).not.toContain("sig=");
        expect(response.text, key).not.toMatch(/[?&]s[epvrt]=/);
      }
      if (key === "service") {
        // A service may not read requests at all.
        expect([list.status, read.status]).toEqual([403, 403]);
        continue;
      }
      expect([list.status, read.status], key).toEqual([200, 200]);
      const shown = read.body as View & { delivery?: Record<string, unknown> };
      expect(shown.delivery, key).toMatchObject({ sha256: done.delivery?.sha256, bytes: done.delivery?.bytes, expiresAt: done.delivery?.expiresAt, available: true });
      expect(shown.delivery?.url, key).toBeUndefined();
      expect(shown.links?.package, key).toBe(`/api/requests/${done.id}/package`);
      const listed = (list.body as { items: View[] }).items.find((i) => i.id === done.id);
      expect(listed?.delivery, key).toMatchObject({ sha256: done.delivery?.sha256, bytes: done.delivery?.bytes });
      expect(listed?.delivery?.url, key).toBeUndefined();
    }
  });

  it("refuses the link to auditors and services (403), and to an operator of another org (404), recording nothing", async () => {
    const before = issued(await trailOf(done.id)).length;
    for (const key of ["auditor", "service"] as const) {
      const refused = await call(rt.fn.packageLinkHandler, { path: "/x", params: { id: done.id }, key });
      expect(refused.status, key).toBe(403);
      expect(refused.headers["content-type"]).toBe("application/problem+json");
      expect(refused.text).not.toContain("sig=");
    }
    const elsewhere = await call(rt.fn.packageLinkHandler, { path: "/x", params: { id: done.id }, key: "operatorB" });
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.text).not.toContain("sig=");
    expect(issued(await trailOf(done.id))).toHaveLength(before);
  });

  it("hands admin and operator a working read link, and audits each issue (who, when, expiry) without the link", async () => {
    const before = issued(await trailOf(done.id)).length;
    const links: PackageLink[] = [];
    for (const key of ["admin", "operator", "operator"] as const) {
      const link = await linkOf(done, key);
      expect(link).toMatchObject({ expiresAt: done.delivery?.expiresAt, sizeBytes: done.delivery?.bytes, sha256: done.delivery?.sha256 });
      const url = new URL(link.url);
      expect(url.searchParams.get("sp")).toBe("r");
      expect(url.searchParams.get("sr")).toBe("b");
      expect(Date.parse(url.searchParams.get("se") ?? "")).toBeLessThanOrEqual(Date.parse(link.expiresAt));
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(createHash("sha256").update(Buffer.from(await response.arrayBuffer())).digest("hex")).toBe(link.sha256);
      links.push(link);
    }
    const trail = await trailOf(done.id);
    const entries = issued(trail);
    expect(entries).toHaveLength(before + 3);
    expect(entries.slice(before).map((e) => e.actor.id)).toEqual(["admin", "operator", "operator"]);
    for (const entry of entries.slice(before)) {
      expect(entry.details.expiresAt).toBe(done.delivery?.expiresAt);
      expect(Date.parse(entry.at)).toBeGreaterThan(Date.now() - 60_000);
    }
    expect(trail.chain.valid).toBe(true);
    const text = JSON.stringify(trail);
    expect(text).not.toContain("sig=");
    for (const link of links) {
      expect(text).not.toContain(new URL(link.url).searchParams.get("sig") ?? "none");
      expect(text).not.toContain(link.url);
    }
    // Issuing a link changes nothing else of the request.
    const after = (await call(rt.fn.getRequestHandler, { path: "/x", params: { id: done.id } })).body as View;
    expect(after.status).toBe("completed");
  });

  it("is described in the OpenAPI document, and the Request schema has no link", async () => {
    const doc = (await call(rt.fn.openApiHandler, { path: "/api/openapi.json", key: "auditor" })).body as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> }>>;
      components: { schemas: Record<string, { properties?: Record<string, { properties?: Record<string, unknown> }> }> };
    };
    const get = doc.paths["/api/requests/{id}/package"]?.get;
    expect(get?.responses["200"]?.content?.["application/json"]?.schema.$ref).toBe("#/components/schemas/PackageLink");
    for (const status of ["403", "404", "409"]) expect(Object.keys(get?.responses[status]?.content ?? {}), status).toEqual(["application/problem+json"]);
    expect(Object.keys(doc.components.schemas.PackageLink?.properties ?? {}).sort()).toEqual(["expiresAt", "sha256", "sizeBytes", "url"]);
    const delivery = doc.components.schemas.Request?.properties?.delivery?.properties ?? {};
    expect(Object.keys(delivery)).toContain("sha256");
    expect(Object.keys(delivery)).not.toContain("url");
  });

  it("answers 409 (problem+json) while there is no package yet, and once it has expired", async () => {
    const opened = await call(rt.fn.submitRequestHandler, { path: "/api/requests", body: { type: "access", orgId: ORG_A, subject: { contactId: "c-no-package" } } });
    const pendingId = (opened.body as View).id;
    const early = await call(rt.fn.packageLinkHandler, { path: "/x", params: { id: pendingId }, key: "operator" });
    expect(early.status).toBe(409);
    expect(early.headers["content-type"]).toBe("application/problem+json");
    expect((early.body as { reason?: string }).reason).toBe("no-package");
    expect(issued(await trailOf(pendingId))).toHaveLength(0);

    const before = issued(await trailOf(done.id)).length;
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(new Date(Date.parse(done.delivery?.expiresAt ?? "") + 1_000));
      const late = await call(rt.fn.packageLinkHandler, { path: "/x", params: { id: done.id } });
      expect(late.status).toBe(409);
      expect(late.headers["content-type"]).toBe("application/problem+json");
      expect((late.body as { reason?: string }).reason).toBe("package-expired");
      expect(late.text).not.toContain("sig=");
      const shown = (await call(rt.fn.getRequestHandler, { path: "/x", params: { id: done.id } })).body as View & { delivery?: { available?: boolean } };
      expect(shown.delivery?.available).toBe(false);
    } finally {
      vi.useRealTimers();
    }
    expect(issued(await trailOf(done.id))).toHaveLength(before);
  });
});

describe("portability export", () => {
  it("holds only what the subject provided, with a documented schema, and reaches the destination", async () => {
    const sas = generateBlobSASQueryParameters(
      { containerName: destinationContainer, blobName: "from-controller-a.zip", permissions: BlobSASPermissions.parse("cw"), expiresOn: new Date(Date.now() + 3_600_000) },
      new StorageSharedKeyCredential(AZURITE_ACCOUNT_NAME, AZURITE_ACCOUNT_KEY),
    );
    const target = rt.clients.blobs.getContainerClient(destinationContainer).getBlobClient("from-controller-a.zip");
    const destination = `${target.url}?${sas.toString()}`;
    const view = await openAndRun({ type: "portability", subject: { phone: mila.phone }, destination });
    expect(view.status).toBe("completed");
    expect(view.delivery?.sentTo).toBe(new URL(destination).host);
    // The destination's write signature is not kept once the package is sent.
    expect(JSON.stringify(await rt.requests.get(view.id))).not.toContain(encodeURIComponent(new URL(destination).searchParams.get("sig") ?? "none"));
    expect(JSON.stringify(await rt.requests.get(view.id))).not.toContain(new URL(destination).searchParams.get("sig") ?? "none");
    const entries = await download(view);
    const names = [...entries.keys()];
    // Provided: contacts, messages, orders, media. Derived or the org's: campaign events, conversations, imports.
    expect(names).toEqual(expect.arrayContaining(["data/contact-list.json", "data/chat-log.json", "data/sales.json", "schema.json", "README.txt", "summary.html"]));
    expect(names.some((n) => n.startsWith("data/campaign"))).toBe(false);
    expect(names.some((n) => n.includes("contact-imports"))).toBe(false);
    expect((json(entries, "data/chat-log.json") ?? []).every((r) => r.source === "messages")).toBe(true);
    expect(names.some((n) => n.startsWith("files/chat-media/"))).toBe(true);
    const schema = JSON.parse(entries.get("schema.json")?.toString("utf8") ?? "{}") as { items?: { properties?: { source?: { enum?: string[] } } } };
    expect(schema.items?.properties?.source?.enum).toContain("messages");
    // The destination holds the same package.
    const copied = await target.downloadToBuffer();
    expect(createHash("sha256").update(copied).digest("hex")).toBe(view.delivery?.sha256);
  });

  it("refuses a destination outside the allow-list or without a signature, storing nothing", async () => {
    for (const destination of ["https://evil.example.net/c/b?sig=x", "http://127.0.0.1:1/c/b", "ftp://127.0.0.1/c/b?sig=x"]) {
      const response = await call(rt.fn.submitRequestHandler, { path: "/api/requests", body: { type: "portability", orgId: mila.orgId, subject: { phone: mila.phone }, destination } });
      expect(response.status, destination).toBe(400);
    }
    const onAccess = await call(rt.fn.submitRequestHandler, { path: "/api/requests", body: { type: "access", orgId: mila.orgId, subject: { phone: mila.phone }, destination: "https://x.blob.core.windows.net/c/b?sig=1" } });
    expect(onAccess.status).toBe(400);
  });

  it("fails the request with the step and reason when the destination refuses, and alerts", async () => {
    const destination = `${rt.clients.blobs.getContainerClient("no-such-container").getBlobClient("x.zip").url}?sv=2024-01-01&sig=forged`;
    const view = await openAndRun({ type: "portability", subject: { phone: mila.phone }, destination });
    expect(view.status).toBe("failed");
    expect(view.failure?.step).toBe("delivery");
    // Nothing is delivered, so nothing lingers.
    const left = rt.clients.blobs.getContainerClient(rt.settings.PRIVACY_ASSETS_CONTAINER).listBlobsFlat({ prefix: `${mila.orgId}/exports/${view.id}/` });
    expect((await left.next()).done).toBe(true);
    const { resources } = await rt.clients.cosmos.database(rt.settings.PRIVACY_DATABASE).container("outbox").items
      .query<{ type: string; data: { kind?: string } }>({ query: "SELECT * FROM c WHERE c.requestId = @id", parameters: [{ name: "@id", value: view.id }] })
      .fetchAll();
    expect(resources.some((e) => e.type === "alert" && e.data.kind === "request-failed")).toBe(true);
  });
});

describe("data map", () => {
  it("serves the active map", async () => {
    const response = await call(rt.fn.dataMapHandler, { path: "/api/data-map", key: "auditor" });
    expect(response.status).toBe(200);
    expect((response.body as { containers: { name: string }[] }).containers.map((c) => c.name)).toContain("messages");
    expect((await call(rt.fn.dataMapHandler, { path: "/api/data-map", key: "service" })).status).toBe(403);
  });
});

describe("failure and resumption", () => {
  it("retries a transient failure through the queue, resumes on redelivery, and fails on the last delivery", async () => {
    const { runExport } = await import("../../src/engine/export.js");
    const { EngineError } = await import("../../src/domain/errors.js");
    const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const broken: TestEngine = {
      ...rt,
      packages: { ...rt.packages, upload: () => Promise.reject(new EngineError("unavailable", "blob storage is not answering")) },
    };
    const open = async () => {
      const opened = await call(rt.fn.submitRequestHandler, { path: "/api/requests", body: { type: "access", orgId: mila.orgId, subject: { phone: mila.phone }, verification: { method: "attested", by: "desk" } } });
      return (opened.body as View).id;
    };
    const read = async (id: string) => (await call(rt.fn.getRequestHandler, { path: "/x", params: { id } })).body as View;

    // A crash in packaging: the message is retried (the executor throws) and the request stays in progress.
    const resumed = await open();
    await expect(runExport(broken, resumed, { attempt: 1 }, log)).rejects.toThrow(/not answering/);
    expect((await read(resumed)).status).toBe("in-progress");
    expect((await read(resumed)).progress?.step).toBe("packaging");
    // Redelivered with the store back: it finishes.
    await runExport(rt, resumed, { attempt: 2 }, log);
    expect((await read(resumed)).status).toBe("completed");

    // Failing on the last delivery: failed, with the step and the reason.
    const failing = await open();
    await expect(runExport(broken, failing, { attempt: 5 }, log)).rejects.toThrow();
    const failed = await read(failing);
    expect(failed.status).toBe("failed");
    expect(failed.failure).toMatchObject({ step: "packaging", attempts: 5 });
    expect(failed.statusReason).toMatch(/failed at packaging/);
  });
});

import { performance } from "node:perf_hooks";
import type { JSONObject } from "@azure/cosmos";
import { authorize, type Caller } from "../../src/domain/access.js";
import { SubmitRequestBody } from "../../src/domain/request.js";
import { runExport } from "../../src/engine/export.js";
import { issuePackageLink } from "../../src/engine/package-link.js";
import { submitRequest } from "../../src/engine/requests.js";
import { buildDataset, HARD_CASES, seedPlatform, upsertChunk } from "../../src/local/seed.js";
import {
  cpuMsSince,
  forEachConcurrent,
  gc,
  openNamespace,
  progress,
  quietLogger,
  sampleMemory,
  toMB,
  warmUp,
  type BenchFlags,
  type BenchNamespace,
  type EmulatorHost,
  type Scenario,
  type ScenarioOutcome,
} from "./harness.js";

// Issue 3 point 10 / issue 7 point 5: an access export of one subject with 50 000 messages and
// 500 chat-media blobs keeps heap growth under 100 MB.
//
// Data: the default demo dataset, plus, for the demo org's duplicated subject (Mila Hartmann:
// contact-demo-0001 and -0002 share a phone), `--messages` messages over 20 extra conversations of
// contact-demo-0001 and `--media` chat-media blobs of `--media-kb` KiB under
// `org-demo/chat-media/contact-demo-0001/`. The request names the subject by phone, so discovery
// walks both contacts, the reformatted phones, the CSV import rows and the media prefix.

const HEAP_GROWTH_TARGET_MB = 100;
const CONVERSATIONS = 20;
const BULK_LIMIT = 100;
const BULK_IN_FLIGHT = 8;
const UPLOADS_IN_FLIGHT = 16;

const subject = HARD_CASES.duplicateContact;
const orgId = subject.orgId;
const contactId = subject.contactIds[0];

const TEXTS = [
  "Hallo, ist meine Bestellung schon unterwegs?",
  "Danke für die schnelle Antwort!",
  "Können Sie mir die Rechnung noch einmal schicken?",
  "Ich hätte gern einen Termin nächste Woche.",
  "Das Paket ist heute angekommen, alles gut.",
  "Gibt es den Artikel auch in Blau?",
  "Wir haben Ihre Anfrage erhalten und melden uns in Kürze.",
  "Ihre Bestellung wurde versandt. Die Sendungsnummer folgt per Mail.",
  "Vielen Dank für Ihren Einkauf, einen schönen Tag noch!",
  "Leider ist der Artikel gerade nicht vorrätig.",
  "Wie lange dauert die Lieferung nach München?",
  "Kann ich die Adresse noch ändern?",
] as const;

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/** Deterministic JPEG-looking bytes of exactly `size` bytes (SOI + JFIF header, xorshift payload, EOI). */
export function mediaBytes(index: number, size: number): Buffer {
  const head = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
  const out = Buffer.alloc(Math.max(size, head.length + 2));
  head.copy(out, 0);
  let x = (0x9e3779b9 ^ (index + 1)) >>> 0 || 1;
  for (let i = head.length; i < out.length - 2; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  out[out.length - 2] = 0xff;
  out[out.length - 1] = 0xd9;
  return out;
}

interface Seeded {
  /** Chat-media blobs of the subject: the demo dataset's plus the added ones. */
  expectedBlobs: number;
  /** Items added for the subject (conversations and messages). */
  addedItems: number;
  seedMs: number;
}

async function seed(ns: BenchNamespace, flags: BenchFlags): Promise<Seeded> {
  const started = performance.now();
  const { settings, direct } = ns;
  await seedPlatform({ cosmos: direct.cosmos, platformDatabase: settings.PLATFORM_DATABASE, blobService: direct.blobs, assetsContainer: settings.PRIVACY_ASSETS_CONTAINER });
  const dataset = buildDataset();
  const demoMedia = dataset.blobs.filter((b) => subject.contactIds.some((id) => b.name.startsWith(`${orgId}/chat-media/${id}/`))).length;
  const agent = dataset.items.users.find((u) => u.orgId === orgId)?.id ?? "user-demo-01";

  const platform = direct.cosmos.database(settings.PLATFORM_DATABASE);
  const base = Date.parse("2026-10-01T00:00:00.000Z");
  const minute = 60_000;
  const conversations: JSONObject[] = Array.from({ length: CONVERSATIONS }, (_, c) => ({
    id: `conv-bench-${contactId}-${pad(c + 1, 2)}`,
    orgId,
    contactId,
    assignedUserId: agent,
    channel: "whatsapp",
    status: "closed",
    startedAt: new Date(base - (flags.messages + CONVERSATIONS - c) * minute).toISOString(),
    lastMessageAt: new Date(base - (CONVERSATIONS - c) * minute).toISOString(),
  }));
  await upsertChunk(platform.container("conversations"), conversations);

  const messages = platform.container("messages");
  const chunks = Math.ceil(flags.messages / BULK_LIMIT);
  let written = 0;
  await forEachConcurrent(chunks, BULK_IN_FLIGHT, async (chunk) => {
    const items: JSONObject[] = [];
    for (let i = chunk * BULK_LIMIT; i < Math.min(flags.messages, (chunk + 1) * BULK_LIMIT); i++) {
      const id = `msg-bench-${pad(i + 1, 6)}`;
      const hasMedia = i < flags.media;
      const message: JSONObject = {
        id,
        orgId,
        conversationId: conversations[i % CONVERSATIONS]?.id ?? "",
        contactId,
        text: hasMedia ? "Hier ein Foto davon" : (TEXTS[i % TEXTS.length] ?? ""),
        direction: hasMedia || i % 2 === 0 ? "inbound" : "outbound",
        sentAt: new Date(base - (flags.messages - i) * minute).toISOString(),
      };
      if (hasMedia) message.media = { blobPath: `${orgId}/chat-media/${contactId}/${id}.jpg`, contentType: "image/jpeg", sizeBytes: flags.mediaKb * 1024 };
      items.push(message);
    }
    await upsertChunk(messages, items);
    written += items.length;
    if (written % 10_000 < BULK_LIMIT) progress(`seeded ${written} of ${flags.messages} messages`);
  });

  const assets = direct.blobs.getContainerClient(settings.PRIVACY_ASSETS_CONTAINER);
  await forEachConcurrent(flags.media, UPLOADS_IN_FLIGHT, async (i) => {
    const name = `${orgId}/chat-media/${contactId}/msg-bench-${pad(i + 1, 6)}.jpg`;
    await assets.getBlockBlobClient(name).uploadData(mediaBytes(i, flags.mediaKb * 1024), { blobHTTPHeaders: { blobContentType: "image/jpeg" } });
  });
  return { expectedBlobs: demoMedia + flags.media, addedItems: CONVERSATIONS + flags.messages, seedMs: Math.round(performance.now() - started) };
}

/** Rounds and query pages of discovery, from its log line. */
function discoveryFigures(entries: readonly { message: string; fields: Readonly<Record<string, unknown>> }[]): Record<string, unknown> {
  const fields = entries.find((e) => e.message === "discovery done")?.fields ?? {};
  return { rounds: fields.rounds, queryPages: fields.queryPages };
}

const BENCH_CALLER: Caller = { id: "bench", kind: "api-key", role: "privacy-admin", orgs: "*" };

async function measure(host: EmulatorHost, flags: BenchFlags): Promise<ScenarioOutcome> {
  if (flags.media > flags.messages) throw new Error("--media must not exceed --messages (each blob belongs to a message)");
  const ns = await openNamespace(host, "export");
  try {
    progress(`access-export: seeding ${flags.messages} messages and ${flags.media} media blobs of ${flags.mediaKb} KiB (namespace ${ns.settings.PLATFORM_DATABASE})`);
    const seeded = await seed(ns, flags);
    progress(`access-export: seeded in ${(seeded.seedMs / 1000).toFixed(1)} s; exporting`);

    const { rt } = ns;
    const log = quietLogger();
    await warmUp(rt);
    const body = SubmitRequestBody.parse({ type: "access", orgId, subject: { phone: subject.phone }, verification: { method: "attested", by: "bench" } });
    const { request } = await submitRequest(rt, authorize(BENCH_CALLER, "request:open"), body, undefined, log);
    if (request.status !== "queued") throw new Error(`the request is ${request.status}, expected queued`);

    gc();
    const before = process.memoryUsage();
    await host.resetCounts();
    const sampler = sampleMemory(50);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    try {
      await runExport(rt, request.id, { attempt: 1 }, log);
    } catch (error) {
      sampler.stop();
      console.error(log.tail(20));
      throw error;
    }
    const wallMs = Math.round(performance.now() - started);
    const engineCpuMs = cpuMsSince(cpuBefore);
    const peaks = sampler.stop();
    const counts = await host.counts();
    gc();
    const after = process.memoryUsage();

    // The run must have done the work, or the figures measure a broken export.
    const done = (await rt.requests.get(request.id))?.value;
    if (done?.status !== "completed") throw new Error(`the request ended ${done?.status ?? "missing"}${done?.failure === undefined ? "" : ` (${done.failure.step}: ${done.failure.reason})`}`);
    const delivery = done.delivery;
    const itemsWritten = done.progress?.itemsWritten ?? 0;
    const blobsWritten = done.progress?.blobsWritten ?? 0;
    const itemsFound = Object.values(done.discovery?.items ?? {}).reduce((sum, n) => sum + n, 0);
    if (delivery === undefined) throw new Error("the completed request has no delivery");
    if (itemsWritten < seeded.addedItems) throw new Error(`items written ${itemsWritten} < the ${seeded.addedItems} items added for the subject`);
    if (itemsWritten !== itemsFound) throw new Error(`items written ${itemsWritten} ≠ items found by discovery ${itemsFound}`);
    if (blobsWritten !== seeded.expectedBlobs) throw new Error(`blobs written ${blobsWritten} ≠ the subject's ${seeded.expectedBlobs} media blobs`);
    // The link as a privacy role is handed it (GET /api/requests/{id}/package): never on the request's view.
    const link = await issuePackageLink(rt, authorize(BENCH_CALLER, "package:link"), request.id, log);
    const head = await fetch(link.url, { method: "HEAD" });
    const length = Number(head.headers.get("content-length"));
    if (head.status !== 200 || length !== delivery.bytes) throw new Error(`the link answered ${head.status} with ${length} bytes, expected 200 with ${delivery.bytes}`);
    if (counts.cosmos.unparsed || counts.blob.unparsed) throw new Error("the proxy could not parse a connection's HTTP stream: request counts would be floors");

    const heapGrowthMB = toMB(after.heapUsed - before.heapUsed);
    const met = heapGrowthMB < HEAP_GROWTH_TARGET_MB;
    const result = {
      messages: flags.messages,
      media: flags.media,
      mediaKb: flags.mediaKb,
      rttMs: flags.rttMs,
      emulators: host.mode,
      wallMs,
      packageBytes: delivery.bytes,
      itemsWritten,
      blobsWritten,
      heapGrowthMB,
      peakHeapMB: toMB(peaks.peakHeapUsed),
      peakRssMB: toMB(peaks.peakRss),
      baseline: { heapUsedMB: toMB(before.heapUsed), rssMB: toMB(before.rss), peakExternalMB: toMB(peaks.peakExternal), memorySamples: peaks.samples },
      cosmosRequests: counts.cosmos.requests,
      blobRequests: counts.blob.requests,
      queueRequests: counts.queue.requests,
      // Where the time goes: this process (the engine, plus the proxies when in-process) and the emulator process.
      engineCpuMs,
      ...(counts.emulatorCpuMs === undefined ? {} : { emulatorCpuMs: counts.emulatorCpuMs }),
      discovery: discoveryFigures(log.entries),
      requestsByRoute: { cosmos: counts.cosmos.byRoute, blob: counts.blob.byRoute },
      connections: { cosmos: counts.cosmos.connections, blob: counts.blob.connections },
      seedMs: seeded.seedMs,
      target: { heapGrowthMB: HEAP_GROWTH_TARGET_MB },
      met,
    };
    const rows = [
      { figure: "wall time", value: `${(wallMs / 1000).toFixed(1)} s` },
      { figure: "package size", value: `${toMB(delivery.bytes)} MB` },
      { figure: "items / blobs written", value: `${itemsWritten} / ${blobsWritten}` },
      { figure: "heap growth (after GC)", value: `${heapGrowthMB} MB`, target: `< ${HEAP_GROWTH_TARGET_MB} MB`, met },
      { figure: "peak heap used", value: `${result.peakHeapMB} MB (baseline ${result.baseline.heapUsedMB} MB)` },
      { figure: "peak RSS", value: `${result.peakRssMB} MB (baseline ${result.baseline.rssMB} MB)` },
      { figure: "requests to Cosmos", value: String(counts.cosmos.requests) },
      { figure: "requests to Blob Storage", value: String(counts.blob.requests) },
      {
        figure: "CPU: engine / emulators",
        value: `${(engineCpuMs / 1000).toFixed(1)} s / ${counts.emulatorCpuMs === undefined ? "(in-process)" : `${(counts.emulatorCpuMs / 1000).toFixed(1)} s`}`,
      },
    ];
    return { rows, result };
  } finally {
    ns.close();
  }
}

export const exportMemoryScenario: Scenario = { name: "access-export", run: measure };

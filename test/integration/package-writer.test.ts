// The streaming package writer on Azurite: entries, limits, digests, resumption and the SAS it
// signs. Over 400 lines on purpose: the cases share one container setup and ZIP reader.

import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { parse } from "csv-parse/sync";
import {
  BlobSASPermissions,
  BlobServiceClient,
  ContainerClient,
  ContainerSASPermissions,
  type ServiceGetUserDelegationKeyResponse,
} from "@azure/storage-blob";
import yauzl from "yauzl";
import { afterEach, beforeEach, describe, expect, inject, it, vi } from "vitest";
import { EngineError } from "../../src/domain/errors.js";
import { flattenForCsv, safeEntryName, writeZipPackage, type PackageBuilder } from "../../src/engine/package-writer.js";
import { BlobPackageStore, createBlobPackageStore, sharedKeyFromConnectionString } from "../../src/stores/blob-packages.js";
import { testNamespace } from "../support/env.js";

const emulators = inject("emulators");
const service = BlobServiceClient.fromConnectionString(emulators.storageConnectionString);
const MTIME = new Date(Date.UTC(2025, 4, 17, 12, 0, 0));

async function* pagesOf<T>(pages: readonly (readonly T[])[]): AsyncGenerator<readonly T[]> {
  for (const page of pages) {
    await Promise.resolve();
    yield page;
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

const sha256 = (bytes: Buffer): string => createHash("sha256").update(bytes).digest("hex");

/** Every entry of a ZIP, by name, read with yauzl (an independent reader). */
async function unzip(zip: Buffer): Promise<Map<string, Buffer>> {
  const file = await yauzl.fromBufferPromise(zip, { lazyEntries: true, strictFileNames: true });
  const entries = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    file.on("error", reject);
    file.on("end", resolve);
    file.on("entry", (entry: yauzl.Entry) => {
      file
        .openReadStreamPromise(entry)
        .then(readAll)
        .then((bytes) => {
          entries.set(entry.fileName, bytes);
          file.readEntry();
        })
        .catch(reject);
    });
    file.readEntry();
  });
  return entries;
}

// ---- the package's content -------------------------------------------------------------------

const MESSAGE_PAGES: readonly (readonly object[])[] = [
  [
    { id: "m1", text: "Grüße aus Köln 👋", sender: { name: "Zoë Ångström", phone: "+4915112345678" }, at: "2025-01-02T10:00:00.000Z" },
    { id: "m2", text: "日本語のメッセージ", sender: { name: "山田", phone: "+81312345678" }, attachments: [{ kind: "image", size: 1200 }] },
  ],
  [{ id: "m3", text: "مرحبا \u2028 with a line separator", nested: { deeper: { still: [1, 2, { three: null }] } } }],
  [
    { id: "m4", text: 'quotes " and \\ backslash', empty: {} },
    { id: "m5", text: "", flag: false, n: -0.5 },
  ],
];

const ORDER_PAGES: readonly (readonly Record<string, unknown>[])[] = [
  [
    { id: "o1", note: 'hello, "world"\nsecond line', customer: { phone: "+4915112345678", name: "Zoë" }, items: ["a", "b"] },
    { id: "o2", note: '=HYPERLINK("http://evil.example","click")', customer: { phone: "+33612345678" }, total: -12.5 },
  ],
  [],
  [
    { id: "o3", note: "@SUM(A1:A2)", customer: { phone: "+14155550100", name: "Ann" }, total: 3, coupon: "LATE10" },
    { id: "o4", note: "-1+1", customer: { name: "\tTabbed" }, total: 0 },
  ],
];

const EXPECTED_CSV = [
  ["id", "note", "customer.phone", "customer.name", "items", "total", "_more"],
  ["o1", 'hello, "world"\nsecond line', "+4915112345678", "Zoë", '["a","b"]', "", ""],
  ["o2", `'=HYPERLINK("http://evil.example","click")`, "+33612345678", "", "", "-12.5", ""],
  ["o3", "'@SUM(A1:A2)", "+14155550100", "Ann", "", "3", '{"coupon":"LATE10"}'],
  ["o4", "'-1+1", "", "'\tTabbed", "", "0", ""],
];

const SUMMARY = "<!doctype html><h1>Ihre Daten – résumé</h1><p>2 categories</p>\n";

async function buildSamplePackage(zip: PackageBuilder, media: { stream: NodeJS.ReadableStream; size: number }): Promise<void> {
  expect(await zip.addJsonArray("messages.json", pagesOf(MESSAGE_PAGES))).toBe(5);
  expect(await zip.addCsv("orders.csv", pagesOf(ORDER_PAGES))).toBe(4);
  await zip.addStream(safeEntryName("media", "org-1/chat-media/contact-1/photo 1.jpg"), media.stream, media.size);
  await zip.addText("summary.html", SUMMARY);
}

// ---- pure helpers ------------------------------------------------------------------------------

describe("flattenForCsv", () => {
  it("uses dot paths for nested objects, JSON for arrays, empty cells for null", () => {
    expect(
      flattenForCsv({ id: "x", customer: { phone: "+1", address: { city: "Köln" } }, tags: ["a", { b: 1 }], gone: null, none: undefined, empty: {}, n: 2, ok: true }),
    ).toEqual({ id: "x", "customer.phone": "+1", "customer.address.city": "Köln", tags: '["a",{"b":1}]', gone: "", empty: "{}", n: "2", ok: "true" });
  });
});

describe("safeEntryName", () => {
  it("keeps names readable and relative, whatever the input", () => {
    expect(safeEntryName("media", "org-1/chat-media/c1/photo 1.jpg")).toBe("media/org-1/chat-media/c1/photo 1.jpg");
    expect(safeEntryName("/etc", "passwd")).toBe("etc/passwd");
    expect(safeEntryName("..", "..\\..\\windows", "x.txt")).toBe("_/_/_/windows/x.txt");
    expect(safeEntryName("C:\\temp\\a.txt")).toBe("C_/temp/a.txt");
    expect(safeEntryName("a\u0000b\u202Egnp.exe")).toBe("a_b_gnp.exe");
    expect(safeEntryName("./x/./y. ")).toBe("x/y");
    expect(safeEntryName("CON.txt")).toBe("_CON.txt");
    expect(safeEntryName("日本語 ファイル.json")).toBe("日本語 ファイル.json");
    expect(() => safeEntryName("", "/", ".")).toThrow(EngineError);
  });
});

// ---- packages in Azurite -----------------------------------------------------------------------

describe("package writer and blob package store", () => {
  let container: ContainerClient;
  let store: BlobPackageStore;
  const others: ContainerClient[] = [];

  beforeEach(async () => {
    container = service.getContainerClient(testNamespace("pkg"));
    await container.create();
    store = createBlobPackageStore({ connectionString: emulators.storageConnectionString, containerName: container.containerName });
  });
  afterEach(async () => {
    vi.useRealTimers();
    await container.deleteIfExists();
    for (const other of others.splice(0)) await other.deleteIfExists();
  });

  async function mediaBlob(bytes: Buffer): Promise<{ stream: NodeJS.ReadableStream; size: number }> {
    const blob = container.getBlockBlobClient("org-1/chat-media/contact-1/photo 1.jpg");
    await blob.uploadData(bytes);
    const download = await blob.download(0);
    if (download.readableStreamBody === undefined) throw new Error("no body");
    return { stream: download.readableStreamBody, size: bytes.length };
  }

  async function uploadSample(name: string): Promise<{ result: Awaited<ReturnType<typeof writeZipPackage>>; media: Buffer }> {
    const media = randomBytes(300 * 1024);
    const source = await mediaBlob(media);
    const result = await writeZipPackage(
      (zipBytes) => store.upload(name, zipBytes, { requestId: "req-1" }),
      (zip) => buildSamplePackage(zip, source),
      { mtime: MTIME },
    );
    await store.setMetadata(name, { requestId: "req-1", sha256: result.sha256 });
    return { result, media };
  }

  it("writes every entry exactly, uploads it, and the SAS link downloads it without credentials", async () => {
    const name = "org-1/exports/req-1/package.zip";
    const { result, media } = await uploadSample(name);
    expect(result.entries).toBe(4);

    const link = await store.downloadLink(name, new Date(Date.now() + 10 * 60_000));
    const query = new URL(link).searchParams;
    expect(query.get("sp")).toBe("r");
    expect(query.get("sr")).toBe("b");
    expect(query.get("st")).not.toBeNull();

    const response = await fetch(link);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/zip");
    const downloaded = Buffer.from(await response.arrayBuffer());
    expect(downloaded.length).toBe(result.bytes);
    expect(sha256(downloaded)).toBe(result.sha256);
    const properties = await container.getBlobClient(name).getProperties();
    expect(properties.metadata).toEqual({ requestid: "req-1", sha256: result.sha256 });

    const entries = await unzip(downloaded);
    expect([...entries.keys()]).toEqual(["messages.json", "orders.csv", "media/org-1/chat-media/contact-1/photo 1.jpg", "summary.html"]);

    const json = entries.get("messages.json")!.toString("utf8");
    expect(JSON.parse(json)).toEqual(MESSAGE_PAGES.flat());
    expect(json.split("\n")).toHaveLength(5 + 3); // "[", one line per item, "]", final newline

    const csv = entries.get("orders.csv")!.toString("utf8");
    expect(csv.startsWith("\uFEFFid,note,")).toBe(true);
    expect(csv).toContain('"hello, ""world""\nsecond line"');
    expect(csv.endsWith("\r\n")).toBe(true);
    expect(csv.replace(/"[^"]*(?:""[^"]*)*"/g, "").split("\r\n")).toHaveLength(EXPECTED_CSV.length + 1);
    expect(parse(csv, { bom: true, relax_column_count: false })).toEqual(EXPECTED_CSV);

    expect(entries.get("media/org-1/chat-media/contact-1/photo 1.jpg")!.equals(media)).toBe(true);
    expect(entries.get("summary.html")!.toString("utf8")).toBe(SUMMARY);

    // The same package in 64 KiB blocks (several staged, one commit) is the same bytes.
    const smallBlocks = new BlobPackageStore({
      container,
      signing: { kind: "account-key", credential: sharedKeyFromConnectionString(emulators.storageConnectionString)! },
      blockBytes: 64 * 1024,
    });
    const again = await writeZipPackage(
      (zipBytes) => smallBlocks.upload("org-1/exports/req-1/again.zip", zipBytes, { requestId: "req-1" }),
      (zip) => buildSamplePackage(zip, { stream: Readable.from([media]), size: media.length }),
      { mtime: MTIME },
    );
    expect(again.sha256).toBe(result.sha256);
    const blocks = await container.getBlockBlobClient("org-1/exports/req-1/again.zip").getBlockList("committed");
    expect(blocks.committedBlocks?.length).toBeGreaterThan(3);
    const refetched = Buffer.from(await (await fetch(await smallBlocks.downloadLink("org-1/exports/req-1/again.zip", new Date(Date.now() + 60_000)))).arrayBuffer());
    expect(sha256(refetched)).toBe(result.sha256);
  });

  it("gives a link that reads this one blob only, and only until it expires", async () => {
    const name = "org-1/exports/req-1/package.zip";
    await uploadSample(name);
    await container.getBlockBlobClient("org-1/exports/req-2/package.zip").uploadData(Buffer.from("another subject's package"));
    const link = await store.downloadLink(name, new Date(Date.now() + 10 * 60_000));

    const put = await fetch(link, { method: "PUT", headers: { "x-ms-blob-type": "BlockBlob" }, body: "overwritten" });
    expect(put.status).toBe(403);
    const del = await fetch(link, { method: "DELETE" });
    expect(del.status).toBe(403);
    expect(await container.getBlobClient(name).exists()).toBe(true);

    const sas = new URL(link).search;
    const other = await fetch(`${container.getBlobClient("org-1/exports/req-2/package.zip").url}${sas}`);
    expect(other.status).toBe(403);
    const listing = await fetch(`${container.url}${sas}&restype=container&comp=list`);
    expect(listing.status).toBe(403);

    // A link signed an hour ago for ten minutes: the same code path, expired by the service's clock.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() - 60 * 60_000);
    const expired = await store.downloadLink(name, new Date(Date.now() + 10 * 60_000));
    vi.useRealTimers();
    expect((await fetch(expired)).status).toBe(403);

    await expect(store.downloadLink(name, new Date(Date.now() - 1000))).rejects.toMatchObject({ code: "validation", reason: "expiry-not-in-future" });
  });

  it("leaves no blob when the build throws mid-way, and rejects with the build's error", async () => {
    const name = "org-1/exports/req-3/package.zip";
    const boom = new Error("the database went away on page 3");
    async function* failingPages(): AsyncGenerator<readonly object[]> {
      for (let page = 0; page < 5; page++) {
        await Promise.resolve();
        if (page === 3) throw boom;
        yield Array.from({ length: 2000 }, (_, i) => ({ id: `m${page}-${i}`, text: randomBytes(48).toString("base64") }));
      }
    }
    // Small blocks, so some are staged before the failure: they must never be committed.
    const smallBlocks = new BlobPackageStore({
      container,
      signing: { kind: "account-key", credential: sharedKeyFromConnectionString(emulators.storageConnectionString)! },
      blockBytes: 64 * 1024,
    });
    let sinkError: unknown;
    const attempt = writeZipPackage(
      (zipBytes) =>
        smallBlocks.upload(name, zipBytes, { requestId: "req-3" }).catch((error: unknown) => {
          sinkError = error;
          throw error;
        }),
      async (zip) => {
        await zip.addText("summary.html", SUMMARY);
        await zip.addJsonArray("messages.json", failingPages());
      },
    );
    await expect(attempt).rejects.toBe(boom);
    expect(sinkError).toBeDefined(); // the sink saw an error, not a clean end
    expect(await container.getBlobClient(name).exists()).toBe(false);
    const staged = await container.getBlockBlobClient(name).getBlockList("uncommitted");
    expect(staged.uncommittedBlocks?.length ?? 0).toBeGreaterThan(0);

    // The same when the failure comes between entries, and when a streamed source fails.
    await expect(
      writeZipPackage(
        (zipBytes) => store.upload(name, zipBytes, {}),
        async (zip) => {
          await zip.addText("a.txt", "a");
          throw boom;
        },
      ),
    ).rejects.toBe(boom);
    const broken = new Readable({
      read() {
        this.push(randomBytes(1024));
        this.destroy(new Error("media download broke"));
      },
    });
    await expect(
      writeZipPackage(
        (zipBytes) => store.upload(name, zipBytes, {}),
        (zip) => zip.addStream("media/x.bin", broken),
      ),
    ).rejects.toThrow("media download broke");
    await expect(
      writeZipPackage(
        (zipBytes) => store.upload(name, zipBytes, {}),
        (zip) => zip.addStream("media/short.bin", Readable.from([Buffer.alloc(10)]), 11),
      ),
    ).rejects.toThrow(/unexpected number of bytes/);
    expect(await container.getBlobClient(name).exists()).toBe(false);
  });

  it("rejects with the sink's error when the upload fails, and stops pulling pages", async () => {
    const nowhere = createBlobPackageStore({ connectionString: emulators.storageConnectionString, containerName: testNamespace("none") });
    const seen = { pages: 0 };
    async function* pages(): AsyncGenerator<readonly object[]> {
      for (let page = 0; page < 5000; page++) {
        await Promise.resolve();
        seen.pages++;
        yield Array.from({ length: 200 }, () => ({ text: randomBytes(64).toString("base64") }));
      }
    }
    const attempt = writeZipPackage(
      (zipBytes) => nowhere.upload("p.zip", zipBytes, {}),
      async (zip) => {
        await zip.addJsonArray("messages.json", pages());
      },
    );
    await expect(attempt).rejects.toMatchObject({ code: "not-found" });
    expect(seen.pages).toBeLessThan(5000);
  });

  it("refuses unsafe, duplicate and concurrent entries", async () => {
    const discard = async (zipBytes: NodeJS.ReadableStream) => {
      await readAll(zipBytes);
    };
    await expect(writeZipPackage(discard, (zip) => zip.addText("../escape.txt", "x"))).rejects.toMatchObject({ reason: "unsafe-entry-name" });
    await expect(
      writeZipPackage(discard, async (zip) => {
        await zip.addText("a.txt", "x");
        await zip.addText("A.TXT", "y");
      }),
    ).rejects.toMatchObject({ reason: "duplicate-entry" });
    await expect(
      writeZipPackage(discard, async (zip) => {
        await Promise.all([zip.addText("a.txt", "x"), zip.addText("b.txt", "y")]);
      }),
    ).rejects.toMatchObject({ reason: "builder-busy" });
  });

  it("gives the same bytes for the same content and mtime", async () => {
    const media = randomBytes(64 * 1024);
    const once = async (mtime: Date) => {
      let bytes: Buffer = Buffer.alloc(0);
      const result = await writeZipPackage(
        async (zipBytes) => {
          bytes = await readAll(zipBytes);
        },
        (zip) => buildSamplePackage(zip, { stream: Readable.from([media]), size: media.length }),
        { mtime },
      );
      expect(sha256(bytes)).toBe(result.sha256);
      expect(bytes.length).toBe(result.bytes);
      return result.sha256;
    };
    const first = await once(MTIME);
    expect(await once(MTIME)).toBe(first);
    expect(await once(new Date(MTIME.getTime() + 60_000))).not.toBe(first);
  });

  it("sends the package to another controller's container through a SAS URL", async () => {
    const name = "org-1/exports/req-4/package.zip";
    const { result } = await uploadSample(name);
    const destination = service.getContainerClient(testNamespace("dest"));
    others.push(destination);
    await destination.create();
    const expiresOn = new Date(Date.now() + 10 * 60_000);

    // A container SAS: the package keeps its file name.
    const containerSas = await destination.generateSasUrl({ permissions: ContainerSASPermissions.parse("cw"), expiresOn });
    await store.sendTo(name, containerSas);
    const sent = await destination.getBlobClient("package.zip").downloadToBuffer();
    expect(sha256(sent)).toBe(result.sha256);
    expect((await destination.getBlobClient("package.zip").getProperties()).metadata).toEqual({ sha256: result.sha256 });

    // A blob SAS: the destination names the blob.
    const blobSas = await destination.getBlobClient("inbox/from-controller-a.zip").generateSasUrl({ permissions: BlobSASPermissions.parse("cw"), expiresOn });
    await store.sendTo(name, blobSas);
    expect(sha256(await destination.getBlobClient("inbox/from-controller-a.zip").downloadToBuffer())).toBe(result.sha256);
  });

  it("refuses destinations without a signature, with a bad one, to a missing container or a foreign host", async () => {
    const name = "org-1/exports/req-5/package.zip";
    await uploadSample(name);
    const destination = service.getContainerClient(testNamespace("dest"));
    others.push(destination);
    await destination.create();
    const expiresOn = new Date(Date.now() + 10 * 60_000);
    const refused = { code: "validation", reason: "destination-refused" };

    await expect(store.sendTo(name, `${destination.url}/x.zip`)).rejects.toMatchObject(refused);
    const missing = service.getContainerClient(testNamespace("nope"));
    const missingSas = await missing.generateSasUrl({ permissions: ContainerSASPermissions.parse("cw"), expiresOn });
    await expect(store.sendTo(name, missingSas)).rejects.toMatchObject(refused);
    const readOnly = await destination.generateSasUrl({ permissions: ContainerSASPermissions.parse("r"), expiresOn });
    await expect(store.sendTo(name, readOnly)).rejects.toMatchObject(refused);
    const good = new URL(await destination.generateSasUrl({ permissions: ContainerSASPermissions.parse("cw"), expiresOn }));
    good.searchParams.set("sig", Buffer.alloc(32, 7).toString("base64"));
    await expect(store.sendTo(name, good.toString())).rejects.toMatchObject(refused);
    await expect(store.sendTo(name, "https://collector.example.com/c/x.zip?sig=abc")).rejects.toMatchObject(refused);
    await expect(store.sendTo(name, "not a url")).rejects.toMatchObject(refused);
    expect(await destination.getBlobClient("package.zip").exists()).toBe(false);

    const gone = await destination.generateSasUrl({ permissions: ContainerSASPermissions.parse("cw"), expiresOn });
    await expect(store.sendTo("org-1/exports/none/package.zip", gone)).rejects.toMatchObject({ code: "not-found" });
  });

  it("deletes a package and its snapshots; false when already gone", async () => {
    const name = "org-1/exports/req-6/package.zip";
    await uploadSample(name);
    await container.getBlobClient(name).createSnapshot();
    expect(await store.delete(name)).toBe(true);
    expect(await container.getBlobClient(name).exists()).toBe(false);
    const left: string[] = [];
    for await (const blob of container.listBlobsFlat({ prefix: "org-1/exports/", includeSnapshots: true })) left.push(blob.name);
    expect(left).toEqual([]);
    expect(await store.delete(name)).toBe(false);
  });
});

describe("link signing and connection strings", () => {
  it("signs with a user delegation key when running with an identity, capped at the key's 7 days", async () => {
    const requested: Date[] = [];
    const keyService = {
      accountName: "contosoprivacy",
      getUserDelegationKey: (startsOn: Date, expiresOn: Date) => {
        requested.push(startsOn, expiresOn);
        return Promise.resolve({
          signedObjectId: "00000000-0000-0000-0000-000000000001",
          signedTenantId: "00000000-0000-0000-0000-000000000002",
          signedStartsOn: startsOn,
          signedExpiresOn: expiresOn,
          signedService: "b",
          signedVersion: "2025-01-05",
          value: Buffer.alloc(32, 1).toString("base64"),
        } as ServiceGetUserDelegationKeyResponse);
      },
    } as unknown as BlobServiceClient;
    const container = new ContainerClient("https://contosoprivacy.blob.core.windows.net/org-assets");
    const store = new BlobPackageStore({ container, signing: { kind: "user-delegation", service: keyService } });
    const now = Date.now();
    const link = new URL(await store.downloadLink("org-1/exports/r1/package.zip", new Date(now + 30 * 24 * 3600_000)));
    expect(`${link.origin}${link.pathname}`).toBe("https://contosoprivacy.blob.core.windows.net/org-assets/org-1/exports/r1/package.zip");
    const q = link.searchParams;
    expect([q.get("sp"), q.get("sr"), q.get("spr"), q.get("skoid")]).toEqual(["r", "b", "https", "00000000-0000-0000-0000-000000000001"]);
    const [startsOn, keyExpiry] = requested;
    expect(startsOn!.getTime()).toBeLessThan(now);
    expect(keyExpiry!.getTime() - startsOn!.getTime()).toBeLessThanOrEqual(7 * 24 * 3600_000);
    expect(new Date(q.get("se")!).getTime()).toBeLessThanOrEqual(keyExpiry!.getTime());
  });

  it("reads the account key from a connection string, the development account included", () => {
    const key = Buffer.alloc(64, 3).toString("base64");
    const credential = sharedKeyFromConnectionString(`DefaultEndpointsProtocol=https;AccountName=contoso;AccountKey=${key};EndpointSuffix=core.windows.net`);
    expect(credential?.accountName).toBe("contoso");
    expect(sharedKeyFromConnectionString("UseDevelopmentStorage=true")?.accountName).toBe("devstoreaccount1");
    expect(sharedKeyFromConnectionString("BlobEndpoint=https://contoso.blob.core.windows.net;SharedAccessSignature=sv=2025&sig=x")).toBeUndefined();
    expect(() =>
      createBlobPackageStore({ connectionString: "BlobEndpoint=https://contoso.blob.core.windows.net;SharedAccessSignature=sv=2025&sig=x", containerName: "org-assets" }),
    ).toThrow(EngineError);
  });
});

// ---- memory ------------------------------------------------------------------------------------

describe("memory", () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  const heap = (): number => {
    gc?.();
    return process.memoryUsage().heapUsed;
  };

  async function* bigPages(pages: number, perPage: number, seen: { pages: number; peak: number }): AsyncGenerator<readonly Record<string, unknown>[]> {
    for (let page = 0; page < pages; page++) {
      await Promise.resolve(); // a page comes from a query: one await each
      seen.pages++;
      if (page % 100 === 0) seen.peak = Math.max(seen.peak, process.memoryUsage().heapUsed);
      yield Array.from({ length: perPage }, (_, i) => ({
        id: `msg-${page}-${i}`,
        conversationId: `conv-${page % 17}`,
        text: `message ${page * perPage + i} ${randomBytes(12).toString("hex")}`,
        customer: { phone: `+49151${String(page * perPage + i).padStart(8, "0")}` },
      }));
    }
  }

  it("writes 200 000 items in 2 000 pages with heap growth bounded by a page", async () => {
    const before = heap();
    const seen = { pages: 0, peak: before };
    let discarded = 0;
    const result = await writeZipPackage(
      async (zipBytes) => {
        for await (const chunk of zipBytes) discarded += (chunk as Buffer).length;
      },
      async (zip) => {
        expect(await zip.addJsonArray("messages.json", bigPages(1000, 100, seen))).toBe(100_000);
        expect(await zip.addCsv("messages.csv", bigPages(1000, 100, seen))).toBe(100_000);
      },
    );
    const after = heap();
    expect(seen.pages).toBe(2000);
    expect(discarded).toBe(result.bytes);
    console.log(
      `[memory] 200000 items, ${(result.bytes / 1e6).toFixed(1)} MB zip; heapUsed growth ${((after - before) / 1e6).toFixed(1)} MB, ` +
        `peak during ${((seen.peak - before) / 1e6).toFixed(1)} MB above start (gc ${gc === undefined ? "not exposed" : "forced"})`,
    );
  });

  it("holds the producer back while the sink does not read", async () => {
    const seen = { pages: 0, peak: 0 };
    let pagesWhenSinkStarted = -1;
    await writeZipPackage(
      async (zipBytes) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        pagesWhenSinkStarted = seen.pages;
        await readAll(zipBytes);
      },
      async (zip) => {
        await zip.addJsonArray("messages.json", bigPages(2000, 100, seen));
      },
    );
    console.log(`[backpressure] ${pagesWhenSinkStarted} of 2000 pages pulled before the sink read its first byte`);
    expect(pagesWhenSinkStarted).toBeGreaterThan(0);
    expect(pagesWhenSinkStarted).toBeLessThan(200);
    expect(seen.pages).toBe(2000);
  });
});

import { describe, expect, it } from "vitest";
import type { BlobSource } from "../../src/engine/ports.js";
import { allPages, expectEngineError, madeOnce, rejection, sorted } from "./support.js";

// What discovery, export, erasure and offboarding rely on from the blob reader (src/engine/discovery.ts
// listLayout and matchingRows, export.ts, erasure.ts, offboarding.ts): a prefix lists exactly the
// blobs under it with their byte sizes, pages follow each other without loss or repetition, and a
// read yields the blob's bytes exactly; a blob that is gone is not-found.

export interface BlobSourceSubject {
  readonly source: BlobSource;
  /** A container that exists. */
  readonly container: string;
  /** Writes a blob into `container`. */
  put(name: string, content: string | Uint8Array): Promise<void>;
}

async function bytesOf(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

const UPLOADS = Array.from({ length: 13 }, (_, i) => `org-blobs-a/uploads/file-${String(i).padStart(2, "0")}.txt`);
const BINARY = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31 + 7) % 256));
// Multi-byte characters: a size is bytes, not characters.
const CSV = "id,label\n1,Grüße\n2,日本\n";

export function blobSourceContract(name: string, make: () => Promise<BlobSourceSubject>): void {
  describe(`BlobSource contract: ${name}`, () => {
    const subject = madeOnce(async () => {
      const made = await make();
      for (const blob of UPLOADS) await made.put(blob, `content of ${blob}`);
      await made.put("org-blobs-a/imports/list one (ü).csv", CSV);
      await made.put("org-blobs-a/binary/data.bin", BINARY);
      // Prefix neighbours that must not list under org-blobs-a/: a longer org id, another org.
      await made.put("org-blobs-ab/uploads/file-00.txt", "neighbour");
      await made.put("org-blobs-b/uploads/file-00.txt", "other org");
      return made;
    });
    const list = async (prefix: string, limit: number) =>
      (await allPages((token) => subject().source.listPage(subject().container, prefix, { limit, ...(token === undefined ? {} : { continuationToken: token }) }), limit)).items;

    it("a prefix lists exactly the blobs under it", async () => {
      const names = (await list("org-blobs-a/", 5000)).map((b) => b.name);
      expect(sorted(names)).toEqual(sorted([...UPLOADS, "org-blobs-a/imports/list one (ü).csv", "org-blobs-a/binary/data.bin"]));
      expect(sorted((await list("org-blobs-a/uploads/", 5000)).map((b) => b.name))).toEqual(sorted(UPLOADS));
    });

    it("each listed blob has its size in bytes", async () => {
      const entries = await list("org-blobs-a/", 5000);
      expect(entries.find((b) => b.name === "org-blobs-a/imports/list one (ü).csv")?.size).toBe(Buffer.byteLength(CSV));
      expect(entries.find((b) => b.name === "org-blobs-a/binary/data.bin")?.size).toBe(BINARY.length);
      expect(entries.find((b) => b.name === UPLOADS[0])?.size).toBe(Buffer.byteLength(`content of ${UPLOADS[0]!}`));
    });

    it("pages hold at most `limit` blobs and together the whole listing, each once; the last page has no token", async () => {
      for (const limit of [1, 4, 5, 13]) {
        const names = (await list("org-blobs-a/uploads/", limit)).map((b) => b.name);
        expect(new Set(names).size).toBe(names.length);
        expect(sorted(names)).toEqual(sorted(UPLOADS));
      }
    });

    it("a prefix with no blob is an empty page without a token", async () => {
      const page = await subject().source.listPage(subject().container, "org-blobs-none/", { limit: 10 });
      expect(page.items).toEqual([]);
      expect(page.continuationToken).toBeUndefined();
    });

    it("a read yields the blob's bytes exactly (text with multi-byte characters, binary)", async () => {
      expect((await bytesOf(await subject().source.read(subject().container, "org-blobs-a/imports/list one (ü).csv"))).toString("utf8")).toBe(CSV);
      expect((await bytesOf(await subject().source.read(subject().container, "org-blobs-a/binary/data.bin"))).equals(BINARY)).toBe(true);
    });

    it("a listed name reads back as it was listed", async () => {
      for (const entry of await list("org-blobs-a/imports/", 10)) {
        expect((await bytesOf(await subject().source.read(subject().container, entry.name))).length).toBe(entry.size);
      }
    });

    it("a read of a blob that is not there is a not-found error", async () => {
      expectEngineError(await rejection(subject().source.read(subject().container, "org-blobs-a/uploads/gone.txt")), "not-found");
    });
  });
}

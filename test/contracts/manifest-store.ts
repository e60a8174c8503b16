import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ManifestEntry, ManifestStore } from "../../src/engine/ports.js";
import { madeOnce } from "./support.js";

// What the engine relies on from the manifest store (src/engine/work.ts writes a discovery run's
// pages; erasure.ts, export.ts, rectification.ts and restriction.ts read them back by run; work.ts
// removes them): a run reads back exactly its own pages in seq order, a page rewritten by a rerun
// is one page, and removal is scoped and safe to repeat.

export interface ManifestStoreSubject {
  readonly store: ManifestStore;
}

const page = (n: number): ManifestEntry =>
  n % 3 === 0
    ? { source: "container", name: "contacts", ids: [`contact-${n}-a`, `contact-${n}-b`] }
    : n % 3 === 1
      ? { source: "blobs", name: "uploads", blobs: [`org-manifest/uploads/file-${n}.pdf`] }
      : { source: "csv-rows", name: "imports", rows: { blob: `org-manifest/imports/list-${n}.csv`, rows: [1, n + 2] } };

async function collect(entries: AsyncIterable<ManifestEntry>): Promise<ManifestEntry[]> {
  const out: ManifestEntry[] = [];
  for await (const entry of entries) out.push(entry);
  return out;
}

export function manifestStoreContract(name: string, make: () => Promise<ManifestStoreSubject>): void {
  describe(`ManifestStore contract: ${name}`, () => {
    const subject = madeOnce(make);
    const write = async (requestId: string, run: string, seqs: readonly number[]) => {
      for (const seq of seqs) await subject().store.write(requestId, run, seq, page(seq));
    };

    it("a run nothing was written for lists nothing (while other runs have pages)", async () => {
      const requestId = randomUUID();
      await write(requestId, "run-1", [0]);
      expect(await collect(subject().store.list(requestId, "run-none"))).toEqual([]);
      expect(await collect(subject().store.list(randomUUID(), "run-1"))).toEqual([]);
    });

    it("pages come back as written (ids, blobs and CSV rows), in seq order, numerically", async () => {
      const requestId = randomUUID();
      await write(requestId, "run-1", [10, 2, 0, 1, 11, 3]);
      expect(await collect(subject().store.list(requestId, "run-1"))).toEqual([0, 1, 2, 3, 10, 11].map(page));
    });

    it("a run reads back only its own pages, and a request only its own runs", async () => {
      const requestId = randomUUID();
      const other = randomUUID();
      await write(requestId, "run-a", [0, 1]);
      await write(requestId, "run-b", [0, 1, 2]);
      await write(other, "run-a", [5]);
      expect(await collect(subject().store.list(requestId, "run-a"))).toEqual([0, 1].map(page));
      expect(await collect(subject().store.list(requestId, "run-b"))).toEqual([0, 1, 2].map(page));
      expect(await collect(subject().store.list(other, "run-a"))).toEqual([page(5)]);
    });

    it("writing a page again (a redelivered run) replaces it: one page, the last content", async () => {
      const requestId = randomUUID();
      await write(requestId, "run-1", [0, 1]);
      const rewritten: ManifestEntry = { source: "container", name: "contacts", ids: ["contact-rewritten"] };
      await subject().store.write(requestId, "run-1", 1, rewritten);
      expect(await collect(subject().store.list(requestId, "run-1"))).toEqual([page(0), rewritten]);
    });

    it("a manifest of many pages reads back whole and in order", async () => {
      const requestId = randomUUID();
      const seqs = Array.from({ length: 130 }, (_, i) => i);
      for (let i = 0; i < seqs.length; i += 26) await Promise.all(seqs.slice(i, i + 26).map((seq) => subject().store.write(requestId, "run-long", seq, page(seq))));
      expect(await collect(subject().store.list(requestId, "run-long"))).toEqual(seqs.map(page));
    });

    it("remove with a run deletes only that run's pages", async () => {
      const requestId = randomUUID();
      const other = randomUUID();
      await write(requestId, "run-a", [0, 1, 2]);
      await write(requestId, "run-b", [0]);
      await write(other, "run-a", [0]);
      await subject().store.remove(requestId, "run-a");
      expect(await collect(subject().store.list(requestId, "run-a"))).toEqual([]);
      expect(await collect(subject().store.list(requestId, "run-b"))).toEqual([page(0)]);
      expect(await collect(subject().store.list(other, "run-a"))).toEqual([page(0)]);
    });

    it("remove without a run deletes every run of the request and nothing of another", async () => {
      const requestId = randomUUID();
      const other = randomUUID();
      await write(requestId, "run-a", [0, 1]);
      await write(requestId, "run-b", [0, 1]);
      await write(other, "run-a", [3]);
      await subject().store.remove(requestId);
      expect(await collect(subject().store.list(requestId, "run-a"))).toEqual([]);
      expect(await collect(subject().store.list(requestId, "run-b"))).toEqual([]);
      expect(await collect(subject().store.list(other, "run-a"))).toEqual([page(3)]);
    });

    it("remove is safe to repeat, and on a request with no manifest", async () => {
      const requestId = randomUUID();
      await write(requestId, "run-a", [0]);
      await subject().store.remove(requestId, "run-a");
      await expect(subject().store.remove(requestId, "run-a")).resolves.toBeUndefined();
      await expect(subject().store.remove(requestId)).resolves.toBeUndefined();
      await expect(subject().store.remove(randomUUID())).resolves.toBeUndefined();
    });

    it("remove deletes a manifest of many pages completely", async () => {
      const requestId = randomUUID();
      const seqs = Array.from({ length: 230 }, (_, i) => i);
      for (let i = 0; i < seqs.length; i += 46) await Promise.all(seqs.slice(i, i + 46).map((seq) => subject().store.write(requestId, seq % 2 === 0 ? "run-x" : "run-y", seq, page(seq))));
      await subject().store.remove(requestId);
      expect(await collect(subject().store.list(requestId, "run-x"))).toEqual([]);
      expect(await collect(subject().store.list(requestId, "run-y"))).toEqual([]);
    });
  });
}

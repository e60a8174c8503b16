import type { ManifestEntry, ManifestStore } from "../../../src/engine/ports.js";
import { copy, roundTrip } from "./common.js";

/** ManifestStore in memory: one page per (request, run, seq), a rewrite replaces it; listed in seq order. */
export class MemoryManifestStore implements ManifestStore {
  private readonly pages = new Map<string, { requestId: string; run: string; seq: number; entry: ManifestEntry }>();

  async write(requestId: string, run: string, seq: number, entry: ManifestEntry): Promise<void> {
    await roundTrip();
    this.pages.set(JSON.stringify([requestId, run, seq]), { requestId, run, seq, entry: copy(entry) });
  }

  async *list(requestId: string, run: string): AsyncIterable<ManifestEntry> {
    await roundTrip();
    const pages = [...this.pages.values()].filter((p) => p.requestId === requestId && p.run === run).sort((a, b) => a.seq - b.seq);
    for (const page of pages) yield copy(page.entry);
  }

  async remove(requestId: string, run?: string): Promise<void> {
    await roundTrip();
    for (const [key, page] of this.pages) if (page.requestId === requestId && (run === undefined || page.run === run)) this.pages.delete(key);
  }
}

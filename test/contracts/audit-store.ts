import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { chainEntries, verifyChain, type AuditEntry } from "../../src/domain/audit.js";
import type { AuditStore } from "../../src/engine/ports.js";
import { bookkeepingFields, madeOnce } from "./support.js";

// What the engine relies on from the audit store (src/engine/commit.ts flushes pending entries
// again after a crash; requests.ts and sweeps.ts read a trail back): writes are idempotent, an
// entry once written never changes, and a trail comes back whole, in seq order.

export interface AuditStoreSubject {
  readonly store: AuditStore;
}

/** `count` chained entries of one new request, as commit() makes them. */
export function auditTrailOf(count: number, requestId: string = randomUUID()): AuditEntry[] {
  const drafts = Array.from({ length: count }, (_, i) => ({
    at: new Date(Date.UTC(2030, 0, 1, 0, 0, i)).toISOString(),
    actor: { kind: "system" as const, id: "contract-suite" },
    action: i === 0 ? "request.opened" : "request.step",
    details: { step: i, note: "contract" },
  }));
  return chainEntries({ requestId, orgId: "org-audit", subjectKey: "sk-audit-1" }, undefined, drafts).entries;
}

/** A shuffled copy (a fixed permutation: deterministic, and never the order given). */
function shuffled<T>(values: readonly T[]): T[] {
  const out = [...values];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = (i * 7919 + 13) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function auditStoreContract(name: string, make: () => Promise<AuditStoreSubject>): void {
  describe(`AuditStore contract: ${name}`, () => {
    const subject = madeOnce(make);

    it("a request with no entries has an empty trail (while others have theirs)", async () => {
      await subject().store.write(auditTrailOf(2));
      expect(await subject().store.listForRequest(randomUUID())).toEqual([]);
    });

    it("entries come back as written, in seq order whatever order they were written in", async () => {
      const entries = auditTrailOf(12);
      await subject().store.write(shuffled(entries));
      const trail = await subject().store.listForRequest(entries[0]!.requestId);
      expect(trail).toEqual(entries);
      expect(verifyChain(trail, { seq: 11, hash: entries[11]!.hash }).valid).toBe(true);
      for (const entry of trail) expect(bookkeepingFields(entry)).toEqual([]);
    });

    it("a trail holds only its own request's entries", async () => {
      const mine = auditTrailOf(3);
      const theirs = auditTrailOf(4);
      await subject().store.write([...theirs, ...mine]);
      expect(await subject().store.listForRequest(mine[0]!.requestId)).toEqual(mine);
      expect(await subject().store.listForRequest(theirs[0]!.requestId)).toEqual(theirs);
    });

    it("writing an entry that exists leaves the stored one as it is, without an error", async () => {
      const entries = auditTrailOf(2);
      await subject().store.write(entries);
      const forged: AuditEntry = { ...entries[1]!, action: "forged", details: { step: 99 } };
      await subject().store.write([forged]);
      expect(await subject().store.listForRequest(entries[0]!.requestId)).toEqual(entries);
    });

    it("writing the same batch again (a flush after a crash) stores each entry once", async () => {
      const entries = auditTrailOf(5);
      await subject().store.write(entries.slice(0, 3));
      await subject().store.write(entries);
      await subject().store.write(entries);
      expect(await subject().store.listForRequest(entries[0]!.requestId)).toEqual(entries);
    });

    it("writing nothing is fine", async () => {
      await expect(subject().store.write([])).resolves.toBeUndefined();
    });

    it("a long trail (more than one page of the store) comes back whole and in order", async () => {
      const entries = auditTrailOf(510);
      const batches = [];
      for (let i = 0; i < entries.length; i += 31) batches.push(entries.slice(i, i + 31));
      await Promise.all(shuffled(batches).map((batch) => subject().store.write(batch)));
      const trail = await subject().store.listForRequest(entries[0]!.requestId);
      expect(trail.map((e) => e.seq)).toEqual(entries.map((e) => e.seq));
      expect(trail).toEqual(entries);
    });
  });
}

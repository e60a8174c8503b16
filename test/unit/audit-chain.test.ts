import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chainEntries, verifyChain, type AuditDraft, type AuditEntry } from "../../src/domain/audit.js";

const scope = { requestId: "r-1", orgId: "org-a", subjectKey: "sk_abc" };
const draft = (action: string, n: number): AuditDraft => ({
  at: `2026-01-01T00:00:0${n % 10}.000Z`,
  actor: { kind: "system", id: "test" },
  action,
  details: { n },
});

function chainOf(count: number): { entries: AuditEntry[]; head: { seq: number; hash: string } } {
  // Appended in several commits, as the engine does.
  let head: { seq: number; hash: string } | undefined;
  const entries: AuditEntry[] = [];
  for (let i = 0; i < count; i += 1) {
    const result = chainEntries(scope, head, [draft(`step-${i}`, i)]);
    entries.push(...result.entries);
    head = result.head;
  }
  if (head === undefined) throw new Error("empty chain");
  return { entries, head };
}

describe("audit hash chain", () => {
  it("verifies an untouched chain", () => {
    const { entries, head } = chainOf(5);
    expect(entries.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(verifyChain(entries, head)).toEqual({ valid: true, entries: 5, problems: [] });
  });

  it("detects a changed entry, a removed entry, a removed tail and a reordered chain", () => {
    const { entries, head } = chainOf(5);
    const changed = entries.map((e) => (e.seq === 2 ? { ...e, details: { n: 99 } } : e));
    expect(verifyChain(changed, head).valid).toBe(false);
    const removed = entries.filter((e) => e.seq !== 2);
    expect(verifyChain(removed, head).valid).toBe(false);
    const truncated = entries.slice(0, 3);
    expect(verifyChain(truncated, head).valid).toBe(false);
    const swapped = [entries[1], entries[0], ...entries.slice(2)] as AuditEntry[];
    expect(verifyChain(swapped, head).valid).toBe(false);
    // A correctly chained forgery appended after the head.
    const forged = chainEntries(scope, head, [draft("verification.succeeded", 9)]).entries;
    expect(verifyChain([...entries, ...forged], head).problems.join(" ")).toMatch(/after the recorded head/);
    expect(verifyChain(entries, undefined).valid).toBe(false);
    expect(verifyChain([], undefined).valid).toBe(true);
    const rehashed = entries.map((e) => (e.seq === 4 ? { ...e, actor: { kind: "system" as const, id: "someone-else" } } : e));
    expect(verifyChain(rehashed, head).problems.join(" ")).toMatch(/entry 4 was changed/);
  });

  it("detects any single-field change anywhere (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.nat(), fc.string({ minLength: 1, maxLength: 8 }), (count, pick, junk) => {
        const { entries, head } = chainOf(count);
        const index = pick % count;
        const tampered = entries.map((e, i) => (i === index ? { ...e, action: `${e.action}${junk}` } : e));
        expect(verifyChain(tampered, head).valid).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});

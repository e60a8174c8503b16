import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ItemErasure } from "../../src/domain/data-map.js";
import { anonymisation, batches, coveringHold, patchPath, planBlobs, planItems, REDACTED, type LegalHold } from "../../src/domain/erasure.js";

const NOW = new Date("2026-03-10T15:00:00.000Z");
const DAY_MS = 86_400_000;
/** The UTC calendar date `offset` days from NOW, as a hold's `until` holds it. */
const dayFrom = (offset: number): string => new Date(NOW.getTime() + offset * DAY_MS).toISOString().slice(0, 10);

const hold = (over: Partial<LegalHold> = {}): LegalHold => ({ id: "h-1", orgId: "org-a", reason: "litigation", ...over });
const keys = (...k: string[]): ReadonlySet<string> => new Set(k);

describe("legal hold coverage", () => {
  it("covers a subject whose key it names, in its category, until its last day", () => {
    expect(coveringHold([hold({ subjectKeys: ["sk1"], category: "messages", until: dayFrom(5) })], keys("sk1"), "messages", NOW)?.id).toBe("h-1");
    // Another subject, another category, or a hold past its last day: not covered.
    expect(coveringHold([hold({ subjectKeys: ["sk1"] })], keys("sk2"), "messages", NOW)).toBeUndefined();
    expect(coveringHold([hold({ category: "billing" })], keys("sk1"), "messages", NOW)).toBeUndefined();
    expect(coveringHold([hold({ until: dayFrom(-1) })], keys("sk1"), "messages", NOW)).toBeUndefined();
    expect(coveringHold([], keys("sk1"), "messages", NOW)).toBeUndefined();
  });

  it("covers with any one of the subject's keys (a subject has a key per identifier)", () => {
    expect(coveringHold([hold({ subjectKeys: ["phone-key", "x"] })], keys("user-key", "phone-key"), "c", NOW)?.id).toBe("h-1");
  });

  it("with no subject keys covers every subject of the org, but an empty list covers none", () => {
    expect(coveringHold([hold()], keys("anyone"), "c", NOW)?.id).toBe("h-1");
    expect(coveringHold([hold()], keys(), "c", NOW)?.id).toBe("h-1");
    expect(coveringHold([hold({ subjectKeys: [] })], keys("anyone"), "c", NOW)).toBeUndefined();
  });

  it("is in force through the whole UTC day of `until`, and not a millisecond after", () => {
    const holds = [hold({ until: "2026-03-10" })];
    expect(coveringHold(holds, keys("s"), "c", new Date("2026-03-10T00:00:00.000Z"))?.id).toBe("h-1");
    expect(coveringHold(holds, keys("s"), "c", new Date("2026-03-10T23:59:59.999Z"))?.id).toBe("h-1");
    expect(coveringHold(holds, keys("s"), "c", new Date("2026-03-11T00:00:00.000Z"))).toBeUndefined();
    // Dates compare as dates across months and years.
    expect(coveringHold([hold({ until: "2027-01-01" })], keys("s"), "c", new Date("2026-12-31T23:00:00.000Z"))?.id).toBe("h-1");
    expect(coveringHold([hold({ until: "2025-12-31" })], keys("s"), "c", new Date("2026-01-01T00:00:00.000Z"))).toBeUndefined();
  });

  it("returns the first hold in force, skipping those that are not", () => {
    const holds = [hold({ id: "old", until: dayFrom(-3) }), hold({ id: "other", subjectKeys: ["z"] }), hold({ id: "a" }), hold({ id: "b" })];
    expect(coveringHold(holds, keys("s"), "c", NOW)?.id).toBe("a");
  });

  it("a hold covers iff a key matches (or it names none), its category matches (or it names none) and it has not expired (property)", () => {
    const pool = ["k0", "k1", "k2", "k3", "k4"];
    const categories = ["messages", "contacts", "billing"];
    const arbHold = fc.record(
      {
        id: fc.uuid(),
        orgId: fc.constant("org-a"),
        reason: fc.constant("r"),
        subjectKeys: fc.subarray(pool),
        category: fc.constantFrom(...categories),
        // Days from today to the hold's last day; negative = already expired.
        until: fc.integer({ min: -400, max: 400 }).map(dayFrom),
      },
      { requiredKeys: ["id", "orgId", "reason"] },
    );
    fc.assert(
      fc.property(fc.array(arbHold, { maxLength: 5 }), fc.subarray(pool), fc.constantFrom(...categories), (holds, subject, category) => {
        const daysLeft = (h: LegalHold): number => (h.until === undefined ? Infinity : Math.round((Date.parse(`${h.until}T00:00:00Z`) - Date.parse(`${dayFrom(0)}T00:00:00Z`)) / DAY_MS));
        const covers = (h: LegalHold): boolean =>
          (h.subjectKeys === undefined || h.subjectKeys.filter((k) => subject.includes(k)).length > 0) &&
          (h.category === undefined || h.category === category) &&
          daysLeft(h) >= 0;
        const expected = holds.filter(covers)[0];
        expect(coveringHold(holds, new Set(subject), category, NOW)).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });
});

describe("patch paths and anonymisation", () => {
  it("turns a dotted field path into a JSON Patch path, escaping ~ and /", () => {
    expect(patchPath("customer.name")).toBe("/customer/name");
    expect(patchPath("contactId")).toBe("/contactId");
    expect(patchPath("a~b.c/d")).toBe("/a~0b/c~1d");
  });

  it("redacts with the fixed marker or clears to null, per field", () => {
    const erasure: Extract<ItemErasure, { action: "anonymise" }> = {
      action: "anonymise",
      reason: "kept for accounting",
      fields: [
        { path: "customer.name", strategy: "redact" },
        { path: "customer.phone", strategy: "null" },
      ],
    };
    expect(REDACTED).toBe("[erased]");
    expect(anonymisation(erasure)).toEqual([
      { op: "set", path: "/customer/name", value: "[erased]" },
      { op: "set", path: "/customer/phone", value: null },
    ]);
  });
});

describe("the erasure plan for items", () => {
  const ids = ["i1", "i2", "i3"];
  const anonymise: ItemErasure = { action: "anonymise", reason: "invoices", fields: [{ path: "billingEmail", strategy: "redact" }] };

  it("deletes, anonymises or keeps every item as the data map says", () => {
    expect(planItems({ category: "contacts", erasure: { action: "delete" } }, ids, [], keys("s"), NOW)).toEqual({ delete: ids, anonymise: [], keep: [] });
    expect(planItems({ category: "billing", erasure: anonymise }, ids, [], keys("s"), NOW)).toEqual({
      delete: [],
      anonymise: ids.map((id) => ({ id, operations: [{ op: "set", path: "/billingEmail", value: "[erased]" }] })),
      keep: [],
    });
    expect(planItems({ category: "audit", erasure: { action: "keep", reason: "legal obligation" } }, ids, [], keys("s"), NOW)).toEqual({
      delete: [],
      anonymise: [],
      keep: ids.map((id) => ({ id, reason: "legal obligation" })),
    });
  });

  it("keeps every item under a covering hold, naming the hold, whatever the data map says", () => {
    const holds = [hold({ id: "h-9", reason: "tax audit", category: "contacts", subjectKeys: ["s"] })];
    for (const erasure of [{ action: "delete" } as const, anonymise]) {
      expect(planItems({ category: "contacts", erasure }, ids, holds, keys("s"), NOW)).toEqual({
        delete: [],
        anonymise: [],
        keep: ids.map((id) => ({ id, reason: "legal hold: tax audit", holdId: "h-9" })),
      });
    }
    // The same hold does not reach another category or an expired day.
    expect(planItems({ category: "messages", erasure: { action: "delete" } }, ids, holds, keys("s"), NOW).delete).toEqual(ids);
    expect(planItems({ category: "contacts", erasure: { action: "delete" } }, ids, [{ ...holds[0]!, until: dayFrom(-1) }], keys("s"), NOW).delete).toEqual(ids);
  });

  it("does not alias the caller's id list", () => {
    const mine = ["a"];
    const plan = planItems({ category: "c", erasure: { action: "delete" } }, mine, [], keys(), NOW);
    expect(plan.delete).not.toBe(mine);
  });

  it("places every id exactly once, in order, in one bucket (property)", () => {
    const erasures: ItemErasure[] = [{ action: "delete" }, anonymise, { action: "keep", reason: "r" }];
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 20 }),
        fc.constantFrom(...erasures),
        fc.boolean(),
        (list, erasure, held) => {
          const holds = held ? [hold({ category: "c" })] : [];
          const plan = planItems({ category: "c", erasure }, list, holds, keys("s"), NOW);
          const all = [...plan.delete, ...plan.anonymise.map((a) => a.id), ...plan.keep.map((k) => k.id)];
          expect(all).toEqual(list);
          const bucket = held ? "keep" : erasure.action === "delete" ? "delete" : erasure.action === "anonymise" ? "anonymise" : "keep";
          expect(bucket === "delete" ? plan.delete.length : bucket === "anonymise" ? plan.anonymise.length : plan.keep.length).toBe(list.length);
          expect(plan.keep.every((k) => (k.holdId === "h-1") === held)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("the erasure plan for blobs", () => {
  it("deletes every blob unless a hold covers it", () => {
    const names = ["org-a/u1/a.png", "org-a/u1/b.png"];
    expect(planBlobs({ category: "media" }, names, [], keys("s"), NOW)).toEqual({ delete: names, keep: [] });
    expect(planBlobs({ category: "media" }, names, [hold({ id: "h-2", reason: "dispute" })], keys("s"), NOW)).toEqual({
      delete: [],
      keep: names.map((id) => ({ id, reason: "legal hold: dispute", holdId: "h-2" })),
    });
    expect(planBlobs({ category: "media" }, names, [hold({ category: "billing" })], keys("s"), NOW).delete).toEqual(names);
  });
});

describe("batches", () => {
  it("splits into runs of the size, the last one shorter", () => {
    expect(batches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(batches([], 100)).toEqual([]);
    expect(batches([1, 2], 2)).toEqual([[1, 2]]);
  });

  it("concatenates back to the input, each batch full but the last (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 300 }), fc.integer({ min: 1, max: 300 }), (items, size) => {
        const out = batches(items, size);
        expect(out.flat()).toEqual(items);
        expect(out.length).toBe(Math.ceil(items.length / size));
        expect(out.map((b) => b.length)).toEqual(out.map((_b, i) => (i < out.length - 1 ? size : items.length - size * (out.length - 1))));
      }),
      { numRuns: 200 },
    );
  });
});

describe("batches of a size that cannot advance", () => {
  it("refuses a size below one instead of looping for ever", () => {
    for (const size of [0, -1, 0.5, Number.NaN]) expect(() => batches([1, 2, 3], size)).toThrow(RangeError);
  });
});

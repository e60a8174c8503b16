import { describe, expect, it } from "vitest";
import { loadDataMap } from "../../src/config/data-map-loader.js";
import { parseDataMap } from "../../src/domain/data-map.js";
import { EngineError } from "../../src/domain/errors.js";
import { changesFor, checkChanges, rectifyItem } from "../../src/domain/rectification.js";
import { applyStatusChange, emptyEntry, rekeyEntry, statusView, type SubjectEntry } from "../../src/domain/registry.js";

const map = loadDataMap();
const now = new Date("2026-11-25T10:00:00.000Z");

describe("rectification rules", () => {
  it("normalises values like identifiers and names each bad change", () => {
    expect(checkChanges(map, [{ field: "phone", value: "030 1234567" }, { field: "email", value: " A@B.DE " }], "DE", "2026-11-25")).toEqual([
      { field: "phone", type: "phone", value: "+49301234567" },
      { field: "email", type: "email", value: "a@b.de" },
    ]);
    try {
      checkChanges(map, [{ field: "name", value: "ok" }, { field: "nope", value: "x" }, { field: "dateOfBirth", value: "2026-11-26" }], "DE", "2026-11-25");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EngineError);
      expect((error as EngineError).fields.map((f) => f.path)).toEqual(["changes[1].field", "changes[2].value"]);
    }
  });

  it("sets the record's field, corrects copies only where they exist, and leaves an item already right", () => {
    const changes = checkChanges(map, [{ field: "name", value: "New Name" }], undefined, "2026-11-25");
    const order = changesFor(map, "orders", changes);
    expect(order).toEqual([{ change: changes[0], path: "customer.name", copy: true }]);
    expect(rectifyItem({ id: "o1", customer: { name: "Old", phone: "+1" } }, order)?.item).toEqual({ id: "o1", customer: { name: "New Name", phone: "+1" } });
    expect(rectifyItem({ id: "o2", total: 3 }, order)).toBeUndefined();
    const contact = changesFor(map, "contacts", changes);
    const set = rectifyItem({ id: "c1" }, contact);
    expect(set?.item).toEqual({ id: "c1", name: "New Name" });
    expect(set?.before.get("name")).toBe("");
    expect(rectifyItem({ id: "c1", name: "New Name" }, contact)).toBeUndefined();
  });

  it("a map's rectification places must name mapped containers", () => {
    const raw = JSON.parse(JSON.stringify(map)) as Record<string, unknown> & { rectification: { places: { container: string }[] }[] };
    const first = raw.rectification[0]?.places[0];
    if (first === undefined) throw new Error("default map has no rectification places");
    first.container = "nowhere";
    expect(() => parseDataMap(raw)).toThrow(/rectification\[0\]\.places\[0\]\.container: unknown container nowhere/);
  });
});

describe("registry entries", () => {
  const base = emptyEntry("org", "sk_a", now);
  const restricted = applyStatusChange(base, { kind: "restrict", restriction: { since: "2026-11-01", ground: "accuracy-contested", requestId: "r1" } }, ["sk_a", "sk_b"], now) as SubjectEntry;

  it("changes are idempotent, lifts only their own restriction, and the group grows", () => {
    expect(restricted.group).toEqual(["sk_a", "sk_b"]);
    expect(applyStatusChange(restricted, { kind: "restrict", restriction: { since: "2026-11-20", ground: "unlawful-processing", requestId: "r2" } }, ["sk_a"], now)).toBeUndefined();
    expect(applyStatusChange(restricted, { kind: "lift", requestId: "r2" }, [], now)).toBeUndefined();
    expect(applyStatusChange(restricted, { kind: "lift", requestId: "r1" }, [], now)?.restriction).toBeUndefined();
  });

  it("suppressions merge by purpose and an objection makes marketing absolute", () => {
    const consent = applyStatusChange(base, { kind: "suppress", suppressions: [{ purpose: "marketing", since: "2026-01-01", absolute: false, basis: "consent-withdrawal", requestId: "r" }] }, [], now) as SubjectEntry;
    const objected = applyStatusChange(consent, { kind: "suppress", suppressions: [{ purpose: "marketing", since: "2026-02-01", absolute: true, basis: "objection", requestId: "s" }, { purpose: "profiling", since: "2026-02-01", absolute: false, basis: "objection", requestId: "s" }] }, [], now) as SubjectEntry;
    expect(objected.suppressions.map((s) => [s.purpose, s.since, s.absolute])).toEqual([
      ["marketing", "2026-01-01", true],
      ["profiling", "2026-02-01", false],
    ]);
  });

  it("a rekeyed entry keeps its status under the new key; the view shows holds in force only", () => {
    const moved = rekeyEntry(restricted, "sk_a", "sk_c", undefined, now);
    expect(moved).toMatchObject({ id: "subject:sk_c", key: "sk_c", group: ["sk_b", "sk_c"], restriction: { requestId: "r1" } });
    const held = applyStatusChange(moved, { kind: "hold", hold: { id: "h1", until: "2026-11-24" } }, [], now) as SubjectEntry;
    const view = statusView(held, { id: "org-holds", orgId: "org", type: "org-holds", holds: [{ id: "h2", category: "sales" }], updatedAt: "" }, now);
    expect(view).toEqual({ restricted: true, restriction: { since: "2026-11-01", ground: "accuracy-contested" }, suppressions: [], legalHolds: [{ id: "h2", category: "sales" }] });
    expect(statusView(undefined, undefined, now)).toEqual({ restricted: false, suppressions: [], legalHolds: [] });
  });
});

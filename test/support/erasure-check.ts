import { expect } from "vitest";
import { REDACTED } from "../../src/domain/erasure.js";
import type { Runtime } from "../../src/hosting/composition.js";
import type { Expected } from "./discovery-oracle.js";
import { snapshotKey, type PlatformSnapshot } from "./platform-snapshot.js";

/** Everything not the subject's is byte-identical; the subject's items are gone or anonymised. */
export function expectOnlySubjectErased(rt: Runtime, before: PlatformSnapshot, after: PlatformSnapshot, orgId: string, expected: Expected): void {
  const containerOf: Record<string, string> = Object.fromEntries(rt.dataMap.containers.map((m) => [m.name, m.container]));
  const subjectItems = new Set(Object.entries(expected.items).flatMap(([place, ids]) => ids.map((id) => snapshotKey(containerOf[place] ?? place, orgId, id))));
  const subjectBlobs = new Set(Object.values(expected.blobs).flat());
  const rewritten = new Set(Object.values(expected.csvRows).flat().map((r) => r.blob));
  for (const [k, value] of before.items) {
    if (subjectItems.has(k)) continue;
    expect(after.items.get(k), k).toBe(value);
  }
  for (const [name, digest] of before.blobs) {
    const base = name.split("@")[0] ?? name;
    if (subjectBlobs.has(base) || rewritten.has(base)) continue;
    expect(after.blobs.get(name), name).toBe(digest);
  }
  for (const k of subjectItems) {
    if (k.startsWith("orders/")) {
      const order = JSON.parse(after.items.get(k) ?? "{}") as { customer?: Record<string, unknown>; amount?: unknown; contactId?: unknown };
      const original = JSON.parse(before.items.get(k) ?? "{}") as { amount?: unknown };
      expect(order.customer?.phone).toBe(REDACTED);
      expect(order.contactId).toBe(REDACTED);
      expect(order.amount).toEqual(original.amount);
    } else if (!k.startsWith("organizations/") && !k.startsWith("knowledgeBaseDocuments/")) {
      expect(after.items.has(k), k).toBe(false);
    }
  }
  for (const name of subjectBlobs) expect([...after.blobs.keys()].some((b) => b.split("@")[0] === name), name).toBe(false);
}


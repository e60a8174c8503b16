import type { BlobLayout, ContainerMapping, ItemErasure } from "./data-map.js";
import { utcDate } from "./deadlines.js";

// The erasure plan, pure: what happens to each item and blob of a subject, given the data map
// and the org's legal holds. Deleting and anonymising are idempotent, so a page can run twice.

export interface LegalHold {
  readonly id: string;
  readonly orgId: string;
  /** The hold covers these subjects (keyed hashes); absent = every subject in the org. */
  readonly subjectKeys?: readonly string[];
  /** The hold covers this category; absent = every category. */
  readonly category?: string;
  readonly reason: string;
  /** Last day of the hold (YYYY-MM-DD); absent = until lifted. */
  readonly until?: string;
  readonly createdAt?: string;
  readonly createdBy?: string;
}

export const REDACTED = "[erased]";

export interface PatchOperation {
  readonly op: "set";
  readonly path: string;
  readonly value: string | null;
}

export interface KeptItem {
  readonly id: string;
  readonly reason: string;
  readonly holdId?: string;
}

export interface ItemPlan {
  readonly delete: readonly string[];
  readonly anonymise: readonly { readonly id: string; readonly operations: readonly PatchOperation[] }[];
  readonly keep: readonly KeptItem[];
}

/** Holds in force today that cover this subject (any of its keys) and this category. */
export function coveringHold(holds: readonly LegalHold[], subjectKeys: ReadonlySet<string>, category: string, now: Date): LegalHold | undefined {
  const today = utcDate(now);
  return holds.find(
    (hold) =>
      (hold.until === undefined || hold.until >= today) &&
      (hold.category === undefined || hold.category === category) &&
      (hold.subjectKeys === undefined || hold.subjectKeys.some((key) => subjectKeys.has(key))),
  );
}

/** `customer.name` → `/customer/name` (JSON Patch path, as Cosmos patch takes it). */
export function patchPath(fieldPath: string): string {
  return `/${fieldPath.split(".").map((s) => s.replace(/~/g, "~0").replace(/\//g, "~1")).join("/")}`;
}

export function anonymisation(erasure: Extract<ItemErasure, { action: "anonymise" }>): PatchOperation[] {
  return erasure.fields.map((field) => ({ op: "set", path: patchPath(field.path), value: field.strategy === "redact" ? REDACTED : null }));
}

export function planItems(
  mapping: Pick<ContainerMapping, "category" | "erasure">,
  ids: readonly string[],
  holds: readonly LegalHold[],
  subjectKeys: ReadonlySet<string>,
  now: Date,
): ItemPlan {
  const hold = coveringHold(holds, subjectKeys, mapping.category, now);
  if (hold !== undefined) return { delete: [], anonymise: [], keep: ids.map((id) => ({ id, reason: `legal hold: ${hold.reason}`, holdId: hold.id })) };
  const erasure = mapping.erasure;
  switch (erasure.action) {
    case "delete":
      return { delete: [...ids], anonymise: [], keep: [] };
    case "anonymise": {
      const operations = anonymisation(erasure);
      return { delete: [], anonymise: ids.map((id) => ({ id, operations })), keep: [] };
    }
    case "keep":
      return { delete: [], anonymise: [], keep: ids.map((id) => ({ id, reason: erasure.reason })) };
  }
}

export interface BlobPlan {
  readonly delete: readonly string[];
  readonly keep: readonly KeptItem[];
}

export function planBlobs(layout: Pick<BlobLayout, "category">, names: readonly string[], holds: readonly LegalHold[], subjectKeys: ReadonlySet<string>, now: Date): BlobPlan {
  const hold = coveringHold(holds, subjectKeys, layout.category, now);
  if (hold !== undefined) return { delete: [], keep: names.map((id) => ({ id, reason: `legal hold: ${hold.reason}`, holdId: hold.id })) };
  return { delete: [...names], keep: [] };
}

/** Splits work into batches of at most `size` (bulk: 100 operations, blob batch: 256). */
export function batches<T>(items: readonly T[], size: number): T[][] {
  // A size below one would never advance.
  if (!Number.isInteger(size) || size < 1) throw new RangeError("batch size must be a positive integer");
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

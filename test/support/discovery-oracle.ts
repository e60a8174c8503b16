import { parse } from "csv-parse/sync";
import { boundKind, layoutPrefix, type DataMap } from "../../src/domain/data-map.js";
import { valuesAt } from "../../src/domain/discovery-query.js";
import { canonicalKey } from "../../src/engine/discovery.js";
import type { Dataset } from "../../src/local/seed.js";

// What discovery must find, computed in memory over the seeded dataset: every item of the org
// whose matched fields hold one of the subject's keys (phones compared in E.164, emails
// lower-cased), keys spreading through the map's references until none is new. Independent of
// the engine's queries, phone variants, paging and exclusion.

export interface Expected {
  items: Record<string, string[]>;
  blobs: Record<string, string[]>;
  csvRows: Record<string, { readonly blob: string; readonly rows: readonly number[] }[]>;
}

/**
 * The oracle's own idea of a placeholder, written apart from the engine's predicate: values that
 * name no one match no one, in any field or CSV cell (issue 12).
 */
const NO_ONE = new Set(["", "-", "--", "?", "n/a", "na", "n.a.", "null", "none", "undefined", "unknown", "noemail", "no email", "0"]);
export function namesNoOne(kind: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (NO_ONE.has(v) || /^[\s\-_.?/()]*$/.test(v) || /^0+$/.test(v)) return true;
  if (kind === "phone") return /^0*$/.test(v.replace(/\D/g, "")) || /^\+?(?:00)?(?:1|44|49)0+$/.test(v.replace(/[^\d+]/g, ""));
  if (kind === "email") return !/^[^@\s]+@[^@\s]+$/.test(v);
  return false;
}

const keyOf = (kind: string, raw: string, country: string | undefined): string | undefined => (namesNoOne(kind, raw) ? undefined : canonicalKey(kind, raw, country));

export function expectedDiscovery(map: DataMap, dataset: Dataset, orgId: string, subject: Record<string, string>, country: string | undefined): Expected {
  const keys = new Map<string, Set<string>>();
  const add = (kind: string, raw: string) => {
    const value = keyOf(kind, raw, country);
    if (value === undefined) return false;
    const set = keys.get(kind) ?? new Set<string>();
    const had = set.has(value);
    set.add(value);
    keys.set(kind, set);
    return !had;
  };
  for (const [kind, value] of Object.entries(subject)) add(kind, value);
  const containerItems = (name: string) => (dataset.items as unknown as Record<string, Record<string, unknown>[]>)[name] ?? [];
  const found = new Map<string, Set<string>>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const mapping of map.containers) {
      for (const item of containerItems(mapping.container)) {
        if (item[mapping.orgField] !== orgId) continue;
        const matches = mapping.matches.some((m) =>
          valuesAt(item, m.path).some((raw) => {
            const value = keyOf(m.kind, raw, country);
            return value !== undefined && (keys.get(m.kind)?.has(value) ?? false);
          }),
        );
        if (!matches) continue;
        const set = found.get(mapping.name) ?? new Set<string>();
        set.add(String(item.id));
        found.set(mapping.name, set);
        for (const key of mapping.keys) for (const raw of valuesAt(item, key.path)) if (add(key.kind, raw)) changed = true;
      }
    }
  }
  const blobs: Record<string, string[]> = {};
  const csvRows: Expected["csvRows"] = {};
  for (const layout of map.blobs) {
    const kind = boundKind(layout);
    if (layout.content.type === "file") {
      const prefixes = [...(kind === undefined ? [] : (keys.get(kind) ?? []))].map((v) => layoutPrefix(layout, orgId, v));
      const names = dataset.blobs.filter((b) => prefixes.some((p) => b.name.startsWith(p))).map((b) => b.name).sort();
      if (names.length > 0) blobs[layout.name] = names;
    } else {
      const columns = layout.content.columns;
      for (const blob of dataset.blobs.filter((b) => b.name.startsWith(layoutPrefix(layout, orgId)))) {
        const rows = parse<Record<string, string>>(blob.content, { columns: true, bom: true, skip_empty_lines: true, trim: true })
          .map((row, i) => ({ row, n: i + 1 }))
          .filter(({ row }) =>
            Object.entries(columns).some(([column, k]) => {
              const raw = row[column];
              const value = raw === undefined ? undefined : keyOf(k, raw, country);
              return value !== undefined && (keys.get(k)?.has(value) ?? false);
            }),
          )
          .map(({ n }) => n);
        if (rows.length > 0) (csvRows[layout.name] ??= []).push({ blob: blob.name, rows });
      }
    }
  }
  return { items: Object.fromEntries([...found].map(([k, v]) => [k, [...v].sort()])), blobs, csvRows };
}

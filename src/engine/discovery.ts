import { parse } from "csv-parse";
import { boundKind, layoutPrefix, type BlobLayout, type ContainerMapping, type DataMap } from "../domain/data-map.js";
import { matchQuery, valuesAt, type KeySet } from "../domain/discovery-query.js";
import { isUsableIdentifier, normalizeIdentifier, type NormalizedSubject } from "../domain/identifiers.js";
import type { BlobSource, ManifestEntry, PlatformItems } from "./ports.js";

// Finds every item and blob of a subject within one org: direct matches on identifying fields,
// then references (contact → conversations → messages, user → uploads, ...) round after round
// until no new key appears; then blobs by their path templates and CSV imports by their rows.
// Memory holds the keys and one page; what is found goes out page by page through `record`.

export interface DiscoveryPorts {
  readonly items: PlatformItems;
  readonly blobs: BlobSource;
  /** Resolves the map's aliases (`platform`, `assets`) to real database and container names. */
  readonly resolve: { database(name: string): string; container(name: string): string };
}

export interface DiscoveryOptions {
  readonly pageSize: number;
  /** The org's default country, for phones stored in national format. */
  readonly defaultCountry?: string;
  /** At most this many fresh values of one kind in one query. */
  readonly valuesPerQuery?: number;
}

export interface DiscoveryResult {
  readonly keys: Record<string, string[]>;
  readonly items: Record<string, number>;
  readonly blobs: Record<string, number>;
  readonly csvRows: Record<string, number>;
  readonly rounds: number;
  readonly queryPages: number;
  readonly listingPages: number;
}

type MutableKeys = Map<string, Set<string>>;

/** Where discovery starts: a request's identifiers, or (verification after erasure) a whole key set. */
export type DiscoverySeed = NormalizedSubject | Readonly<Record<string, readonly string[]>>;

function seedKeys(seed: DiscoverySeed): MutableKeys {
  const keys: MutableKeys = new Map();
  const add = (kind: string, values: readonly string[]) => {
    // Seeds are canonical already; placeholders (in a job's keys from before placeholders were refused) are dropped.
    const usable = values.filter((value) => isUsableIdentifier(kind, value));
    if (usable.length > 0) keys.set(kind, new Set(usable));
  };
  for (const [kind, value] of Object.entries(seed)) {
    if (typeof value === "string") add(kind, [value]);
    else if (Array.isArray(value)) add(kind, value as readonly string[]);
  }
  return keys;
}

const asKeySet = (keys: MutableKeys): KeySet => new Map([...keys].map(([k, v]) => [k, [...v]]));

/** A key value in canonical form, or undefined when it cannot be one (a placeholder, a malformed stored phone). */
export function canonicalKey(kind: string, raw: string, defaultCountry: string | undefined): string | undefined {
  return normalizeIdentifier(kind, raw, defaultCountry);
}

function chunk<T>(values: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

export async function discover(
  map: DataMap,
  orgId: string,
  subject: DiscoverySeed,
  ports: DiscoveryPorts,
  options: DiscoveryOptions,
  record: (entry: ManifestEntry) => Promise<void>,
): Promise<DiscoveryResult> {
  const known: MutableKeys = new Map();
  let fresh = seedKeys(subject);
  const items: Record<string, number> = {};
  let rounds = 0;
  let queryPages = 0;
  let listingPages = 0;

  while ([...fresh.values()].some((s) => s.size > 0)) {
    rounds += 1;
    const found: MutableKeys = new Map();
    for (const mapping of map.containers) {
      for await (const page of matchingPages(ports, mapping, orgId, asKeySet(fresh), asKeySet(known), { ...options, projection: "keys" })) {
        queryPages += 1;
        const ids: string[] = [];
        for (const item of page) {
          if (typeof item.id !== "string") continue;
          ids.push(item.id);
          mapping.keys.forEach((key, i) => {
            const path = key.path.includes("[]") ? `v${key.path.slice(key.path.indexOf("["))}` : "v";
            for (const raw of valuesAt({ v: item[`k${i}`] }, path)) {
              const value = canonicalKey(key.kind, raw, options.defaultCountry);
              if (value === undefined) continue;
              const set = found.get(key.kind) ?? new Set<string>();
              set.add(value);
              found.set(key.kind, set);
            }
          });
        }
        if (ids.length > 0) {
          items[mapping.name] = (items[mapping.name] ?? 0) + ids.length;
          await record({ source: "container", name: mapping.name, ids });
        }
      }
    }
    for (const [kind, values] of fresh) {
      const set = known.get(kind) ?? new Set<string>();
      for (const v of values) set.add(v);
      known.set(kind, set);
    }
    fresh = new Map();
    for (const [kind, values] of found) {
      const novel = [...values].filter((v) => !(known.get(kind)?.has(v) ?? false));
      if (novel.length > 0) fresh.set(kind, new Set(novel));
    }
  }

  const keys = Object.fromEntries([...known].map(([k, v]) => [k, [...v].sort()]));
  const blobs: Record<string, number> = {};
  const csvRows: Record<string, number> = {};
  for (const layout of map.blobs) {
    const container = ports.resolve.container(layout.container);
    const kind = boundKind(layout);
    if (layout.content.type === "file") {
      for (const value of kind === undefined ? [] : (keys[kind] ?? [])) {
        listingPages += await listLayout(layout, container, layoutPrefix(layout, orgId, value), async (names) => {
          blobs[layout.name] = (blobs[layout.name] ?? 0) + names.length;
          await record({ source: "blobs", name: layout.name, blobs: names });
        });
      }
    } else {
      const columns = layout.content.columns;
      listingPages += await listLayout(layout, container, layoutPrefix(layout, orgId), async (names) => {
        for (const blob of names) {
          const rows = await matchingRows(await ports.blobs.read(container, blob), columns, known, options.defaultCountry);
          if (rows.length === 0) continue;
          csvRows[layout.name] = (csvRows[layout.name] ?? 0) + rows.length;
          await record({ source: "csv-rows", name: layout.name, rows: { blob, rows } });
        }
      });
    }
  }

  async function listLayout(_layout: BlobLayout, container: string, prefix: string, onPage: (names: string[]) => Promise<void>): Promise<number> {
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await ports.blobs.listPage(container, prefix, { limit: 5000, ...(token === undefined ? {} : { continuationToken: token }) });
      pages += 1;
      if (page.items.length > 0) await onPage(page.items.map((b) => b.name));
      token = page.continuationToken;
    } while (token !== undefined);
    return pages;
  }

  return { keys, items, blobs, csvRows, rounds, queryPages, listingPages };
}

/**
 * Pages of the items of one mapped container that match `fresh` keys and none of the `known` ones.
 * Fresh values go in chunks; each chunk also excludes the chunks before it, so no item comes twice.
 * Discovery asks for the key fields only; the export asks for whole items with every key fresh.
 */
export async function* matchingPages(
  ports: Pick<DiscoveryPorts, "items" | "resolve">,
  mapping: ContainerMapping,
  orgId: string,
  fresh: KeySet,
  known: KeySet,
  options: { readonly pageSize: number; readonly valuesPerQuery?: number; readonly projection: "keys" | "all"; readonly defaultCountry?: string },
): AsyncGenerator<readonly Record<string, unknown>[]> {
  const excluded = new Map([...known].map(([k, v]) => [k, [...v]]));
  const target = { database: ports.resolve.database(mapping.database), container: mapping.container };
  const perQuery = options.valuesPerQuery ?? 50;
  const orgCountry = options.defaultCountry;
  async function* pagesOf(query: ReturnType<typeof matchQuery>): AsyncGenerator<readonly Record<string, unknown>[]> {
    if (query === undefined) return;
    let token: string | undefined;
    do {
      const page = await ports.items.queryPage(target, orgId, query, { limit: options.pageSize, ...(token === undefined ? {} : { continuationToken: token }) });
      // The query finds stored forms; only items whose matched value is one of the subject's keys
      // in canonical form count (a national form can name another person's number).
      yield page.items.filter((item) => stillMatches(item, mapping, fresh, options));
      token = page.continuationToken;
    } while (token !== undefined);
  }
  const kinds = [...new Set(mapping.matches.map((m) => m.kind))].filter((k) => (fresh.get(k)?.length ?? 0) > 0);
  // The usual case: every kind's fresh values fit one query, so one query per container asks for all.
  if (kinds.every((k) => (fresh.get(k)?.length ?? 0) <= perQuery)) {
    yield* pagesOf(matchQuery({ mapping, orgId, fresh: new Map(kinds.map((k) => [k, fresh.get(k) ?? []])), known: excluded, projection: options.projection, ...(orgCountry === undefined ? {} : { orgCountry }) }));
    return;
  }
  for (const kind of kinds) {
    for (const values of chunk(fresh.get(kind) ?? [], perQuery)) {
      yield* pagesOf(matchQuery({ mapping, orgId, fresh: new Map([[kind, values]]), known: excluded, projection: options.projection, ...(orgCountry === undefined ? {} : { orgCountry }) }));
      excluded.set(kind, [...(excluded.get(kind) ?? []), ...values]);
    }
  }
}

/** Whether one of the item's matched fields holds a fresh key, compared in canonical form. */
function stillMatches(
  item: Readonly<Record<string, unknown>>,
  mapping: ContainerMapping,
  fresh: KeySet,
  options: { readonly projection: "keys" | "all"; readonly defaultCountry?: string },
): boolean {
  return mapping.matches.some((match, i) => {
    const wanted = fresh.get(match.kind);
    if (wanted === undefined || wanted.length === 0) return false;
    const raw =
      options.projection === "all"
        ? valuesAt(item, match.path)
        : valuesAt({ v: item[`m${i}`] }, match.path.includes("[]") ? `v${match.path.slice(match.path.indexOf("["))}` : "v");
    return raw.some((value) => {
      const canonical = canonicalKey(match.kind, value, options.defaultCountry);
      return canonical !== undefined && wanted.includes(canonical);
    });
  });
}

/** Row numbers (1 = first data row) of a CSV whose identifying columns hold one of the subject's keys. */
export async function matchingRows(
  stream: NodeJS.ReadableStream,
  columns: Readonly<Record<string, string>>,
  keys: ReadonlyMap<string, ReadonlySet<string>>,
  defaultCountry: string | undefined,
): Promise<number[]> {
  const rows: number[] = [];
  const parser = stream.pipe(parse({ columns: true, bom: true, relax_column_count: true, skip_empty_lines: true, trim: true }));
  let index = 0;
  for await (const row of parser as AsyncIterable<Record<string, string>>) {
    index += 1;
    if (rowMatches(row, columns, keys, defaultCountry)) rows.push(index);
  }
  return rows;
}

/** Whether a CSV row's identifying columns hold one of the subject's keys. */
export function rowMatches(
  row: Readonly<Record<string, string | undefined>>,
  columns: Readonly<Record<string, string>>,
  keys: ReadonlyMap<string, ReadonlySet<string>>,
  defaultCountry: string | undefined,
): boolean {
  return Object.entries(columns).some(([column, kind]) => {
    const raw = row[column];
    if (raw === undefined) return false;
    // A placeholder cell ("", "n/a", "0000000") is no one's, whatever the keys hold.
    const value = canonicalKey(kind, raw, defaultCountry);
    return value !== undefined && (keys.get(kind)?.has(value) ?? false);
  });
}

import { randomBytes } from "node:crypto";
import { EngineError } from "../../../src/domain/errors.js";

// What the in-memory adapters share: copies (a caller never holds a reference into a store), ETags
// that change on every write, and continuation tokens that are opaque and bound to their listing.

/** A deep copy of a JSON document: what a store hands out or takes in is never shared. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}

/** Where a keyset page starts: the sort key of the last item handed out. */
export type SortKey = readonly (string | number)[];

let etagCounter = 0;

/** A fresh ETag, different from every one handed out before in this process. */
export function nextEtag(): string {
  etagCounter += 1;
  return `"${etagCounter.toString(16).padStart(8, "0")}-${randomBytes(4).toString("hex")}"`;
}

export const conflict = (what: string, reason: "exists" | "stale"): EngineError =>
  new EngineError("conflict", reason === "exists" ? `${what}: already exists` : `${what}: changed by someone else`, { reason });

export const notFound = (what: string): EngineError => new EngineError("not-found", `${what}: not found`);

export function invalidToken(): EngineError {
  return new EngineError("validation", "The continuation token is not one this listing handed out", {
    reason: "invalid-continuation-token",
    fields: [{ path: "query.continuationToken", message: "not a token from this listing" }],
  });
}

/** A token naming where the next page starts (`after`: the sort key of the last item handed out), bound to `binding`. */
export function encodeToken(binding: string, after: SortKey): string {
  return Buffer.from(JSON.stringify({ b: binding, a: after }), "utf8").toString("base64url");
}

/** The position a token names; a token from another listing or none this store made is a validation error. */
export function decodeToken(token: string, binding: string): (string | number)[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalidToken();
  }
  if (parsed === null || typeof parsed !== "object") throw invalidToken();
  const { b, a } = parsed as { b?: unknown; a?: unknown };
  if (b !== binding || !Array.isArray(a) || !a.every((v) => typeof v === "string" || typeof v === "number")) throw invalidToken();
  return a;
}

/** Compares sort keys element by element (strings by code unit, as Cosmos orders them); `descending` flips an element. */
export function compareKeys(a: SortKey, b: SortKey, descending: readonly boolean[] = []): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const order = x < y ? -1 : 1;
    return descending[i] === true ? -order : order;
  }
  return 0;
}

/**
 * One keyset page of `rows` sorted by `key`: the rows after the token's position, at most `limit`.
 * Keyset (not offset) paging: rows changed or removed on earlier pages never shift later ones.
 */
export function keysetPage<T>(
  rows: readonly T[],
  key: (row: T) => SortKey,
  binding: string,
  limit: number,
  continuationToken: string | undefined,
  descending: readonly boolean[] = [],
): { items: T[]; continuationToken?: string } {
  const after = continuationToken === undefined ? undefined : decodeToken(continuationToken, binding);
  const sorted = [...rows].sort((a, b) => compareKeys(key(a), key(b), descending));
  const rest = after === undefined ? sorted : sorted.filter((row) => compareKeys(key(row), after, descending) > 0);
  const items = rest.slice(0, Math.max(1, limit));
  const last = items.at(-1);
  return {
    items,
    ...(rest.length > items.length && last !== undefined ? { continuationToken: encodeToken(binding, key(last)) } : {}),
  };
}

/** The versioned documents of one store: get, create-if-absent and replace under an ETag. */
export class VersionedMap<T> {
  private readonly documents = new Map<string, { value: T; etag: string }>();

  constructor(private readonly what: string) {}

  get(key: string): { value: T; etag: string } | undefined {
    const found = this.documents.get(key);
    return found === undefined ? undefined : { value: copy(found.value), etag: found.etag };
  }

  has(key: string): boolean {
    return this.documents.has(key);
  }

  create(key: string, value: T): { value: T; etag: string } {
    if (this.documents.has(key)) throw conflict(this.what, "exists");
    return this.set(key, value);
  }

  /** Replaces under `etag`: a document that is gone is `not-found`, another ETag is `stale`. */
  replace(key: string, value: T, etag: string): { value: T; etag: string } {
    const current = this.documents.get(key);
    if (current === undefined) throw notFound(this.what);
    if (current.etag !== etag) throw conflict(this.what, "stale");
    return this.set(key, value);
  }

  /** Creates or replaces without a precondition. */
  set(key: string, value: T): { value: T; etag: string } {
    const stored = { value: copy(value), etag: nextEtag() };
    this.documents.set(key, stored);
    return { value: copy(stored.value), etag: stored.etag };
  }

  delete(key: string): boolean {
    return this.documents.delete(key);
  }

  /** Every document with its ETag, copied. */
  all(): { key: string; value: T; etag: string }[] {
    return [...this.documents].map(([key, d]) => ({ key, value: copy(d.value), etag: d.etag }));
  }
}

/** Lets other promises run first, as a network round trip would (so concurrent callers interleave). */
export function roundTrip(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

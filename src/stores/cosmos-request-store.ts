import type { Container, ItemDefinition } from "@azure/cosmos";
import type { PrivacyRequestRecord } from "../domain/privacy-request.js";
import { OPEN_STATUSES } from "../domain/lifecycle.js";
import type { Page, RequestFilter, RequestStore, Versioned } from "../engine/ports.js";
import { fetchPage, fromResource, readItem } from "./cosmos-client.js";
import { canonicalJson } from "../domain/canonical-json.js";
import { EngineError } from "../domain/errors.js";
import { sha256Hex } from "../domain/subject-key.js";
import { cosmosStatus, mapCosmosError } from "./cosmos-errors.js";

type Parameter = { name: string; value: string | number | readonly string[] };

/** Requests in the `requests` container, partitioned by `/id` so every read by id is a point read. */
export class CosmosRequestStore implements RequestStore {
  constructor(private readonly container: Container) {}

  async create(record: PrivacyRequestRecord): Promise<Versioned<PrivacyRequestRecord>> {
    try {
      const { resource } = await this.container.items.create<PrivacyRequestRecord>(record);
      return this.versioned(resource);
    } catch (error) {
      throw mapCosmosError(error, "request");
    }
  }

  get(id: string): Promise<Versioned<PrivacyRequestRecord> | undefined> {
    return readItem<PrivacyRequestRecord>(this.container.item(id, id), "request");
  }

  async replace(record: PrivacyRequestRecord, etag: string): Promise<Versioned<PrivacyRequestRecord>> {
    try {
      const { resource } = await this.container
        .item(record.id, record.id)
        .replace<PrivacyRequestRecord>(record, { accessCondition: { type: "IfMatch", condition: etag } });
      return this.versioned(resource);
    } catch (error) {
      throw mapCosmosError(error, "request");
    }
  }

  async list(filter: RequestFilter, page: { limit: number; continuationToken?: string }): Promise<Page<PrivacyRequestRecord>> {
    const { clauses, parameters } = listClauses(filter);
    if (filter.sort === "due") return this.listByDue(clauses, parameters, page);
    const where = clauses.length === 0 ? "" : ` WHERE ${clauses.join(" AND ")}`;
    const query = `SELECT * FROM c${where} ORDER BY c.createdAt DESC`;
    const binding = sha256Hex(canonicalJson({ query, parameters })).slice(0, 16);
    const continuationToken = page.continuationToken === undefined ? undefined : decodeToken(page.continuationToken, binding);
    try {
      const result = await fetchPage<ItemDefinition>(
        this.container,
        { query, parameters },
        { maxItemCount: page.limit, ...(continuationToken === undefined ? {} : { continuationToken }) },
      );
      return {
        items: result.resources.map((r) => fromResource<PrivacyRequestRecord>(r).value),
        ...(result.continuationToken === undefined ? {} : { continuationToken: encodeToken(result.continuationToken, binding) }),
      };
    } catch (error) {
      // A token from another query, or one the database cannot read, is the caller's mistake.
      const status = cosmosStatus(error);
      if (continuationToken !== undefined && (status === 400 || error instanceof SyntaxError || error instanceof TypeError)) throw invalidToken(error);
      throw mapCosmosError(error, "requests");
    }
  }

  /**
   * Most urgent first. The effective due date is `extendedDueAt` where set, else `dueAt`, and
   * Cosmos orders only by document paths, so the listing is two ordered queries, the requests
   * without an extension by `dueAt` and those with one by `extendedDueAt` (each then by createdAt
   * and id, a total order), merged here. Paging is by keyset: the token holds the sort key of
   * the last request handed out, and each query starts after it, so writes to requests on
   * earlier pages never make a later page skip or repeat one (a request whose due date moves
   * moves in the order). Two queries a page, each of at most `limit + 1` requests. Each needs a
   * composite index on the container (the due field, /createdAt, /id, all ascending), on Azure
   * and on the emulator alike: without it the query is refused (400).
   */
  private async listByDue(clauses: readonly string[], parameters: readonly Parameter[], page: { limit: number; continuationToken?: string }): Promise<Page<PrivacyRequestRecord>> {
    const binding = sha256Hex(canonicalJson({ sort: "due", clauses, parameters })).slice(0, 16);
    const after = page.continuationToken === undefined ? undefined : decodeDueToken(page.continuationToken, binding);
    const limit = Math.max(1, page.limit);
    const [plain, extended] = await Promise.all([
      this.dueStream("dueAt", "NOT IS_DEFINED(c.extendedDueAt)", clauses, parameters, after, limit + 1),
      this.dueStream("extendedDueAt", "IS_DEFINED(c.extendedDueAt)", clauses, parameters, after, limit + 1),
    ]);
    const merged = [...plain, ...extended].sort((a, b) => compareDueKeys(dueKey(a), dueKey(b)));
    const items = merged.slice(0, limit);
    const last = items.at(-1);
    return {
      items,
      ...(merged.length > items.length && last !== undefined ? { continuationToken: encodeDueToken(dueKey(last), binding) } : {}),
    };
  }

  /** Up to `take` requests of one half of the `due` listing, in its order, after the key `after`. */
  private async dueStream(
    field: "dueAt" | "extendedDueAt",
    presence: string,
    clauses: readonly string[],
    parameters: readonly Parameter[],
    after: DueKey | undefined,
    take: number,
  ): Promise<PrivacyRequestRecord[]> {
    // The first page starts after the empty key (every stored date and id is a longer string):
    // one query text for every page of a listing.
    const [afterDue, afterCreated, afterId] = after ?? ["", "", ""];
    const where = [
      ...clauses,
      presence,
      // Flat rather than nested: the emulator's parser takes about a second on the nested form.
      `(c.${field} > @afterDue OR (c.${field} = @afterDue AND c.createdAt > @afterCreated) OR (c.${field} = @afterDue AND c.createdAt = @afterCreated AND c.id > @afterId))`,
    ];
    const params: Parameter[] = [
      ...parameters,
      { name: "@take", value: take },
      { name: "@afterDue", value: afterDue },
      { name: "@afterCreated", value: afterCreated },
      { name: "@afterId", value: afterId },
    ];
    const query = `SELECT TOP @take * FROM c WHERE ${where.join(" AND ")} ORDER BY c.${field} ASC, c.createdAt ASC, c.id ASC`;
    const found: PrivacyRequestRecord[] = [];
    let token: string | undefined;
    try {
      // A page may come back short of `take` with more to read: read on until enough or the end.
      do {
        const result = await fetchPage<ItemDefinition>(
          this.container,
          { query, parameters: params },
          { maxItemCount: take - found.length, ...(token === undefined ? {} : { continuationToken: token }) },
        );
        found.push(...result.resources.map((r) => fromResource<PrivacyRequestRecord>(r).value));
        token = result.continuationToken;
      } while (token !== undefined && found.length < take);
    } catch (error) {
      throw mapCosmosError(error, "requests");
    }
    return found.slice(0, take);
  }

  async deadlineCandidates(date: string, continuationToken?: string): Promise<Page<Versioned<PrivacyRequestRecord>>> {
    return this.versionedPage(
      "SELECT * FROM c WHERE ARRAY_CONTAINS(@open, c.status) AND ((IS_DEFINED(c.extendedDueAt) AND c.extendedDueAt <= @date) OR (NOT IS_DEFINED(c.extendedDueAt) AND c.dueAt <= @date))",
      [
        { name: "@open", value: OPEN_STATUSES },
        { name: "@date", value: date },
      ],
      continuationToken,
    );
  }

  async forSubject(orgId: string, subjectKeys: readonly string[], types: readonly string[]): Promise<Versioned<PrivacyRequestRecord>[]> {
    const found: Versioned<PrivacyRequestRecord>[] = [];
    let token: string | undefined;
    do {
      const page = await this.versionedPage(
        "SELECT * FROM c WHERE c.orgId = @orgId AND ARRAY_CONTAINS(@keys, c.subjectKey) AND ARRAY_CONTAINS(@types, c.type)",
        [
          { name: "@orgId", value: orgId },
          { name: "@keys", value: subjectKeys },
          { name: "@types", value: types },
        ],
        token,
      );
      found.push(...page.items);
      token = page.continuationToken;
    } while (token !== undefined);
    return found;
  }

  async expiredDeliveries(before: string, continuationToken?: string): Promise<Page<Versioned<PrivacyRequestRecord>>> {
    return this.versionedPage(
      "SELECT * FROM c WHERE IS_DEFINED(c.delivery) AND NOT IS_DEFINED(c.delivery.deletedAt) AND c.delivery.expiresAt < @before",
      [{ name: "@before", value: before }],
      continuationToken,
    );
  }

  async withPendingEffects(before: string, continuationToken?: string): Promise<Page<Versioned<PrivacyRequestRecord>>> {
    return this.versionedPage(
      "SELECT * FROM c WHERE IS_DEFINED(c.pending) AND c.updatedAt < @before",
      [{ name: "@before", value: before }],
      continuationToken,
    );
  }

  private async versionedPage(query: string, parameters: Parameter[], continuationToken?: string): Promise<Page<Versioned<PrivacyRequestRecord>>> {
    try {
      const result = await fetchPage<ItemDefinition>(
        this.container,
        { query, parameters },
        { maxItemCount: 100, ...(continuationToken === undefined ? {} : { continuationToken }) },
      );
      return {
        items: result.resources.map((r) => fromResource<PrivacyRequestRecord>(r)),
        ...(result.continuationToken === undefined ? {} : { continuationToken: result.continuationToken }),
      };
    } catch (error) {
      throw mapCosmosError(error, "requests");
    }
  }

  private versioned(resource: ItemDefinition | undefined): Versioned<PrivacyRequestRecord> {
    if (resource === undefined) throw mapCosmosError(new Error("empty response"), "request");
    return fromResource<PrivacyRequestRecord>(resource);
  }
}

/** The WHERE clauses of a listing, with their parameters (the same for either order). */
function listClauses(filter: RequestFilter): { clauses: string[]; parameters: Parameter[] } {
  const clauses: string[] = [];
  const parameters: Parameter[] = [];
  if (filter.orgIds !== "*") {
    clauses.push("ARRAY_CONTAINS(@orgIds, c.orgId)");
    parameters.push({ name: "@orgIds", value: filter.orgIds });
  }
  const equal = { orgId: filter.orgId, status: filter.status, type: filter.type, jurisdiction: filter.jurisdiction };
  for (const [field, value] of Object.entries(equal)) {
    if (value === undefined) continue;
    clauses.push(`c.${field} = @${field}`);
    parameters.push({ name: `@${field}`, value });
  }
  if (filter.dueBefore !== undefined) {
    clauses.push("((IS_DEFINED(c.extendedDueAt) AND c.extendedDueAt < @dueBefore) OR (NOT IS_DEFINED(c.extendedDueAt) AND c.dueAt < @dueBefore))");
    parameters.push({ name: "@dueBefore", value: filter.dueBefore });
  }
  return { clauses, parameters };
}

/** Where a request stands in the `due` order: effective due date, createdAt, id. */
type DueKey = readonly [string, string, string];

const dueKey = (r: PrivacyRequestRecord): DueKey => [r.extendedDueAt ?? r.dueAt, r.createdAt, r.id];

/** Compares as Cosmos orders strings (by code unit, as these ASCII keys compare anywhere). */
function compareDueKeys(a: DueKey, b: DueKey): number {
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] ?? "";
    const y = b[i] ?? "";
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Continuation tokens handed to callers are opaque and bound to the listing that issued them
 * (a hash of its query and parameters, which include the caller's orgs), so a token from
 * another listing or another caller is refused before it reaches the database.
 */
const TOKEN_VERSION = "v1";

function encodeToken(token: string, binding: string): string {
  return `${TOKEN_VERSION}.${binding}.${Buffer.from(token, "utf8").toString("base64url")}`;
}

function decodeToken(token: string, binding: string): string {
  const [version, boundTo, body] = token.split(".");
  if (version !== TOKEN_VERSION || boundTo !== binding || body === undefined || !/^[A-Za-z0-9_-]+$/.test(body)) throw invalidToken();
  return Buffer.from(body, "base64url").toString("utf8");
}

/** The `due` listing's tokens: a keyset position (the last request's sort key), bound the same way. */
const DUE_TOKEN_VERSION = "d1";

function encodeDueToken(key: DueKey, binding: string): string {
  return `${DUE_TOKEN_VERSION}.${binding}.${Buffer.from(JSON.stringify(key), "utf8").toString("base64url")}`;
}

function decodeDueToken(token: string, binding: string): DueKey {
  const [version, boundTo, body, ...rest] = token.split(".");
  if (version !== DUE_TOKEN_VERSION || boundTo !== binding || body === undefined || rest.length > 0 || !/^[A-Za-z0-9_-]+$/.test(body)) throw invalidToken();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch (error) {
    throw invalidToken(error);
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || !parsed.every((v) => typeof v === "string" && v.length > 0 && v.length <= 256)) throw invalidToken();
  const [due, createdAt, id] = parsed as [string, string, string];
  return [due, createdAt, id];
}

function invalidToken(cause?: unknown): EngineError {
  return new EngineError("validation", "The continuation token is not one this listing handed out", {
    reason: "invalid-continuation-token",
    fields: [{ path: "query.continuationToken", message: "not a token from this listing" }],
    ...(cause === undefined ? {} : { cause }),
  });
}

import type { Container, ItemDefinition } from "@azure/cosmos";
import type { PrivacyRequestRecord } from "../domain/privacy-request.js";
import { OPEN_STATUSES } from "../domain/lifecycle.js";
import type { Page, RequestFilter, RequestStore, Versioned } from "../engine/ports.js";
import { fetchPage, fromResource, readItem } from "./cosmos-client.js";
import { canonicalJson } from "../domain/canonical-json.js";
import { EngineError } from "../domain/errors.js";
import { sha256Hex } from "../domain/subject-key.js";
import { cosmosStatus, mapCosmosError } from "./cosmos-errors.js";

type Parameter = { name: string; value: string | readonly string[] };

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
    const clauses: string[] = [];
    const parameters: Parameter[] = [];
    if (filter.orgIds !== "*") {
      clauses.push("ARRAY_CONTAINS(@orgIds, c.orgId)");
      parameters.push({ name: "@orgIds", value: filter.orgIds });
    }
    const equal = { orgId: filter.orgId, status: filter.status, type: filter.type };
    for (const [field, value] of Object.entries(equal)) {
      if (value === undefined) continue;
      clauses.push(`c.${field} = @${field}`);
      parameters.push({ name: `@${field}`, value });
    }
    if (filter.dueBefore !== undefined) {
      clauses.push("((IS_DEFINED(c.extendedDueAt) AND c.extendedDueAt < @dueBefore) OR (NOT IS_DEFINED(c.extendedDueAt) AND c.dueAt < @dueBefore))");
      parameters.push({ name: "@dueBefore", value: filter.dueBefore });
    }
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

function invalidToken(cause?: unknown): EngineError {
  return new EngineError("validation", "The continuation token is not one this listing handed out", {
    reason: "invalid-continuation-token",
    fields: [{ path: "query.continuationToken", message: "not a token from this listing" }],
    ...(cause === undefined ? {} : { cause }),
  });
}

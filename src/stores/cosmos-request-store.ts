import type { Container, ItemDefinition } from "@azure/cosmos";
import type { PrivacyRequestRecord } from "../domain/privacy-request.js";
import { OPEN_STATUSES } from "../domain/lifecycle.js";
import type { Page, RequestFilter, RequestStore, Versioned } from "../engine/ports.js";
import { fetchPage, fromResource } from "./cosmos-client.js";
import { mapCosmosError } from "./cosmos-errors.js";

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

  async get(id: string): Promise<Versioned<PrivacyRequestRecord> | undefined> {
    try {
      const { resource } = await this.container.item(id, id).read<PrivacyRequestRecord>();
      return resource === undefined ? undefined : fromResource<PrivacyRequestRecord>(resource);
    } catch (error) {
      const mapped = mapCosmosError(error, "request");
      if (mapped.code === "not-found") return undefined;
      throw mapped;
    }
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
    try {
      const result = await fetchPage<ItemDefinition>(
        this.container,
        { query: `SELECT * FROM c${where} ORDER BY c.createdAt DESC`, parameters },
        { maxItemCount: page.limit, ...(page.continuationToken === undefined ? {} : { continuationToken: page.continuationToken }) },
      );
      return {
        items: result.resources.map((r) => fromResource<PrivacyRequestRecord>(r).value),
        ...(result.continuationToken === undefined ? {} : { continuationToken: result.continuationToken }),
      };
    } catch (error) {
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

import type { Container } from "@azure/cosmos";
import { entryId, type OrgHoldsEntry, type SubjectEntry } from "../domain/registry.js";
import type { SubjectRegistry } from "../engine/ports.js";
import { readItem } from "./cosmos-client.js";
import { mapCosmosError } from "./cosmos-errors.js";
import { isStale, isExists } from "../domain/errors.js";

const MAX_ATTEMPTS = 8;

/**
 * Subject entries and org-wide holds in the `registry` container (partitioned by `/orgId`, beside
 * the legal holds). A status lookup is a point read by id; writes are conditional (If-Match, or
 * create for a new entry), retried on a concurrent write.
 */
export class CosmosSubjectRegistry implements SubjectRegistry {
  constructor(private readonly container: Container) {}

  async get(orgId: string, key: string): Promise<SubjectEntry | undefined> {
    return (await this.read<SubjectEntry>(orgId, entryId(key)))?.value;
  }

  async orgHolds(orgId: string): Promise<OrgHoldsEntry | undefined> {
    return (await this.read<OrgHoldsEntry>(orgId, "org-holds"))?.value;
  }

  updateEntry(orgId: string, key: string, change: (entry: SubjectEntry | undefined) => SubjectEntry | "delete" | undefined): Promise<void> {
    return this.update<SubjectEntry>(orgId, entryId(key), change);
  }

  updateOrgHolds(orgId: string, change: (entry: OrgHoldsEntry | undefined) => OrgHoldsEntry | undefined): Promise<void> {
    return this.update<OrgHoldsEntry>(orgId, "org-holds", change);
  }

  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the id decides the document's type
  private read<T>(orgId: string, id: string): Promise<{ value: T; etag: string } | undefined> {
    return readItem<T>(this.container.item(id, orgId), "registry entry");
  }

  private async update<T extends { readonly id: string; readonly orgId: string }>(orgId: string, id: string, change: (entry: T | undefined) => T | "delete" | undefined): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const current = await this.read<T>(orgId, id);
      const next = change(current?.value);
      if (next === undefined) return;
      try {
        if (next === "delete") {
          if (current !== undefined) await this.container.item(id, orgId).delete({ accessCondition: { type: "IfMatch", condition: current.etag } });
        } else if (current === undefined) {
          await this.container.items.create({ ...next, id, orgId });
        } else {
          await this.container.item(id, orgId).replace({ ...next, id, orgId }, { accessCondition: { type: "IfMatch", condition: current.etag } });
        }
        return;
      } catch (error) {
        const mapped = mapCosmosError(error, "registry entry");
        const raced = isStale(mapped) || isExists(mapped) || (next === "delete" && mapped.code === "not-found");
        if (!raced || attempt >= MAX_ATTEMPTS) throw mapped;
      }
    }
  }
}

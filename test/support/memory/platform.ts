import type { ItemUpdater, Page, PlatformItems, Versioned } from "../../../src/engine/ports.js";
import { canonicalJson } from "../../../src/domain/canonical-json.js";
import { isStale } from "../../../src/domain/errors.js";
import { copy, keysetPage, notFound, roundTrip, VersionedMap, type SortKey } from "./common.js";
import { compileQuery } from "./sql.js";

type Item = Record<string, unknown>;
type Target = { readonly database: string; readonly container: string };

/** How often a read-modify-write is retried when other writers keep getting there first (the Cosmos adapter's). */
const MAX_ATTEMPTS = 8;

/**
 * The platform's mapped containers in memory: items by partition (the org) and id, each with an
 * ETag that changes on every write. `items` reads them with a small Cosmos SQL subset (sql.ts),
 * `updater` changes them read-modify-write under the ETag.
 */
export class MemoryPlatform {
  private readonly containers = new Map<string, { partitionKey: string; items: VersionedMap<Item> }>();

  readonly items: PlatformItems = {
    queryPage: (target, orgId, query, page) => this.queryPage(target, orgId, query, page),
  };

  readonly updater: ItemUpdater = {
    update: (target, orgId, id, change) => this.update(target, orgId, id, change),
  };

  /** Creates the container (partitioned by the field `partitionKey`) if it is not there. */
  createContainer(target: Target, partitionKey = "orgId"): void {
    const key = containerKey(target);
    if (!this.containers.has(key)) this.containers.set(key, { partitionKey, items: new VersionedMap<Item>("item") });
  }

  /** Creates or replaces items (an upsert), creating the container when needed. */
  put(target: Target, items: readonly Item[], partitionKey = "orgId"): void {
    this.createContainer(target, partitionKey);
    const container = this.container(target);
    for (const item of items) {
      const partition = item[container.partitionKey];
      if (typeof item.id !== "string" || typeof partition !== "string") throw new Error("an item needs a string id and partition key");
      container.items.set(itemKey(partition, item.id), item);
    }
  }

  /** One item and its ETag, undefined when there is none. */
  read(target: Target, orgId: string, id: string): Versioned<Item> | undefined {
    return this.containers.get(containerKey(target))?.items.get(itemKey(orgId, id));
  }

  delete(target: Target, orgId: string, id: string): boolean {
    return this.containers.get(containerKey(target))?.items.delete(itemKey(orgId, id)) ?? false;
  }

  private container(target: Target): { partitionKey: string; items: VersionedMap<Item> } {
    const found = this.containers.get(containerKey(target));
    if (found === undefined) throw notFound(`${target.container} query`);
    return found;
  }

  private async queryPage(
    target: Target,
    orgId: string,
    query: { readonly text: string; readonly parameters: readonly { name: string; value: string }[] },
    page: { readonly limit: number; readonly continuationToken?: string },
  ): Promise<Page<Item>> {
    await roundTrip();
    const container = this.container(target);
    const compiled = compileQuery(query.text, query.parameters);
    const rows = container.items
      .all()
      .map((d) => d.value)
      .filter((doc) => doc[container.partitionKey] === orgId && compiled.where(doc))
      .map((doc) => ({ doc, sort: [...compiled.orderBy.map((o) => sortable(o.value(doc))), String(doc.id)] as SortKey }));
    const descending = compiled.orderBy.map((o) => o.descending);
    const binding = canonicalJson({ target: containerKey(target), orgId, text: query.text, parameters: query.parameters.map((p) => [p.name, p.value]) });
    const result = keysetPage(rows, (r) => r.sort, binding, page.limit, page.continuationToken, descending);
    return { ...result, items: result.items.map((r) => compiled.project(r.doc)) };
  }

  private async update(
    target: Target & { readonly orgField: string },
    orgId: string,
    id: string,
    change: (item: Readonly<Item>) => Item | undefined,
  ): Promise<"updated" | "unchanged" | "missing"> {
    const items = this.container(target).items;
    for (let attempt = 1; ; attempt += 1) {
      await roundTrip();
      const current = items.get(itemKey(orgId, id));
      if (current === undefined) return "missing";
      const next = change(current.value);
      if (next === undefined) return "unchanged";
      await roundTrip();
      try {
        if (!items.has(itemKey(orgId, id))) return "missing";
        items.replace(itemKey(orgId, id), { ...copy(next), id, [target.orgField]: orgId }, current.etag);
        return "updated";
      } catch (error) {
        if (!isStale(error) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }
}

const containerKey = (target: Target): string => JSON.stringify([target.database, target.container]);
const itemKey = (partition: string, id: string): string => JSON.stringify([partition, id]);

/** A value as a sort key element (what Cosmos cannot order sorts first). */
function sortable(value: unknown): string | number {
  return typeof value === "string" || typeof value === "number" ? value : "";
}

import type { CosmosClient } from "@azure/cosmos";
import type { ItemUpdater } from "../engine/ports.js";
import { readItem } from "./cosmos-client.js";
import { mapCosmosError } from "./cosmos-errors.js";
import { isStale } from "../domain/errors.js";

/** How often a read-modify-write is retried when other writers keep getting there first. */
const MAX_ATTEMPTS = 8;

/**
 * Read → change → replace with `If-Match`, inside the org's partition. A 412 means someone wrote
 * in between: the item is read again and the change re-applied to what they wrote, so neither
 * update is lost. Portable: point reads and conditional replaces work on the emulator and Azure.
 */
export class CosmosItemUpdater implements ItemUpdater {
  constructor(private readonly client: CosmosClient) {}

  async update(
    target: { readonly database: string; readonly container: string; readonly orgField: string },
    orgId: string,
    id: string,
    change: (item: Readonly<Record<string, unknown>>) => Record<string, unknown> | undefined,
  ): Promise<"updated" | "unchanged" | "missing"> {
    const item = this.client.database(target.database).container(target.container).item(id, orgId);
    for (let attempt = 1; ; attempt += 1) {
      const current = await readItem<Record<string, unknown>>(item, "item");
      if (current === undefined) return "missing";
      const next = change(current.value);
      if (next === undefined) return "unchanged";
      try {
        // The id and partition key stay what they were, whatever `change` returned.
        await item.replace({ ...next, id, [target.orgField]: orgId }, { accessCondition: { type: "IfMatch", condition: current.etag } });
        return "updated";
      } catch (error) {
        const mapped = mapCosmosError(error, "item");
        if (mapped.code === "not-found") return "missing";
        if (!isStale(mapped) || attempt >= MAX_ATTEMPTS) throw mapped;
      }
    }
  }
}

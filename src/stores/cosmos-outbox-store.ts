import type { Container, ItemDefinition, PatchOperation } from "@azure/cosmos";
import type { OutboxEvent } from "../domain/events.js";
import type { OutboxStore, Page } from "../engine/ports.js";
import { createIfAbsent } from "./cosmos-audit-store.js";
import { fetchPage, fromResource } from "./cosmos-client.js";
import { cosmosStatus, mapCosmosError } from "./cosmos-errors.js";

/** Patches in flight at once while marking a page dispatched. */
const MARK_CONCURRENCY = 10;

/** Events waiting for dispatch, in the `outbox` container partitioned by `/orgId`. */
export class CosmosOutboxStore implements OutboxStore {
  constructor(private readonly container: Container) {}

  async write(events: readonly OutboxEvent[]): Promise<void> {
    for (const event of events) await createIfAbsent(this.container, { ...event }, "outbox event");
  }

  async pending(page: { readonly limit: number; readonly continuationToken?: string }): Promise<Page<OutboxEvent>> {
    try {
      // Cross-partition on purpose: the dispatcher drains every org's events.
      const result = await fetchPage<ItemDefinition>(
        this.container,
        { query: "SELECT * FROM c WHERE c.status = @pending ORDER BY c.createdAt", parameters: [{ name: "@pending", value: "pending" }] },
        { maxItemCount: page.limit, ...(page.continuationToken === undefined ? {} : { continuationToken: page.continuationToken }) },
      );
      return {
        items: result.resources.map((resource) => fromResource<OutboxEvent>(resource).value),
        ...(result.continuationToken === undefined ? {} : { continuationToken: result.continuationToken }),
      };
    } catch (error) {
      throw mapCosmosError(error, "outbox");
    }
  }

  async markDispatched(events: readonly Pick<OutboxEvent, "id" | "orgId" | "secret">[], dispatchedAt: string): Promise<void> {
    // Point patches: the emulator refuses Patch inside bulk; a page is at most a hundred events.
    for (let start = 0; start < events.length; start += MARK_CONCURRENCY) {
      await Promise.all(events.slice(start, start + MARK_CONCURRENCY).map((event) => this.markOne(event, dispatchedAt)));
    }
  }

  private async markOne(event: Pick<OutboxEvent, "id" | "orgId" | "secret">, dispatchedAt: string): Promise<void> {
    const operations: PatchOperation[] = [
      { op: "set", path: "/status", value: "dispatched" },
      { op: "set", path: "/dispatchedAt", value: dispatchedAt },
      // Removing an absent path fails the whole patch, so only events that carry a secret drop it.
      ...(event.secret === undefined ? [] : [{ op: "remove", path: "/secret" } as const]),
    ];
    try {
      await this.container.item(event.id, event.orgId).patch(operations);
    } catch (error) {
      // Marked by an overlapping run in between: the secret is gone, so mark without removing it.
      if (event.secret !== undefined && cosmosStatus(error) === 400) {
        await this.markOne({ id: event.id, orgId: event.orgId }, dispatchedAt);
        return;
      }
      const mapped = mapCosmosError(error, "outbox event");
      // Gone already (its TTL ran out): nothing left to mark.
      if (mapped.code !== "not-found") throw mapped;
    }
  }
}

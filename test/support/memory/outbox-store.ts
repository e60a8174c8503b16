import type { OutboxEvent } from "../../../src/domain/events.js";
import type { OutboxStore, Page } from "../../../src/engine/ports.js";
import { copy, keysetPage, roundTrip } from "./common.js";

/** OutboxStore in memory: idempotent writes, pending events oldest first (keyset pages), marks that drop the secret. */
export class MemoryOutboxStore implements OutboxStore {
  private readonly events = new Map<string, OutboxEvent>();

  async write(events: readonly OutboxEvent[]): Promise<void> {
    await roundTrip();
    for (const event of events) {
      const key = JSON.stringify([event.orgId, event.id]);
      if (!this.events.has(key)) this.events.set(key, copy(event));
    }
  }

  async pending(page: { readonly limit: number; readonly continuationToken?: string }): Promise<Page<OutboxEvent>> {
    await roundTrip();
    const pending = [...this.events.values()].filter((e) => e.status === "pending");
    const result = keysetPage(pending, (e) => [e.createdAt, e.orgId, e.id], "outbox:pending", page.limit, page.continuationToken);
    return { ...result, items: result.items.map(copy) };
  }

  async markDispatched(events: readonly Pick<OutboxEvent, "id" | "orgId" | "secret">[], dispatchedAt: string): Promise<void> {
    await roundTrip();
    for (const event of events) {
      const key = JSON.stringify([event.orgId, event.id]);
      const stored = this.events.get(key);
      // Gone already (expired): counts as marked.
      if (stored === undefined) continue;
      const { secret: _secret, ...rest } = stored;
      this.events.set(key, { ...rest, status: "dispatched", dispatchedAt } as OutboxEvent);
    }
  }

  /** Every stored event (a test's view of what the engine emitted), oldest first. */
  all(): OutboxEvent[] {
    return [...this.events.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id, "en", { numeric: true })).map(copy);
  }
}

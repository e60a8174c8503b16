import type { Container } from "@azure/cosmos";
import type { OutboxEvent } from "../domain/events.js";
import type { OutboxStore } from "../engine/ports.js";
import { createIfAbsent } from "./cosmos-audit-store.js";

/** Events waiting for dispatch, in the `outbox` container partitioned by `/orgId`. */
export class CosmosOutboxStore implements OutboxStore {
  constructor(private readonly container: Container) {}

  async write(events: readonly OutboxEvent[]): Promise<void> {
    for (const event of events) await createIfAbsent(this.container, { ...event }, "outbox event");
  }
}

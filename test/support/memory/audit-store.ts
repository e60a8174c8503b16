import type { AuditEntry } from "../../../src/domain/audit.js";
import type { AuditStore } from "../../../src/engine/ports.js";
import { copy, roundTrip } from "./common.js";

/** AuditStore in memory: append-only, an entry already there is left as it is; a request's trail in seq order. */
export class MemoryAuditStore implements AuditStore {
  private readonly entries = new Map<string, AuditEntry>();

  async write(entries: readonly AuditEntry[]): Promise<void> {
    await roundTrip();
    for (const entry of entries) if (!this.entries.has(entry.id)) this.entries.set(entry.id, copy(entry));
  }

  async listForRequest(requestId: string): Promise<AuditEntry[]> {
    await roundTrip();
    return [...this.entries.values()].filter((e) => e.requestId === requestId).sort((a, b) => a.seq - b.seq).map(copy);
  }
}

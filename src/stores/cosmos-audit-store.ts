import type { Container, ItemDefinition } from "@azure/cosmos";
import type { AuditEntry } from "../domain/audit.js";
import type { AuditStore } from "../engine/ports.js";
import { fetchPage, fromResource } from "./cosmos-client.js";
import { mapCosmosError } from "./cosmos-errors.js";
import { isExists } from "../domain/errors.js";

/** Audit entries in the `audit` container, partitioned by `/requestId`. Append-only. */
export class CosmosAuditStore implements AuditStore {
  constructor(private readonly container: Container) {}

  async write(entries: readonly AuditEntry[]): Promise<void> {
    for (const entry of entries) await createIfAbsent(this.container, entry, "audit entry");
  }

  async listForRequest(requestId: string): Promise<AuditEntry[]> {
    const entries: AuditEntry[] = [];
    let continuationToken: string | undefined;
    try {
      do {
        const page = await fetchPage<ItemDefinition>(
          this.container,
          { query: "SELECT * FROM c WHERE c.requestId = @requestId ORDER BY c.seq", parameters: [{ name: "@requestId", value: requestId }] },
          { maxItemCount: 500, partitionKey: requestId, ...(continuationToken === undefined ? {} : { continuationToken }) },
        );
        for (const resource of page.resources) entries.push(fromResource<AuditEntry>(resource).value);
        continuationToken = page.continuationToken;
      } while (continuationToken !== undefined);
    } catch (error) {
      throw mapCosmosError(error, "audit");
    }
    return entries;
  }
}

/** Creates a document with a deterministic id; one that is already there counts as written. */
export async function createIfAbsent(container: Container, document: ItemDefinition, what: string): Promise<void> {
  try {
    await container.items.create(document);
  } catch (error) {
    const mapped = mapCosmosError(error, what);
    if (!isExists(mapped)) throw mapped;
  }
}

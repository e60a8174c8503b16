import type { Container } from "@azure/cosmos";
import type { ManifestEntry, ManifestStore } from "../engine/ports.js";
import { fetchPage, fromResource } from "./cosmos-client.js";
import { mapCosmosError } from "./cosmos-errors.js";

interface ManifestDocument extends ManifestEntry {
  readonly id: string;
  readonly requestId: string;
  readonly seq: number;
}

/** Discovery manifests in the `manifests` container (partitioned by `/requestId`), one document a page. */
export class CosmosManifestStore implements ManifestStore {
  constructor(private readonly container: Container) {}

  async write(requestId: string, seq: number, entry: ManifestEntry): Promise<void> {
    const document: ManifestDocument = { ...entry, id: `${requestId}:${String(seq).padStart(6, "0")}`, requestId, seq };
    try {
      await this.container.items.upsert(document);
    } catch (error) {
      throw mapCosmosError(error, "manifest");
    }
  }

  async truncate(requestId: string, fromSeq: number): Promise<void> {
    let token: string | undefined;
    try {
      do {
        const page = await fetchPage<{ id: string }>(
          this.container,
          { query: "SELECT c.id FROM c WHERE c.requestId = @r AND c.seq >= @s", parameters: [{ name: "@r", value: requestId }, { name: "@s", value: fromSeq }] },
          { maxItemCount: 100, partitionKey: requestId, ...(token === undefined ? {} : { continuationToken: token }) },
        );
        for (const { id } of page.resources) await this.container.item(id, requestId).delete();
        token = page.continuationToken;
      } while (token !== undefined);
    } catch (error) {
      const mapped = mapCosmosError(error, "manifest");
      if (mapped.code !== "not-found") throw mapped;
    }
  }

  async *list(requestId: string): AsyncIterable<ManifestEntry> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await fetchPage<ManifestDocument & Record<string, unknown>>(
          this.container,
          { query: "SELECT * FROM c WHERE c.requestId = @r ORDER BY c.seq", parameters: [{ name: "@r", value: requestId }] },
          { maxItemCount: 50, partitionKey: requestId, ...(token === undefined ? {} : { continuationToken: token }) },
        );
      } catch (error) {
        throw mapCosmosError(error, "manifest");
      }
      for (const resource of page.resources) {
        const { id: _id, requestId: _r, seq: _s, ...entry } = fromResource<ManifestDocument>(resource).value;
        yield entry;
      }
      token = page.continuationToken;
    } while (token !== undefined);
  }
}

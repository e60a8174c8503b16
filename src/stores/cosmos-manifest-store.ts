import type { Container } from "@azure/cosmos";
import type { ManifestEntry, ManifestStore } from "../engine/ports.js";
import { fetchPage, fromResource } from "./cosmos-client.js";
import { mapCosmosError } from "./cosmos-errors.js";

interface ManifestDocument extends ManifestEntry {
  readonly id: string;
  readonly requestId: string;
  readonly run: string;
  readonly seq: number;
}

/** Discovery manifests in the `manifests` container (partitioned by `/requestId`), one document a page. */
export class CosmosManifestStore implements ManifestStore {
  constructor(private readonly container: Container) {}

  async write(requestId: string, run: string, seq: number, entry: ManifestEntry): Promise<void> {
    const document: ManifestDocument = { ...entry, id: `${requestId}:${run}:${String(seq).padStart(6, "0")}`, requestId, run, seq };
    try {
      await this.container.items.upsert(document);
    } catch (error) {
      throw mapCosmosError(error, "manifest");
    }
  }

  async *list(requestId: string, run: string): AsyncIterable<ManifestEntry> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await fetchPage<ManifestDocument & Record<string, unknown>>(
          this.container,
          { query: "SELECT * FROM c WHERE c.requestId = @r AND c.run = @run ORDER BY c.seq", parameters: [{ name: "@r", value: requestId }, { name: "@run", value: run }] },
          { maxItemCount: 50, partitionKey: requestId, ...(token === undefined ? {} : { continuationToken: token }) },
        );
      } catch (error) {
        throw mapCosmosError(error, "manifest");
      }
      for (const resource of page.resources) {
        const { id: _id, requestId: _r, run: _run, seq: _s, ...entry } = fromResource<ManifestDocument>(resource).value;
        yield entry;
      }
      token = page.continuationToken;
    } while (token !== undefined);
  }
}

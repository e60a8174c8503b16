import type { Container, OperationInput } from "@azure/cosmos";
import { EngineError } from "../domain/errors.js";
import type { ManifestEntry, ManifestStore } from "../engine/ports.js";
import { fetchPage, fromResource } from "./cosmos-client.js";
import { mapCosmosError } from "./cosmos-errors.js";

interface ManifestDocument extends ManifestEntry {
  readonly id: string;
  readonly requestId: string;
  readonly run: string;
  readonly seq: number;
  /** Seconds: where the container has TTL on (defaultTtl -1), a page left behind expires. */
  readonly ttl: number;
}

/**
 * A manifest serves its request while it runs and is removed when the request ends; the TTL is
 * the second line for a page nobody removed (a run that died and was never delivered again).
 * It is longer than any request may run: the longest deadline with its extension is 3 months.
 */
export const MANIFEST_TTL_SECONDS = 120 * 24 * 3600;

/** Discovery manifests in the `manifests` container (partitioned by `/requestId`), one document a page. */
export class CosmosManifestStore implements ManifestStore {
  constructor(private readonly container: Container) {}

  async write(requestId: string, run: string, seq: number, entry: ManifestEntry): Promise<void> {
    const document: ManifestDocument = { ...entry, id: `${requestId}:${run}:${String(seq).padStart(6, "0")}`, requestId, run, seq, ttl: MANIFEST_TTL_SECONDS };
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
        const { id: _id, requestId: _r, run: _run, seq: _s, ttl: _ttl, ...entry } = fromResource<ManifestDocument>(resource).value;
        yield entry;
      }
      token = page.continuationToken;
    } while (token !== undefined);
  }

  /**
   * Deletes the pages (up to 100 per bulk request) until a fresh query finds none: no continuation
   * token outlives the deletes it would page past. A page already gone is done.
   */
  async remove(requestId: string, run?: string): Promise<void> {
    const query: { query: string; parameters: { name: string; value: string }[] } =
      run === undefined
        ? { query: "SELECT VALUE c.id FROM c WHERE c.requestId = @r", parameters: [{ name: "@r", value: requestId }] }
        : { query: "SELECT VALUE c.id FROM c WHERE c.requestId = @r AND c.run = @run", parameters: [{ name: "@r", value: requestId }, { name: "@run", value: run }] };
    for (;;) {
      let ids: string[];
      try {
        ids = (await fetchPage<string>(this.container, query, { maxItemCount: 100, partitionKey: requestId })).resources;
      } catch (error) {
        throw mapCosmosError(error, "manifest");
      }
      if (ids.length === 0) return;
      const operations: OperationInput[] = ids.map((id) => ({ operationType: "Delete", id, partitionKey: requestId }));
      let results;
      try {
        // eslint-disable-next-line @typescript-eslint/no-deprecated -- the replacement pauses a full second per partial batch
        results = await this.container.items.bulk(operations, { continueOnError: true });
      } catch (error) {
        throw mapCosmosError(error, "manifest");
      }
      const refused = results.find((r) => r.statusCode !== 204 && r.statusCode !== 200 && r.statusCode !== 404);
      // Throttled or failed: the caller's retry (a redelivery) removes the rest.
      if (refused !== undefined) throw new EngineError(refused.statusCode === 429 || refused.statusCode >= 500 ? "unavailable" : "internal", `manifest delete answered ${String(refused.statusCode)}`);
      // Nothing was left to delete of what the query still named: stop rather than ask again.
      if (results.every((r) => r.statusCode === 404)) return;
    }
  }
}

import { setTimeout as sleep } from "node:timers/promises";
import { PassThrough } from "node:stream";
import type { CosmosClient, OperationInput, PatchOperation } from "@azure/cosmos";
import type { BlobServiceClient } from "@azure/storage-blob";
import { parse } from "csv-parse";
import { EngineError, isStale } from "../domain/errors.js";
import type { BlobEraser, ItemEraser, Page } from "../engine/ports.js";
import { mapBlobError } from "./blob-errors.js";
import { fieldRef } from "../domain/discovery-query.js";
import { fetchPage } from "./cosmos-client.js";
import { cosmosStatus, mapCosmosError } from "./cosmos-errors.js";

/** Tries of one CSV rewrite against writers racing for the same file. */
const CSV_REWRITE_ATTEMPTS = 10;

type Target = { readonly database: string; readonly container: string };

const MAX_THROTTLE_RETRIES = 8;

/** Backoff for throttled operations: the server's retry-after when given, else exponential with jitter. */
function backoffMs(attempt: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs > 0) return Math.min(retryAfterMs, 30_000);
  return Math.min(100 * 2 ** attempt, 5_000) * (0.5 + Math.random() / 2);
}

/** Cosmos item deletes (bulk, ≤ 100 operations a request) and anonymisation (patch). */
export class CosmosItemEraser implements ItemEraser {
  constructor(private readonly cosmos: CosmosClient) {}

  private container(target: Target) {
    return this.cosmos.database(target.database).container(target.container);
  }

  async deleteBatch(target: Target, orgId: string, ids: readonly string[]): Promise<{ deleted: number; missing: number }> {
    if (ids.length > 100) throw new EngineError("internal", "a delete batch holds at most 100 operations");
    let pending = [...ids];
    let deleted = 0;
    let missing = 0;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      const operations: OperationInput[] = pending.map((id) => ({ operationType: "Delete", id, partitionKey: orgId }));
      let results;
      try {
        // items.bulk: one request for ≤ 100 operations, no pause (executeBulkOperations sleeps 1 s
        // whenever its last batch is partial, as measured on the emulator).
        // eslint-disable-next-line @typescript-eslint/no-deprecated -- the replacement pauses a full second per partial batch
        results = await this.container(target).items.bulk(operations, { continueOnError: true });
      } catch (error) {
        throw mapCosmosError(error, `${target.container} delete`);
      }
      const retry: string[] = [];
      results.forEach((result, index) => {
        const id = pending[index];
        if (id === undefined) return;
        if (result.statusCode === 204 || result.statusCode === 200) deleted += 1;
        else if (result.statusCode === 404) missing += 1;
        else if (result.statusCode === 429 || result.statusCode === 503 || result.statusCode === 408) {
          retry.push(id);
        } else throw new EngineError("internal", `${target.container} delete answered ${result.statusCode}`);
      });
      if (retry.length > 0 && attempt >= MAX_THROTTLE_RETRIES) throw new EngineError("unavailable", `${target.container} delete stays throttled`);
      // Per-operation throttling carries no retry-after here: back off exponentially.
      if (retry.length > 0) await sleep(backoffMs(attempt));
      pending = retry;
    }
    return { deleted, missing };
  }

  async patch(target: Target, orgId: string, id: string, operations: readonly { op: "set"; path: string; value: string | null }[]): Promise<"patched" | "missing"> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.container(target).item(id, orgId).patch(operations.map((o): PatchOperation => ({ op: "set", path: o.path, value: o.value })));
        return "patched";
      } catch (error) {
        const status = cosmosStatus(error);
        if (status === 404) return "missing";
        // The SDK retries 429 itself; a few more tries cover 503 and a persistent throttle.
        if ((status === 429 || status === 503) && attempt < MAX_THROTTLE_RETRIES) {
          await sleep(backoffMs(attempt, (error as { retryAfterInMs?: number }).retryAfterInMs));
          continue;
        }
        throw mapCosmosError(error, `${target.container} anonymise`);
      }
    }
  }

  async idsPage(target: Target & { readonly orgField: string }, orgId: string, page: { readonly limit: number; readonly continuationToken?: string }): Promise<Page<string>> {
    try {
      const result = await fetchPage<string>(
        this.container(target),
        { query: `SELECT VALUE c.id FROM c WHERE ${fieldRef(target.orgField)} = @orgId`, parameters: [{ name: "@orgId", value: orgId }] },
        { maxItemCount: page.limit, partitionKey: orgId, ...(page.continuationToken === undefined ? {} : { continuationToken: page.continuationToken }) },
      );
      return { items: result.resources, ...(result.continuationToken === undefined ? {} : { continuationToken: result.continuationToken }) };
    } catch (error) {
      throw mapCosmosError(error, `${target.container} listing`);
    }
  }

  async deletePartition(target: Target, orgId: string): Promise<void> {
    try {
      await this.container(target).deleteAllItemsForPartitionKey(orgId);
    } catch (error) {
      throw mapCosmosError(error, `${target.container} partition delete`);
    }
  }
}

/** Blob deletes through Blob batch (≤ 256 a request, snapshots included) and CSV rewrites under ETag. */
export class AzureBlobEraser implements BlobEraser {
  /**
   * @param versioning the account keeps blob versions: earlier versions still hold the data, so
   *   they are listed and deleted too (Azure only; Azurite has no versions, so this path is not
   *   exercised by the tests).
   */
  constructor(
    private readonly service: BlobServiceClient,
    private readonly versioning = false,
  ) {}

  /** Deletes every earlier version of the named blobs (versioned accounts). */
  private async deleteVersions(container: string, names: readonly string[]): Promise<void> {
    const client = this.service.getContainerClient(container);
    for (const name of names) {
      for await (const item of client.listBlobsFlat({ prefix: name, includeVersions: true })) {
        // The current version is the blob itself (deleted by the batch, or the rewritten CSV).
        if (item.name !== name || item.versionId === undefined || item.isCurrentVersion === true) continue;
        try {
          await client.getBlobClient(name).withVersion(item.versionId).delete();
        } catch (error) {
          if ((error as { statusCode?: number }).statusCode !== 404) throw mapBlobError(error, "blob version delete");
        }
      }
    }
  }

  async deleteBatch(container: string, names: readonly string[]): Promise<{ deleted: number; missing: number }> {
    if (names.length > 256) throw new EngineError("internal", "a blob batch holds at most 256 deletes");
    if (names.length === 0) return { deleted: 0, missing: 0 };
    const client = this.service.getContainerClient(container);
    let response;
    try {
      response = await this.service.getBlobBatchClient().deleteBlobs(
        names.map((name) => client.getBlobClient(name)),
        { deleteSnapshots: "include" },
      );
    } catch (error) {
      throw mapBlobError(error, "blob batch delete");
    }
    if (this.versioning) await this.deleteVersions(container, names);
    let deleted = 0;
    let missing = 0;
    for (const sub of response.subResponses) {
      if (sub.status >= 200 && sub.status < 300) deleted += 1;
      else if (sub.status === 404) missing += 1;
      else if (sub.status === 429 || sub.status >= 500) throw new EngineError("unavailable", `blob batch delete: ${sub.status}`);
      else throw new EngineError("internal", `blob batch delete answered ${sub.status} (${sub.errorCode ?? "no code"})`);
    }
    return { deleted, missing };
  }

  /**
   * Rewrites under the ETag it read; when another writer got there first (412: several erasures
   * of people in the same import file at once), it reads the new version and filters it again.
   */
  async rewriteCsv(container: string, name: string, remove: (row: Readonly<Record<string, string | undefined>>) => boolean): Promise<{ removed: number }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.rewriteCsvOnce(container, name, remove);
      } catch (error) {
        if (!isStale(error) || attempt >= CSV_REWRITE_ATTEMPTS) throw error;
        // Jittered, growing pause, so racing writers stop colliding.
        await new Promise((resolve) => setTimeout(resolve, Math.round(Math.random() * 25 * attempt)));
      }
    }
  }

  private async rewriteCsvOnce(container: string, name: string, remove: (row: Readonly<Record<string, string | undefined>>) => boolean): Promise<{ removed: number }> {
    const blob = this.service.getContainerClient(container).getBlockBlobClient(name);
    try {
      const download = await blob.download();
      const etag = download.etag;
      const source = download.readableStreamBody;
      if (source === undefined || etag === undefined) throw new EngineError("internal", "blob download returned no stream or ETag");
      // Whether the original ends with a newline (kept as it was), seen as the bytes stream by.
      const ending = { newline: false };
      source.on("data", (chunk: Buffer) => {
        if (chunk.length > 0) ending.newline = chunk[chunk.length - 1] === 0x0a;
      });
      const output = new PassThrough();
      let removed = 0;
      const filtering = (async () => {
        // Records as arrays with their raw text: kept rows go out byte for byte.
        const parser = source.pipe(parse({ raw: true, bom: false, relax_column_count: true, skip_empty_lines: false }));
        let header: string[] | undefined;
        let first = true;
        for await (const { record, raw } of parser as AsyncIterable<{ record: string[]; raw: string }>) {
          if (header === undefined) {
            header = record.map((h) => h.replace(/^\uFEFF/, "").trim());
          } else {
            const row = Object.fromEntries(header.map((h, i) => [h, record[i]?.trim()]));
            if (remove(row)) {
              removed += 1;
              continue;
            }
          }
          if (!output.write(`${first ? "" : "\n"}${raw}`)) await new Promise((resolve) => output.once("drain", resolve));
          first = false;
        }
        output.end(ending.newline ? "\n" : "");
      })().catch((error: unknown) => output.destroy(error instanceof Error ? error : new Error(String(error))));
      // The rewrite only lands if nobody changed the file since it was read.
      await blob.uploadStream(output, 4 * 1024 * 1024, 2, {
        conditions: { ifMatch: etag },
        blobHTTPHeaders: { blobContentType: download.contentType ?? "text/csv" },
        ...(download.metadata === undefined ? {} : { metadata: download.metadata }),
      });
      await filtering;
      // Snapshots (and, on versioned accounts, earlier versions) still hold the removed rows: they go.
      if (this.versioning) await this.deleteVersions(container, [name]);
      try {
        await blob.delete({ deleteSnapshots: "only" });
      } catch (error) {
        const status = (error as { statusCode?: number }).statusCode;
        if (status !== 404 && status !== 400) throw error;
      }
      return { removed };
    } catch (error) {
      if (error instanceof EngineError) throw error;
      const mapped = mapBlobError(error, "CSV rewrite");
      if (mapped.code === "not-found") return { removed: 0 };
      throw mapped;
    }
  }
}

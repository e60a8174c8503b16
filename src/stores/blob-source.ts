import type { BlobServiceClient } from "@azure/storage-blob";
import { EngineError } from "../domain/errors.js";
import type { BlobEntry, BlobSource, Page } from "../engine/ports.js";

/** Maps a Storage SDK error (RestError) to the engine's family. */
export function mapStorageError(error: unknown, what: string): EngineError {
  if (error instanceof EngineError) return error;
  const status = typeof (error as { statusCode?: unknown } | null)?.statusCode === "number" ? (error as { statusCode: number }).statusCode : undefined;
  if (status === 404) return new EngineError("not-found", `${what}: not found`, { cause: error });
  if (status === 409 || status === 412) return new EngineError("conflict", `${what}: conflict`, { reason: "stale", cause: error });
  if (status === undefined || status === 408 || status === 429 || status >= 500) {
    return new EngineError("unavailable", `${what}: the storage service is not answering`, { cause: error });
  }
  return new EngineError("internal", `${what}: unexpected storage error (${status})`, { cause: error });
}

/** The platform's blobs in Blob Storage. */
export class AzureBlobSource implements BlobSource {
  constructor(private readonly service: BlobServiceClient) {}

  async listPage(container: string, prefix: string, page: { readonly limit: number; readonly continuationToken?: string }): Promise<Page<BlobEntry>> {
    try {
      const pages = this.service
        .getContainerClient(container)
        .listBlobsFlat({ prefix })
        .byPage({ maxPageSize: page.limit, ...(page.continuationToken === undefined ? {} : { continuationToken: page.continuationToken }) });
      const next = await pages.next();
      if (next.done === true) return { items: [] };
      const response = next.value;
      const items = response.segment.blobItems.map((b) => ({ name: b.name, size: b.properties.contentLength ?? 0 }));
      return { items, ...(response.continuationToken ? { continuationToken: response.continuationToken } : {}) };
    } catch (error) {
      throw mapStorageError(error, "blob listing");
    }
  }

  async read(container: string, name: string): Promise<NodeJS.ReadableStream> {
    try {
      const response = await this.service.getContainerClient(container).getBlobClient(name).download();
      if (response.readableStreamBody === undefined) throw new EngineError("internal", "blob download returned no stream");
      return response.readableStreamBody;
    } catch (error) {
      throw mapStorageError(error, "blob read");
    }
  }
}

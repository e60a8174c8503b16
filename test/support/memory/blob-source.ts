import { Readable } from "node:stream";
import type { BlobEntry, BlobSource, Page } from "../../../src/engine/ports.js";
import { keysetPage, notFound, roundTrip } from "./common.js";

/** BlobSource in memory: containers of named blobs, listed by prefix in name order, read as streams. */
export class MemoryBlobSource implements BlobSource {
  private readonly containers = new Map<string, Map<string, Buffer>>();

  /** Creates the container if it is not there. */
  createContainer(container: string): void {
    if (!this.containers.has(container)) this.containers.set(container, new Map());
  }

  /** Writes (or overwrites) a blob, creating its container when needed. */
  put(container: string, name: string, content: string | Uint8Array): void {
    this.createContainer(container);
    this.containers.get(container)?.set(name, Buffer.from(content));
  }

  delete(container: string, name: string): boolean {
    return this.containers.get(container)?.delete(name) ?? false;
  }

  async listPage(container: string, prefix: string, page: { readonly limit: number; readonly continuationToken?: string }): Promise<Page<BlobEntry>> {
    await roundTrip();
    const blobs = this.containers.get(container);
    if (blobs === undefined) throw notFound("blob listing");
    const entries = [...blobs].filter(([name]) => name.startsWith(prefix)).map(([name, body]) => ({ name, size: body.length }));
    return keysetPage(entries, (e) => [e.name], `blobs:${container}:${prefix}`, page.limit, page.continuationToken);
  }

  async read(container: string, name: string): Promise<NodeJS.ReadableStream> {
    await roundTrip();
    const body = this.containers.get(container)?.get(name);
    if (body === undefined) throw notFound("blob read");
    // A copy: a blob rewritten while it is read does not change what this stream yields.
    return Readable.from([Buffer.from(body)]);
  }
}

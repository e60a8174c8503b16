import type { JobStore, Versioned } from "../../../src/engine/ports.js";
import { roundTrip, VersionedMap } from "./common.js";
import { isExists } from "../../../src/domain/errors.js";

/** JobStore in memory: create loses to an existing job (`undefined`), replace is under the ETag. */
export class MemoryJobStore<T extends { readonly id: string }> implements JobStore<T> {
  private readonly documents = new VersionedMap<T>("job");

  async get(id: string): Promise<Versioned<T> | undefined> {
    await roundTrip();
    return this.documents.get(id);
  }

  async create(job: T): Promise<Versioned<T> | undefined> {
    await roundTrip();
    try {
      return this.documents.create(job.id, job);
    } catch (error) {
      if (isExists(error)) return undefined;
      throw error;
    }
  }

  async replace(job: T, etag: string): Promise<Versioned<T>> {
    await roundTrip();
    return this.documents.replace(job.id, job, etag);
  }
}

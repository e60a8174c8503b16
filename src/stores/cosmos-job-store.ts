import type { Container, ItemDefinition } from "@azure/cosmos";
import type { JobStore, Versioned } from "../engine/ports.js";
import { fromResource, readItem } from "./cosmos-client.js";
import { mapCosmosError } from "./cosmos-errors.js";
import { isExists } from "../domain/errors.js";

/** Job state documents in the `jobs` container, partitioned by `/id`. */
export class CosmosJobStore<T extends { readonly id: string }> implements JobStore<T> {
  constructor(private readonly container: Container) {}

  get(id: string): Promise<Versioned<T> | undefined> {
    return readItem<T>(this.container.item(id, id), "job");
  }

  async create(job: T): Promise<Versioned<T> | undefined> {
    try {
      const { resource } = await this.container.items.create<ItemDefinition>({ ...job });
      return resource === undefined ? undefined : fromResource<T>(resource);
    } catch (error) {
      const mapped = mapCosmosError(error, "job");
      if (isExists(mapped)) return undefined;
      throw mapped;
    }
  }

  async replace(job: T, etag: string): Promise<Versioned<T>> {
    try {
      const { resource } = await this.container.item(job.id, job.id).replace<ItemDefinition>({ ...job }, { accessCondition: { type: "IfMatch", condition: etag } });
      if (resource === undefined) throw new Error("empty response");
      return fromResource<T>(resource);
    } catch (error) {
      throw mapCosmosError(error, "job");
    }
  }
}

import type { Container, ItemDefinition } from "@azure/cosmos";
import type { RetentionNotice } from "../domain/retention.js";
import { leasePartition, stepId, type SweepKind, type SweepLease, type SweepRun, type SweepStep } from "../domain/sweep-run.js";
import type { RetentionNoticeStore, SweepStore, Versioned } from "../engine/ports.js";
import { fetchPage, fromResource, readItem } from "./cosmos-client.js";
import { mapCosmosError } from "./cosmos-errors.js";
import { isExists } from "../domain/errors.js";

/**
 * Sweep runs, steps and leases in the `sweeps` container, partitioned by `/runId`: a run and its
 * steps share the run's partition; the leases of a kind share `lease:<kind>`.
 */
export class CosmosSweepStore implements SweepStore {
  constructor(private readonly container: Container) {}

  async createRun(run: SweepRun): Promise<void> {
    try {
      await this.container.items.create({ ...run });
    } catch (error) {
      throw mapCosmosError(error, "sweep run");
    }
  }

  async recentRuns(limit: number, kind?: SweepKind): Promise<SweepRun[]> {
    try {
      const page = await fetchPage<ItemDefinition>(
        this.container,
        {
          query: `SELECT * FROM c WHERE c.docType = 'run'${kind === undefined ? "" : " AND c.kind = @kind"} ORDER BY c.startedAt DESC`,
          parameters: kind === undefined ? [] : [{ name: "@kind", value: kind }],
        },
        { maxItemCount: limit },
      );
      return page.resources.map((r) => fromResource<SweepRun>(r).value);
    } catch (error) {
      throw mapCosmosError(error, "sweep runs");
    }
  }

  async steps(runId: string): Promise<SweepStep[]> {
    const steps: SweepStep[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await fetchPage<ItemDefinition>(
          this.container,
          { query: "SELECT * FROM c WHERE c.runId = @runId AND c.docType = 'step'", parameters: [{ name: "@runId", value: runId }] },
          { maxItemCount: 500, partitionKey: runId, ...(token === undefined ? {} : { continuationToken: token }) },
        );
        steps.push(...page.resources.map((r) => fromResource<SweepStep>(r).value));
        token = page.continuationToken;
      } while (token !== undefined);
    } catch (error) {
      throw mapCosmosError(error, "sweep steps");
    }
    return steps;
  }

  getStep(runId: string, orgId: string): Promise<Versioned<SweepStep> | undefined> {
    return this.read<SweepStep>(stepId(orgId), runId, "sweep step");
  }

  async createStep(step: SweepStep): Promise<Versioned<SweepStep> | undefined> {
    try {
      const { resource } = await this.container.items.create<ItemDefinition>({ ...step });
      return resource === undefined ? undefined : fromResource<SweepStep>(resource);
    } catch (error) {
      const mapped = mapCosmosError(error, "sweep step");
      if (isExists(mapped)) return undefined;
      throw mapped;
    }
  }

  replaceStep(step: SweepStep, etag: string): Promise<Versioned<SweepStep>> {
    return this.replace(step, etag, "sweep step");
  }

  getLease(kind: SweepKind, orgId: string): Promise<Versioned<SweepLease> | undefined> {
    return this.read<SweepLease>(orgId, leasePartition(kind), "sweep lease");
  }

  async putLease(lease: SweepLease, etag: string | undefined): Promise<Versioned<SweepLease>> {
    if (etag !== undefined) return this.replace(lease, etag, "sweep lease");
    try {
      const { resource } = await this.container.items.create<ItemDefinition>({ ...lease });
      if (resource === undefined) throw new Error("empty response");
      return fromResource<SweepLease>(resource);
    } catch (error) {
      throw mapCosmosError(error, "sweep lease");
    }
  }

  private read<T>(id: string, partition: string, what: string): Promise<Versioned<T> | undefined> {
    return readItem<T>(this.container.item(id, partition), what);
  }

  private async replace<T extends { readonly id: string; readonly runId: string }>(doc: T, etag: string, what: string): Promise<Versioned<T>> {
    try {
      const { resource } = await this.container.item(doc.id, doc.runId).replace<ItemDefinition>({ ...doc }, { accessCondition: { type: "IfMatch", condition: etag } });
      if (resource === undefined) throw new Error("empty response");
      return fromResource<T>(resource);
    } catch (error) {
      throw mapCosmosError(error, what);
    }
  }
}

/** Retention notices in the `registry` container (partitioned by `/orgId`, `type: "retention-notice"`). */
export class CosmosRetentionNoticeStore implements RetentionNoticeStore {
  constructor(private readonly container: Container) {}

  get(orgId: string, id: string): Promise<Versioned<RetentionNotice> | undefined> {
    return readItem<RetentionNotice>(this.container.item(id, orgId), "retention notice");
  }

  async create(notice: RetentionNotice): Promise<boolean> {
    try {
      await this.container.items.create({ ...notice });
      return true;
    } catch (error) {
      const mapped = mapCosmosError(error, "retention notice");
      if (isExists(mapped)) return false;
      throw mapped;
    }
  }

  async replace(notice: RetentionNotice, etag: string): Promise<Versioned<RetentionNotice>> {
    try {
      const { resource } = await this.container.item(notice.id, notice.orgId).replace<ItemDefinition>({ ...notice }, { accessCondition: { type: "IfMatch", condition: etag } });
      if (resource === undefined) throw new Error("empty response");
      return fromResource<RetentionNotice>(resource);
    } catch (error) {
      throw mapCosmosError(error, "retention notice");
    }
  }

  async remove(orgId: string, id: string): Promise<void> {
    try {
      await this.container.item(id, orgId).delete();
    } catch (error) {
      const mapped = mapCosmosError(error, "retention notice");
      if (mapped.code !== "not-found") throw mapped;
    }
  }

  async after(orgId: string, after: string | undefined, limit: number): Promise<Versioned<RetentionNotice>[]> {
    try {
      const page = await fetchPage<ItemDefinition>(
        this.container,
        {
          query: "SELECT * FROM c WHERE c.orgId = @orgId AND c.type = 'retention-notice' AND c.id > @after ORDER BY c.id",
          parameters: [
            { name: "@orgId", value: orgId },
            { name: "@after", value: after ?? "" },
          ],
        },
        { maxItemCount: limit, partitionKey: orgId },
      );
      return page.resources.map((r) => fromResource<RetentionNotice>(r));
    } catch (error) {
      throw mapCosmosError(error, "retention notices");
    }
  }
}

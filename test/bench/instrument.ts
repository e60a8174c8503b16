import type { Runtime, RuntimeOptions } from "../../src/hosting/composition.js";

// Two layers of counting for the benchmark, both opt-in and only here:
// - requests by kind, from the SDK clients the runtime builds (`storeRequestTally`, handed to
//   createRuntime as its `onStoreRequest` hook): every HTTP request to Cosmos and Blob Storage;
// - the engine's own work, from its ports (`countPorts`): query pages, listing pages, deletes
//   (by container), patches, blob deletes. The request floor is computed from these.

export interface StoreRequestTally {
  readonly cosmos: Record<string, number>;
  readonly blob: Record<string, number>;
  /** Of the Cosmos requests, those to the engine's own database (requests, audit, outbox, jobs, manifests, registry). */
  readonly cosmosBookkeeping: number;
}

export function storeRequestTally(): { options: RuntimeOptions; snapshot(): StoreRequestTally; reset(): void } {
  let tally: { cosmos: Record<string, number>; blob: Record<string, number>; cosmosBookkeeping: number } = { cosmos: {}, blob: {}, cosmosBookkeeping: 0 };
  return {
    options: {
      onStoreRequest: (request) => {
        const byKind = tally[request.service];
        byKind[request.kind] = (byKind[request.kind] ?? 0) + 1;
        if (request.service === "cosmos" && request.database === "privacy") tally.cosmosBookkeeping += 1;
      },
    },
    snapshot: () => ({ cosmos: { ...tally.cosmos }, blob: { ...tally.blob }, cosmosBookkeeping: tally.cosmosBookkeeping }),
    reset: () => {
      tally = { cosmos: {}, blob: {}, cosmosBookkeeping: 0 };
    },
  };
}

export const total = (byKind: Readonly<Record<string, number>>): number => Object.values(byKind).reduce((a, b) => a + b, 0);

export interface EngineWork {
  queryPages: number;
  listingPages: number;
  deleteCalls: number;
  /** Items deleted, by container (a bulk request addresses one container). */
  deletes: Record<string, number>;
  patches: number;
  blobDeleteCalls: number;
  blobDeletes: number;
  csvRewrites: number;
}

const emptyWork = (): EngineWork => ({ queryPages: 0, listingPages: 0, deleteCalls: 0, deletes: {}, patches: 0, blobDeleteCalls: 0, blobDeletes: 0, csvRewrites: 0 });

/** The least number of requests the work needs: each query and listing page, deletes in full bulk and batch requests, one patch per anonymised item, and each CSV rewrite's download and upload. */
export function requestFloor(work: EngineWork): number {
  const bulk = Object.values(work.deletes).reduce((n, d) => n + Math.ceil(d / 100), 0);
  return work.queryPages + bulk + work.patches + work.listingPages + Math.ceil(work.blobDeletes / 256) + 2 * work.csvRewrites;
}

/** The runtime with its data ports counted (the engine under test gets this one). */
export function countPorts(rt: Runtime): { rt: Runtime; work(): EngineWork; reset(): void } {
  let work = emptyWork();
  const { platformItems, blobSource, itemEraser, blobEraser } = rt;
  const counted: Runtime = {
    ...rt,
    platformItems: {
      queryPage: (...args) => {
        work.queryPages += 1;
        return platformItems.queryPage(...args);
      },
    },
    blobSource: {
      listPage: (...args) => {
        work.listingPages += 1;
        return blobSource.listPage(...args);
      },
      read: (...args) => blobSource.read(...args),
    },
    itemEraser: {
      deleteBatch: (target, orgId, ids) => {
        work.deleteCalls += 1;
        work.deletes[target.container] = (work.deletes[target.container] ?? 0) + ids.length;
        return itemEraser.deleteBatch(target, orgId, ids);
      },
      patch: (...args) => {
        work.patches += 1;
        return itemEraser.patch(...args);
      },
      idsPage: (...args) => itemEraser.idsPage(...args),
      deletePartition: (...args) => itemEraser.deletePartition(...args),
    },
    blobEraser: {
      deleteBatch: (container, names) => {
        work.blobDeleteCalls += 1;
        work.blobDeletes += names.length;
        return blobEraser.deleteBatch(container, names);
      },
      rewriteCsv: (...args) => {
        work.csvRewrites += 1;
        return blobEraser.rewriteCsv(...args);
      },
    },
  };
  return {
    rt: counted,
    work: () => ({ ...work, deletes: { ...work.deletes } }),
    reset: () => {
      work = emptyWork();
    },
  };
}

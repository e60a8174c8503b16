import { MemoryAuditStore } from "../support/memory/audit-store.js";
import { MemoryBlobSource } from "../support/memory/blob-source.js";
import { MemoryJobStore } from "../support/memory/job-store.js";
import { MemoryManifestStore } from "../support/memory/manifest-store.js";
import { MemoryPlatform } from "../support/memory/platform.js";
import { MemoryRequestStore } from "../support/memory/request-store.js";
import { MemoryWorkQueue } from "../support/memory/work-queue.js";
import { auditStoreContract } from "../contracts/audit-store.js";
import { blobSourceContract } from "../contracts/blob-source.js";
import { itemUpdaterContract } from "../contracts/item-updater.js";
import { jobStoreContract, type ContractJob } from "../contracts/job-store.js";
import { manifestStoreContract } from "../contracts/manifest-store.js";
import { platformItemsContract } from "../contracts/platform-items.js";
import { requestStoreContract } from "../contracts/request-store.js";
import { workQueueContract } from "../contracts/work-queue.js";

// The in-memory adapters (test/support/memory) against the same contract suites as the real ones
// (test/integration/port-contracts.test.ts): engine tests over memory deps hold only while both pass.

requestStoreContract("memory", () => Promise.resolve({ store: new MemoryRequestStore() }));

jobStoreContract("memory", () => Promise.resolve({ store: new MemoryJobStore<ContractJob>() }));

auditStoreContract("memory", () => Promise.resolve({ store: new MemoryAuditStore() }));

manifestStoreContract("memory", () => Promise.resolve({ store: new MemoryManifestStore() }));

workQueueContract("memory", () => {
  let clock = Date.parse("2030-01-01T00:00:00.000Z");
  const queue = new MemoryWorkQueue(() => clock);
  return Promise.resolve({
    queue,
    visible: () => Promise.resolve(queue.visible()),
    elapse: (seconds: number) => {
      clock += seconds * 1000;
      return Promise.resolve();
    },
  });
});

const target = { database: "platform", container: "contacts" };

platformItemsContract("memory", () => {
  const platform = new MemoryPlatform();
  platform.createContainer(target);
  return Promise.resolve({
    items: platform.items,
    target,
    missing: { database: "platform", container: "no-such-container" },
    seed: (items: readonly Record<string, unknown>[]) => {
      platform.put(target, items);
      return Promise.resolve();
    },
  });
});

itemUpdaterContract("memory", () => {
  const platform = new MemoryPlatform();
  platform.createContainer(target);
  return Promise.resolve({
    updater: platform.updater,
    target: { ...target, orgField: "orgId" },
    put: (item: Record<string, unknown>) => {
      platform.put(target, [item]);
      return Promise.resolve();
    },
    read: (orgId: string, id: string) => Promise.resolve(platform.read(target, orgId, id)),
  });
});

blobSourceContract("memory", () => {
  const blobs = new MemoryBlobSource();
  blobs.createContainer("assets");
  return Promise.resolve({
    source: blobs,
    container: "assets",
    put: (name: string, content: string | Uint8Array) => {
      blobs.put("assets", name, content);
      return Promise.resolve();
    },
  });
});

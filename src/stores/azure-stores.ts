import type { CosmosClient } from "@azure/cosmos";
import type { BlobServiceClient } from "@azure/storage-blob";
import { QueueServiceClient } from "@azure/storage-queue";
import type { Settings } from "../config/settings.js";
import { PRIVACY_CONTAINERS } from "../config/resources.js";
import type { EngineDeps } from "../engine/deps.js";
import type { ErasureJob } from "../engine/erasure.js";
import { createBlobPackageStore } from "./blob-packages.js";
import { AzureBlobSource } from "./blob-source.js";
import { createBlobServiceClient, type BlobRequestKind } from "./blob-client.js";
import { CosmosAuditStore } from "./cosmos-audit-store.js";
import { createCosmosClient, type CosmosRequestKind } from "./cosmos-client.js";
import { CosmosItemUpdater } from "./cosmos-item-updater.js";
import { CosmosJobStore } from "./cosmos-job-store.js";
import { CosmosLegalHoldStore } from "./cosmos-legal-holds.js";
import { CosmosManifestStore } from "./cosmos-manifest-store.js";
import { CosmosOrgDirectory } from "./cosmos-org-directory.js";
import { CosmosOutboxStore } from "./cosmos-outbox-store.js";
import { CosmosPlatformItems } from "./cosmos-platform-items.js";
import { CosmosRequestReports } from "./cosmos-request-reports.js";
import { CosmosRequestStore } from "./cosmos-request-store.js";
import { CosmosSubjectRegistry } from "./cosmos-subject-registry.js";
import { CosmosRetentionNoticeStore, CosmosSweepStore } from "./cosmos-sweep-store.js";
import { AzureBlobEraser, CosmosItemEraser } from "./erasure-ops.js";
import { eventsSender, serviceBusPublisher, verificationDeliverySender } from "./service-bus.js";
import { StorageWorkQueue } from "./storage-work-queue.js";

// The Azure side of the composition root: SDK clients from settings, and every port's adapter
// over them. Nothing outside src/stores and src/local holds an SDK client.

/** The SDK clients behind the adapters (provisioning, seeding and tests use them directly). */
export interface StoreClients {
  readonly cosmos: CosmosClient;
  readonly blobs: BlobServiceClient;
  readonly queues: QueueServiceClient;
}

/** The ports' adapters: every member of EngineDeps but the config, data map, clock and alias resolution. */
export type EngineStores = Omit<EngineDeps, "config" | "dataMap" | "now" | "resolve">;

/** A request the adapters sent, as the benchmark counts them. */
export type StoreRequest =
  | { readonly service: "cosmos"; readonly kind: CosmosRequestKind; readonly database: "privacy" | "other" }
  | { readonly service: "blob"; readonly kind: BlobRequestKind };

export interface AzureStoresOptions {
  /** Called once per HTTP request the Cosmos client and the Blob service client send. */
  readonly onStoreRequest?: (request: StoreRequest) => void;
}

export function createAzureStores(settings: Settings, options: AzureStoresOptions = {}): { readonly stores: EngineStores; readonly clients: StoreClients } {
  const count = options.onStoreRequest;
  // The engine's own database (bookkeeping) apart from the data it works on.
  const privacyPath = `dbs/${settings.PRIVACY_DATABASE}/`;
  const cosmos = createCosmosClient({ endpoint: settings.COSMOS_ENDPOINT, key: settings.COSMOS_KEY }, count && ((kind, path) => {
    count({ service: "cosmos", kind, database: path.replace(/^\//, "").startsWith(privacyPath) ? "privacy" : "other" });
  }));
  const blobs = createBlobServiceClient(settings.AzureWebJobsStorage, count && ((kind) => {
    count({ service: "blob", kind });
  }));
  const queues = QueueServiceClient.fromConnectionString(settings.AzureWebJobsStorage);
  const privacy = cosmos.database(settings.PRIVACY_DATABASE);
  const platform = cosmos.database(settings.PLATFORM_DATABASE);
  const events = eventsSender(settings);
  const delivery = verificationDeliverySender(settings);
  const stores: EngineStores = {
    platformItems: new CosmosPlatformItems(cosmos),
    blobSource: new AzureBlobSource(blobs),
    manifests: new CosmosManifestStore(privacy.container(PRIVACY_CONTAINERS.manifests.id)),
    packages: createBlobPackageStore({
      connectionString: settings.AzureWebJobsStorage,
      containerName: settings.PRIVACY_ASSETS_CONTAINER,
      ...(settings.PRIVACY_STORAGE_ACCOUNT_URL === undefined ? {} : { accountUrl: settings.PRIVACY_STORAGE_ACCOUNT_URL }),
    }),
    jobs: new CosmosJobStore<ErasureJob>(privacy.container(PRIVACY_CONTAINERS.jobs.id)),
    legalHolds: new CosmosLegalHoldStore(privacy.container(PRIVACY_CONTAINERS.registry.id)),
    registry: new CosmosSubjectRegistry(privacy.container(PRIVACY_CONTAINERS.registry.id)),
    itemUpdater: new CosmosItemUpdater(cosmos),
    itemEraser: new CosmosItemEraser(cosmos),
    blobEraser: new AzureBlobEraser(blobs, settings.PRIVACY_BLOB_VERSIONING),
    requests: new CosmosRequestStore(privacy.container(PRIVACY_CONTAINERS.requests.id)),
    reports: new CosmosRequestReports(privacy.container(PRIVACY_CONTAINERS.requests.id)),
    audit: new CosmosAuditStore(privacy.container(PRIVACY_CONTAINERS.audit.id)),
    outbox: new CosmosOutboxStore(privacy.container(PRIVACY_CONTAINERS.outbox.id)),
    work: new StorageWorkQueue(queues.getQueueClient(settings.PRIVACY_WORK_QUEUE)),
    orgs: new CosmosOrgDirectory(platform.container("organizations"), privacy.container(PRIVACY_CONTAINERS.orgSettings.id)),
    sweeps: new CosmosSweepStore(privacy.container(PRIVACY_CONTAINERS.sweeps.id)),
    notices: new CosmosRetentionNoticeStore(privacy.container(PRIVACY_CONTAINERS.registry.id)),
    events: events === undefined ? undefined : serviceBusPublisher(events),
    verificationDelivery: delivery === undefined ? undefined : serviceBusPublisher(delivery),
    health: [
      { name: "cosmos", check: async () => {
          await privacy.read();
        },
      },
      { name: "blob", check: async () => {
          await blobs.getContainerClient(settings.PRIVACY_ASSETS_CONTAINER).getProperties();
        },
      },
      { name: "queue", check: async () => {
          await queues.getQueueClient(settings.PRIVACY_WORK_QUEUE).getProperties();
        },
      },
    ],
  };
  return { stores, clients: { cosmos, blobs, queues } };
}

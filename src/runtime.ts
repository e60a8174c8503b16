import type { CosmosClient } from "@azure/cosmos";
import { BlobServiceClient } from "@azure/storage-blob";
import { QueueServiceClient } from "@azure/storage-queue";
import { parseSettings, type Settings } from "./config/settings.js";
import { PRIVACY_CONTAINERS } from "./config/resources.js";
import { loadDataMap } from "./config/data-map-loader.js";
import type { DataMap } from "./domain/data-map.js";
import type { DiscoveryPorts } from "./engine/discovery.js";
import type {
  ItemUpdater,
  SubjectRegistry,
  AuditStore,
  BlobEraser,
  BlobSource,
  HealthProbe,
  ItemEraser,
  JobStore,
  LegalHoldStore,
  ManifestStore,
  OrgDirectory,
  OutboxStore,
  PackageStore,
  PlatformItems,
  RequestStore,
  RetentionNoticeStore,
  SweepStore,
  WorkQueue,
} from "./engine/ports.js";
import type { ErasureJob } from "./engine/erasure.js";
import { engineConfig, type EngineDeps } from "./engine/deps.js";
import { eventsSender, serviceBusPublisher, verificationDeliverySender } from "./stores/service-bus.js";
import { CosmosJobStore } from "./stores/cosmos-job-store.js";
import { CosmosLegalHoldStore } from "./stores/cosmos-legal-holds.js";
import { CosmosSubjectRegistry } from "./stores/cosmos-subject-registry.js";
import { CosmosItemUpdater } from "./stores/cosmos-item-updater.js";
import { AzureBlobEraser, CosmosItemEraser } from "./stores/erasure-ops.js";
import { createBlobPackageStore } from "./stores/blob-packages.js";
import { AzureBlobSource } from "./stores/blob-source.js";
import { CosmosManifestStore } from "./stores/cosmos-manifest-store.js";
import { CosmosPlatformItems } from "./stores/cosmos-platform-items.js";
import { createCosmosClient, type CosmosRequestKind } from "./stores/cosmos-client.js";
import { createBlobServiceClient, type BlobRequestKind } from "./stores/blob-client.js";
import { CosmosAuditStore } from "./stores/cosmos-audit-store.js";
import { CosmosOrgDirectory } from "./stores/cosmos-org-directory.js";
import { CosmosOutboxStore } from "./stores/cosmos-outbox-store.js";
import { CosmosRequestStore } from "./stores/cosmos-request-store.js";
import { StorageWorkQueue } from "./stores/storage-work-queue.js";
import { CosmosRetentionNoticeStore, CosmosSweepStore } from "./stores/cosmos-sweep-store.js";

/**
 * Everything a use case may touch, built once per process from settings (the composition root).
 * Handlers ask for it lazily, so importing a function module never connects to anything.
 */
export interface Runtime extends EngineDeps {
  readonly settings: Settings;
  readonly dataMap: DataMap;
  readonly now: () => Date;
  readonly platformItems: PlatformItems;
  readonly blobSource: BlobSource;
  readonly manifests: ManifestStore;
  readonly packages: PackageStore;
  readonly jobs: JobStore<ErasureJob>;
  readonly legalHolds: LegalHoldStore;
  /** Subject entries (restriction, suppressions, holds) for the status lookup. */
  readonly registry: SubjectRegistry;
  readonly itemUpdater: ItemUpdater;
  readonly itemEraser: ItemEraser;
  readonly blobEraser: BlobEraser;
  /** The map's aliases resolved: `platform` → PLATFORM_DATABASE, `assets` → PRIVACY_ASSETS_CONTAINER. */
  readonly resolve: DiscoveryPorts["resolve"];
  readonly requests: RequestStore;
  readonly audit: AuditStore;
  readonly outbox: OutboxStore;
  readonly work: WorkQueue;
  readonly orgs: OrgDirectory;
  readonly health: readonly HealthProbe[];
  readonly clients: { readonly cosmos: CosmosClient; readonly blobs: BlobServiceClient; readonly queues: QueueServiceClient };
  readonly sweeps: SweepStore;
  readonly notices: RetentionNoticeStore;
}

/** Opt-in hooks of the composition root (the benchmark counts the adapters' requests by kind). */
export interface RuntimeOptions {
  /** Called once per HTTP request the Cosmos client and the Blob service client send. */
  readonly onStoreRequest?: (
    request: { readonly service: "cosmos"; readonly kind: CosmosRequestKind; readonly database: "privacy" | "other" } | { readonly service: "blob"; readonly kind: BlobRequestKind },
  ) => void;
}

export function createRuntime(settings: Settings, options: RuntimeOptions = {}): Runtime {
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
  return {
    settings,
    config: engineConfig(settings),
    events: events === undefined ? undefined : serviceBusPublisher(events),
    verificationDelivery: delivery === undefined ? undefined : serviceBusPublisher(delivery),
    dataMap: loadDataMap(settings.PRIVACY_DATA_MAP_PATH),
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
    resolve: {
      database: (name) => (name === "platform" ? settings.PLATFORM_DATABASE : name),
      container: (name) => (name === "assets" ? settings.PRIVACY_ASSETS_CONTAINER : name),
    },
    // Read at call time, so tests can freeze it with fake timers.
    now: () => new Date(),
    requests: new CosmosRequestStore(privacy.container(PRIVACY_CONTAINERS.requests.id)),
    audit: new CosmosAuditStore(privacy.container(PRIVACY_CONTAINERS.audit.id)),
    outbox: new CosmosOutboxStore(privacy.container(PRIVACY_CONTAINERS.outbox.id)),
    work: new StorageWorkQueue(queues.getQueueClient(settings.PRIVACY_WORK_QUEUE)),
    orgs: new CosmosOrgDirectory(platform.container("organizations"), privacy.container(PRIVACY_CONTAINERS.orgSettings.id)),
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
    clients: { cosmos, blobs, queues },
    sweeps: new CosmosSweepStore(privacy.container(PRIVACY_CONTAINERS.sweeps.id)),
    notices: new CosmosRetentionNoticeStore(privacy.container(PRIVACY_CONTAINERS.registry.id)),
  };
}

let current: Runtime | undefined;

/** The process's runtime, built from `process.env` on first use. */
export function runtime(): Runtime {
  current ??= createRuntime(parseSettings(process.env));
  return current;
}

/** Drops the cached runtime (tests that change settings between cases). */
export function resetRuntime(): void {
  current?.clients.cosmos.dispose();
  current = undefined;
}

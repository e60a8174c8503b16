import type { Settings } from "../config/settings.js";
import type { DataMap } from "../domain/data-map.js";
import type { DiscoveryPorts } from "./discovery.js";
import type { ErasureJob } from "./erasure.js";
import type {
  AuditStore,
  BlobEraser,
  BlobSource,
  EventPublisher,
  HealthProbe,
  ItemEraser,
  ItemUpdater,
  JobStore,
  LegalHoldStore,
  ManifestStore,
  OrgDirectory,
  OutboxStore,
  PackageStore,
  PlatformItems,
  RequestReports,
  RequestStore,
  RetentionNoticeStore,
  SubjectRegistry,
  SweepStore,
  WorkQueue,
} from "./ports.js";

// What the engine is given: stores behind ports, a clock and the settings it reads. Use cases
// declare the part they use (`Pick<EngineDeps, …>`); the composition root (src/hosting/composition.ts)
// builds one per host. Connection strings, account keys and SDK clients never reach this layer.

/** The settings the engine reads, and no others: no connection string, no account key. */
export const ENGINE_SETTING_NAMES = [
  // Callers: API keys (hashes), the local dev key, Easy Auth.
  "PRIVACY_API_KEYS",
  "PRIVACY_DEV_API_KEY",
  "PRIVACY_EASYAUTH_ENABLED",
  "PRIVACY_EASYAUTH_TENANT_ID",
  "PRIVACY_EASYAUTH_AUDIENCE",
  "PRIVACY_ATTESTING_ROLES",
  "PRIVACY_SERVICE_BUS_PRODUCERS",
  // Keys of the engine's own records (subject hashes, certificates, delivered codes).
  "PRIVACY_SUBJECT_KEY_SECRET",
  "PRIVACY_CERTIFICATE_KEY",
  "PRIVACY_VERIFICATION_DELIVERY_KEY",
  // Requests and verification.
  "PRIVACY_DUE_SOON_DAYS",
  "PRIVACY_MAX_ATTEMPTS",
  "PRIVACY_VERIFICATION_TTL_MINUTES",
  "PRIVACY_VERIFICATION_MAX_ATTEMPTS",
  "PRIVACY_PORTABILITY_DESTINATION_HOSTS",
  "PRIVACY_PACKAGE_EXPIRY_DAYS",
  // Work: page sizes, slices, concurrency, the partition-delete switch.
  "PRIVACY_DISCOVERY_PAGE_SIZE",
  "PRIVACY_ERASURE_CONCURRENCY",
  "PRIVACY_ERASURE_SLICE_MS",
  "PRIVACY_COSMOS_DELETE_BY_PARTITION",
  "PRIVACY_ASSETS_CONTAINER",
  // Sweeps: default policy, pages, slices, leases.
  "PRIVACY_CONTACT_INACTIVITY_MONTHS",
  "PRIVACY_ACCOUNT_INACTIVITY_MONTHS",
  "PRIVACY_RETENTION_NOTICE_HOURS",
  "PRIVACY_CHILD_AGE",
  "PRIVACY_CHILD_AGE_BY_JURISDICTION",
  "PRIVACY_SWEEP_PAGE_SIZE",
  "PRIVACY_SWEEP_SLICE_MS",
  "PRIVACY_SWEEP_LEASE_SECONDS",
] as const satisfies readonly (keyof Settings)[];

export type EngineSettingName = (typeof ENGINE_SETTING_NAMES)[number];
export type EngineConfig = Readonly<Pick<Settings, EngineSettingName>>;

/** The engine's part of the parsed settings. */
export function engineConfig(settings: Settings): EngineConfig {
  return Object.fromEntries(ENGINE_SETTING_NAMES.map((name) => [name, settings[name]])) as unknown as EngineConfig;
}

export interface EngineDeps {
  readonly config: EngineConfig;
  readonly dataMap: DataMap;
  /** Read at call time, so tests can freeze it with fake timers. */
  readonly now: () => Date;
  /** The map's aliases resolved: `platform` → PLATFORM_DATABASE, `assets` → PRIVACY_ASSETS_CONTAINER. */
  readonly resolve: DiscoveryPorts["resolve"];
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
  readonly requests: RequestStore;
  /** The requests report's aggregate queries. */
  readonly reports: RequestReports;
  readonly audit: AuditStore;
  readonly outbox: OutboxStore;
  readonly work: WorkQueue;
  readonly orgs: OrgDirectory;
  readonly sweeps: SweepStore;
  readonly notices: RetentionNoticeStore;
  readonly health: readonly HealthProbe[];
  /** The events topic; undefined when no Service Bus is configured (events then wait in the outbox). */
  readonly events: EventPublisher | undefined;
  /** The verification-code delivery queue; undefined when none is configured. */
  readonly verificationDelivery: EventPublisher | undefined;
}

// The Cosmos containers and queues the engine relies on. Provisioning (local start, tests)
// creates what is missing; in Azure the same list is created by infrastructure as code.

export interface ContainerSpec {
  readonly id: string;
  readonly partitionKeyPath: string;
  /** -1: items may carry their own `ttl` (seconds); absent: TTL off. */
  readonly defaultTtl?: number;
  /** ORDER BY over several properties needs one of these on Azure (and on the emulator). */
  readonly compositeIndexes?: readonly (readonly { readonly path: string; readonly order: "ascending" | "descending" }[])[];
}

/** The engine's own database (`PRIVACY_DATABASE`). */
export const PRIVACY_CONTAINERS = {
  requests: {
    id: "requests",
    partitionKeyPath: "/id",
    // The queue's "most urgent first" (sort=due): one ordered query without an extension, one with.
    compositeIndexes: [
      [{ path: "/dueAt", order: "ascending" }, { path: "/createdAt", order: "ascending" }, { path: "/id", order: "ascending" }],
      [{ path: "/extendedDueAt", order: "ascending" }, { path: "/createdAt", order: "ascending" }, { path: "/id", order: "ascending" }],
    ],
  },
  audit: { id: "audit", partitionKeyPath: "/requestId" },
  outbox: { id: "outbox", partitionKeyPath: "/orgId", defaultTtl: -1 },
  orgSettings: { id: "orgSettings", partitionKeyPath: "/orgId" },
  /** Deleted when their request finishes; each page's `ttl` is a second line where TTL is enforced. */
  manifests: { id: "manifests", partitionKeyPath: "/requestId", defaultTtl: -1 },
  jobs: { id: "jobs", partitionKeyPath: "/id" },
  registry: { id: "registry", partitionKeyPath: "/orgId" },
  /** Sweep runs with their per-org steps, and the per-org sweep leases (`lease:<kind>`). */
  sweeps: { id: "sweeps", partitionKeyPath: "/runId" },
} as const satisfies Record<string, ContainerSpec>;

/** The platform's database (`PLATFORM_DATABASE`): the containers the default data map (src/config/platform-data-map.json) describes. */
export const PLATFORM_CONTAINER_IDS = [
  "organizations",
  "users",
  "contacts",
  "conversations",
  "messages",
  "orders",
  "campaignEvents",
  "campaigns",
  "knowledgeBaseDocuments",
] as const;
export type PlatformContainerId = (typeof PLATFORM_CONTAINER_IDS)[number];

export const PLATFORM_CONTAINERS: readonly ContainerSpec[] = PLATFORM_CONTAINER_IDS.map((id) => ({
  id,
  partitionKeyPath: "/orgId",
}));

/** Storage queues: the work queue and its poison queue, as the Functions host names it. */
export function engineQueues(workQueue: string): readonly string[] {
  return [workQueue, `${workQueue}-poison`];
}

import { CosmosClient, OperationType, ResourceType, type CosmosClientOptions, type Container, type Item, type ItemDefinition, type Next, type Plugin, type PluginConfig, type QueryIterator } from "@azure/cosmos";
import { mapCosmosError } from "./cosmos-errors.js";

export interface CosmosConnection {
  readonly endpoint: string;
  readonly key: string;
}

/**
 * Client options shared by the engine, provisioning and seeding. The emulator advertises https
 * endpoints in its account metadata; over plain http (only the emulator) endpoint discovery is
 * turned off, or the client fails with EPROTO. On Azure it stays on (multi-region failover).
 */
export function cosmosOptions(connection: CosmosConnection): CosmosClientOptions {
  const isEmulator = connection.endpoint.startsWith("http://");
  return {
    endpoint: connection.endpoint,
    key: connection.key,
    connectionPolicy: { enableEndpointDiscovery: !isEmulator },
  };
}

/**
 * A Cosmos client. With `onRequest` (opt-in, the benchmark), every HTTP request the client sends,
 * retries and query plans included, is reported with its kind.
 */
export function createCosmosClient(connection: CosmosConnection, onRequest?: (kind: CosmosRequestKind, path: string) => void): CosmosClient {
  return new CosmosClient(onRequest === undefined ? cosmosOptions(connection) : withRequestPlugin(cosmosOptions(connection), onRequest));
}

/** What one Cosmos request does: the operation on items, a query plan, or `metadata` (account, database, container, ranges). */
export type CosmosRequestKind = "query-plan" | "query" | "batch" | "patch" | "read" | "create" | "replace" | "upsert" | "delete" | "metadata" | "other";

type RequestContext = Parameters<Plugin<unknown>>[0];

export function cosmosRequestKind(context: Pick<RequestContext, "headers" | "operationType" | "resourceType">): CosmosRequestKind {
  if (String(context.headers?.["x-ms-cosmos-is-query-plan-request"] ?? "").toLowerCase() === "true") return "query-plan";
  if (context.resourceType !== ResourceType.item) return "metadata";
  switch (context.operationType) {
    case OperationType.Query:
      return "query";
    case OperationType.Batch:
      return "batch";
    case OperationType.Patch:
      return "patch";
    case OperationType.Read:
      return "read";
    case OperationType.Create:
      return "create";
    case OperationType.Replace:
      return "replace";
    case OperationType.Upsert:
      return "upsert";
    case OperationType.Delete:
      return "delete";
    default:
      return "other";
  }
}

/**
 * The client's `plugins` option (the SDK exports `PluginConfig`; its 4.x typings hide the option): a
 * plugin `on: "request"` runs once per HTTP request, after the SDK has built it.
 */
function withRequestPlugin(options: CosmosClientOptions, onRequest: (kind: CosmosRequestKind, path: string) => void): CosmosClientOptions {
  const plugin: PluginConfig = {
    on: "request",
    plugin: (context, _diagnostics, next: Next<unknown>) => {
      onRequest(cosmosRequestKind(context), context.path ?? "");
      return next(context);
    },
  };
  return { ...options, plugins: [plugin] } as CosmosClientOptions;
}

const SYSTEM_PROPERTIES = ["_rid", "_self", "_etag", "_ts", "_attachments", "_lsn"] as const;

/** The stored document without Cosmos system properties, and its ETag. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the container decides the document's type
export function fromResource<T>(resource: ItemDefinition): { value: T; etag: string } {
  const copy: Record<string, unknown> = { ...resource };
  const etag = typeof copy._etag === "string" ? copy._etag : "";
  for (const key of SYSTEM_PROPERTIES) Reflect.deleteProperty(copy, key);
  return { value: copy as T, etag };
}

/** A point read: the document and its ETag, `undefined` when there is none; other failures mapped (`what` names it). */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the container decides the document's type
export async function readItem<T>(item: Item, what: string): Promise<{ value: T; etag: string } | undefined> {
  try {
    const { resource } = await item.read<ItemDefinition>();
    return resource === undefined ? undefined : fromResource<T>(resource);
  } catch (error) {
    const mapped = mapCosmosError(error, what);
    if (mapped.code === "not-found") return undefined;
    throw mapped;
  }
}

/** One page of a parameterised query. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the container decides the document's type
export async function fetchPage<T>(
  container: Container,
  query: { query: string; parameters: { name: string; value: string | number | boolean | null | readonly string[] }[] },
  options: { maxItemCount: number; continuationToken?: string; partitionKey?: string },
): Promise<{ resources: T[]; continuationToken?: string }> {
  const open = () =>
    container.items.query<T>(
      { query: query.query, parameters: query.parameters.map((p) => ({ name: p.name, value: p.value as string })) },
      {
        maxItemCount: options.maxItemCount,
        ...(options.continuationToken === undefined ? {} : { continuationToken: options.continuationToken }),
        ...(options.partitionKey === undefined ? {} : { partitionKey: options.partitionKey }),
      },
    );
  let response;
  if (options.partitionKey === undefined) response = await open().fetchNext();
  else {
    try {
      response = await skipQueryPlan(open()).fetchNext();
    } catch (error) {
      // The gateway wanted a plan after all: ask again the SDK's usual way.
      if (!(error instanceof QueryPlanSkipped)) throw error;
      response = await open().fetchNext();
    }
  }
  return {
    resources: response.resources,
    ...(response.continuationToken ? { continuationToken: response.continuationToken } : {}),
  };
}

/** What a query whose plan was skipped throws if the gateway asks for the plan after all. */
export class QueryPlanSkipped extends Error {
  constructor() {
    super("the query plan was skipped for a single-partition query, but the gateway asked for it");
    this.name = "QueryPlanSkipped";
  }
}

/**
 * @azure/cosmos 4.10 asks the gateway for a query plan on the first fetchNext of every new
 * iterator (a second request per page, as fetchPage opens one iterator per page), also when the
 * query is scoped to one partition key, where the SDK runs the query without the plan unless the
 * gateway refuses it (its `shouldForceQueryPlan` keeps partition-key queries off the plan path).
 * The iterator asks only when its internal `queryPlanPromise` is unset, so setting it to an
 * answer makes the SDK send the query alone. That answer is an error the SDK throws only if the
 * gateway demands a plan; fetchPage then asks again without this. SDK internal: if a later
 * version renames the field, the plan requests come back (test/integration/cosmos-query-plan.test.ts
 * counts them) but results stay right.
 */
export function skipQueryPlan<T>(iterator: QueryIterator<T>): QueryIterator<T> {
  (iterator as unknown as { queryPlanPromise?: Promise<unknown> }).queryPlanPromise = Promise.resolve(new QueryPlanSkipped());
  return iterator;
}

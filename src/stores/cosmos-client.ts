import { CosmosClient, type CosmosClientOptions, type Container, type ItemDefinition } from "@azure/cosmos";

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

export function createCosmosClient(connection: CosmosConnection): CosmosClient {
  return new CosmosClient(cosmosOptions(connection));
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

/** One page of a parameterised query. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the container decides the document's type
export async function fetchPage<T>(
  container: Container,
  query: { query: string; parameters: { name: string; value: string | number | boolean | null | readonly string[] }[] },
  options: { maxItemCount: number; continuationToken?: string; partitionKey?: string },
): Promise<{ resources: T[]; continuationToken?: string }> {
  const iterator = container.items.query<T>(
    { query: query.query, parameters: query.parameters.map((p) => ({ name: p.name, value: p.value as string })) },
    {
      maxItemCount: options.maxItemCount,
      ...(options.continuationToken === undefined ? {} : { continuationToken: options.continuationToken }),
      ...(options.partitionKey === undefined ? {} : { partitionKey: options.partitionKey }),
    },
  );
  const response = await iterator.fetchNext();
  return {
    resources: response.resources,
    ...(response.continuationToken ? { continuationToken: response.continuationToken } : {}),
  };
}

// How clients reach the embedded emulators: the ports they listen on, the Cosmos emulator's and
// Azurite's well-known keys, the Cosmos client options the embedded server needs and the storage
// connection string for devstoreaccount1 with explicit Blob/Queue/Table endpoints.

import type { CosmosClientOptions } from "@azure/cosmos";

export interface EmulatorPorts {
  cosmos: number;
  blob: number;
  queue: number;
  table: number;
}

/** The Cosmos emulator's well-known key (the embedded server accepts any key). */
export const COSMOS_EMULATOR_KEY = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";
/** Azurite's development account and its well-known key. */
export const AZURITE_ACCOUNT_NAME = "devstoreaccount1";
export const AZURITE_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/** The address every emulator binds and every client of them uses. */
export const LOOPBACK = "127.0.0.1";

/**
 * Client options for the embedded Cosmos server. Endpoint discovery must be off: the server's
 * account metadata advertises an https endpoint, and following it fails with EPROTO.
 */
export function cosmosClientOptions(endpoint: string, key: string): CosmosClientOptions {
  return { endpoint, key, connectionPolicy: { enableEndpointDiscovery: false } };
}

export function storageConnectionString(ports: Pick<EmulatorPorts, "blob" | "queue" | "table">): string {
  return [
    "DefaultEndpointsProtocol=http",
    `AccountName=${AZURITE_ACCOUNT_NAME}`,
    `AccountKey=${AZURITE_ACCOUNT_KEY}`,
    `BlobEndpoint=http://${LOOPBACK}:${ports.blob}/${AZURITE_ACCOUNT_NAME}`,
    `QueueEndpoint=http://${LOOPBACK}:${ports.queue}/${AZURITE_ACCOUNT_NAME}`,
    `TableEndpoint=http://${LOOPBACK}:${ports.table}/${AZURITE_ACCOUNT_NAME}`,
  ].join(";");
}

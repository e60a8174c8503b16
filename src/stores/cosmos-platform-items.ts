import type { CosmosClient } from "@azure/cosmos";
import type { Page, PlatformItems } from "../engine/ports.js";
import { fetchPage } from "./cosmos-client.js";
import { mapCosmosError } from "./cosmos-errors.js";

/** The platform's mapped containers, read one query page at a time inside an org's partition. */
export class CosmosPlatformItems implements PlatformItems {
  constructor(private readonly cosmos: CosmosClient) {}

  async queryPage(
    target: { readonly database: string; readonly container: string },
    orgId: string,
    query: { readonly text: string; readonly parameters: readonly { name: string; value: string }[] },
    page: { readonly limit: number; readonly continuationToken?: string },
  ): Promise<Page<Record<string, unknown>>> {
    try {
      const result = await fetchPage<Record<string, unknown>>(
        this.cosmos.database(target.database).container(target.container),
        { query: query.text, parameters: [...query.parameters] },
        { maxItemCount: page.limit, partitionKey: orgId, ...(page.continuationToken === undefined ? {} : { continuationToken: page.continuationToken }) },
      );
      return { items: result.resources, ...(result.continuationToken === undefined ? {} : { continuationToken: result.continuationToken }) };
    } catch (error) {
      throw mapCosmosError(error, `${target.container} query`);
    }
  }
}

import type { Container, ItemDefinition } from "@azure/cosmos";
import type { LegalHold } from "../domain/erasure.js";
import type { LegalHoldStore } from "../engine/ports.js";
import { fetchPage, fromResource } from "./cosmos-client.js";
import { mapCosmosError } from "./cosmos-errors.js";

/** Legal holds in the org registry (`registry` container, partitioned by `/orgId`, `type: "legal-hold"`). */
export class CosmosLegalHoldStore implements LegalHoldStore {
  constructor(private readonly container: Container) {}

  async forOrg(orgId: string): Promise<LegalHold[]> {
    const holds: LegalHold[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await fetchPage<ItemDefinition>(
          this.container,
          { query: "SELECT * FROM c WHERE c.orgId = @orgId AND c.type = 'legal-hold'", parameters: [{ name: "@orgId", value: orgId }] },
          { maxItemCount: 100, partitionKey: orgId, ...(token === undefined ? {} : { continuationToken: token }) },
        );
        for (const resource of page.resources) {
          const { type: _type, ...hold } = fromResource<LegalHold & { type: string }>(resource).value;
          holds.push(hold);
        }
        token = page.continuationToken;
      } while (token !== undefined);
    } catch (error) {
      throw mapCosmosError(error, "legal holds");
    }
    return holds;
  }

  async put(hold: LegalHold): Promise<void> {
    try {
      await this.container.items.upsert({ ...hold, type: "legal-hold" });
    } catch (error) {
      throw mapCosmosError(error, "legal hold");
    }
  }

  async remove(orgId: string, id: string): Promise<boolean> {
    try {
      await this.container.item(id, orgId).delete();
      return true;
    } catch (error) {
      const mapped = mapCosmosError(error, "legal hold");
      if (mapped.code === "not-found") return false;
      throw mapped;
    }
  }
}

import type { OrgDirectory, OrgProfile, Page } from "../../../src/engine/ports.js";
import { copy, keysetPage, roundTrip } from "./common.js";

/** OrgDirectory in memory: the orgs it was given (with their verification settings, as the Cosmos directory passes them). */
export class MemoryOrgDirectory implements OrgDirectory {
  private readonly orgs = new Map<string, OrgProfile>();

  constructor(orgs: readonly OrgProfile[] = []) {
    for (const org of orgs) this.put(org);
  }

  put(org: OrgProfile): void {
    this.orgs.set(org.orgId, copy(org));
  }

  async get(orgId: string): Promise<OrgProfile | undefined> {
    await roundTrip();
    const org = this.orgs.get(orgId);
    return org === undefined ? undefined : copy(org);
  }

  async idsPage(page: { readonly limit: number; readonly continuationToken?: string }): Promise<Page<string>> {
    await roundTrip();
    return keysetPage([...this.orgs.keys()], (id) => [id], "orgs", page.limit, page.continuationToken);
  }
}

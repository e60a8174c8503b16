import type { LegalHold } from "../../../src/domain/erasure.js";
import { entryId, type OrgHoldsEntry, type SubjectEntry } from "../../../src/domain/registry.js";
import type { LegalHoldStore, SubjectRegistry } from "../../../src/engine/ports.js";
import { copy, roundTrip } from "./common.js";

/**
 * The org registry in memory: subject entries, org-wide holds and legal holds, each by org and id.
 * Changes run one at a time (no await between read and write), so no update is lost.
 */
export class MemoryRegistry {
  private readonly documents = new Map<string, unknown>();

  readonly subjects: SubjectRegistry = {
    get: async (orgId, key) => {
      await roundTrip();
      return this.read<SubjectEntry>(orgId, entryId(key));
    },
    orgHolds: async (orgId) => {
      await roundTrip();
      return this.read<OrgHoldsEntry>(orgId, "org-holds");
    },
    updateEntry: async (orgId, key, change) => {
      await roundTrip();
      const id = entryId(key);
      const next = change(this.read<SubjectEntry>(orgId, id));
      if (next === "delete") this.documents.delete(docKey(orgId, id));
      else if (next !== undefined) this.documents.set(docKey(orgId, id), copy({ ...next, id, orgId }));
    },
    updateOrgHolds: async (orgId, change) => {
      await roundTrip();
      const next = change(this.read<OrgHoldsEntry>(orgId, "org-holds"));
      if (next !== undefined) this.documents.set(docKey(orgId, "org-holds"), copy({ ...next, id: "org-holds", orgId }));
    },
  };

  readonly legalHolds: LegalHoldStore = {
    forOrg: async (orgId) => {
      await roundTrip();
      return [...this.documents]
        .filter(([key, doc]) => (JSON.parse(key) as string[])[0] === orgId && (doc as { type?: string }).type === "legal-hold")
        .map(([, doc]) => {
          const { type: _type, ...hold } = copy(doc) as LegalHold & { type: string };
          return hold;
        });
    },
    put: async (hold) => {
      await roundTrip();
      this.documents.set(docKey(hold.orgId, hold.id), copy({ ...hold, type: "legal-hold" }));
    },
    remove: async (orgId, id) => {
      await roundTrip();
      return this.documents.delete(docKey(orgId, id));
    },
  };

  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the id decides the document's type
  private read<T>(orgId: string, id: string): T | undefined {
    const doc = this.documents.get(docKey(orgId, id));
    return doc === undefined ? undefined : copy(doc as T);
  }
}

const docKey = (orgId: string, id: string): string => JSON.stringify([orgId, id]);

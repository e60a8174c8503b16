import { OPEN_STATUSES } from "../../../src/domain/lifecycle.js";
import type { PrivacyRequestRecord } from "../../../src/domain/privacy-request.js";
import type { Page, RequestFilter, RequestStore, Versioned } from "../../../src/engine/ports.js";
import { canonicalJson } from "../../../src/domain/canonical-json.js";
import { keysetPage, roundTrip, VersionedMap } from "./common.js";

/** Page size of the versioned listings (the Cosmos adapter's). */
const VERSIONED_PAGE = 100;

const effectiveDue = (r: PrivacyRequestRecord): string => r.extendedDueAt ?? r.dueAt;

/** RequestStore in memory, with the Cosmos adapter's semantics (src/stores/cosmos-request-store.ts). */
export class MemoryRequestStore implements RequestStore {
  private readonly documents = new VersionedMap<PrivacyRequestRecord>("request");

  async create(record: PrivacyRequestRecord): Promise<Versioned<PrivacyRequestRecord>> {
    await roundTrip();
    return this.documents.create(record.id, record);
  }

  async get(id: string): Promise<Versioned<PrivacyRequestRecord> | undefined> {
    await roundTrip();
    return this.documents.get(id);
  }

  async replace(record: PrivacyRequestRecord, etag: string): Promise<Versioned<PrivacyRequestRecord>> {
    await roundTrip();
    return this.documents.replace(record.id, record, etag);
  }

  async list(filter: RequestFilter, page: { limit: number; continuationToken?: string }): Promise<Page<PrivacyRequestRecord>> {
    await roundTrip();
    const rows = this.documents
      .all()
      .map((d) => d.value)
      .filter(
        (r) =>
          (filter.orgIds === "*" || filter.orgIds.includes(r.orgId)) &&
          (filter.orgId === undefined || r.orgId === filter.orgId) &&
          (filter.status === undefined || r.status === filter.status) &&
          (filter.type === undefined || r.type === filter.type) &&
          (filter.jurisdiction === undefined || r.jurisdiction === filter.jurisdiction) &&
          (filter.dueBefore === undefined || effectiveDue(r) < filter.dueBefore),
      );
    // Bound to the filter (which carries the caller's orgs) and its order: another listing's token is refused.
    const sort = filter.sort ?? "newest";
    const binding = `list:${canonicalJson({ ...filter, sort, orgIds: filter.orgIds === "*" ? "*" : [...filter.orgIds] })}`;
    if (sort === "due") return keysetPage(rows, (r) => [effectiveDue(r), r.createdAt, r.id], binding, page.limit, page.continuationToken);
    return keysetPage(rows, (r) => [r.createdAt, r.id], binding, page.limit, page.continuationToken, [true, false]);
  }

  deadlineCandidates(date: string, continuationToken?: string): Promise<Page<Versioned<PrivacyRequestRecord>>> {
    return this.versionedPage(`deadline:${date}`, (r) => OPEN_STATUSES.includes(r.status) && effectiveDue(r) <= date, continuationToken);
  }

  async forSubject(orgId: string, subjectKeys: readonly string[], types: readonly string[]): Promise<Versioned<PrivacyRequestRecord>[]> {
    await roundTrip();
    return this.documents
      .all()
      .filter((d) => d.value.orgId === orgId && subjectKeys.includes(d.value.subjectKey) && types.includes(d.value.type))
      .map(({ value, etag }) => ({ value, etag }));
  }

  expiredDeliveries(before: string, continuationToken?: string): Promise<Page<Versioned<PrivacyRequestRecord>>> {
    return this.versionedPage(
      `expired:${before}`,
      (r) => r.delivery !== undefined && r.delivery.deletedAt === undefined && r.delivery.expiresAt < before,
      continuationToken,
    );
  }

  withPendingEffects(before: string, continuationToken?: string): Promise<Page<Versioned<PrivacyRequestRecord>>> {
    return this.versionedPage(`pending:${before}`, (r) => r.pending !== undefined && r.updatedAt < before, continuationToken);
  }

  private async versionedPage(
    binding: string,
    matches: (record: PrivacyRequestRecord) => boolean,
    continuationToken: string | undefined,
  ): Promise<Page<Versioned<PrivacyRequestRecord>>> {
    await roundTrip();
    const rows = this.documents
      .all()
      .filter((d) => matches(d.value))
      .map(({ value, etag }) => ({ value, etag }));
    return keysetPage(rows, (r) => [r.value.id], binding, VERSIONED_PAGE, continuationToken);
  }
}

import type { AuditEntry } from "../domain/audit.js";
import type { OutboxEvent } from "../domain/events.js";
import type { PrivacyRequestRecord } from "../domain/privacy-request.js";
import type { CloseTime, MonthWindow, OpenCounts, PausedDeadline, ReceivedCounts } from "../domain/report.js";
import type { Jurisdiction, OrgVerificationSettings, RequestSort, RequestStatus, RequestType } from "../domain/request.js";
import type { RetentionNotice, RetentionOverrides } from "../domain/retention.js";
import type { SweepKind, SweepLease, SweepRun, SweepStep } from "../domain/sweep-run.js";

// The stores a use case needs, as small interfaces. Adapters live in src/stores.

export interface Versioned<T> {
  readonly value: T;
  readonly etag: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly continuationToken?: string;
}

/**
 * What `RequestStore.list` lists, and in which order. `orgIds` are the caller's orgs (`*`: all);
 * the other fields narrow by equality, `dueBefore` (YYYY-MM-DD) by the effective due date (the
 * extended one where set), strictly before. `sort`: `newest` (the default) is createdAt
 * descending; `due` is most urgent first: the effective due date ascending, then createdAt
 * ascending, then id, so that ties keep one order across pages. A continuation token is bound to
 * the whole filter, order included.
 */
export interface RequestFilter {
  readonly orgIds: "*" | readonly string[];
  readonly orgId?: string;
  readonly status?: RequestStatus;
  readonly type?: RequestType;
  readonly jurisdiction?: Jurisdiction;
  readonly dueBefore?: string;
  readonly sort?: RequestSort;
}

export interface RequestStore {
  /** Creates the request; a request with the same id is a conflict with reason `exists`. */
  create(record: PrivacyRequestRecord): Promise<Versioned<PrivacyRequestRecord>>;
  get(id: string): Promise<Versioned<PrivacyRequestRecord> | undefined>;
  /** Replaces under an ETag precondition; a stale ETag is a conflict with reason `stale`. */
  replace(record: PrivacyRequestRecord, etag: string): Promise<Versioned<PrivacyRequestRecord>>;
  list(filter: RequestFilter, page: { limit: number; continuationToken?: string }): Promise<Page<PrivacyRequestRecord>>;
  /** Open requests whose stored effective due date is on or before `date` (YYYY-MM-DD), page by page. */
  deadlineCandidates(date: string, continuationToken?: string): Promise<Page<Versioned<PrivacyRequestRecord>>>;
  /** An org's requests about any of these subject keys, of these types (a subject's earlier exports). */
  forSubject(orgId: string, subjectKeys: readonly string[], types: readonly string[]): Promise<Versioned<PrivacyRequestRecord>[]>;
  /** Requests whose package link expired before `before` and whose package is not yet deleted. */
  expiredDeliveries(before: string, continuationToken?: string): Promise<Page<Versioned<PrivacyRequestRecord>>>;
  /** Requests whose effects were committed but not yet flushed, last written before `before`. */
  withPendingEffects(before: string, continuationToken?: string): Promise<Page<Versioned<PrivacyRequestRecord>>>;
}

/** Which orgs a report covers: every org, or these. */
export type OrgScope = "*" | readonly string[];

/**
 * The figures of the requests report (GET /api/reports/requests), each computed by the database:
 * counts by aggregate queries, and where a figure needs more (a paused clock, a percentile) a
 * projection of a few dates and numbers, never the request documents. A separate port from
 * RequestStore so its adapters and contract suite stay as they are.
 */
export interface RequestReports {
  /** Open requests now: by status, and by stored effective due date (`today`, `dueSoonBy`: YYYY-MM-DD) where no pause runs. */
  openCounts(orgs: OrgScope, dates: { readonly today: string; readonly dueSoonBy: string }): Promise<OpenCounts>;
  /** Open requests whose clock is paused (their stored due date is stale): only what their deadline needs. */
  pausedDeadlines(orgs: OrgScope): Promise<readonly PausedDeadline[]>;
  /** Requests received in each window (by `receivedAt`), in the windows' order. */
  receivedByMonth(orgs: OrgScope, months: readonly MonthWindow[]): Promise<readonly ReceivedCounts[]>;
  /** Receipt and close instants of the requests closed in `[start, end)` (by their resolution), any outcome. */
  closeTimes(orgs: OrgScope, window: { readonly start: string; readonly end: string }): Promise<readonly CloseTime[]>;
}

export interface AuditStore {
  /** Writes entries; an entry that already exists is left as it is (idempotent). */
  write(entries: readonly AuditEntry[]): Promise<void>;
  listForRequest(requestId: string): Promise<AuditEntry[]>;
}

export interface OutboxStore {
  /** Writes events; an event that already exists is left as it is (idempotent). */
  write(events: readonly OutboxEvent[]): Promise<void>;
  /** Events still to dispatch, across orgs, oldest first, one page at a time. */
  pending(page: { readonly limit: number; readonly continuationToken?: string }): Promise<Page<OutboxEvent>>;
  /**
   * Marks events dispatched at `dispatchedAt` and drops their delivery secret. An event already
   * gone (expired) counts as marked; marking twice is harmless.
   */
  markDispatched(events: readonly Pick<OutboxEvent, "id" | "orgId" | "secret">[], dispatchedAt: string): Promise<void>;
}

export interface RequestWorkMessage {
  readonly requestId: string;
}

/** One org's step of a sweep run. */
export interface SweepWorkMessage {
  readonly sweep: SweepKind;
  readonly runId: string;
  readonly orgId: string;
}

export type WorkMessage = RequestWorkMessage | SweepWorkMessage;

export interface WorkQueue {
  /** `delaySeconds`: the message becomes visible only then (a step waiting for a lease to lapse). */
  enqueue(message: WorkMessage, options?: { readonly delaySeconds?: number }): Promise<void>;
}

export interface OrgProfile {
  readonly orgId: string;
  /** The org's display name from the platform's organizations item (trimmed, bounded); the controller in packages. */
  readonly name?: string;
  readonly jurisdiction?: Jurisdiction;
  readonly defaultCountry?: string;
  /** The org's own retention periods and ages, where its settings document sets them. */
  readonly retention?: RetentionOverrides;
  /** Which request types need a verification code, where its settings document says (else the default). */
  readonly verification?: OrgVerificationSettings;
}

export interface OrgDirectory {
  /** The org as the platform knows it, with the engine's settings for it; undefined when unknown. */
  get(orgId: string): Promise<OrgProfile | undefined>;
  /** Every org id the platform knows, a page at a time (the sweeps fan out over them). */
  idsPage(page: { readonly limit: number; readonly continuationToken?: string }): Promise<Page<string>>;
}

/** One message for the events topic or the verification delivery queue. */
export interface EventMessage {
  readonly body: unknown;
  /** The event id: consumers and the broker's duplicate detection key on it. */
  readonly messageId: string;
  readonly contentType: "application/json";
  readonly subject: string;
  readonly applicationProperties: Readonly<Record<string, string | number | boolean>>;
}

/** A batch being filled; `tryAdd` is false when the message does not fit (the batch is full, or it is too large for any). */
export interface EventBatch {
  tryAdd(message: EventMessage): boolean;
  readonly count: number;
}

/** A destination for events (the events topic, the delivery queue). Adapter: src/stores/service-bus.ts. */
export interface EventPublisher {
  createBatch(): Promise<EventBatch>;
  /** Sends the batch as one unit; throws when it was not accepted. */
  send(batch: EventBatch): Promise<void>;
}

export interface HealthProbe {
  readonly name: string;
  check(): Promise<void>;
}

export interface Logger {
  info(message: string, fields?: Readonly<Record<string, string | number | boolean | undefined>>): void;
  warn(message: string, fields?: Readonly<Record<string, string | number | boolean | undefined>>): void;
  error(message: string, fields?: Readonly<Record<string, string | number | boolean | undefined>>): void;
}

/** A mapped container's items, one page of a query inside one org's partition at a time. */
export interface PlatformItems {
  queryPage(
    target: { readonly database: string; readonly container: string },
    orgId: string,
    query: { readonly text: string; readonly parameters: readonly { name: string; value: string }[] },
    page: { readonly limit: number; readonly continuationToken?: string },
  ): Promise<Page<Record<string, unknown>>>;
}

export interface BlobEntry {
  readonly name: string;
  readonly size: number;
}

/** The platform's blobs: prefix listings page by page, and reads as streams. */
export interface BlobSource {
  listPage(container: string, prefix: string, page: { readonly limit: number; readonly continuationToken?: string }): Promise<Page<BlobEntry>>;
  read(container: string, name: string): Promise<NodeJS.ReadableStream>;
}

/** One page of a discovery manifest: the ids, blob names or CSV rows found in one place. */
export interface ManifestEntry {
  readonly source: "container" | "blobs" | "csv-rows";
  /** Container mapping or blob layout name. */
  readonly name: string;
  readonly ids?: readonly string[];
  readonly blobs?: readonly string[];
  readonly rows?: { readonly blob: string; readonly rows: readonly number[] };
}

/**
 * A request's discovery manifests, page by page, each under the run that wrote it: two copies of a
 * message running at once write separate manifests, and each reads back only its own.
 */
export interface ManifestStore {
  write(requestId: string, run: string, seq: number, entry: ManifestEntry): Promise<void>;
  list(requestId: string, run: string): AsyncIterable<ManifestEntry>;
  /** Deletes the request's manifest pages (only `run`'s when given); safe to repeat. */
  remove(requestId: string, run?: string): Promise<void>;
}

/** Where packages go: upload, a read-only link to one package, a copy to another controller, removal. */
export interface PackageStore {
  upload(blobName: string, stream: NodeJS.ReadableStream, metadata: Record<string, string>): Promise<void>;
  /** Replaces the package's metadata (its digest is known only once the upload has committed). */
  setMetadata(blobName: string, metadata: Record<string, string>): Promise<void>;
  downloadLink(blobName: string, expiresOn: Date): Promise<string>;
  sendTo(blobName: string, destinationUrl: string): Promise<void>;
  delete(blobName: string): Promise<boolean>;
}

/** Item mutations for erasure, inside one org's partition of a mapped container. */
export interface ItemEraser {
  /** Deletes up to 100 items in one request; an item already gone counts as `missing`. */
  deleteBatch(target: { readonly database: string; readonly container: string }, orgId: string, ids: readonly string[]): Promise<{ deleted: number; missing: number }>;
  /** Applies `set` operations to one item (idempotent); `missing` when the item is gone. */
  patch(
    target: { readonly database: string; readonly container: string },
    orgId: string,
    id: string,
    operations: readonly { op: "set"; path: string; value: string | null }[],
  ): Promise<"patched" | "missing">;
  /** Every id in the org's partition, a page at a time (org offboarding). */
  idsPage(
    target: { readonly database: string; readonly container: string; readonly orgField: string },
    orgId: string,
    page: { readonly limit: number; readonly continuationToken?: string },
  ): Promise<Page<string>>;
  /** Deletes the whole partition in one call, where the account supports it. */
  deletePartition(target: { readonly database: string; readonly container: string }, orgId: string): Promise<void>;
}

/** Blob mutations for erasure. */
export interface BlobEraser {
  /** Deletes up to 256 blobs (with their snapshots) in one batch request; gone ones count as `missing`. */
  deleteBatch(container: string, names: readonly string[]): Promise<{ deleted: number; missing: number }>;
  /** Rewrites a CSV without the rows `remove` selects, every other row byte for byte, under the blob's ETag. */
  rewriteCsv(container: string, name: string, remove: (row: Readonly<Record<string, string | undefined>>) => boolean): Promise<{ removed: number }>;
}

/** A long-running job's state document (erasure, offboarding), replaced under its ETag at each checkpoint. */
export interface JobStore<T extends { readonly id: string }> {
  get(id: string): Promise<Versioned<T> | undefined>;
  /** Creates the job; `undefined` when another run created it first (read it then). */
  create(job: T): Promise<Versioned<T> | undefined>;
  /** Replaces under the ETag; a stale ETag is a conflict with reason `stale`. */
  replace(job: T, etag: string): Promise<Versioned<T>>;
}

/** The org registry's legal holds. */
export interface LegalHoldStore {
  /** Holds of an org (in force or not; the plan decides). */
  forOrg(orgId: string): Promise<import("../domain/erasure.js").LegalHold[]>;
  put(hold: import("../domain/erasure.js").LegalHold): Promise<void>;
  remove(orgId: string, id: string): Promise<boolean>;
}

/** Read-modify-write of one item under its ETag (rectification, restriction markers). */
export interface ItemUpdater {
  /**
   * Reads the item, replaces it with `change(item)` under the ETag it was read with, and when
   * another writer got there first reads again and re-applies, so no writer's update is lost.
   * `change` returns `undefined` when the item needs nothing; system properties are not shown.
   */
  update(
    target: { readonly database: string; readonly container: string; readonly orgField: string },
    orgId: string,
    id: string,
    change: (item: Readonly<Record<string, unknown>>) => Record<string, unknown> | undefined,
  ): Promise<"updated" | "unchanged" | "missing">;
}

/** The org registry's subject entries (one per identifier key) and its org-wide holds. */
export interface SubjectRegistry {
  get(orgId: string, key: string): Promise<import("../domain/registry.js").SubjectEntry | undefined>;
  orgHolds(orgId: string): Promise<import("../domain/registry.js").OrgHoldsEntry | undefined>;
  /**
   * Changes the entry of `key` under its ETag, retrying on a concurrent write. `change` gets the
   * entry (undefined when there is none) and returns the new one, `"delete"`, or `undefined` for
   * no change.
   */
  updateEntry(
    orgId: string,
    key: string,
    change: (entry: import("../domain/registry.js").SubjectEntry | undefined) => import("../domain/registry.js").SubjectEntry | "delete" | undefined,
  ): Promise<void>;
  updateOrgHolds(orgId: string, change: (entry: import("../domain/registry.js").OrgHoldsEntry | undefined) => import("../domain/registry.js").OrgHoldsEntry | undefined): Promise<void>;
}

/** Sweep runs, their per-org steps (checkpoints) and the per-org leases. */
export interface SweepStore {
  createRun(run: SweepRun): Promise<void>;
  recentRuns(limit: number, kind?: SweepKind): Promise<SweepRun[]>;
  steps(runId: string): Promise<SweepStep[]>;
  getStep(runId: string, orgId: string): Promise<Versioned<SweepStep> | undefined>;
  /** Creates a step; `undefined` when it exists already. */
  createStep(step: SweepStep): Promise<Versioned<SweepStep> | undefined>;
  replaceStep(step: SweepStep, etag: string): Promise<Versioned<SweepStep>>;
  getLease(kind: SweepKind, orgId: string): Promise<Versioned<SweepLease> | undefined>;
  /** Creates or replaces a lease: `etag` undefined creates (a conflict `exists` when another did first); else replaces under it (`stale`). */
  putLease(lease: SweepLease, etag: string | undefined): Promise<Versioned<SweepLease>>;
}

/** Retention notices in the org registry (`type: "retention-notice"`). */
export interface RetentionNoticeStore {
  get(orgId: string, id: string): Promise<Versioned<RetentionNotice> | undefined>;
  /** false when the notice exists already (another run noticed first). */
  create(notice: RetentionNotice): Promise<boolean>;
  replace(notice: RetentionNotice, etag: string): Promise<Versioned<RetentionNotice>>;
  /** Removes a notice; one already gone is fine. */
  remove(orgId: string, id: string): Promise<void>;
  /** The org's notices with an id after `after`, in id order (keyset: safe while notices are removed). */
  after(orgId: string, after: string | undefined, limit: number): Promise<Versioned<RetentionNotice>[]>;
}

// The request document: what a privacy request holds from intake to its close, and the
// RequestChange every decision on it returns (the next document plus the audit entries, events
// and work it implies). Every type of request shares this one shape; the fields only some types
// use say which in their comments.

import type { Certificate } from "../certificate.js";
import type { AuditActor, AuditDraft, AuditEntry, AuditHead } from "../audit.js";
import type { DueState } from "../deadlines.js";
import type { EventDraft, OutboxEvent } from "../events.js";
import type { NormalizedSubject } from "../identifiers.js";
import type { Jurisdiction, RequestStatus, RequestType, RestrictionGround, SubmitRequestBody, SuppressionPurpose } from "../request.js";

export interface CodeState {
  readonly hash: string;
  readonly issuedAt: string;
  readonly expiresAt: string;
  readonly attempts: number;
  readonly locked: boolean;
  readonly issued: number;
}

export interface VerificationState {
  readonly state: "pending" | "verified";
  readonly method?: "attested" | "code";
  /** The attestation's own words (free text, as the caller gave them): digested in the audit. */
  readonly by?: string;
  /** The id of the caller that attested the requester's identity (a key or principal id, never a name). */
  readonly attestedBy?: string;
  readonly verifiedAt?: string;
  readonly code?: CodeState;
}

export interface Extension {
  readonly reason: string;
  readonly at: string;
  readonly by: string;
}

export interface Resolution {
  readonly outcome: "rejected" | "cancelled" | "completed" | "failed";
  readonly reason?: string;
  readonly detail?: string;
  readonly at: string;
  readonly by: string;
}

export interface WorkProgress {
  readonly step: string;
  /** The discovery run whose manifest the executor follows (rectification, restriction): a redelivery reuses it. */
  readonly run?: string;
  /** Keyed hashes of the subject's identifiers found by that run, by kind (registry entry ids). */
  readonly subjectKeys?: Readonly<Record<string, readonly string[]>>;
  readonly itemsFound?: number;
  readonly blobsFound?: number;
  readonly csvRowsFound?: number;
  readonly itemsWritten?: number;
  readonly blobsWritten?: number;
}

/** Counts per place, from discovery: what the manifest holds. */
export interface DiscoverySummary {
  readonly items: Readonly<Record<string, number>>;
  readonly blobs: Readonly<Record<string, number>>;
  readonly csvRows: Readonly<Record<string, number>>;
  readonly keys: Readonly<Record<string, number>>;
  readonly completedAt: string;
}

export interface Delivery {
  readonly blobName: string;
  /** Read-only link to this one package, until `expiresAt`. */
  readonly url: string;
  readonly expiresAt: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly sentTo?: string;
  readonly deletedAt?: string;
}

export interface Failure {
  readonly step: string;
  readonly reason: string;
  readonly at: string;
  readonly attempts: number;
}

/** A restriction's life after it is placed: lifting needs a reason and a notice first (Art. 18(3)). */
export interface RestrictionState {
  readonly state: "in-force" | "lift-requested" | "lifted";
  readonly since: string;
  readonly liftReason?: string;
  readonly liftRequestedAt?: string;
  readonly liftRequestedBy?: string;
  readonly liftedAt?: string;
}

/** What a rectification, restriction or suppression changed: counts per place, never values. */
export interface Applied {
  readonly places: Readonly<Record<string, number>>;
  readonly registryEntries: number;
  readonly fields?: readonly string[];
}

export interface PendingEffects {
  readonly audit: readonly AuditEntry[];
  readonly events: readonly OutboxEvent[];
  readonly enqueue: boolean;
}

export interface PrivacyRequestRecord {
  readonly id: string;
  readonly orgId: string;
  readonly type: RequestType;
  readonly status: RequestStatus;
  /** Why the request is where it is, in words without personal data. */
  readonly statusReason?: string;
  readonly jurisdiction: Jurisdiction;
  readonly subject: NormalizedSubject;
  readonly subjectKey: string;
  readonly receivedAt: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly createdBy: AuditActor;
  readonly verification: VerificationState;
  /** While set, the clock is paused (jurisdictions that pause while verification is pending). */
  readonly pausedSince?: string;
  readonly pausedDays: number;
  readonly dueAt: string;
  readonly extendedDueAt?: string;
  readonly acknowledgeDueAt?: string;
  readonly deadlineState: DueState;
  readonly extension?: Extension;
  readonly changes?: SubmitRequestBody["changes"];
  readonly note?: string;
  /** Why the request was opened, as the submitter coded it (e.g. `retention` from the retention sweep). */
  readonly reason?: string;
  readonly resolution?: Resolution;
  readonly idempotency?: { readonly keyHash: string; readonly bodyHash: string };
  /** Portability: where to send the package (an https URL with a SAS); a secret, never logged. */
  readonly destination?: string;
  /** Objection and consent withdrawal: the purposes suppressed. */
  readonly purposes?: readonly SuppressionPurpose[];
  /** Consent withdrawal: also erase the categories processed on consent. */
  readonly erase?: boolean;
  /** Restriction: the Art. 18(1) ground. */
  readonly ground?: RestrictionGround;
  /** Erasure: only these categories (all when absent). */
  readonly categories?: readonly string[];
  readonly restriction?: RestrictionState;
  readonly applied?: Applied;
  /** A request this one opened (a consent withdrawal's erasure). */
  readonly followUp?: { readonly requestId: string; readonly type: RequestType };
  readonly progress?: WorkProgress;
  readonly discovery?: DiscoverySummary;
  readonly delivery?: Delivery;
  readonly failure?: Failure;
  /** A completed erasure's signed certificate (no personal data). */
  readonly certificate?: Certificate;
  readonly auditHead?: AuditHead;
  readonly pending?: PendingEffects;
}

/**
 * What a decision returns. The engine commits it in one document write (the effects ride in
 * `pending` until they are flushed), so a state change and its audit entry can never be
 * separated by a crash.
 */
export interface RequestChange {
  readonly record: PrivacyRequestRecord;
  readonly audit: readonly AuditDraft[];
  readonly events: readonly EventDraft[];
  readonly enqueue: boolean;
}

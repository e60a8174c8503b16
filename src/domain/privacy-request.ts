import type { Role } from "../config/settings.js";
import { EngineError } from "./errors.js";
import type { Certificate } from "./certificate.js";
import type { AuditActor, AuditDetailValue, AuditDraft, AuditEntry, AuditHead } from "./audit.js";
import {
  calendarDaysBetween,
  computeDeadline,
  DEADLINE_RULES,
  dueState,
  extensionRefusal,
  type Deadline,
  type DueState,
} from "./deadlines.js";
import type { EventDraft, OutboxEvent } from "./events.js";
import type { NormalizedSubject } from "./identifiers.js";
import { transition, isTerminal, type LifecycleEvent } from "./lifecycle.js";
import type { Jurisdiction, RequestStatus, RequestType, RestrictionGround, SubmitRequestBody, SuppressionPurpose } from "./request.js";

/**
 * The request document and the pure decisions on it. Each decision returns a RequestChange:
 * the next document plus the audit entries, events and work it implies. The engine commits a
 * change in one document write (the effects ride in `pending` until they are flushed), so a
 * state change and its audit entry can never be separated by a crash.
 */
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

export interface RequestChange {
  readonly record: PrivacyRequestRecord;
  readonly audit: readonly AuditDraft[];
  readonly events: readonly EventDraft[];
  readonly enqueue: boolean;
}

/** Paused days so far, counting a pause still running up to `now`. */
export function effectivePausedDays(record: Pick<PrivacyRequestRecord, "pausedDays" | "pausedSince">, now: Date): number {
  return record.pausedDays + (record.pausedSince === undefined ? 0 : calendarDaysBetween(record.pausedSince, now.toISOString()));
}

export function deadlineOf(record: PrivacyRequestRecord, now: Date): Deadline {
  return computeDeadline({
    jurisdiction: record.jurisdiction,
    receivedAt: record.receivedAt,
    pausedDays: effectivePausedDays(record, now),
    extended: record.extension !== undefined,
  });
}

/** Recomputes the stored deadline fields as of `now`. */
function withDeadline(record: PrivacyRequestRecord, now: Date, dueSoonDays: number): PrivacyRequestRecord {
  const deadline = deadlineOf(record, now);
  const { extendedDueAt: _e, acknowledgeDueAt: _a, ...rest } = record;
  return {
    ...rest,
    dueAt: deadline.dueAt,
    ...(deadline.extendedDueAt === undefined ? {} : { extendedDueAt: deadline.extendedDueAt }),
    ...(deadline.acknowledgeDueAt === undefined ? {} : { acknowledgeDueAt: deadline.acknowledgeDueAt }),
    // Computed at every change; a closed request is never refreshed again, so it keeps the state
    // it was closed in (on time, or late).
    deadlineState: dueState(deadline.effectiveDueAt, now, dueSoonDays),
  };
}

export interface OpenParams {
  readonly id: string;
  readonly body: SubmitRequestBody;
  readonly subject: NormalizedSubject;
  readonly subjectKey: string;
  readonly jurisdiction: Jurisdiction;
  readonly actor: AuditActor;
  readonly now: Date;
  readonly dueSoonDays: number;
  readonly idempotency?: PrivacyRequestRecord["idempotency"];
  /** Keyed digest of the attestation's free text (`verification.by`), for the audit. */
  readonly attestationDigest?: string;
}

/** Who may attest a requester's identity, and where an org wants a code instead. */
export interface AttestationPolicy {
  /** PRIVACY_ATTESTING_ROLES. */
  readonly attestingRoles: readonly Role[];
  /** The org's `verification.requireCodeFor`. */
  readonly requireCodeFor: readonly RequestType[];
}

/**
 * Self-attestation is a decision, not a default: a role outside PRIVACY_ATTESTING_ROLES is a 403,
 * and a request type the org wants verified by code is a 409 (the request can be opened
 * unverified and verified by code instead).
 */
export function checkAttestation(caller: { readonly role: Role; readonly engine?: true }, type: RequestType, policy: AttestationPolicy): void {
  if (caller.engine !== true && !policy.attestingRoles.includes(caller.role)) {
    throw new EngineError(
      "forbidden",
      `The role ${caller.role} may not attest a requester's identity (PRIVACY_ATTESTING_ROLES); open the request without verification and verify by code`,
      { reason: "attestation-forbidden" },
    );
  }
  if (policy.requireCodeFor.includes(type)) {
    throw new EngineError("conflict", `This org requires ${type} requests to be verified by code; open the request without verification and verify by code`, {
      reason: "code-verification-required",
    });
  }
}

/** Tolerance for a caller's clock running ahead when it sends `receivedAt`. */
const RECEIPT_CLOCK_SKEW_MS = 5 * 60_000;

export function openRequest(params: OpenParams): RequestChange {
  const { body, now, actor } = params;
  const nowIso = now.toISOString();
  const claimed = body.receivedAt === undefined ? now.getTime() : Date.parse(body.receivedAt);
  if (claimed > now.getTime() + RECEIPT_CLOCK_SKEW_MS) {
    throw new EngineError("validation", "receivedAt cannot be in the future", {
      fields: [{ path: "receivedAt", message: "must not be later than now" }],
    });
  }
  // A receipt within the skew tolerance counts as received now.
  const receivedAt = new Date(Math.min(claimed, now.getTime())).toISOString();
  const attestation = body.verification;
  const attested = attestation !== undefined;
  const rule = DEADLINE_RULES[params.jurisdiction];
  // The engine asks for verification as the request is opened: a pause starts then, or at
  // receipt where the clock only starts once identity is evidenced (UK GDPR Art. 12A).
  const pausedSince = rule.pauseStartsAt === "receipt" ? receivedAt : nowIso;
  const status: RequestStatus = attested ? "queued" : "awaiting-verification";
  const base: PrivacyRequestRecord = {
    id: params.id,
    orgId: body.orgId,
    type: body.type,
    status,
    ...(attested ? {} : { statusReason: "waiting for the requester's identity to be verified" }),
    jurisdiction: params.jurisdiction,
    subject: params.subject,
    subjectKey: params.subjectKey,
    receivedAt,
    createdAt: nowIso,
    updatedAt: nowIso,
    createdBy: actor,
    verification: attested
      ? { state: "verified", method: "attested", by: attestation.by, attestedBy: actor.id, verifiedAt: nowIso }
      : { state: "pending" },
    ...(!attested && rule.pausesWhileUnverified ? { pausedSince } : {}),
    pausedDays: 0,
    dueAt: "",
    deadlineState: "on-track",
    ...(body.changes === undefined ? {} : { changes: body.changes }),
    ...(body.note === undefined ? {} : { note: body.note }),
    ...(body.reason === undefined ? {} : { reason: body.reason }),
    ...(body.destination === undefined ? {} : { destination: body.destination }),
    ...(body.purposes === undefined ? {} : { purposes: body.purposes }),
    ...(body.erase === undefined ? {} : { erase: body.erase }),
    ...(body.ground === undefined ? {} : { ground: body.ground }),
    ...(body.categories === undefined ? {} : { categories: body.categories }),
    ...(params.idempotency === undefined ? {} : { idempotency: params.idempotency }),
  };
  const record = withDeadline(base, now, params.dueSoonDays);
  return {
    record,
    audit: [
      {
        at: nowIso,
        actor,
        action: "request.opened",
        details: {
          type: record.type,
          jurisdiction: record.jurisdiction,
          status: record.status,
          verification: attested ? "attested" : "pending",
          // Who attested: the caller's id; the attestation's words only as a keyed digest.
          ...(attested ? { attestedBy: actor.id, ...(params.attestationDigest === undefined ? {} : { attestationDigest: params.attestationDigest }) } : {}),
          identifiers: Object.keys(params.subject),
          dueAt: record.dueAt,
        },
      },
    ],
    events: [{ type: "request.opened", data: { type: record.type, status: record.status, dueAt: record.dueAt } }],
    enqueue: status === "queued",
  };
}

function moved(
  record: PrivacyRequestRecord,
  event: LifecycleEvent,
  now: Date,
  dueSoonDays: number,
  patch: Partial<PrivacyRequestRecord> = {},
): PrivacyRequestRecord {
  const status = transition(record.status, event);
  // A portability destination's URL carries a write credential (a SAS) to another controller's
  // storage: it leaves the request on every terminal state, not only once the package is sent.
  const { statusReason: _reason, ...kept } = record;
  const { destination: _destination, ...withoutDestination } = kept;
  const rest = isTerminal(status) ? withoutDestination : kept;
  // Leaving awaiting-verification ends a running pause.
  const pausedDays = effectivePausedDays(record, now);
  const { pausedSince: _p, ...unpaused } = rest;
  const next = record.status === "awaiting-verification" ? { ...unpaused, pausedDays } : rest;
  return withDeadline({ ...next, ...patch, status, updatedAt: now.toISOString() }, now, dueSoonDays);
}

function transitionAudit(record: PrivacyRequestRecord, to: RequestStatus, actor: AuditActor, now: Date, details = {}): AuditDraft {
  return { at: now.toISOString(), actor, action: "request.transitioned", details: { from: record.status, to, ...details } };
}

/** Each code allows a few tries; reissuing is capped too, so the tries cannot be renewed forever. */
export const MAX_CODES_PER_REQUEST = 5;

export function issueCode(
  record: PrivacyRequestRecord,
  params: { sealedCode: string; codeHash: string; now: Date; ttlMinutes: number; actor: AuditActor; channel: string },
): RequestChange {
  if (record.status !== "awaiting-verification") {
    throw new EngineError("conflict", `A request that is ${record.status} does not need verification`, {
      reason: "not-awaiting-verification",
    });
  }
  const issued = (record.verification.code?.issued ?? 0) + 1;
  if (issued > MAX_CODES_PER_REQUEST) {
    throw new EngineError("conflict", `No more than ${MAX_CODES_PER_REQUEST} codes are issued for one request; verify by attestation or reject`, {
      reason: "too-many-codes",
    });
  }
  const nowIso = params.now.toISOString();
  const expiresAt = new Date(params.now.getTime() + params.ttlMinutes * 60_000).toISOString();
  return {
    record: {
      ...record,
      updatedAt: nowIso,
      verification: {
        ...record.verification,
        code: { hash: params.codeHash, issuedAt: nowIso, expiresAt, attempts: 0, locked: false, issued },
      },
    },
    audit: [{ at: nowIso, actor: params.actor, action: "verification.code-issued", details: { expiresAt, issued, channel: params.channel } }],
    events: [
      {
        type: "verification.code-issued",
        data: { expiresAt, channel: params.channel },
        secret: { sealedVerificationCode: params.sealedCode },
        // Gone a day after the code expires, whether or not it was dispatched.
        ttl: params.ttlMinutes * 60 + 86_400,
      },
    ],
    enqueue: false,
  };
}

export type CodeCheck = "accepted" | "wrong" | "expired" | "locked" | "none";

export function checkCode(
  record: PrivacyRequestRecord,
  params: { matches: boolean; now: Date; maxAttempts: number; actor: AuditActor; dueSoonDays: number },
): { change: RequestChange | undefined; outcome: CodeCheck; attemptsLeft: number } {
  if (record.status !== "awaiting-verification") {
    throw new EngineError("conflict", `A request that is ${record.status} does not need verification`, {
      reason: "not-awaiting-verification",
    });
  }
  const nowIso = params.now.toISOString();
  const refused = (outcome: "none" | "locked" | "expired", attemptsLeft: number) => ({
    outcome,
    attemptsLeft,
    change: {
      record: { ...record, updatedAt: nowIso },
      audit: [{ at: nowIso, actor: params.actor, action: "verification.refused", details: { outcome } }],
      events: [],
      enqueue: false,
    },
  });
  const code = record.verification.code;
  if (code === undefined) return refused("none", 0);
  const attemptsLeft = params.maxAttempts - code.attempts;
  if (code.locked) return refused("locked", 0);
  if (params.now.getTime() > Date.parse(code.expiresAt)) return refused("expired", attemptsLeft);
  if (!params.matches) {
    const attempts = code.attempts + 1;
    const locked = attempts >= params.maxAttempts;
    return {
      outcome: locked ? "locked" : "wrong",
      attemptsLeft: params.maxAttempts - attempts,
      change: {
        record: { ...record, updatedAt: nowIso, verification: { ...record.verification, code: { ...code, attempts, locked } } },
        audit: [{ at: nowIso, actor: params.actor, action: locked ? "verification.locked" : "verification.failed", details: { attempts } }],
        events: [],
        enqueue: false,
      },
    };
  }
  const { code: _used, ...verification } = record.verification;
  const next = moved(record, "verify", params.now, params.dueSoonDays, {
    verification: { ...verification, state: "verified", method: "code", verifiedAt: nowIso },
  });
  return {
    outcome: "accepted",
    attemptsLeft,
    change: {
      record: next,
      audit: [
        { at: nowIso, actor: params.actor, action: "verification.succeeded", details: { method: "code" } },
        transitionAudit(record, next.status, params.actor, params.now, { pausedDays: next.pausedDays, dueAt: next.dueAt }),
      ],
      events: [{ type: "request.status-changed", data: { from: record.status, to: next.status } }],
      enqueue: true,
    },
  };
}

export function extendRequest(
  record: PrivacyRequestRecord,
  params: { reason: string; reasonDigest: string; now: Date; actor: AuditActor; dueSoonDays: number },
): RequestChange {
  if (isTerminal(record.status)) {
    throw new EngineError("conflict", `A request that is ${record.status} cannot be extended`, { reason: "illegal-transition" });
  }
  const rule = DEADLINE_RULES[record.jurisdiction];
  const refusal = extensionRefusal(rule, deadlineOf(record, params.now), record.extension !== undefined, params.now);
  if (refusal !== null) throw new EngineError("conflict", refusal, { reason: "extension-refused" });
  const nowIso = params.now.toISOString();
  const next = withDeadline(
    { ...record, updatedAt: nowIso, extension: { reason: params.reason, at: nowIso, by: params.actor.id } },
    params.now,
    params.dueSoonDays,
  );
  return {
    record: next,
    // The reason is free text that may name people: it stays on the request; the audit holds its
    // keyed digest, which proves the text later without holding it.
    audit: [
      {
        at: nowIso,
        actor: params.actor,
        action: "request.extended",
        details: { dueAt: next.dueAt, extendedDueAt: next.extendedDueAt ?? null, reasonDigest: params.reasonDigest },
      },
    ],
    events: [{ type: "request.extended", data: { dueAt: next.dueAt, extendedDueAt: next.extendedDueAt ?? null } }],
    enqueue: false,
  };
}

export function closeRequest(
  record: PrivacyRequestRecord,
  params: {
    event: "reject" | "cancel";
    reason?: string;
    detail?: string;
    /** Keyed digest of the free-text detail, for the audit. */
    detailDigest?: string;
    now: Date;
    actor: AuditActor;
    dueSoonDays: number;
  },
): RequestChange {
  const nowIso = params.now.toISOString();
  const outcome = params.event === "reject" ? "rejected" : "cancelled";
  const next = moved(record, params.event, params.now, params.dueSoonDays, {
    resolution: {
      outcome,
      ...(params.reason === undefined ? {} : { reason: params.reason }),
      ...(params.detail === undefined ? {} : { detail: params.detail }),
      at: nowIso,
      by: params.actor.id,
    },
  });
  return {
    record: next,
    audit: [
      transitionAudit(record, next.status, params.actor, params.now, {
        ...(params.event === "reject" ? { reason: params.reason ?? null } : {}),
        ...(params.detailDigest === undefined ? {} : { detailDigest: params.detailDigest }),
      }),
    ],
    events: [{ type: "request.status-changed", data: { from: record.status, to: next.status } }],
    enqueue: false,
  };
}

/** The hourly deadline check: marks due-soon and overdue; a newly overdue request emits an event. */
export function refreshDeadline(record: PrivacyRequestRecord, now: Date, dueSoonDays: number): RequestChange | undefined {
  if (isTerminal(record.status)) return undefined;
  const next = withDeadline(record, now, dueSoonDays);
  const nowIso = now.toISOString();
  if (next.deadlineState === record.deadlineState) {
    // A paused clock moves the due date without changing the state: keep the stored date current
    // (list filters and the next check read it); nothing to audit.
    const moved = next.dueAt !== record.dueAt || next.extendedDueAt !== record.extendedDueAt;
    return moved ? { record: { ...next, updatedAt: nowIso }, audit: [], events: [], enqueue: false } : undefined;
  }
  const actor: AuditActor = { kind: "system", id: "deadline-check" };
  const effective = next.extendedDueAt ?? next.dueAt;
  const events: EventDraft[] =
    next.deadlineState === "overdue"
      ? [{ type: "request.overdue", data: { dueAt: effective, status: next.status } }]
      : next.deadlineState === "due-soon"
        ? [{ type: "request.due-soon", data: { dueAt: effective, status: next.status } }]
        : [];
  return {
    record: { ...next, updatedAt: nowIso },
    audit: [{ at: nowIso, actor, action: "deadline.marked", details: { from: record.deadlineState, to: next.deadlineState, dueAt: effective } }],
    events,
    enqueue: false,
  };
}

/** A queued request whose type has no executor yet stays queued and says why. */
export function awaitExecutor(record: PrivacyRequestRecord, now: Date): RequestChange | undefined {
  const reason = `no executor for ${record.type} requests is installed in this version; the request stays queued`;
  if (record.status !== "queued" || record.statusReason === reason) return undefined;
  const nowIso = now.toISOString();
  return {
    record: { ...record, statusReason: reason, updatedAt: nowIso },
    audit: [{ at: nowIso, actor: { kind: "system", id: "work-queue" }, action: "request.awaiting-executor", details: { type: record.type } }],
    events: [],
    enqueue: false,
  };
}

const executorActor = (id: string): AuditActor => ({ kind: "system", id });

/** An executor takes a queued request (or resumes its own, redelivered). */
export function startWork(record: PrivacyRequestRecord, executor: string, now: Date, dueSoonDays: number): RequestChange | undefined {
  if (record.status === "in-progress") return undefined;
  const next = moved(record, "start", now, dueSoonDays, { progress: { step: "discovery" } });
  return {
    record: next,
    audit: [transitionAudit(record, next.status, executorActor(executor), now)],
    events: [{ type: "request.status-changed", data: { from: record.status, to: next.status } }],
    enqueue: false,
  };
}

export function recordDiscovery(record: PrivacyRequestRecord, summary: DiscoverySummary, executor: string, now: Date): RequestChange {
  const sum = (counts: Readonly<Record<string, number>>) => Object.values(counts).reduce((a, b) => a + b, 0);
  const nowIso = now.toISOString();
  return {
    record: {
      ...record,
      updatedAt: nowIso,
      discovery: summary,
      progress: { step: "packaging", itemsFound: sum(summary.items), blobsFound: sum(summary.blobs), csvRowsFound: sum(summary.csvRows) },
    },
    audit: [
      {
        at: nowIso,
        actor: executorActor(executor),
        action: "discovery.completed",
        details: {
          items: sum(summary.items),
          blobs: sum(summary.blobs),
          csvRows: sum(summary.csvRows),
          places: Object.entries({ ...summary.items, ...summary.blobs, ...summary.csvRows }).map(([k, v]) => `${k}:${v}`),
        },
      },
    ],
    events: [],
    enqueue: false,
  };
}

export function completeExport(
  record: PrivacyRequestRecord,
  delivery: Delivery,
  written: { items: number; blobs: number; entries: number },
  executor: string,
  now: Date,
  dueSoonDays: number,
): RequestChange {
  // The destination URL carries a write credential to another controller's storage: once the
  // package is sent, only its host (in the delivery) stays.
  const { destination: _sent, ...withoutDestination } = record;
  const next = moved(withoutDestination, "complete", now, dueSoonDays, {
    delivery,
    progress: { ...record.progress, step: "delivered", itemsWritten: written.items, blobsWritten: written.blobs },
    resolution: { outcome: "completed", at: now.toISOString(), by: executor },
  });
  return {
    record: next,
    // What was exported: counts and the package's digest, never the content or the link.
    audit: [
      {
        at: now.toISOString(),
        actor: executorActor(executor),
        action: "export.completed",
        details: {
          items: written.items,
          blobs: written.blobs,
          entries: written.entries,
          sha256: delivery.sha256,
          bytes: delivery.bytes,
          expiresAt: delivery.expiresAt,
          sentToDestination: delivery.sentTo !== undefined,
        },
      },
      transitionAudit(record, next.status, executorActor(executor), now),
    ],
    events: [{ type: "request.status-changed", data: { from: record.status, to: next.status } }],
    enqueue: false,
  };
}

/** A step that kept failing: the request fails with the step and the reason, and an alert goes out. */
export function failWork(
  record: PrivacyRequestRecord,
  failure: Failure,
  executor: string,
  now: Date,
  dueSoonDays: number,
): RequestChange | undefined {
  if (record.status !== "in-progress" && record.status !== "queued") return undefined;
  const next = moved(record, "fail", now, dueSoonDays, {
    failure,
    statusReason: `failed at ${failure.step}: ${failure.reason}`,
    resolution: { outcome: "failed", reason: failure.step, at: now.toISOString(), by: executor },
  });
  return {
    record: next,
    audit: [
      { at: now.toISOString(), actor: executorActor(executor), action: "work.failed", details: { step: failure.step, reason: failure.reason, attempts: failure.attempts } },
      transitionAudit(record, next.status, executorActor(executor), now),
    ],
    events: [
      { type: "request.status-changed", data: { from: record.status, to: next.status } },
      { type: "alert", data: { kind: "request-failed", step: failure.step, reason: failure.reason } },
    ],
    enqueue: false,
  };
}

/** The package's link has expired and the package is gone. */
export function packageDeleted(record: PrivacyRequestRecord, now: Date): RequestChange | undefined {
  if (record.delivery === undefined || record.delivery.deletedAt !== undefined) return undefined;
  const nowIso = now.toISOString();
  const { url: _url, ...delivery } = record.delivery;
  return {
    record: { ...record, updatedAt: nowIso, delivery: { ...delivery, url: "", deletedAt: nowIso } },
    audit: [{ at: nowIso, actor: executorActor("package-expiry"), action: "export.package-deleted", details: { sha256: delivery.sha256 } }],
    events: [],
    enqueue: false,
  };
}

/** An erasure is done: its certificate is stored, recipients are told (Art. 19). */
export function completeErasure(record: PrivacyRequestRecord, certificate: Certificate, executor: string, now: Date, dueSoonDays: number): RequestChange {
  const counts = Object.values(certificate.places).reduce(
    (sum, p) => ({ deleted: sum.deleted + p.deleted, anonymised: sum.anonymised + p.anonymised, kept: sum.kept + p.kept }),
    { deleted: 0, anonymised: 0, kept: 0 },
  );
  // An erased subject's identifiers leave the request too; its keyed hash names it from now on.
  const next = moved({ ...record, subject: {} }, "complete", now, dueSoonDays, {
    certificate,
    progress: { ...record.progress, step: "certified" },
    resolution: {
      outcome: "completed",
      reason: certificate.outcome,
      ...(certificate.exceptions.length === 0 ? {} : { detail: certificate.exceptions.map((e) => `${e.place}: ${e.count} kept (${e.reason})`).join("; ") }),
      at: now.toISOString(),
      by: executor,
    },
  });
  return {
    record: next,
    audit: [
      {
        at: now.toISOString(),
        actor: executorActor(executor),
        action: "erasure.certified",
        details: { outcome: certificate.outcome, ...counts, remaining: certificate.verification.remaining, signature: certificate.signature },
      },
      transitionAudit(record, next.status, executorActor(executor), now),
    ],
    events: [
      { type: "subject.erased", data: { action: record.type === "org-offboarding" ? "org-offboarding" : "erasure", outcome: certificate.outcome } },
      { type: "request.status-changed", data: { from: record.status, to: next.status } },
    ],
    enqueue: false,
  };
}

/**
 * A rectification, restriction or suppression is done: what it changed (counts, field names) in
 * the audit, an event for the recipients (Art. 19).
 */
export function completeWork(
  record: PrivacyRequestRecord,
  outcome: {
    readonly applied: Applied;
    readonly action: string;
    readonly details: Readonly<Record<string, AuditDetailValue>>;
    readonly events: readonly EventDraft[];
    readonly patch?: Partial<PrivacyRequestRecord>;
  },
  executor: string,
  now: Date,
  dueSoonDays: number,
): RequestChange | undefined {
  if (record.status !== "in-progress") return undefined;
  const next = moved(record, "complete", now, dueSoonDays, {
    ...outcome.patch,
    applied: outcome.applied,
    progress: { ...record.progress, step: "applied" },
    resolution: { outcome: "completed", at: now.toISOString(), by: executor },
  });
  return {
    record: next,
    audit: [
      { at: now.toISOString(), actor: executorActor(executor), action: outcome.action, details: outcome.details },
      transitionAudit(record, next.status, executorActor(executor), now),
    ],
    events: [...outcome.events, { type: "request.status-changed", data: { from: record.status, to: next.status } }],
    enqueue: false,
  };
}

/** Records the discovery run an executor follows, once: a second delivery reuses the first's. */
export function claimRun(record: PrivacyRequestRecord, run: string, subjectKeys: Readonly<Record<string, readonly string[]>>, now: Date): RequestChange | undefined {
  if (record.progress?.run !== undefined) return undefined;
  return { record: { ...record, updatedAt: now.toISOString(), progress: { ...record.progress, step: "applying", run, subjectKeys } }, audit: [], events: [], enqueue: false };
}

/**
 * Lifting a restriction: needs a reason, and the subject is told before it is lifted (Art. 18(3)),
 * so the notice event is committed with the request and the markers come off in the work after it.
 */
export function requestLift(record: PrivacyRequestRecord, params: { reason: string; reasonDigest: string; now: Date; actor: AuditActor }): RequestChange {
  if (record.type !== "restriction") throw new EngineError("conflict", "Only a restriction can be lifted", { reason: "not-a-restriction" });
  if (record.status !== "completed" || record.restriction === undefined) {
    throw new EngineError("conflict", `A restriction that is ${record.status} is not in force yet`, { reason: "restriction-not-in-force" });
  }
  if (record.restriction.state !== "in-force") throw new EngineError("conflict", `The restriction is already ${record.restriction.state}`, { reason: "already-lifted" });
  const nowIso = params.now.toISOString();
  return {
    record: {
      ...record,
      updatedAt: nowIso,
      restriction: { ...record.restriction, state: "lift-requested", liftReason: params.reason, liftRequestedAt: nowIso, liftRequestedBy: params.actor.id },
    },
    audit: [{ at: nowIso, actor: params.actor, action: "restriction.lift-requested", details: { reasonDigest: params.reasonDigest, since: record.restriction.since } }],
    events: [{ type: "restriction.lift-notice", data: { since: record.restriction.since, ground: record.ground ?? null } }],
    enqueue: true,
  };
}

export function completeLift(record: PrivacyRequestRecord, applied: Applied, executor: string, now: Date): RequestChange | undefined {
  if (record.restriction?.state !== "lift-requested") return undefined;
  const nowIso = now.toISOString();
  return {
    record: { ...record, updatedAt: nowIso, restriction: { ...record.restriction, state: "lifted", liftedAt: nowIso } },
    audit: [{ at: nowIso, actor: executorActor(executor), action: "restriction.lifted", details: { places: placeCounts(applied.places), registryEntries: applied.registryEntries } }],
    events: [{ type: "restriction.lifted", data: { since: record.restriction.since } }],
    enqueue: false,
  };
}

/** A consent withdrawal opened its erasure: the link is kept, so a redelivery opens no second one. */
export function linkFollowUp(record: PrivacyRequestRecord, followUp: { requestId: string; type: RequestType }, now: Date): RequestChange | undefined {
  if (record.followUp !== undefined) return undefined;
  const nowIso = now.toISOString();
  return {
    record: { ...record, updatedAt: nowIso, followUp },
    audit: [{ at: nowIso, actor: executorActor("suppression-executor"), action: "request.follow-up-opened", details: { requestId: followUp.requestId, type: followUp.type } }],
    events: [],
    enqueue: false,
  };
}

/** `{contacts: 2}` → `["contacts:2"]`, as audit details hold counts per place. */
export function placeCounts(places: Readonly<Record<string, number>>): string[] {
  return Object.entries(places).map(([place, n]) => `${place}:${n}`);
}

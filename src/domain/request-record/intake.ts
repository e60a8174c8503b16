// Opening a request: who may attest the requester's identity (at intake, or later by
// attestVerification), and the first document with its status (queued when attested, awaiting
// verification otherwise), its pause and its deadline.

import type { Role } from "../../config/settings.js";
import type { AuditActor } from "../audit.js";
import { DEADLINE_RULES } from "../deadlines.js";
import { EngineError } from "../errors.js";
import type { NormalizedSubject } from "../identifiers.js";
import { CODE_VERIFIABLE_TYPES, OrgVerificationSettings, type Jurisdiction, type RequestStatus, type RequestType, type SubmitRequestBody } from "../request.js";
import { withDeadline } from "./deadline.js";
import type { PrivacyRequestRecord, RequestChange, VerificationState } from "./record.js";

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

/**
 * The request types an org wants verified by code, from its `verification` setting as the org
 * directory passes it: none when it has none, and every type that may have a code when the setting
 * is malformed, so a typo never opens attestation.
 */
export function codeRequiredFor(setting: unknown): readonly RequestType[] {
  if (setting === undefined) return [];
  const parsed = OrgVerificationSettings.safeParse(setting);
  return parsed.success ? parsed.data.requireCodeFor : CODE_VERIFIABLE_TYPES;
}

/**
 * A requester's identity verified by attestation: the attestation's words as given, and the id of
 * the caller that attested (a key or principal id, never a name). The same at intake and later.
 */
export function attestedVerification(by: string, actor: AuditActor, now: Date): VerificationState {
  return { state: "verified", method: "attested", by, attestedBy: actor.id, verifiedAt: now.toISOString() };
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
    verification: attested ? attestedVerification(attestation.by, actor, now) : { state: "pending" },
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

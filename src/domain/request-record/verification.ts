// Verifying a requester's identity after intake: by code, issuing one (capped per request) and
// checking an answer (tries per code, expiry, lock), or by attestation, under the intake's policy.
// An accepted code or an attestation moves the request to queued.

import { z } from "zod";
import type { AuditActor } from "../audit.js";
import { EngineError } from "../errors.js";
import { AttestedVerification } from "../request.js";
import { transitionAudit } from "./audit-entries.js";
import { attestedVerification, checkAttestation, type AttestationPolicy } from "./intake.js";
import type { PrivacyRequestRecord, RequestChange } from "./record.js";
import { moved } from "./transition.js";

/** Every verification step needs a request that is awaiting one (a 409 otherwise). */
function requireAwaiting(record: PrivacyRequestRecord): void {
  if (record.status !== "awaiting-verification") {
    throw new EngineError("conflict", `A request that is ${record.status} does not need verification`, {
      reason: "not-awaiting-verification",
    });
  }
}

/** Each code allows a few tries; reissuing is capped too, so the tries cannot be renewed forever. */
export const MAX_CODES_PER_REQUEST = 5;

export function issueCode(
  record: PrivacyRequestRecord,
  params: { sealedCode: string; codeHash: string; now: Date; ttlMinutes: number; actor: AuditActor; channel: string },
): RequestChange {
  requireAwaiting(record);
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
  requireAwaiting(record);
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


/** Body of `POST /api/requests/{id}/attest`: who checked the identity, under the rules of the intake's `verification.by`. */
export const AttestBody = z.strictObject({ by: AttestedVerification.shape.by });
export type AttestBody = z.infer<typeof AttestBody>;

export interface AttestParams {
  /** The attestation's words (who checked the identity, and how), as the intake's `verification.by`. */
  readonly by: string;
  /** Keyed digest of `by`, as the intake records it: the audit proves the words without holding them. */
  readonly attestationDigest: string;
  /** Who attests, for the policy: a role of PRIVACY_ATTESTING_ROLES, or the engine itself. */
  readonly caller: Parameters<typeof checkAttestation>[0];
  readonly policy: AttestationPolicy;
  readonly actor: AuditActor;
  readonly now: Date;
  readonly dueSoonDays: number;
}

/**
 * Verifies a request awaiting verification by attestation, as if it had been opened attested: the
 * same verification state, queued and enqueued, the pause ended and counted. The policy is the
 * intake's and comes first (a 403 or a 409 that does not depend on the request's state); then
 * a request that is not awaiting verification is a 409, as for a code. A refusal changes nothing.
 */
export function attestVerification(record: PrivacyRequestRecord, params: AttestParams): RequestChange {
  checkAttestation(params.caller, record.type, params.policy);
  requireAwaiting(record);
  const next = moved(record, "verify", params.now, params.dueSoonDays, { verification: attestedVerification(params.by, params.actor, params.now) });
  const nowIso = params.now.toISOString();
  return {
    record: next,
    audit: [
      {
        at: nowIso,
        actor: params.actor,
        action: "verification.succeeded",
        // Who attested: the caller's id; the attestation's words only as a keyed digest.
        details: { method: "attested", attestedBy: params.actor.id, attestationDigest: params.attestationDigest },
      },
      transitionAudit(record, next.status, params.actor, params.now, { pausedDays: next.pausedDays, dueAt: next.dueAt }),
    ],
    events: [{ type: "request.status-changed", data: { from: record.status, to: next.status } }],
    enqueue: true,
  };
}

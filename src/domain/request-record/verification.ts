// Verifying a requester's identity by code: issuing a code (capped per request) and checking
// an answer (tries per code, expiry, lock). An accepted code moves the request to queued.

import type { AuditActor } from "../audit.js";
import { EngineError } from "../errors.js";
import { transitionAudit } from "./audit-entries.js";
import type { PrivacyRequestRecord, RequestChange } from "./record.js";
import { moved } from "./transition.js";

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


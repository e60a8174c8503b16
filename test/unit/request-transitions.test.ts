// Every transition of the request record (src/domain/request-record/), one describe per decision.
// Over 400 lines on purpose: the transitions share one set of fixtures and frozen dates.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AuditActor } from "../../src/domain/audit.js";
import { signCertificate, type Certificate } from "../../src/domain/certificate.js";
import { computeDeadline } from "../../src/domain/deadlines.js";
import { EngineError } from "../../src/domain/errors.js";
import { isTerminal, nextStatus, TERMINAL_STATUSES, type LifecycleEvent } from "../../src/domain/lifecycle.js";
import {
  awaitExecutor,
  checkCode,
  claimRun,
  closeRequest,
  completeErasure,
  completeExport,
  completeLift,
  completeWork,
  extendRequest,
  failWork,
  issueCode,
  linkFollowUp,
  MAX_CODES_PER_REQUEST,
  openRequest,
  packageDeleted,
  recordDiscovery,
  refreshDeadline,
  requestLift,
  startWork,
  type Delivery,
  type PrivacyRequestRecord,
  type RequestChange,
} from "../../src/domain/privacy-request.js";
import { REQUEST_STATUSES, SubmitRequestBody, type Jurisdiction, type RequestStatus } from "../../src/domain/request.js";

/** Monday 2 March 2026: a GDPR request received then is due Thursday 2 April. */
const T0 = new Date("2026-03-02T09:00:00.000Z");
const at = (days: number): Date => new Date(T0.getTime() + days * 86_400_000);
const actor: AuditActor = { kind: "api-key", id: "key-admin", role: "privacy-admin" };
const DUE_SOON = 3;
const EXECUTOR = "test-executor";

function open(
  options: { attested?: boolean; jurisdiction?: Jurisdiction; type?: "erasure" | "access" | "restriction" | "portability"; now?: Date; receivedAt?: string } = {},
): RequestChange {
  const type = options.type ?? "erasure";
  return openRequest({
    id: "00000000-0000-4000-8000-0000000000aa",
    body: SubmitRequestBody.parse({
      type,
      orgId: "org-a",
      subject: { userId: "u-1", email: "ana@example.com" },
      ...(type === "restriction" ? { ground: "accuracy-contested" } : {}),
      ...(options.attested === true ? { verification: { method: "attested", by: "desk" } } : {}),
      ...(options.receivedAt === undefined ? {} : { receivedAt: options.receivedAt }),
    }),
    subject: { userId: "u-1", email: "ana@example.com" },
    subjectKey: "sk_test",
    jurisdiction: options.jurisdiction ?? "GDPR",
    actor,
    now: options.now ?? T0,
    dueSoonDays: DUE_SOON,
  });
}
const unverified = (jurisdiction: Jurisdiction = "GDPR"): PrivacyRequestRecord => open({ jurisdiction }).record;
const queued = (jurisdiction: Jurisdiction = "GDPR"): PrivacyRequestRecord => open({ attested: true, jurisdiction }).record;
function defined<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("expected a change");
  return value;
}
const inProgress = (record: PrivacyRequestRecord = queued(), now = T0): PrivacyRequestRecord => defined(startWork(record, EXECUTOR, now, DUE_SOON)).record;

/** The error a call throws, or undefined. */
function thrown(run: () => unknown): EngineError | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof EngineError) return error;
    throw error;
  }
}

const codeParams = (now = T0) => ({ sealedCode: "sealed:abc", codeHash: "hash-of-123456", now, ttlMinutes: 15, actor, channel: "email" });
const withCode = (now = T0): PrivacyRequestRecord => issueCode(unverified(), codeParams(now)).record;
const check = (record: PrivacyRequestRecord, matches: boolean, now = T0, maxAttempts = 3) => checkCode(record, { matches, now, maxAttempts, actor, dueSoonDays: DUE_SOON });

const KEY = "certificate-test-key";
const certificate = (exceptions: Certificate["exceptions"] = []): Certificate =>
  signCertificate(KEY, {
    version: 1,
    requestId: "00000000-0000-4000-8000-0000000000aa",
    orgId: "org-a",
    subjectKey: "sk_test",
    reason: "erasure",
    outcome: exceptions.length === 0 ? "erased" : "partially-erased",
    places: {
      contacts: { deleted: 2, anonymised: 1, kept: 0, idsDigest: "d1" },
      messages: { deleted: 4, anonymised: 0, kept: exceptions.length, idsDigest: "d2" },
    },
    exceptions,
    verification: { remaining: 0, checkedAt: T0.toISOString() },
    startedAt: T0.toISOString(),
    finishedAt: T0.toISOString(),
    engineVersion: "1.0.0",
  });
const delivery: Delivery = { blobName: "pkg/a.zip", url: "https://x/pkg/a.zip?sig=read", expiresAt: at(7).toISOString(), sha256: "f".repeat(64), bytes: 123 };
const applied = { places: { contacts: 2 }, registryEntries: 1 };
const workOutcome = { applied, action: "restriction.applied", details: { places: ["contacts:2"] }, events: [{ type: "subject.restricted", data: {} }] as const };

describe("opening a request", () => {
  it("an attested request is queued, verified by its attester, enqueued, with its deadline", () => {
    const change = open({ attested: true });
    const r = change.record;
    expect(r.status).toBe("queued");
    expect(r.verification).toEqual({ state: "verified", method: "attested", by: "desk", attestedBy: "key-admin", verifiedAt: T0.toISOString() });
    expect(r.pausedSince).toBeUndefined();
    expect(r.pausedDays).toBe(0);
    expect(r.receivedAt).toBe(T0.toISOString());
    expect(r.dueAt).toBe("2026-04-02");
    expect(r.deadlineState).toBe("on-track");
    expect(r.statusReason).toBeUndefined();
    expect(change.enqueue).toBe(true);
    expect(change.audit.map((a) => a.action)).toEqual(["request.opened"]);
    expect(change.audit[0]?.details).toMatchObject({ status: "queued", verification: "attested", identifiers: ["userId", "email"], dueAt: "2026-04-02" });
    expect(change.events).toEqual([{ type: "request.opened", data: { type: "erasure", status: "queued", dueAt: "2026-04-02" } }]);
    // The subject's identifiers are on the request (the DSAR record), never in the audit.
    expect(JSON.stringify(change.audit)).not.toContain("ana@example.com");
  });

  it("an unattested request awaits verification, not enqueued, its clock paused where the rule pauses", () => {
    const gdpr = open();
    expect(gdpr.record.status).toBe("awaiting-verification");
    expect(gdpr.record.verification).toEqual({ state: "pending" });
    expect(gdpr.record.statusReason).toMatch(/identity/);
    expect(gdpr.record.pausedSince).toBe(T0.toISOString());
    expect(gdpr.enqueue).toBe(false);
    // UK GDPR pauses from receipt; CCPA never pauses.
    const receivedAt = at(-2).toISOString();
    expect(open({ jurisdiction: "UK-GDPR", receivedAt }).record.pausedSince).toBe(receivedAt);
    expect(open({ jurisdiction: "GDPR", receivedAt }).record.pausedSince).toBe(T0.toISOString());
    expect(open({ jurisdiction: "CCPA" }).record.pausedSince).toBeUndefined();
  });

  it("refuses a receipt in the future beyond the clock skew, and counts one within it as now", () => {
    const error = thrown(() => open({ receivedAt: new Date(T0.getTime() + 5 * 60_000 + 1).toISOString() }));
    expect(error?.code).toBe("validation");
    expect(error?.fields.map((f) => f.path)).toEqual(["receivedAt"]);
    expect(open({ receivedAt: new Date(T0.getTime() + 5 * 60_000).toISOString() }).record.receivedAt).toBe(T0.toISOString());
    expect(open({ receivedAt: "2026-02-27T10:00:00.000Z" }).record.dueAt).toBe("2026-03-27");
  });
});

describe("verification codes", () => {
  it("issuing stores only the hash, starts the count, and sends the sealed code in the event", () => {
    const change = issueCode(unverified(), codeParams());
    expect(change.record.status).toBe("awaiting-verification");
    expect(change.record.verification.code).toEqual({
      hash: "hash-of-123456",
      issuedAt: T0.toISOString(),
      expiresAt: "2026-03-02T09:15:00.000Z",
      attempts: 0,
      locked: false,
      issued: 1,
    });
    expect(change.audit).toEqual([{ at: T0.toISOString(), actor, action: "verification.code-issued", details: { expiresAt: "2026-03-02T09:15:00.000Z", issued: 1, channel: "email" } }]);
    expect(change.events[0]?.secret).toEqual({ sealedVerificationCode: "sealed:abc" });
    expect(change.events[0]?.ttl).toBe(15 * 60 + 86_400);
    expect(JSON.stringify(change.audit)).not.toContain("sealed:abc");
    expect(change.enqueue).toBe(false);
  });

  it(`reissuing resets the tries, and stops after ${MAX_CODES_PER_REQUEST} codes`, () => {
    let record = issueCode(unverified(), codeParams()).record;
    record = defined(check(record, false).change).record;
    expect(record.verification.code).toMatchObject({ issued: 1, attempts: 1 });
    for (let i = 2; i <= MAX_CODES_PER_REQUEST; i += 1) {
      record = issueCode(record, { ...codeParams(), codeHash: `hash-${i}` }).record;
      expect(record.verification.code).toMatchObject({ issued: i, attempts: 0, locked: false, hash: `hash-${i}` });
    }
    const error = thrown(() => issueCode(record, codeParams()));
    expect(error?.code).toBe("conflict");
    expect(error?.reason).toBe("too-many-codes");
  });

  it("no code is issued for a request that is not awaiting verification", () => {
    for (const record of [queued(), inProgress()]) {
      const error = thrown(() => issueCode(record, codeParams()));
      expect(error?.code).toBe("conflict");
      expect(error?.reason).toBe("not-awaiting-verification");
    }
  });

  it("the right code verifies: queued, enqueued, the code gone, the paused days counted", () => {
    const verifiedAt = new Date(at(3).getTime() + 5 * 60_000);
    const result = check(withCode(at(3)), true, verifiedAt);
    expect(result.outcome).toBe("accepted");
    expect(result.attemptsLeft).toBe(3);
    const r = defined(result.change).record;
    expect(r.status).toBe("queued");
    expect(r.verification).toEqual({ state: "verified", method: "code", verifiedAt: verifiedAt.toISOString() });
    expect(r.verification.code).toBeUndefined();
    expect(r.pausedSince).toBeUndefined();
    expect(r.pausedDays).toBe(3);
    // GDPR: 2 April + 3 paused days = Sunday 5 April, rolled to Monday.
    expect(r.dueAt).toBe("2026-04-06");
    expect(r.dueAt).toBe(computeDeadline({ jurisdiction: "GDPR", receivedAt: T0.toISOString(), pausedDays: 3, extended: false }).dueAt);
    expect(r.statusReason).toBeUndefined();
    expect(result.change?.enqueue).toBe(true);
    expect(result.change?.audit.map((a) => a.action)).toEqual(["verification.succeeded", "request.transitioned"]);
    expect(result.change?.audit[1]?.details).toMatchObject({ from: "awaiting-verification", to: "queued", pausedDays: 3, dueAt: "2026-04-06" });
  });

  it("a wrong code counts a try, and the last try locks the code even against the right one", () => {
    const first = check(withCode(), false);
    expect(first.outcome).toBe("wrong");
    expect(first.attemptsLeft).toBe(2);
    expect(first.change?.record.verification.code).toMatchObject({ attempts: 1, locked: false });
    expect(first.change?.audit.map((a) => a.action)).toEqual(["verification.failed"]);
    expect(first.change?.record.status).toBe("awaiting-verification");
    const second = check(defined(first.change).record, false);
    expect([second.outcome, second.attemptsLeft]).toEqual(["wrong", 1]);
    const third = check(defined(second.change).record, false);
    expect([third.outcome, third.attemptsLeft]).toEqual(["locked", 0]);
    expect(third.change?.record.verification.code).toMatchObject({ attempts: 3, locked: true });
    expect(third.change?.audit.map((a) => a.action)).toEqual(["verification.locked"]);
    const after = check(defined(third.change).record, true);
    expect([after.outcome, after.attemptsLeft]).toEqual(["locked", 0]);
    expect(after.change?.record.status).toBe("awaiting-verification");
    expect(after.change?.audit[0]).toMatchObject({ action: "verification.refused", details: { outcome: "locked" } });
  });

  it("an expired code is refused without counting a try; at the expiry instant it still works", () => {
    const record = withCode();
    const late = check(record, true, new Date(Date.parse("2026-03-02T09:15:00.000Z") + 1));
    expect([late.outcome, late.attemptsLeft]).toEqual(["expired", 3]);
    expect(late.change?.record.verification.code?.attempts).toBe(0);
    expect(late.change?.record.status).toBe("awaiting-verification");
    expect(late.change?.audit[0]).toMatchObject({ action: "verification.refused", details: { outcome: "expired" } });
    expect(check(record, true, new Date("2026-03-02T09:15:00.000Z")).outcome).toBe("accepted");
  });

  it("with no code issued the check is refused as none", () => {
    const result = check(unverified(), true);
    expect([result.outcome, result.attemptsLeft]).toEqual(["none", 0]);
    expect(result.change?.record.status).toBe("awaiting-verification");
  });

  it("a request that is not awaiting verification cannot be checked", () => {
    expect(thrown(() => check(queued(), true))?.reason).toBe("not-awaiting-verification");
  });
});

describe("extension", () => {
  const extend = (record: PrivacyRequestRecord, now = T0) => extendRequest(record, { reason: "complex: many systems", reasonDigest: "digest-1", now, actor, dueSoonDays: DUE_SOON });

  it("extends once, keeping the reason on the request and only its digest in the audit", () => {
    const change = extend(queued(), at(10));
    const r = change.record;
    expect(r.extension).toEqual({ reason: "complex: many systems", at: at(10).toISOString(), by: "key-admin" });
    expect(r.dueAt).toBe("2026-04-02");
    expect(r.extendedDueAt).toBe("2026-06-02");
    expect(r.status).toBe("queued");
    expect(change.audit).toEqual([
      { at: at(10).toISOString(), actor, action: "request.extended", details: { dueAt: "2026-04-02", extendedDueAt: "2026-06-02", reasonDigest: "digest-1" } },
    ]);
    expect(JSON.stringify(change.audit)).not.toContain("many systems");
    expect(change.events).toEqual([{ type: "request.extended", data: { dueAt: "2026-04-02", extendedDueAt: "2026-06-02" } }]);
    const again = thrown(() => extend(r, at(11)));
    expect(again?.code).toBe("conflict");
    expect(again?.reason).toBe("extension-refused");
    expect(again?.message).toMatch(/only once/);
  });

  it("refuses after the original due date, where the rule has none, and on a closed request", () => {
    expect(extend(queued(), new Date("2026-04-02T23:59:00.000Z")).record.extendedDueAt).toBe("2026-06-02");
    expect(thrown(() => extend(queued(), new Date("2026-04-03T00:00:00.000Z")))?.reason).toBe("extension-refused");
    expect(thrown(() => extend(queued("LGPD")))?.reason).toBe("extension-refused");
    for (const status of TERMINAL_STATUSES) {
      expect(thrown(() => extend({ ...queued(), status }))?.reason, status).toBe("illegal-transition");
    }
  });
});

describe("reject and cancel", () => {
  const close = (record: PrivacyRequestRecord, event: "reject" | "cancel", now = T0) =>
    closeRequest(record, { event, reason: event === "reject" ? "excessive" : undefined, detail: "third request this month", detailDigest: "dd", now, actor, dueSoonDays: DUE_SOON });

  it("rejects with the reason and detail, the audit holding the detail's digest", () => {
    const change = close(queued(), "reject", at(1));
    expect(change.record.status).toBe("rejected");
    expect(change.record.resolution).toEqual({ outcome: "rejected", reason: "excessive", detail: "third request this month", at: at(1).toISOString(), by: "key-admin" });
    expect(change.audit).toEqual([
      { at: at(1).toISOString(), actor, action: "request.transitioned", details: { from: "queued", to: "rejected", reason: "excessive", detailDigest: "dd" } },
    ]);
    expect(change.events).toEqual([{ type: "request.status-changed", data: { from: "queued", to: "rejected" } }]);
    expect(change.enqueue).toBe(false);
  });

  it("cancels an unverified request and ends its pause", () => {
    const change = close(unverified(), "cancel", at(4));
    expect(change.record.status).toBe("cancelled");
    expect(change.record.resolution).toMatchObject({ outcome: "cancelled", by: "key-admin" });
    expect(change.record.resolution?.reason).toBeUndefined();
    expect(change.record.pausedSince).toBeUndefined();
    expect(change.record.pausedDays).toBe(4);
    expect(change.audit[0]?.details).toEqual({ from: "awaiting-verification", to: "cancelled", detailDigest: "dd" });
  });

  it("an executing request can be neither rejected nor cancelled", () => {
    for (const event of ["reject", "cancel"] as const) {
      const error = thrown(() => close(inProgress(), event));
      expect(error?.code).toBe("conflict");
      expect(error?.reason).toBe("illegal-transition");
    }
  });
});

describe("work: start, fail, complete", () => {
  it("starts a queued request at discovery; a redelivery of one in progress changes nothing", () => {
    const change = defined(startWork(queued(), EXECUTOR, at(1), DUE_SOON));
    expect(change.record.status).toBe("in-progress");
    expect(change.record.progress).toEqual({ step: "discovery" });
    expect(change.audit).toEqual([{ at: at(1).toISOString(), actor: { kind: "system", id: EXECUTOR }, action: "request.transitioned", details: { from: "queued", to: "in-progress" } }]);
    expect(startWork(change.record, EXECUTOR, at(2), DUE_SOON)).toBeUndefined();
    expect(thrown(() => startWork(unverified(), EXECUTOR, T0, DUE_SOON))?.reason).toBe("illegal-transition");
  });

  it("fails a queued or running request with the step, the reason and an alert", () => {
    const failure = { step: "discovery", reason: "cosmos unavailable", at: at(1).toISOString(), attempts: 5 };
    for (const record of [queued(), inProgress()]) {
      const change = defined(failWork(record, failure, EXECUTOR, at(1), DUE_SOON));
      expect(change.record.status).toBe("failed");
      expect(change.record.failure).toEqual(failure);
      expect(change.record.statusReason).toBe("failed at discovery: cosmos unavailable");
      expect(change.record.resolution).toEqual({ outcome: "failed", reason: "discovery", at: at(1).toISOString(), by: EXECUTOR });
      expect(change.audit.map((a) => a.action)).toEqual(["work.failed", "request.transitioned"]);
      expect(change.events[1]).toEqual({ type: "alert", data: { kind: "request-failed", step: "discovery", reason: "cosmos unavailable" } });
    }
    expect(failWork(unverified(), failure, EXECUTOR, T0, DUE_SOON)).toBeUndefined();
  });

  it("records discovery counts on the running request", () => {
    const summary = { items: { contacts: 2, messages: 3 }, blobs: { media: 1 }, csvRows: { imports: 4 }, keys: { userId: 1 }, completedAt: at(1).toISOString() };
    const change = recordDiscovery(inProgress(), summary, EXECUTOR, at(1));
    expect(change.record.status).toBe("in-progress");
    expect(change.record.progress).toEqual({ step: "packaging", itemsFound: 5, blobsFound: 1, csvRowsFound: 4 });
    expect(change.audit[0]?.details).toEqual({ items: 5, blobs: 1, csvRows: 4, places: ["contacts:2", "messages:3", "media:1", "imports:4"] });
  });

  it("completes an export with the delivery, counts and digest in the audit, never the link", () => {
    const change = completeExport(inProgress(queued()), delivery, { items: 5, blobs: 1, entries: 7 }, EXECUTOR, at(2), DUE_SOON);
    expect(change.record.status).toBe("completed");
    expect(change.record.delivery).toEqual(delivery);
    expect(change.record.progress).toEqual({ step: "delivered", itemsWritten: 5, blobsWritten: 1 });
    expect(change.record.resolution).toEqual({ outcome: "completed", at: at(2).toISOString(), by: EXECUTOR });
    expect(change.audit[0]).toMatchObject({ action: "export.completed", details: { items: 5, blobs: 1, entries: 7, sha256: "f".repeat(64), bytes: 123, sentToDestination: false } });
    expect(JSON.stringify(change.audit)).not.toContain("sig=read");
    expect(thrown(() => completeExport(queued(), delivery, { items: 0, blobs: 0, entries: 0 }, EXECUTOR, T0, DUE_SOON))?.reason).toBe("illegal-transition");
  });

  it("once the package's link expires, the link leaves the request and the digest stays", () => {
    const done = completeExport(inProgress(), delivery, { items: 0, blobs: 0, entries: 0 }, EXECUTOR, T0, DUE_SOON).record;
    const change = defined(packageDeleted(done, at(8)));
    expect(change.record.delivery).toEqual({ ...delivery, url: "", deletedAt: at(8).toISOString() });
    expect(change.audit[0]).toMatchObject({ action: "export.package-deleted", details: { sha256: "f".repeat(64) } });
    expect(packageDeleted(change.record, at(9))).toBeUndefined();
    expect(packageDeleted(queued(), at(9))).toBeUndefined();
  });

  it("completes an erasure with its certificate, dropping the subject's identifiers", () => {
    const cert = certificate([{ place: "messages", count: 1, reason: "legal hold: litigation" }]);
    const change = completeErasure(inProgress(), cert, EXECUTOR, at(2), DUE_SOON);
    expect(change.record.status).toBe("completed");
    expect(change.record.subject).toEqual({});
    expect(change.record.subjectKey).toBe("sk_test");
    expect(change.record.certificate).toEqual(cert);
    expect(change.record.progress?.step).toBe("certified");
    expect(change.record.resolution).toEqual({
      outcome: "completed",
      reason: "partially-erased",
      detail: "messages: 1 kept (legal hold: litigation)",
      at: at(2).toISOString(),
      by: EXECUTOR,
    });
    expect(change.audit[0]).toEqual({
      at: at(2).toISOString(),
      actor: { kind: "system", id: EXECUTOR },
      action: "erasure.certified",
      details: { outcome: "partially-erased", deleted: 6, anonymised: 1, kept: 1, remaining: 0, signature: cert.signature },
    });
    expect(change.events[0]).toEqual({ type: "subject.erased", data: { action: "erasure", outcome: "partially-erased" } });
    expect(JSON.stringify(change.record)).not.toContain("ana@example.com");
    expect(completeErasure(inProgress(), certificate(), EXECUTOR, at(2), DUE_SOON).record.resolution?.detail).toBeUndefined();
    expect(thrown(() => completeErasure(queued(), cert, EXECUTOR, T0, DUE_SOON))?.reason).toBe("illegal-transition");
  });

  it("completes rectification, restriction and suppression work with what it applied, only while in progress", () => {
    const change = defined(completeWork(inProgress(), { ...workOutcome, patch: { restriction: { state: "in-force", since: at(2).toISOString() } } }, EXECUTOR, at(2), DUE_SOON));
    expect(change.record.status).toBe("completed");
    expect(change.record.applied).toEqual(applied);
    expect(change.record.restriction).toEqual({ state: "in-force", since: at(2).toISOString() });
    expect(change.record.progress?.step).toBe("applied");
    expect(change.audit.map((a) => a.action)).toEqual(["restriction.applied", "request.transitioned"]);
    expect(change.events.map((e) => e.type)).toEqual(["subject.restricted", "request.status-changed"]);
    expect(completeWork(queued(), workOutcome, EXECUTOR, T0, DUE_SOON)).toBeUndefined();
    expect(completeWork(change.record, workOutcome, EXECUTOR, T0, DUE_SOON)).toBeUndefined();
  });

  it("claims a discovery run once; a redelivery keeps the first", () => {
    const running = inProgress();
    const change = defined(claimRun(running, "run-1", { userId: ["k1"] }, at(1)));
    expect(change.record.progress).toEqual({ step: "applying", run: "run-1", subjectKeys: { userId: ["k1"] } });
    expect(change.record.status).toBe("in-progress");
    expect(change.audit).toEqual([]);
    expect(claimRun(change.record, "run-2", {}, at(2))).toBeUndefined();
  });

  it("a queued request with no executor says why, once", () => {
    const change = defined(awaitExecutor(queued(), at(1)));
    expect(change.record.status).toBe("queued");
    expect(change.record.statusReason).toMatch(/no executor for erasure requests/);
    expect(awaitExecutor(change.record, at(2))).toBeUndefined();
    expect(awaitExecutor(inProgress(), at(2))).toBeUndefined();
  });

  it("links a follow-up request once", () => {
    const change = defined(linkFollowUp(queued(), { requestId: "r-2", type: "erasure" }, at(1)));
    expect(change.record.followUp).toEqual({ requestId: "r-2", type: "erasure" });
    expect(linkFollowUp(change.record, { requestId: "r-3", type: "erasure" }, at(2))).toBeUndefined();
  });
});

describe("the deadline check", () => {
  it("marks due-soon, then overdue with an event, and leaves closed requests alone", () => {
    const record = queued();
    expect(refreshDeadline(record, at(10), DUE_SOON)).toBeUndefined();
    const soon = defined(refreshDeadline(record, new Date("2026-03-31T09:00:00.000Z"), DUE_SOON));
    expect(soon.record.deadlineState).toBe("due-soon");
    expect(soon.events).toEqual([{ type: "request.due-soon", data: { dueAt: "2026-04-02", status: "queued" } }]);
    const overdue = defined(refreshDeadline(soon.record, new Date("2026-04-03T09:00:00.000Z"), DUE_SOON));
    expect(overdue.record.deadlineState).toBe("overdue");
    expect(overdue.events).toEqual([{ type: "request.overdue", data: { dueAt: "2026-04-02", status: "queued" } }]);
    expect(overdue.audit[0]).toMatchObject({ action: "deadline.marked", details: { from: "due-soon", to: "overdue" } });
    expect(refreshDeadline({ ...overdue.record, status: "completed", deadlineState: "on-track" }, at(60), DUE_SOON)).toBeUndefined();
  });

  it("moves a paused request's due date day by day without an audit entry", () => {
    const change = defined(refreshDeadline(unverified(), at(1), DUE_SOON));
    expect(change.record.dueAt).toBe("2026-04-03");
    expect(change.audit).toEqual([]);
    expect(change.record.pausedSince).toBe(T0.toISOString());
  });
});

describe("lifting a restriction", () => {
  const restricted = (): PrivacyRequestRecord =>
    defined(completeWork(inProgress(open({ type: "restriction", attested: true }).record), { ...workOutcome, patch: { restriction: { state: "in-force", since: T0.toISOString() } } }, EXECUTOR, T0, DUE_SOON)).record;
  const lift = (record: PrivacyRequestRecord) => requestLift(record, { reason: "accuracy confirmed", reasonDigest: "rd", now: at(5), actor });

  it("asks for the lift with a notice first, then lifts, once", () => {
    const change = lift(restricted());
    expect(change.record.restriction).toEqual({ state: "lift-requested", since: T0.toISOString(), liftReason: "accuracy confirmed", liftRequestedAt: at(5).toISOString(), liftRequestedBy: "key-admin" });
    expect(change.record.status).toBe("completed");
    expect(change.enqueue).toBe(true);
    expect(change.events).toEqual([{ type: "restriction.lift-notice", data: { since: T0.toISOString(), ground: "accuracy-contested" } }]);
    expect(change.audit[0]).toMatchObject({ action: "restriction.lift-requested", details: { reasonDigest: "rd" } });
    expect(JSON.stringify(change.audit)).not.toContain("accuracy confirmed");
    expect(thrown(() => lift(change.record))?.reason).toBe("already-lifted");
    const lifted = defined(completeLift(change.record, applied, EXECUTOR, at(6)));
    expect(lifted.record.restriction).toMatchObject({ state: "lifted", liftedAt: at(6).toISOString() });
    expect(lifted.audit[0]).toMatchObject({ action: "restriction.lifted", details: { places: ["contacts:2"], registryEntries: 1 } });
    expect(completeLift(lifted.record, applied, EXECUTOR, at(7))).toBeUndefined();
    expect(thrown(() => lift(lifted.record))?.reason).toBe("already-lifted");
  });

  it("refuses what is not a restriction in force", () => {
    expect(thrown(() => lift(queued()))?.reason).toBe("not-a-restriction");
    expect(thrown(() => lift(open({ type: "restriction", attested: true }).record))?.reason).toBe("restriction-not-in-force");
    expect(completeLift(restricted(), applied, EXECUTOR, at(6))).toBeUndefined();
  });
});

describe("every transition against the lifecycle table (property)", () => {
  /** A record in `status`, with what each step needs (a code, a certificate's request). */
  const inStatus = (status: RequestStatus): PrivacyRequestRecord => ({ ...withCode(), status });

  type Outcome = { accepted: true; to: RequestStatus } | { accepted: false };
  const operations: readonly { name: string; event: LifecycleEvent; run: (r: PrivacyRequestRecord) => RequestChange | undefined }[] = [
    { name: "verify by code", event: "verify", run: (r) => check(r, true).change },
    { name: "reject", event: "reject", run: (r) => closeRequest(r, { event: "reject", reason: "other", now: T0, actor, dueSoonDays: DUE_SOON }) },
    { name: "cancel", event: "cancel", run: (r) => closeRequest(r, { event: "cancel", now: T0, actor, dueSoonDays: DUE_SOON }) },
    { name: "start", event: "start", run: (r) => startWork(r, EXECUTOR, T0, DUE_SOON) },
    { name: "fail", event: "fail", run: (r) => failWork(r, { step: "s", reason: "r", at: T0.toISOString(), attempts: 1 }, EXECUTOR, T0, DUE_SOON) },
    { name: "complete export", event: "complete", run: (r) => completeExport(r, delivery, { items: 0, blobs: 0, entries: 0 }, EXECUTOR, T0, DUE_SOON) },
    { name: "complete erasure", event: "complete", run: (r) => completeErasure(r, certificate(), EXECUTOR, T0, DUE_SOON) },
    { name: "complete work", event: "complete", run: (r) => completeWork(r, workOutcome, EXECUTOR, T0, DUE_SOON) },
  ];

  const outcome = (run: () => RequestChange | undefined): Outcome => {
    try {
      const change = run();
      return change === undefined ? { accepted: false } : { accepted: true, to: change.record.status };
    } catch (error) {
      // A refusal is always a caller-fault 409, never a crash.
      expect(error).toBeInstanceOf(EngineError);
      expect((error as EngineError).code).toBe("conflict");
      expect(["illegal-transition", "not-awaiting-verification"]).toContain((error as EngineError).reason);
      return { accepted: false };
    }
  };

  it("from any status, a transition is accepted iff the table allows it, and lands where the table says", () => {
    fc.assert(
      fc.property(fc.constantFrom(...REQUEST_STATUSES), fc.constantFrom(...operations), (status, op) => {
        const result = outcome(() => op.run(inStatus(status)));
        const to = nextStatus(status, op.event);
        // An executor redelivered to its own running request resumes it: no change, not a refusal.
        if (op.event === "start" && status === "in-progress") {
          expect(result).toEqual({ accepted: false });
          return;
        }
        expect(result, `${op.name} from ${status}`).toEqual(to === undefined ? { accepted: false } : { accepted: true, to });
      }),
      { numRuns: 200 },
    );
  });

  it("every pair of status and operation is covered (exhaustive), and terminal statuses accept nothing", () => {
    for (const status of REQUEST_STATUSES) {
      for (const op of operations) {
        const result = outcome(() => op.run(inStatus(status)));
        if (isTerminal(status)) expect(result, `${op.name} from ${status}`).toEqual({ accepted: false });
        else if (!(op.event === "start" && status === "in-progress")) expect(result.accepted, `${op.name} from ${status}`).toBe(nextStatus(status, op.event) !== undefined);
      }
    }
    for (const status of TERMINAL_STATUSES) {
      const r = inStatus(status);
      expect(thrown(() => issueCode(r, codeParams()))?.reason).toBe("not-awaiting-verification");
      expect(thrown(() => extendRequest(r, { reason: "x", reasonDigest: "d", now: T0, actor, dueSoonDays: DUE_SOON }))?.reason).toBe("illegal-transition");
      expect(refreshDeadline(r, at(90), DUE_SOON)).toBeUndefined();
      expect(awaitExecutor(r, T0)).toBeUndefined();
    }
  });

  it("a sequence of operations never leaves a terminal status, and every accepted step follows the table (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...operations), { maxLength: 8 }), (ops) => {
        let record = withCode();
        for (const op of ops) {
          const before = record.status;
          const result = outcome(() => op.run(record));
          if (result.accepted) {
            expect(isTerminal(before)).toBe(false);
            expect(result.to).toBe(nextStatus(before, op.event));
            record = { ...defined(op.run(record)).record, verification: record.verification };
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});

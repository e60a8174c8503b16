// Attesting a requester's identity after intake: the pure decision (attestVerification in
// src/domain/request-record/verification.ts) against the intake's attested document and policy,
// and the use case (src/engine/attest.ts) over in-memory deps with a fixed clock.

import { describe, expect, it } from "vitest";
import { authorize, type Caller } from "../../src/domain/access.js";
import type { AuditActor } from "../../src/domain/audit.js";
import { EngineError } from "../../src/domain/errors.js";
import { AttestBody, attestVerification, closeRequest, codeRequiredFor, issueCode, openRequest, startWork, type AttestationPolicy, type PrivacyRequestRecord } from "../../src/domain/privacy-request.js";
import { SubmitRequestBody } from "../../src/domain/request.js";
import { attestRequest } from "../../src/engine/attest.js";
import { auditTrail, issueVerificationCode, submitRequest } from "../../src/engine/requests.js";
import { MemoryOrgDirectory } from "../support/memory/org-directory.js";
import { memoryRequestEngine, silentLogger } from "../support/memory/request-engine.js";
import { rejection } from "../contracts/support.js";

/** Monday 2 March 2026. */
const T0 = new Date("2026-03-02T09:00:00.000Z");
const at = (days: number): Date => new Date(T0.getTime() + days * 86_400_000);
const actor: AuditActor = { kind: "api-key", id: "key-admin", role: "privacy-admin" };
const admin = { role: "privacy-admin" } as const;
const DUE_SOON = 3;
const DIGEST = "d".repeat(64);
const open: AttestationPolicy = { attestingRoles: ["privacy-admin"], requireCodeFor: [] };

function opened(options: { attested?: boolean; type?: "access" | "erasure" } = {}): PrivacyRequestRecord {
  return openRequest({
    id: "00000000-0000-4000-8000-0000000000ab",
    body: SubmitRequestBody.parse({
      type: options.type ?? "access",
      orgId: "org-a",
      subject: { userId: "u-1" },
      ...(options.attested === true ? { verification: { method: "attested", by: "front desk" } } : {}),
    }),
    subject: { userId: "u-1" },
    subjectKey: "sk_test",
    jurisdiction: "GDPR",
    actor,
    now: T0,
    dueSoonDays: DUE_SOON,
    ...(options.attested === true ? { attestationDigest: DIGEST } : {}),
  }).record;
}

const attest = (record: PrivacyRequestRecord, overrides: Partial<Parameters<typeof attestVerification>[1]> = {}) =>
  attestVerification(record, { by: "front desk", attestationDigest: DIGEST, caller: admin, policy: open, actor, now: T0, dueSoonDays: DUE_SOON, ...overrides });

function thrown(run: () => unknown): EngineError | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof EngineError) return error;
    throw error;
  }
}

describe("attestVerification", () => {
  it("gives the document an attested intake gives, at the same instant", () => {
    const change = attest(opened());
    expect(change.record).toEqual(opened({ attested: true }));
    expect(change.record.verification).toEqual({ state: "verified", method: "attested", by: "front desk", attestedBy: "key-admin", verifiedAt: T0.toISOString() });
    expect(change.enqueue).toBe(true);
    expect(change.events).toEqual([{ type: "request.status-changed", data: { from: "awaiting-verification", to: "queued" } }]);
  });

  it("audits the attester's id and a digest of the words, never the words, and the transition", () => {
    const change = attest(opened(), { now: at(2) });
    expect(change.audit.map((a) => a.action)).toEqual(["verification.succeeded", "request.transitioned"]);
    expect(change.audit[0]?.details).toEqual({ method: "attested", attestedBy: "key-admin", attestationDigest: DIGEST });
    expect(change.audit[1]?.details).toMatchObject({ from: "awaiting-verification", to: "queued", pausedDays: 2 });
    expect(JSON.stringify(change.audit)).not.toContain("front desk");
  });

  it("ends the pause and counts it, drops an issued code and the status reason", () => {
    const withCode = issueCode(opened(), { sealedCode: "sealed", codeHash: "hash", now: T0, ttlMinutes: 15, actor, channel: "contact-record" }).record;
    const r = attest(withCode, { now: at(3) }).record;
    expect(r.status).toBe("queued");
    expect(r.verification.code).toBeUndefined();
    expect(r.pausedSince).toBeUndefined();
    expect(r.pausedDays).toBe(3);
    expect(r.statusReason).toBeUndefined();
    expect(r.updatedAt).toBe(at(3).toISOString());
  });

  it("refuses a role outside PRIVACY_ATTESTING_ROLES (403), and lets the engine's own callers attest", () => {
    const error = thrown(() => attest(opened(), { caller: { role: "privacy-operator" } }));
    expect([error?.code, error?.reason]).toEqual(["forbidden", "attestation-forbidden"]);
    expect(attest(opened(), { caller: { role: "privacy-operator" }, policy: { ...open, attestingRoles: ["privacy-operator"] } }).record.status).toBe("queued");
    expect(attest(opened(), { caller: { role: "service", engine: true } }).record.status).toBe("queued");
  });

  it("refuses a type the org wants verified by code (409), and takes the others", () => {
    const strict = { ...open, requireCodeFor: ["access" as const] };
    const error = thrown(() => attest(opened(), { policy: strict }));
    expect([error?.code, error?.reason]).toEqual(["conflict", "code-verification-required"]);
    expect(attest(opened({ type: "erasure" }), { policy: strict }).record.status).toBe("queued");
  });

  it("refuses a request that is not awaiting verification (409 not-awaiting-verification)", () => {
    const queued = opened({ attested: true });
    const started = startWork(queued, "executor", T0, DUE_SOON)?.record;
    const cancelled = closeRequest(opened(), { event: "cancel", now: T0, actor, dueSoonDays: DUE_SOON }).record;
    for (const record of [queued, started, cancelled]) {
      if (record === undefined) throw new Error("expected a record");
      const error = thrown(() => attest(record));
      expect([record.status, error?.code, error?.reason]).toEqual([record.status, "conflict", "not-awaiting-verification"]);
    }
  });

  it("checks the policy before the state: a caller who may never attest hears so whatever the state", () => {
    const error = thrown(() => attest(opened({ attested: true }), { caller: { role: "privacy-operator" } }));
    expect(error?.reason).toBe("attestation-forbidden");
  });
});

describe("codeRequiredFor and AttestBody", () => {
  it("reads an org's setting, none when absent, and fails closed when malformed", () => {
    expect(codeRequiredFor(undefined)).toEqual([]);
    expect(codeRequiredFor({ requireCodeFor: ["portability"] })).toEqual(["portability"]);
    expect(codeRequiredFor({ requireCodeFor: "access" })).toEqual(["access", "portability"]);
    expect(codeRequiredFor({ requireCodeFor: ["erasure"] })).toEqual(["access", "portability"]);
  });

  it("takes `by` under the intake's rules: trimmed, 1 to 128 characters, nothing else", () => {
    expect(AttestBody.parse({ by: "  desk  " })).toEqual({ by: "desk" });
    for (const body of [{}, { by: "" }, { by: "   " }, { by: "x".repeat(129) }, { by: 7 }, { by: "desk", method: "attested" }]) {
      expect(AttestBody.safeParse(body).success, JSON.stringify(body)).toBe(false);
    }
    expect(AttestBody.safeParse({ by: "x".repeat(128) }).success).toBe(true);
  });
});

const ORG = "org-memory-a";
const STRICT = "org-memory-strict";
const OTHER = "org-memory-b";
const START = new Date("2030-03-04T09:00:00.000Z");
const silent = silentLogger;
const adminKey: Caller = { id: "key-admin", kind: "api-key", role: "privacy-admin", orgs: "*" };
const operatorA: Caller = { id: "key-operator-a", kind: "api-key", role: "privacy-operator", orgs: [ORG, STRICT] };
const operatorB: Caller = { id: "key-operator-b", kind: "api-key", role: "privacy-operator", orgs: [OTHER] };

function memoryEngine() {
  return memoryRequestEngine({
    orgs: [
      { orgId: ORG, jurisdiction: "GDPR", defaultCountry: "DE" },
      { orgId: STRICT, jurisdiction: "GDPR", defaultCountry: "DE", verification: { requireCodeFor: ["access"] } },
      { orgId: OTHER, jurisdiction: "CCPA", defaultCountry: "US" },
    ],
    start: START,
  });
}
type Memory = ReturnType<typeof memoryEngine>["deps"];

const body = (overrides: Record<string, unknown> = {}) => SubmitRequestBody.parse({ type: "access", orgId: ORG, subject: { contactId: "contact-attest-1" }, ...overrides });
const unverified = async (deps: Memory, overrides: Record<string, unknown> = {}, key?: string) =>
  (await submitRequest(deps, authorize(adminKey, "request:open"), body(overrides), key, silent)).request;

/** What a refusal must leave as it was: the document (its ETag), the trail and the queue. */
async function snapshot(deps: Memory, id: string) {
  return { etag: (await deps.requests.get(id))?.etag, audit: (await deps.audit.listForRequest(id)).length, queued: deps.work.visible().length };
}

describe("attestRequest over in-memory deps", () => {
  it("verifies and queues an unverified request, its effects flushed and its chain valid", async () => {
    const { deps, clock } = memoryEngine();
    const request = await unverified(deps);
    await issueVerificationCode(deps, authorize(adminKey, "request:verify"), request.id, silent);
    clock.now = new Date(START.getTime() + 2 * 86_400_000);
    const attested = await attestRequest(deps, authorize(adminKey, "request:verify"), request.id, "front desk, ID card seen", silent);
    expect(attested.status).toBe("queued");
    expect(attested.verification).toEqual({ state: "verified", method: "attested", by: "front desk, ID card seen", attestedBy: "key-admin", verifiedAt: clock.now.toISOString() });
    expect(attested.pausedDays).toBe(2);
    expect((await deps.requests.get(request.id))?.value.pending).toBeUndefined();
    expect(deps.work.visible()).toEqual([{ requestId: request.id }]);
    const trail = await auditTrail(deps, authorize(adminKey, "audit:read"), request.id);
    expect(trail.chain.valid).toBe(true);
    expect(trail.entries.map((e) => e.action).slice(-2)).toEqual(["verification.succeeded", "request.transitioned"]);
    expect(JSON.stringify(trail.entries)).not.toContain("front desk");
  });

  it("records the digest the intake records for the same words on the same request", async () => {
    const words = "checked in person at the branch";
    // The same caller and Idempotency-Key name the same request id in two engines.
    const first = memoryEngine().deps;
    const atIntake = (await submitRequest(first, authorize(adminKey, "request:open"), body({ verification: { method: "attested", by: words } }), "key-1", silent)).request;
    const second = memoryEngine().deps;
    const later = await unverified(second, {}, "key-1");
    expect(later.id).toBe(atIntake.id);
    await attestRequest(second, authorize(adminKey, "request:verify"), later.id, words, silent);
    const intakeDigest = (await first.audit.listForRequest(atIntake.id)).find((e) => e.action === "request.opened")?.details.attestationDigest;
    const laterDigest = (await second.audit.listForRequest(later.id)).find((e) => e.action === "verification.succeeded")?.details.attestationDigest;
    expect(intakeDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(laterDigest).toBe(intakeDigest);
  });

  it("refuses under the intake's policy and changes nothing: a role that may not attest, an org that wants a code", async () => {
    const { deps } = memoryEngine();
    const request = await unverified(deps);
    const before = await snapshot(deps, request.id);
    const byOperator = await rejection(attestRequest(deps, authorize(operatorA, "request:verify"), request.id, "desk", silent));
    expect(byOperator).toMatchObject({ code: "forbidden", reason: "attestation-forbidden" });
    const strict = await unverified(deps, { orgId: STRICT });
    const strictBefore = await snapshot(deps, strict.id);
    const coded = await rejection(attestRequest(deps, authorize(adminKey, "request:verify"), strict.id, "desk", silent));
    expect(coded).toMatchObject({ code: "conflict", reason: "code-verification-required" });
    expect(await snapshot(deps, request.id)).toEqual(before);
    expect(await snapshot(deps, strict.id)).toEqual(strictBefore);
    // PRIVACY_ATTESTING_ROLES decides, whichever roles it names.
    const widened = { ...deps, config: { ...deps.config, PRIVACY_ATTESTING_ROLES: ["privacy-operator" as const] } };
    expect((await attestRequest(widened, authorize(operatorA, "request:verify"), request.id, "desk", silent)).verification.attestedBy).toBe("key-operator-a");
  });

  it("an org the directory no longer knows fails closed: a code is required for access", async () => {
    const { deps } = memoryEngine();
    const request = await unverified(deps);
    const forgetful = { ...deps, orgs: new MemoryOrgDirectory([]) };
    expect(await rejection(attestRequest(forgetful, authorize(adminKey, "request:verify"), request.id, "desk", silent))).toMatchObject({ reason: "code-verification-required" });
    const erasure = await unverified(deps, { type: "erasure" });
    expect((await attestRequest(forgetful, authorize(adminKey, "request:verify"), erasure.id, "desk", silent)).status).toBe("queued");
  });

  it("another org's request and an unknown id are not found; a verified one is not awaiting verification", async () => {
    const { deps } = memoryEngine();
    const request = await unverified(deps);
    const before = await snapshot(deps, request.id);
    const widened = { ...deps, config: { ...deps.config, PRIVACY_ATTESTING_ROLES: ["privacy-operator" as const] } };
    expect(await rejection(attestRequest(widened, authorize(operatorB, "request:verify"), request.id, "desk", silent))).toMatchObject({ code: "not-found", reason: "request-not-found" });
    expect(await rejection(attestRequest(deps, authorize(adminKey, "request:verify"), "00000000-0000-4000-8000-00000000ffff", "desk", silent))).toMatchObject({ reason: "request-not-found" });
    expect(await snapshot(deps, request.id)).toEqual(before);
    await attestRequest(deps, authorize(adminKey, "request:verify"), request.id, "desk", silent);
    const verified = await snapshot(deps, request.id);
    expect(await rejection(attestRequest(deps, authorize(adminKey, "request:verify"), request.id, "desk", silent))).toMatchObject({ code: "conflict", reason: "not-awaiting-verification" });
    expect(await snapshot(deps, request.id)).toEqual(verified);
  });
});

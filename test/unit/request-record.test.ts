// The request record split into src/domain/request-record/: the barrel still offers every name
// it always did (importers were not touched), and a run is claimed only on a request still open.

import { describe, expect, it } from "vitest";
import type { AuditActor } from "../../src/domain/audit.js";
import { TERMINAL_STATUSES } from "../../src/domain/lifecycle.js";
import * as barrel from "../../src/domain/privacy-request.js";
import type {
  Applied,
  AttestationPolicy,
  CodeCheck,
  CodeState,
  Delivery,
  DiscoverySummary,
  Extension,
  Failure,
  OpenParams,
  PendingEffects,
  PrivacyRequestRecord,
  RequestChange,
  Resolution,
  RestrictionState,
  VerificationState,
  WorkProgress,
} from "../../src/domain/privacy-request.js";
import { SubmitRequestBody } from "../../src/domain/request.js";

const { claimRun, closeRequest, failWork, openRequest, startWork } = barrel;

const T0 = new Date("2026-03-02T09:00:00.000Z");
const later = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);
const admin: AuditActor = { kind: "api-key", id: "key-admin", role: "privacy-admin" };
const DUE_SOON = 3;
const EXECUTOR = "restriction-executor";

function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("expected a change");
  return value;
}

function queuedRestriction(): PrivacyRequestRecord {
  return openRequest({
    id: "00000000-0000-4000-8000-0000000000bb",
    body: SubmitRequestBody.parse({
      type: "restriction",
      orgId: "org-a",
      subject: { userId: "u-7" },
      ground: "accuracy-contested",
      verification: { method: "attested", by: "service desk" },
    }),
    subject: { userId: "u-7" },
    subjectKey: "sk_record_test",
    jurisdiction: "GDPR",
    actor: admin,
    now: T0,
    dueSoonDays: DUE_SOON,
  }).record;
}

const inProgress = (): PrivacyRequestRecord => must(startWork(queuedRestriction(), EXECUTOR, T0, DUE_SOON)).record;

describe("the privacy-request barrel", () => {
  it("exports the names it exported before the split, the attest-later decision, and no internal helper", () => {
    expect(Object.keys(barrel).sort()).toEqual(
      [
        "AttestBody",
        "attestVerification",
        "codeRequiredFor",
        "MAX_CODES_PER_REQUEST",
        "awaitExecutor",
        "checkAttestation",
        "checkCode",
        "claimRun",
        "closeRequest",
        "completeErasure",
        "completeExport",
        "completeLift",
        "completeWork",
        "deadlineOf",
        "effectivePausedDays",
        "extendRequest",
        "failWork",
        "issueCode",
        "linkFollowUp",
        "openRequest",
        "packageDeleted",
        "placeCounts",
        "recordDiscovery",
        "refreshDeadline",
        "requestLift",
        "startWork",
      ].sort(),
    );
  });

  it("still names every type it exported (checked by tsc)", () => {
    type Exported = [
      Applied,
      AttestationPolicy,
      CodeCheck,
      CodeState,
      Delivery,
      DiscoverySummary,
      Extension,
      Failure,
      OpenParams,
      PendingEffects,
      PrivacyRequestRecord,
      RequestChange,
      Resolution,
      RestrictionState,
      VerificationState,
      WorkProgress,
    ];
    const count: Exported["length"] = 16;
    expect(count).toBe(16);
  });
});

describe("claimRun", () => {
  it("claims a run on a request in progress, once", () => {
    const change = must(claimRun(inProgress(), "run-1", { userId: ["k1"] }, later(1)));
    expect(change.record.progress).toEqual({ step: "applying", run: "run-1", subjectKeys: { userId: ["k1"] } });
    expect(claimRun(change.record, "run-2", {}, later(2))).toBeUndefined();
  });

  it("claims no run on a request that failed while its discovery ran", () => {
    const failed = must(failWork(inProgress(), { step: "discovery", reason: "unavailable: cosmos", at: later(1).toISOString(), attempts: 5 }, EXECUTOR, later(1), DUE_SOON)).record;
    expect(failed.status).toBe("failed");
    expect(failed.progress?.run).toBeUndefined();
    expect(claimRun(failed, "run-late", { userId: ["k1"] }, later(2))).toBeUndefined();
  });

  it("claims no run on a cancelled request", () => {
    const cancelled = closeRequest(queuedRestriction(), { event: "cancel", now: later(1), actor: admin, dueSoonDays: DUE_SOON }).record;
    expect(cancelled.status).toBe("cancelled");
    expect(claimRun(cancelled, "run-late", {}, later(2))).toBeUndefined();
  });

  it("claims no run on any terminal status", () => {
    const open = inProgress();
    for (const status of TERMINAL_STATUSES) {
      expect(claimRun({ ...open, status }, "run-late", {}, later(2)), status).toBeUndefined();
    }
  });
});

// The request view's links offer only what the request's state allows (issue 19.3).

import { describe, expect, it } from "vitest";
import type { AuditActor } from "../../src/domain/audit.js";
import { DEADLINE_RULES } from "../../src/domain/deadlines.js";
import { openRequest, type PrivacyRequestRecord } from "../../src/domain/privacy-request.js";
import { JURISDICTIONS, SubmitRequestBody, type RequestStatus } from "../../src/domain/request.js";
import { requestLinks, toRequestView } from "../../src/http/request-view.js";

const T0 = new Date("2026-03-02T09:00:00.000Z");
const admin: AuditActor = { kind: "api-key", id: "key-admin", role: "privacy-admin" };
const ID = "00000000-0000-4000-8000-0000000000cc";
const self = `/api/requests/${ID}`;

function base(type: "access" | "restriction" = "access"): PrivacyRequestRecord {
  return openRequest({
    id: ID,
    body: SubmitRequestBody.parse({
      type,
      orgId: "org-a",
      subject: { userId: "u-7" },
      ...(type === "restriction" ? { ground: "accuracy-contested" } : {}),
    }),
    subject: { userId: "u-7" },
    subjectKey: "sk_links_test",
    jurisdiction: "GDPR",
    actor: admin,
    now: T0,
    dueSoonDays: 3,
  }).record;
}

// Past awaiting-verification the clock runs again: no pause carried over.
function at(status: RequestStatus, patch: Partial<PrivacyRequestRecord> = {}): PrivacyRequestRecord {
  const { pausedSince: _paused, ...running } = base();
  return { ...running, status, ...patch };
}
const names = (record: PrivacyRequestRecord, now = T0): string[] => Object.keys(requestLinks(record, now)).sort();
const liveCode = { hash: "h", issuedAt: T0.toISOString(), expiresAt: new Date(T0.getTime() + 3_600_000).toISOString(), attempts: 0, locked: false, issued: 1 };

describe("request links per state", () => {
  it("awaiting verification: verification, extend, reject, cancel; verify only with a live code", () => {
    const awaiting = base();
    expect(awaiting.status).toBe("awaiting-verification");
    expect(names(awaiting)).toEqual(["audit", "cancel", "extend", "reject", "self", "verification"]);
    const withCode = { ...awaiting, verification: { ...awaiting.verification, code: liveCode } };
    expect(names(withCode)).toEqual(["audit", "cancel", "extend", "reject", "self", "verification", "verify"]);
    expect(requestLinks(withCode, T0)["verify"]).toBe(`${self}/verify`);
    expect(names({ ...withCode, verification: { ...withCode.verification, code: { ...liveCode, locked: true } } })).not.toContain("verify");
    expect(names(withCode, new Date(T0.getTime() + 7_200_000))).not.toContain("verify");
    expect(names({ ...withCode, verification: { ...withCode.verification, code: { ...liveCode, issued: 5 } } })).not.toContain("verification");
  });

  it("queued: extend, reject, cancel; no verification links", () => {
    expect(names(at("queued"))).toEqual(["audit", "cancel", "extend", "reject", "self"]);
  });

  it("in progress: only extend (reject and cancel are illegal transitions)", () => {
    expect(names(at("in-progress"))).toEqual(["audit", "extend", "self"]);
  });

  it.each(["completed", "rejected", "cancelled", "failed"] as const)("%s: no verify, extend, reject or cancel", (status) => {
    expect(names(at(status))).toEqual(["audit", "self"]);
  });

  it("extend: gone once extended, after the original term, and where the jurisdiction allows none", () => {
    const extended = at("queued", { extension: { reason: "complex", at: T0.toISOString(), by: "key-admin" } });
    expect(names(extended)).not.toContain("extend");
    expect(names(at("queued"), new Date("2027-03-02T09:00:00.000Z"))).not.toContain("extend");
    const none = JURISDICTIONS.find((j) => DEADLINE_RULES[j].extension === undefined);
    if (none !== undefined) expect(names(at("queued", { jurisdiction: none }))).not.toContain("extend");
  });

  it("lift: only for a completed restriction in force", () => {
    const restriction = { ...base("restriction"), status: "completed" as const };
    const since = T0.toISOString();
    expect(names({ ...restriction, restriction: { state: "in-force", since } })).toContain("lift");
    expect(names({ ...restriction, restriction: { state: "lift-requested", since, liftRequestedAt: since } })).not.toContain("lift");
    expect(names({ ...restriction, restriction: { state: "lifted", since, liftedAt: since } })).not.toContain("lift");
    expect(names({ ...restriction, status: "queued" })).not.toContain("lift");
    expect(names(at("completed", { restriction: { state: "in-force", since } }))).not.toContain("lift");
  });

  it("package only while available; the view carries the same links", () => {
    const delivery = { blobName: "b", url: "u", expiresAt: new Date(T0.getTime() + 86_400_000).toISOString(), sha256: "x", bytes: 1 } as unknown as NonNullable<PrivacyRequestRecord["delivery"]>;
    const done = at("completed", { delivery });
    expect(names(done)).toEqual(["audit", "package", "self"]);
    expect(names({ ...done, delivery: { ...delivery, deletedAt: T0.toISOString() } })).toEqual(["audit", "self"]);
    expect(names(done, new Date(T0.getTime() + 2 * 86_400_000))).toEqual(["audit", "self"]);
    expect(toRequestView(done, T0, 3).links).toEqual(requestLinks(done, T0));
  });
});

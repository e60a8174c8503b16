import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EngineError } from "../../src/domain/errors.js";
import { isTerminal, LIFECYCLE_EVENTS, nextStatus, transition } from "../../src/domain/lifecycle.js";
import {
  checkAttestation,
  closeRequest,
  completeExport,
  failWork,
  openRequest,
  startWork,
  type PrivacyRequestRecord,
} from "../../src/domain/privacy-request.js";
import { REQUEST_STATUSES, SubmitRequestBody } from "../../src/domain/request.js";

describe("request lifecycle", () => {
  it.each([
    ["awaiting-verification", "verify", "queued"],
    ["awaiting-verification", "reject", "rejected"],
    ["awaiting-verification", "cancel", "cancelled"],
    ["queued", "start", "in-progress"],
    ["queued", "cancel", "cancelled"],
    ["queued", "reject", "rejected"],
    ["in-progress", "complete", "completed"],
    ["in-progress", "fail", "failed"],
    ["in-progress", "requeue", "queued"],
  ] as const)("%s --%s--> %s", (from, event, to) => {
    expect(transition(from, event)).toBe(to);
  });

  it.each([
    ["awaiting-verification", "start"],
    ["awaiting-verification", "complete"],
    ["queued", "verify"],
    ["in-progress", "cancel"],
    ["completed", "cancel"],
    ["cancelled", "verify"],
  ] as const)("refuses %s --%s--> as a 409 conflict", (from, event) => {
    try {
      transition(from, event);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EngineError);
      expect((error as EngineError).code).toBe("conflict");
      expect((error as EngineError).reason).toBe("illegal-transition");
    }
  });

  it("never leaves a terminal status, and every status is reachable from awaiting-verification", () => {
    fc.assert(
      fc.property(fc.constantFrom(...REQUEST_STATUSES), fc.constantFrom(...LIFECYCLE_EVENTS), (from, event) => {
        if (isTerminal(from)) expect(nextStatus(from, event)).toBeUndefined();
      }),
    );
    const reached = new Set<string>(["awaiting-verification"]);
    let frontier = ["awaiting-verification"] as (typeof REQUEST_STATUSES)[number][];
    while (frontier.length > 0) {
      const next: typeof frontier = [];
      for (const status of frontier) {
        for (const event of LIFECYCLE_EVENTS) {
          const to = nextStatus(status, event);
          if (to !== undefined && !reached.has(to)) {
            reached.add(to);
            next.push(to);
          }
        }
      }
      frontier = next;
    }
    expect([...reached].sort()).toEqual([...REQUEST_STATUSES].sort());
  });
});

describe("a portability destination's SAS on the terminal states", () => {
  const now = new Date("2026-11-25T10:00:00.000Z");
  const actor = { kind: "api-key", id: "admin", role: "privacy-admin" } as const;
  const destination = "https://other.blob.core.windows.net/in/pkg.zip?sv=2024-01-01&sp=cw&sig=c2VjcmV0";
  const opened = (attested: boolean): PrivacyRequestRecord =>
    openRequest({
      id: "00000000-0000-4000-8000-000000000001",
      body: SubmitRequestBody.parse({
        type: "portability",
        orgId: "org-a",
        subject: { userId: "u-1" },
        destination,
        ...(attested ? { verification: { method: "attested", by: "desk" } } : {}),
      }),
      subject: { userId: "u-1" },
      subjectKey: "sk_test",
      jurisdiction: "GDPR",
      actor,
      now,
      dueSoonDays: 3,
    }).record;
  const inProgress = (): PrivacyRequestRecord => {
    const started = startWork(opened(true), "portability-executor", now, 3);
    if (started === undefined) throw new Error("not started");
    return started.record;
  };
  const close = (event: "reject" | "cancel", record: PrivacyRequestRecord) => closeRequest(record, { event, reason: "other", detail: "x", now, actor, dueSoonDays: 3 }).record;
  const failure = { step: "delivery", reason: "destination refused the package (403)", at: now.toISOString(), attempts: 5 };

  it("is kept while the request is open", () => {
    expect(opened(false).destination).toBe(destination);
    expect(inProgress().destination).toBe(destination);
  });

  it.each([
    ["rejected while awaiting verification", () => close("reject", opened(false))],
    ["cancelled while awaiting verification", () => close("cancel", opened(false))],
    ["rejected while queued", () => close("reject", opened(true))],
    ["cancelled while queued", () => close("cancel", opened(true))],
    ["failed while queued", () => failWork(opened(true), failure, "portability-executor", now, 3)?.record],
    ["failed in progress", () => failWork(inProgress(), failure, "portability-executor", now, 3)?.record],
    [
      "completed",
      () =>
        completeExport(
          inProgress(),
          { blobName: "b", url: "https://x/b?sig=read", expiresAt: now.toISOString(), sha256: "0".repeat(64), bytes: 1, sentTo: "other.blob.core.windows.net" },
          { items: 0, blobs: 0, entries: 0 },
          "portability-executor",
          now,
          3,
        ).record,
    ],
  ] as const)("is gone once the request is %s", (_state, end) => {
    const record = end();
    expect(record?.status).toMatch(/^(rejected|cancelled|failed|completed)$/);
    expect(record?.destination).toBeUndefined();
    expect(JSON.stringify(record)).not.toContain("sig=c2VjcmV0");
  });
});

describe("who may attest", () => {
  const policy = { attestingRoles: ["privacy-admin"] as const, requireCodeFor: [] };
  const refusal = (...args: Parameters<typeof checkAttestation>): EngineError | undefined => {
    try {
      checkAttestation(...args);
      return undefined;
    } catch (error) {
      return error instanceof EngineError ? error : undefined;
    }
  };

  it("allows the listed roles and refuses the others with a 403", () => {
    expect(refusal({ role: "privacy-admin" }, "access", policy)).toBeUndefined();
    for (const role of ["privacy-operator", "auditor", "service"] as const) {
      const error = refusal({ role }, "erasure", policy);
      expect(error?.code, role).toBe("forbidden");
      expect(error?.reason).toBe("attestation-forbidden");
    }
    expect(refusal({ role: "privacy-operator" }, "access", { ...policy, attestingRoles: ["privacy-operator"] })).toBeUndefined();
  });

  it("lets the engine's own callers attest whatever the list says (sweeps, follow-ups, declared producers)", () => {
    const operatorsOnly = { ...policy, attestingRoles: ["privacy-operator"] as const };
    expect(refusal({ role: "privacy-admin", engine: true }, "erasure", operatorsOnly)).toBeUndefined();
    expect(refusal({ role: "privacy-admin" }, "erasure", operatorsOnly)?.reason).toBe("attestation-forbidden");
  });

  it("refuses the types an org wants verified by code as a 409, and only those", () => {
    const strict = { ...policy, requireCodeFor: ["access", "portability"] as const };
    for (const type of ["access", "portability"] as const) {
      const error = refusal({ role: "privacy-admin" }, type, strict);
      expect(error?.code, type).toBe("conflict");
      expect(error?.reason).toBe("code-verification-required");
    }
    expect(refusal({ role: "privacy-admin" }, "erasure", strict)).toBeUndefined();
  });

  it("names the attesting caller in the record and the audit, the free text only as a digest", () => {
    const change = openRequest({
      id: "00000000-0000-4000-8000-000000000002",
      body: SubmitRequestBody.parse({ type: "access", orgId: "org-a", subject: { userId: "u-2" }, verification: { method: "attested", by: "Mila at the desk" } }),
      subject: { userId: "u-2" },
      subjectKey: "sk_test",
      jurisdiction: "GDPR",
      actor: { kind: "api-key", id: "key-7", role: "privacy-admin" },
      now: new Date("2026-11-25T10:00:00.000Z"),
      dueSoonDays: 3,
      attestationDigest: "d".repeat(64),
    });
    expect(change.record.verification).toMatchObject({ state: "verified", method: "attested", attestedBy: "key-7" });
    expect(change.audit[0]?.details).toMatchObject({ verification: "attested", attestedBy: "key-7", attestationDigest: "d".repeat(64) });
    expect(JSON.stringify(change.audit)).not.toContain("Mila");
  });
});

import { describe, expect, it } from "vitest";
import { authorize, type Caller } from "../../src/domain/access.js";
import { EngineError } from "../../src/domain/errors.js";
import { SubmitRequestBody } from "../../src/domain/request.js";
import { openSecret } from "../../src/domain/sealed-secret.js";
import type { OutboxStore } from "../../src/engine/ports.js";
import { auditTrail, cancel, extend, getRequest, issueVerificationCode, listRequests, reject, submitRequest, verifyRequest } from "../../src/engine/requests.js";
import { MEMORY_SETTINGS, memoryRequestEngine, silentLogger } from "../support/memory/request-engine.js";
import { rejection } from "../contracts/support.js";

// The request API's use cases (src/engine/requests.ts) over in-memory deps: no emulator, a fixed
// clock. The memory adapters pass the same contract suites as the real ones
// (test/unit/port-contracts-memory.test.ts), which is what makes these results mean something.

const ORG = "org-memory-a";
const OTHER_ORG = "org-memory-b";
const START = new Date("2030-03-04T09:00:00.000Z");

const settings = MEMORY_SETTINGS;
const silent = silentLogger;

const admin: Caller = { id: "key-admin", kind: "api-key", role: "privacy-admin", orgs: "*" };
const operatorB: Caller = { id: "key-operator-b", kind: "api-key", role: "privacy-operator", orgs: [OTHER_ORG] };

function memoryEngine(options: { outbox?: OutboxStore } = {}) {
  return memoryRequestEngine({
    orgs: [
      { orgId: ORG, jurisdiction: "GDPR", defaultCountry: "DE" },
      { orgId: OTHER_ORG, jurisdiction: "CCPA", defaultCountry: "US" },
    ],
    start: START,
    ...options,
  });
}

const body = (overrides: Record<string, unknown> = {}) =>
  SubmitRequestBody.parse({ type: "access", orgId: ORG, subject: { contactId: "contact-memory-1" }, ...overrides });

const attested = { verification: { method: "attested", by: "checked the account in person" } };

describe("request use cases over in-memory deps", () => {
  it("an attested submission is queued, its effects flushed: audit entry, event and work message", async () => {
    const { deps, outbox } = memoryEngine();
    const { request, created } = await submitRequest(deps, authorize(admin, "request:open"), body(attested), undefined, silent);
    expect(created).toBe(true);
    expect(request.status).toBe("queued");
    const stored = await deps.requests.get(request.id);
    expect(stored?.value.pending).toBeUndefined();
    expect((await deps.audit.listForRequest(request.id)).map((e) => e.action)).toContain("request.opened");
    expect(outbox.all().map((e) => e.type)).toContain("request.opened");
    expect(deps.work.visible()).toEqual([{ requestId: request.id }]);
  });

  it("verify with code: a wrong code counts an attempt, the issued one verifies; the trail's chain holds", async () => {
    const { deps, outbox } = memoryEngine();
    const { request } = await submitRequest(deps, authorize(admin, "request:open"), body(), undefined, silent);
    expect(request.status).toBe("awaiting-verification");
    await issueVerificationCode(deps, authorize(admin, "request:verify"), request.id, silent);
    const sealed = outbox.all().find((e) => e.type === "verification.code-issued")?.secret?.sealedVerificationCode;
    expect(sealed).toBeDefined();
    const code = openSecret(settings.PRIVACY_SUBJECT_KEY_SECRET, request.id, sealed!);
    const wrong = code === "000000" ? "111111" : "000000";
    const refused = await rejection(verifyRequest(deps, authorize(admin, "request:verify"), request.id, wrong, silent));
    expect(refused).toBeInstanceOf(EngineError);
    expect((refused as EngineError).reason).toBe("code-mismatch");
    expect((await deps.requests.get(request.id))?.value.verification.code?.attempts).toBe(1);
    const verified = await verifyRequest(deps, authorize(admin, "request:verify"), request.id, code, silent);
    expect(verified.status).toBe("queued");
    const trail = await auditTrail(deps, authorize(admin, "audit:read"), request.id);
    expect(trail.chain.valid).toBe(true);
    expect(trail.entries.map((e) => e.seq)).toEqual(trail.entries.map((_, i) => i));
  });

  it("wrong codes tried at once are all counted (the commit re-reads under the ETag)", async () => {
    const { deps, outbox } = memoryEngine();
    const { request } = await submitRequest(deps, authorize(admin, "request:open"), body(), undefined, silent);
    await issueVerificationCode(deps, authorize(admin, "request:verify"), request.id, silent);
    const sealed = outbox.all().find((e) => e.type === "verification.code-issued")?.secret?.sealedVerificationCode;
    const code = openSecret(settings.PRIVACY_SUBJECT_KEY_SECRET, request.id, sealed!);
    const wrong = ["000001", "000002", "000003"].filter((c) => c !== code).slice(0, 2);
    const tries = await Promise.allSettled(wrong.map((c) => verifyRequest(deps, authorize(admin, "request:verify"), request.id, c, silent)));
    expect(tries.every((t) => t.status === "rejected")).toBe(true);
    expect((await deps.requests.get(request.id))?.value.verification.code?.attempts).toBe(2);
    expect((await auditTrail(deps, authorize(admin, "audit:read"), request.id)).chain.valid).toBe(true);
  });

  it("an Idempotency-Key replays the same request; reused with another body it is a conflict", async () => {
    const { deps } = memoryEngine();
    const first = await submitRequest(deps, authorize(admin, "request:open"), body(attested), "key-1", silent);
    const again = await submitRequest(deps, authorize(admin, "request:open"), body(attested), "key-1", silent);
    expect(again).toEqual({ request: first.request, created: false });
    const reused = await rejection(submitRequest(deps, authorize(admin, "request:open"), body({ ...attested, type: "erasure" }), "key-1", silent));
    expect((reused as EngineError).reason).toBe("idempotency-key-reused");
  });

  it("extend moves the deadline; reject and cancel close requests, and a closed one cannot be cancelled again", async () => {
    const { deps, clock } = memoryEngine();
    const open = async () => (await submitRequest(deps, authorize(admin, "request:open"), body(attested), undefined, silent)).request;
    const a = await open();
    clock.now = new Date(START.getTime() + 86_400_000);
    const extended = await extend(deps, authorize(admin, "request:extend"), a.id, "the request is complex", silent);
    expect(extended.extendedDueAt).toBeDefined();
    expect(extended.extendedDueAt! > a.dueAt).toBe(true);
    const rejected = await reject(deps, authorize(admin, "request:reject"), a.id, "excessive", "asked for the same data every day", silent);
    expect(rejected.status).toBe("rejected");
    expect(rejected.resolution?.outcome).toBe("rejected");
    const b = await open();
    const cancelled = await cancel(deps, authorize(admin, "request:cancel"), b.id, undefined, silent);
    expect(cancelled.status).toBe("cancelled");
    const again = await rejection(cancel(deps, authorize(admin, "request:cancel"), b.id, undefined, silent));
    expect((again as EngineError).reason).toBe("illegal-transition");
    for (const id of [a.id, b.id]) {
      const trail = await auditTrail(deps, authorize(admin, "audit:read"), id);
      expect(trail.chain.valid).toBe(true);
      expect(trail.entries.length).toBeGreaterThanOrEqual(2);
    }
  });

  it("another org's request is not found, and a listing shows only the caller's orgs", async () => {
    const { deps } = memoryEngine();
    const mine = (await submitRequest(deps, authorize(admin, "request:open"), body({ ...attested, orgId: OTHER_ORG }), undefined, silent)).request;
    const theirs = (await submitRequest(deps, authorize(admin, "request:open"), body(attested), undefined, silent)).request;
    expect((await getRequest(deps, authorize(operatorB, "request:read"), mine.id)).id).toBe(mine.id);
    const hidden = await rejection(getRequest(deps, authorize(operatorB, "request:read"), theirs.id));
    expect((hidden as EngineError).reason).toBe("request-not-found");
    const listed = await listRequests(deps, authorize(operatorB, "request:read"), {});
    expect(listed.items.map((r) => r.id)).toEqual([mine.id]);
  });

  it("effects that could not be flushed stay pending, and the trail shows them with a valid chain", async () => {
    const failing: OutboxStore = {
      write: () => Promise.reject(new EngineError("unavailable", "outbox down")),
      pending: () => Promise.resolve({ items: [] }),
      markDispatched: () => Promise.resolve(),
    };
    const { deps } = memoryEngine({ outbox: failing });
    const { request } = await submitRequest(deps, authorize(admin, "request:open"), body(attested), undefined, silent);
    expect((await deps.requests.get(request.id))?.value.pending).toBeDefined();
    const trail = await auditTrail(deps, authorize(admin, "audit:read"), request.id);
    expect(trail.entries.map((e) => e.action)).toContain("request.opened");
    expect(trail.chain.valid).toBe(true);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorize, type Caller } from "../../src/domain/access.js";
import { attestRequest } from "../../src/engine/attest.js";
import { call, invocationContext, issuedCode, type KeyName, ORG_A, ORG_B, setupEngine, teardownEngines, type TestEngine } from "../support/engine.js";
import { engineFingerprint } from "../support/state-fingerprint.js";

// POST /api/requests/{id}/attest: a request awaiting verification becomes verified by
// attestation, as if it had been opened attested, under the intake's policy (the roles of
// PRIVACY_ATTESTING_ROLES; not for a type the org wants verified by code). The audit names the
// attesting caller and holds a keyed digest of `by`, never its words. A refusal changes nothing.

const ORG_STRICT = "org-attest-strict";
/** An org whose verification setting is malformed: it fails closed. */
const ORG_TYPO = "org-attest-typo";
const WORDS = "Front desk, Mila's colleague, saw the ID card";

interface Problem {
  status: number;
  reason: string;
  detail: string;
}
interface View {
  id: string;
  status: string;
  pausedDays: number;
  verification: { state: string; method?: string; verifiedAt?: string; code?: unknown };
}
interface AuditEntry {
  action: string;
  actor: { id: string };
  details: Record<string, unknown>;
}
interface Trail {
  chain: { valid: boolean };
  entries: AuditEntry[];
}

let rt: TestEngine;
beforeAll(async () => {
  rt = await setupEngine();
  const organizations = rt.clients.cosmos.database(rt.settings.PLATFORM_DATABASE).container("organizations");
  await organizations.items.upsert({
    id: ORG_STRICT,
    orgId: ORG_STRICT,
    name: "Strict AG",
    settings: { jurisdiction: "GDPR", defaultCountry: "DE", verification: { requireCodeFor: ["access", "portability"] } },
  });
  await organizations.items.upsert({ id: ORG_TYPO, orgId: ORG_TYPO, name: "Typo SA", settings: { jurisdiction: "GDPR", verification: { requireCodeFor: "access" } } });
});
afterAll(() => {
  teardownEngines();
});

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function unverified(body: Record<string, unknown> = {}): Promise<string> {
  const response = await call(rt.fn.submitRequestHandler, { path: "/api/requests", body: { type: "access", orgId: ORG_A, subject: { contactId: "c-attest" }, ...body } });
  expect(response.status).toBe(201);
  expect((response.body as View).status).toBe("awaiting-verification");
  return (response.body as View).id;
}

const attest = (id: string, body: unknown = { by: WORDS }, key: KeyName = "admin") => call(rt.fn.attestHandler, { path: `/api/requests/${id}/attest`, params: { id }, body, key });
const trailOf = async (id: string) => (await call(rt.fn.auditHandler, { path: `/api/requests/${id}/audit`, params: { id } })).body as Trail;

/** Calls `run`, expects the problem it answers, and that nothing the engine stores changed. */
async function refused(run: () => ReturnType<typeof attest>, status: number, reason: string): Promise<Problem> {
  const before = await engineFingerprint(rt);
  const response = await run();
  expect([response.status, (response.body as Problem).reason]).toEqual([status, reason]);
  expect(response.headers["content-type"]).toBe("application/problem+json");
  expect(await engineFingerprint(rt), `${reason}: the stores changed`).toBe(before);
  return response.body as Problem;
}

describe("attesting a request awaiting verification", () => {
  it("verifies and queues it, drops an issued code, and audits the attester's id and a digest of the words", async () => {
    const id = await unverified();
    await call(rt.fn.issueVerificationHandler, { path: `/api/requests/${id}/verification`, params: { id } });
    await issuedCode(rt, id);
    const response = await attest(id);
    expect(response.status).toBe(200);
    const view = response.body as View;
    expect(view.status).toBe("queued");
    expect(view.verification).toMatchObject({ state: "verified", method: "attested" });
    expect(view.verification.code).toBeUndefined();
    expect(response.text).not.toContain("Front desk");
    const stored = (await rt.requests.get(id))?.value;
    expect(stored?.verification).toEqual({ state: "verified", method: "attested", by: WORDS, attestedBy: "admin", verifiedAt: view.verification.verifiedAt });
    expect(stored?.pausedSince).toBeUndefined();
    expect(stored?.statusReason).toBeUndefined();

    const trail = await trailOf(id);
    expect(trail.chain.valid).toBe(true);
    expect(trail.entries.map((e) => e.action).slice(-2)).toEqual(["verification.succeeded", "request.transitioned"]);
    const succeeded = trail.entries.find((e) => e.action === "verification.succeeded");
    expect(succeeded?.actor.id).toBe("admin");
    expect(succeeded?.details).toMatchObject({ method: "attested", attestedBy: "admin" });
    expect(succeeded?.details.attestationDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(trail.entries.at(-1)?.details).toMatchObject({ from: "awaiting-verification", to: "queued" });
    expect(JSON.stringify(trail)).not.toContain("Front desk");
  });

  it("the work runs as for a request opened attested: an erasure attested later completes with its certificate", async () => {
    const id = await unverified({ type: "erasure", subject: { contactId: "c-attest-erasure" } });
    expect((await attest(id, { by: "desk" })).status).toBe(200);
    await rt.fn.workQueueHandler({ requestId: id }, invocationContext("work-queue", { dequeueCount: 1 }));
    const done = (await rt.requests.get(id))?.value;
    expect(done?.status).toBe("completed");
    expect(done?.certificate).toBeDefined();
  });

  it("a request that is not awaiting verification is a 409 not-awaiting-verification: attested twice, opened attested, cancelled", async () => {
    const twice = await unverified();
    expect((await attest(twice)).status).toBe(200);
    await refused(() => attest(twice), 409, "not-awaiting-verification");
    const atIntake = await call(rt.fn.submitRequestHandler, { path: "/api/requests", body: { type: "erasure", orgId: ORG_A, subject: { contactId: "c-attest-intake" }, verification: { method: "attested", by: "desk" } } });
    await refused(() => attest((atIntake.body as View).id), 409, "not-awaiting-verification");
    const cancelled = await unverified();
    expect((await call(rt.fn.cancelHandler, { path: "/x", params: { id: cancelled }, body: {} })).status).toBe(200);
    await refused(() => attest(cancelled), 409, "not-awaiting-verification");
  });

  it("another org's request and an unknown or malformed id are a 404, changing nothing", async () => {
    const id = await unverified();
    await refused(() => attest(id, { by: WORDS }, "operatorB"), 404, "request-not-found");
    await refused(() => attest("00000000-0000-4000-8000-00000000beef"), 404, "request-not-found");
    await refused(() => attest("not-a-request-id"), 404, "unparsable-route-parameter");
    // An ORG_B request is another org's for the operator of ORG_A, before any attestation policy.
    const theirs = await unverified({ orgId: ORG_B });
    await refused(() => attest(theirs, { by: WORDS }, "operator"), 404, "request-not-found");
    expect((await rt.requests.get(id))?.value.status).toBe("awaiting-verification");
  });

  it("refuses a body that is not `{ by }` under the intake's rules with 400, changing nothing", async () => {
    const id = await unverified();
    for (const body of [{}, { by: "" }, { by: "   " }, { by: "x".repeat(129) }, { by: 42 }, { method: "attested", by: "desk" }, { code: "123456" }]) {
      await refused(() => attest(id, body), 400, "invalid-input");
    }
  });
});

describe("the attestation policy", () => {
  it("a role outside PRIVACY_ATTESTING_ROLES is a 403 attestation-forbidden; a role without request:verify a 403 role-forbidden", async () => {
    const id = await unverified();
    const problem = await refused(() => attest(id, { by: WORDS }, "operator"), 403, "attestation-forbidden");
    expect(problem.detail).toContain("PRIVACY_ATTESTING_ROLES");
    await refused(() => attest(id, { by: WORDS }, "auditor"), 403, "role-forbidden");
    await refused(() => attest(id, { by: WORDS }, "service"), 403, "role-forbidden");
  });

  it("the roles PRIVACY_ATTESTING_ROLES names may attest, whichever they are", async () => {
    const id = await unverified();
    const operator: Caller = { id: "operator", kind: "api-key", role: "privacy-operator", orgs: [ORG_A] };
    const widened: TestEngine = { ...rt, config: { ...rt.config, PRIVACY_ATTESTING_ROLES: ["privacy-operator"] } };
    const attested = await attestRequest(widened, authorize(operator, "request:verify"), id, "desk", silent);
    expect([attested.status, attested.verification.attestedBy]).toEqual(["queued", "operator"]);
    const other = await unverified();
    const admin: Caller = { id: "admin", kind: "api-key", role: "privacy-admin", orgs: "*" };
    await expect(attestRequest(widened, authorize(admin, "request:verify"), other, "desk", silent)).rejects.toMatchObject({ code: "forbidden", reason: "attestation-forbidden" });
  });

  it("an org that requires a code refuses attesting access and portability (409 code-verification-required), and takes other types", async () => {
    for (const type of ["access", "portability"]) {
      const id = await unverified({ type, orgId: ORG_STRICT });
      const problem = await refused(() => attest(id), 409, "code-verification-required");
      expect(problem.detail).toContain("code");
    }
    const erasure = await unverified({ type: "erasure", orgId: ORG_STRICT });
    expect(((await attest(erasure)).body as View).status).toBe("queued");
  });

  it("fails closed on a malformed org setting: a code is required for access", async () => {
    const access = await unverified({ orgId: ORG_TYPO });
    await refused(() => attest(access), 409, "code-verification-required");
    const erasure = await unverified({ type: "erasure", orgId: ORG_TYPO });
    expect((await attest(erasure)).status).toBe(200);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorize, type Caller } from "../../src/domain/access.js";
import { submitRequest } from "../../src/engine/requests.js";
import { call, countRequests, invocationContext, ORG_A, setupEngine, teardownEngines, type TestEngine } from "../support/engine.js";

// Self-attestation is a decision: only the roles of PRIVACY_ATTESTING_ROLES may attest a
// requester's identity, the record and the audit name the caller that did, and an org can
// require code verification for access and portability. A portability destination's SAS leaves
// the request on every terminal state.

const ORG_STRICT = "org-strict";
/** An org whose verification setting is malformed: it fails closed. */
const ORG_TYPO = "org-typo";

interface Problem {
  status: number;
  reason: string;
  detail: string;
}
interface View {
  id: string;
  status: string;
}
interface AuditEntry {
  action: string;
  actor: { id: string };
  details: Record<string, unknown>;
}

let rt: TestEngine;
beforeAll(async () => {
  rt = await setupEngine({ PRIVACY_PORTABILITY_DESTINATION_HOSTS: "127.0.0.1" });
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

const attested = { method: "attested", by: "Front desk, Mila's colleague" } as const;
const open = (body: Record<string, unknown>, key: "admin" | "operator" | "service" = "admin") => call(rt.fn.submitRequestHandler, { path: "/api/requests", body, key });
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function stored(id: string): Promise<string> {
  return JSON.stringify((await rt.requests.get(id))?.value);
}

describe("who may attest", () => {
  it("refuses a role outside PRIVACY_ATTESTING_ROLES with a 403 problem and stores nothing", async () => {
    const before = await countRequests(rt);
    const byOperator = await open({ type: "access", orgId: ORG_A, subject: { userId: "u-att-op" }, verification: attested }, "operator");
    expect(byOperator.status).toBe(403);
    expect(byOperator.headers["content-type"]).toBe("application/problem+json");
    expect((byOperator.body as Problem).reason).toBe("attestation-forbidden");
    expect((byOperator.body as Problem).detail).toContain("PRIVACY_ATTESTING_ROLES");
    const byService = await open({ type: "erasure", orgId: ORG_A, subject: { contactId: "c-att-svc" }, verification: attested }, "service");
    expect(byService.status).toBe(403);
    expect((byService.body as Problem).reason).toBe("attestation-forbidden");
    expect(await countRequests(rt)).toBe(before);
    // Without an attestation the same caller opens the request, awaiting verification.
    const unverified = await open({ type: "access", orgId: ORG_A, subject: { userId: "u-att-op" } }, "operator");
    expect(unverified.status).toBe(201);
    expect((unverified.body as View).status).toBe("awaiting-verification");
  });

  it("verify takes a code only: an attestation later goes to its own route (requests/{id}/attest)", async () => {
    const unverified = (await open({ type: "access", orgId: ORG_A, subject: { userId: "u-att-later" } }, "operator")).body as View;
    const before = await stored(unverified.id);
    const response = await call(rt.fn.verifyHandler, { path: "/x", params: { id: unverified.id }, body: attested, key: "operator" });
    expect(response.status).toBe(400);
    expect(await stored(unverified.id)).toBe(before);
  });

  it("records the attesting caller's id in the request and the audit, and only a digest of the free text", async () => {
    const response = await open({ type: "access", orgId: ORG_A, subject: { userId: "u-att-admin" }, verification: attested });
    expect(response.status).toBe(201);
    const id = (response.body as View).id;
    const record = (await rt.requests.get(id))?.value;
    expect(record?.verification).toMatchObject({ state: "verified", method: "attested", attestedBy: "admin" });
    const trail = await call(rt.fn.auditHandler, { path: "/x", params: { id } });
    const entries = (trail.body as { entries: AuditEntry[] }).entries;
    const opened = entries.find((e) => e.action === "request.opened");
    expect(opened?.details.verification).toBe("attested");
    expect(opened?.details.attestedBy).toBe("admin");
    expect(opened?.details.attestationDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(trail.body)).not.toContain("Front desk");
  });

  it("lets the roles of PRIVACY_ATTESTING_ROLES attest, whichever they are", async () => {
    const operator: Caller = { id: "operator", kind: "api-key", role: "privacy-operator", orgs: [ORG_A] };
    const widened: TestEngine = { ...rt, config: { ...rt.config, PRIVACY_ATTESTING_ROLES: ["privacy-admin", "privacy-operator"] } };
    const { request } = await submitRequest(widened, authorize(operator, "request:open"), { type: "access", orgId: ORG_A, subject: { userId: "u-att-wide" }, verification: attested }, undefined, silent);
    expect(request.status).toBe("queued");
    expect(request.verification.attestedBy).toBe("operator");
    const admin: Caller = { id: "admin", kind: "api-key", role: "privacy-admin", orgs: "*" };
    const narrowed: TestEngine = { ...rt, config: { ...rt.config, PRIVACY_ATTESTING_ROLES: ["privacy-operator"] } };
    await expect(submitRequest(narrowed, authorize(admin, "request:open"), { type: "access", orgId: ORG_A, subject: { userId: "u-att-narrow" }, verification: attested }, undefined, silent)).rejects.toMatchObject({
      code: "forbidden",
      reason: "attestation-forbidden",
    });
  });
});

describe("an org that requires code verification", () => {
  it("refuses attested access and portability with a 409 problem, storing nothing", async () => {
    const before = await countRequests(rt);
    for (const type of ["access", "portability"]) {
      const response = await open({ type, orgId: ORG_STRICT, subject: { userId: "u-strict" }, verification: attested });
      expect(response.status, type).toBe(409);
      expect(response.headers["content-type"]).toBe("application/problem+json");
      expect((response.body as Problem).reason).toBe("code-verification-required");
      expect((response.body as Problem).detail).toContain("code");
    }
    expect(await countRequests(rt)).toBe(before);
  });

  it("fails closed on a malformed setting: a code is required for access and portability", async () => {
    for (const type of ["access", "portability"]) {
      const response = await open({ type, orgId: ORG_TYPO, subject: { userId: "u-typo" }, verification: attested });
      expect(response.status, type).toBe(409);
      expect((response.body as Problem).reason).toBe("code-verification-required");
    }
    expect((await open({ type: "erasure", orgId: ORG_TYPO, subject: { userId: "u-typo" }, verification: attested })).status).toBe(201);
  });

  it("still takes attested requests of other types, and unverified access", async () => {
    const erasure = await open({ type: "erasure", orgId: ORG_STRICT, subject: { userId: "u-strict" }, verification: attested });
    expect(erasure.status).toBe(201);
    expect((erasure.body as View).status).toBe("queued");
    const access = await open({ type: "access", orgId: ORG_STRICT, subject: { userId: "u-strict" } });
    expect(access.status).toBe(201);
    expect((access.body as View).status).toBe("awaiting-verification");
  });
});

describe("a portability destination's SAS", () => {
  // On the emulator's host (allowed), in a container that does not exist: sending fails at once.
  const destination = (name: string) => `${rt.clients.blobs.getContainerClient("no-such-container").getBlobClient(`${name}.zip`).url}?sv=2024-01-01&sp=cw&sig=forged`;

  it("leaves the request when it is rejected", async () => {
    const opened = await open({ type: "portability", orgId: ORG_A, subject: { userId: "u-sas-reject" }, destination: destination("reject") });
    expect(opened.status).toBe(201);
    const id = (opened.body as View).id;
    expect(await stored(id)).toContain("sig=");
    const rejected = await call(rt.fn.rejectHandler, { path: "/x", params: { id }, body: { reason: "excessive", detail: "third request" } });
    expect(rejected.status).toBe(200);
    expect(await stored(id)).not.toContain("sig=");
  });

  it("leaves the request when it is cancelled", async () => {
    const opened = await open({ type: "portability", orgId: ORG_A, subject: { userId: "u-sas-cancel" }, destination: destination("cancel") }, "operator");
    const id = (opened.body as View).id;
    expect(await stored(id)).toContain("sig=");
    expect((await call(rt.fn.cancelHandler, { path: "/x", params: { id }, body: {}, key: "operator" })).status).toBe(200);
    expect(await stored(id)).not.toContain("sig=");
  });

  it("leaves the request when it fails", async () => {
    const opened = await open({ type: "portability", orgId: ORG_A, subject: { userId: "u-sas-fail" }, destination: destination("fail"), verification: attested });
    const id = (opened.body as View).id;
    expect(await stored(id)).toContain("sig=");
    // The last delivery: the unreachable destination fails the request.
    await rt.fn.workQueueHandler({ requestId: id }, invocationContext("work-queue", { dequeueCount: rt.settings.PRIVACY_MAX_ATTEMPTS })).catch(() => undefined);
    expect((await rt.requests.get(id))?.value.status).toBe("failed");
    expect(await stored(id)).not.toContain("sig=");
  });
});

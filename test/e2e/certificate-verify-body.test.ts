import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, invocationContext, ORG_A, setupEngine, teardownEngines, type TestEngine } from "../support/engine.js";

// Issue 19.5 (a): POST /api/certificates/verify with an empty or partial body says what the body
// must be (the certificate exactly as GET /api/requests/{id}/certificate returns it) and which
// fields are missing, by path, never by value.

interface Problem {
  status: number;
  reason: string;
  detail: string;
  errors?: { path: string; message: string }[];
}

const MUST_BE = "The body must be the certificate as GET /api/requests/{id}/certificate returns it";
let rt: TestEngine;
let certificate: Record<string, unknown>;

beforeAll(async () => {
  rt = await setupEngine();
  const opened = await call(rt.fn.submitRequestHandler, {
    path: "/api/requests",
    body: { type: "erasure", orgId: ORG_A, subject: { contactId: "c-cert-verify-body" }, verification: { method: "attested", by: "desk" } },
  });
  expect(opened.status, opened.text).toBe(201);
  const id = (opened.body as { id: string }).id;
  await rt.fn.workQueueHandler({ requestId: id }, invocationContext("work-queue", { dequeueCount: 1 }));
  const got = await call(rt.fn.certificateHandler, { path: `/api/requests/${id}/certificate`, params: { id } });
  expect(got.status, got.text).toBe(200);
  certificate = got.body as Record<string, unknown>;
});
afterAll(() => {
  teardownEngines();
});

const verify = (body: unknown) => call(rt.fn.verifyCertificateHandler, { path: "/api/certificates/verify", method: "POST", body });

describe("POST /api/certificates/verify: what the body must be", () => {
  it("an empty body: 400 invalid-input saying the body is the certificate as GET returns it, listing every missing field", async () => {
    const response = await verify({});
    expect(response.status).toBe(400);
    const problem = response.body as Problem;
    expect(problem.reason).toBe("invalid-input");
    expect(problem.detail.startsWith(`${MUST_BE}; missing: `)).toBe(true);
    const missing = problem.detail.slice(`${MUST_BE}; missing: `.length).split(", ");
    expect(missing).toEqual(expect.arrayContaining(["version", "requestId", "orgId", "subjectKey", "signature", "places", "verification"]));
    expect(missing).not.toContain("categories"); // optional
  });

  it("a partial body: lists only what is missing, by path, and never echoes a value", async () => {
    const { signature, orgId, verification, ...rest } = certificate;
    expect(typeof signature).toBe("string");
    const partial = { ...rest, orgId, verification: { checkedAt: (verification as { checkedAt: string }).checkedAt } };
    const response = await verify(partial);
    expect(response.status).toBe(400);
    const problem = response.body as Problem;
    expect(problem.reason).toBe("invalid-input");
    expect(problem.detail).toBe(`${MUST_BE}; missing: verification.remaining, signature`);
    const text = JSON.stringify(problem);
    for (const value of [certificate.requestId, certificate.subjectKey, orgId]) expect(text).not.toContain(String(value));
    expect(problem.errors?.map((f) => f.path).sort()).toEqual(["signature", "verification.remaining"]);
  });

  it("a valid certificate, exactly as GET returns it, still verifies", async () => {
    const response = await verify(certificate);
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ valid: true });
  });
});

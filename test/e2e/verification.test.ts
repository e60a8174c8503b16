import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { capturedLines } from "../support/log-capture.js";
import { call, issuedCode, ORG_A, setupEngine, teardownEngines, type TestEngine } from "../support/engine.js";

interface View {
  id: string;
  status: string;
  dueAt: string;
  pausedDays: number;
  verification: { state: string; method?: string; code?: { attemptsUsed: number; locked: boolean; expiresAt: string } };
}
interface Problem {
  reason: string;
}

let rt: TestEngine;
beforeAll(async () => {
  rt = await setupEngine();
});
afterEach(() => {
  vi.useRealTimers();
});
afterAll(() => {
  teardownEngines();
});

async function latestCode(requestId: string): Promise<string> {
  return (await issuedCode(rt, requestId)).code;
}

async function openUnverified(): Promise<View> {
  const response = await call(rt.fn.submitRequestHandler, {
    path: "/api/requests",
    body: { type: "access", orgId: ORG_A, subject: { phone: "+49 151 23456789" } },
    key: "operator",
  });
  expect(response.status).toBe(201);
  return response.body as View;
}

const issue = (id: string) => call(rt.fn.issueVerificationHandler, { path: "/x", params: { id }, key: "operator" });
const verify = (id: string, code: string) => call(rt.fn.verifyHandler, { path: "/x", params: { id }, body: { code }, key: "operator" });

describe("identity verification by code", () => {
  it("issues a code through the outbox only, and a right code queues the request", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-02-02T09:00:00Z"));
    const request = await openUnverified();
    // Three days later the code is sent (the GDPR clock pauses while verification is pending).
    vi.setSystemTime(new Date("2026-02-05T09:00:00Z"));
    const issued = await issue(request.id);
    expect(issued.status).toBe(202);
    const { code, event } = await issuedCode(rt, request.id);
    expect(code).toMatch(/^\d{6}$/);
    // Stored sealed, and set to expire a day after the code does.
    expect(JSON.stringify(event)).not.toContain(code);
    expect(event.ttl).toBe(15 * 60 + 86_400);
    // The code is in no response, no log line and not on the request document.
    expect(issued.text).not.toContain(code);
    const stored = await rt.requests.get(request.id);
    expect(JSON.stringify(stored)).not.toContain(`"${code}"`);
    expect(capturedLines.join("\n")).not.toContain(code);

    vi.setSystemTime(new Date("2026-02-05T09:05:00Z"));
    const verified = await verify(request.id, code);
    expect(verified.status).toBe(200);
    const view = verified.body as View;
    expect(view.status).toBe("queued");
    expect(view.verification).toMatchObject({ state: "verified", method: "code" });
    expect(view.pausedDays).toBe(3);
    // 2 Feb + 1 month = 2 Mar, + 3 paused days = 5 Mar 2026 (a Thursday).
    expect(view.dueAt).toBe("2026-03-05");
    const again = await verify(request.id, code);
    expect(again.status).toBe(409);
  });

  it("counts wrong tries and locks the code after five", async () => {
    const request = await openUnverified();
    await issue(request.id);
    const code = await latestCode(request.id);
    const wrong = code === "000000" ? "111111" : "000000";
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      const response = await verify(request.id, wrong);
      expect(response.status).toBe(400);
      expect((response.body as Problem).reason).toBe("code-mismatch");
    }
    const fifth = await verify(request.id, wrong);
    expect(fifth.status).toBe(409);
    expect((fifth.body as Problem).reason).toBe("code-locked");
    const right = await verify(request.id, code);
    expect(right.status).toBe(409);
    expect((right.body as Problem).reason).toBe("code-locked");
    const read = (await call(rt.fn.getRequestHandler, { path: "/x", params: { id: request.id } })).body as View;
    expect(read.status).toBe("awaiting-verification");
    expect(read.verification.code).toMatchObject({ attemptsUsed: 5, locked: true });
    // A new code can be issued and works.
    await issue(request.id);
    const fresh = await latestCode(request.id);
    expect((await verify(request.id, fresh)).status).toBe(200);
  });

  it("issues at most five codes per request", async () => {
    const request = await openUnverified();
    for (let n = 1; n <= 5; n += 1) expect((await issue(request.id)).status).toBe(202);
    const sixth = await issue(request.id);
    expect(sixth.status).toBe(409);
    expect((sixth.body as Problem).reason).toBe("too-many-codes");
  });

  it("refuses an expired code after 15 minutes", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-06-01T12:00:00Z"));
    const request = await openUnverified();
    await issue(request.id);
    const code = await latestCode(request.id);
    vi.setSystemTime(new Date("2026-06-01T12:15:01Z"));
    const late = await verify(request.id, code);
    expect(late.status).toBe(409);
    expect((late.body as Problem).reason).toBe("code-expired");
  });

  it("refuses to verify without a code, a malformed code, and a request that needs none", async () => {
    const request = await openUnverified();
    expect(((await verify(request.id, "123456")).body as Problem).reason).toBe("no-code");
    const trail = await call(rt.fn.auditHandler, { path: "/x", params: { id: request.id } });
    expect((trail.body as { entries: { action: string }[] }).entries.map((e) => e.action)).toContain("verification.refused");
    expect((await verify(request.id, "12ab")).status).toBe(400);
    const attested = await call(rt.fn.submitRequestHandler, {
      path: "/api/requests",
      body: { type: "access", orgId: ORG_A, subject: { userId: "u-att" }, verification: { method: "attested", by: "desk" } },
    });
    const id = (attested.body as View).id;
    expect((await issue(id)).status).toBe(409);
  });

  it("records the steps in a verifying audit chain without the code or identifiers", async () => {
    const request = await openUnverified();
    await issue(request.id);
    const code = await latestCode(request.id);
    await verify(request.id, "999999" === code ? "888888" : "999999");
    await verify(request.id, code);
    const trail = await call(rt.fn.auditHandler, { path: "/x", params: { id: request.id }, key: "auditor" });
    expect(trail.status).toBe(200);
    const body = trail.body as { chain: { valid: boolean }; entries: { action: string; subjectKey: string }[] };
    expect(body.chain.valid).toBe(true);
    expect(body.entries.map((e) => e.action)).toEqual([
      "request.opened",
      "verification.code-issued",
      "verification.failed",
      "verification.succeeded",
      "request.transitioned",
    ]);
    expect(trail.text).not.toContain(code);
    expect(trail.text).not.toContain("23456789");
    expect(new Set(body.entries.map((e) => e.subjectKey)).size).toBe(1);
  });
});

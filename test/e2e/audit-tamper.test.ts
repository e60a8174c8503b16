import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEntry } from "../../src/domain/audit.js";
import { call, ORG_A, setupEngine, teardownEngines, type TestEngine } from "../support/engine.js";

interface Trail {
  chain: { valid: boolean; entries: number; problems: string[] };
  entries: AuditEntry[];
}

let rt: TestEngine;
beforeAll(async () => {
  rt = await setupEngine();
});
afterAll(() => {
  teardownEngines();
});

/** A request with three audit entries: opened, extended, cancelled. */
async function requestWithTrail(): Promise<string> {
  const opened = await call(rt.fn.submitRequestHandler, {
    path: "/api/requests",
    body: { type: "access", orgId: ORG_A, subject: { userId: "u-tamper" }, verification: { method: "attested", by: "desk" } },
  });
  const id = (opened.body as { id: string }).id;
  expect((await call(rt.fn.extendHandler, { path: "/x", params: { id }, body: { reason: "many systems involved" } })).status).toBe(200);
  expect((await call(rt.fn.cancelHandler, { path: "/x", params: { id }, body: {} })).status).toBe(200);
  return id;
}

const trail = async (id: string) => (await call(rt.fn.auditHandler, { path: "/x", params: { id }, key: "auditor" })).body as Trail;
const auditContainer = () => rt.clients.cosmos.database(rt.settings.PRIVACY_DATABASE).container("audit");

describe("audit trail tamper detection on stored entries", () => {
  it("verifies an untouched trail", async () => {
    const id = await requestWithTrail();
    const untouched = await trail(id);
    expect(untouched.chain).toEqual({ valid: true, entries: 3, problems: [] });
    expect(untouched.entries.map((e) => e.action)).toEqual(["request.opened", "request.extended", "request.transitioned"]);
  });

  it("detects an entry changed in the database", async () => {
    const id = await requestWithTrail();
    const [, second] = (await trail(id)).entries;
    if (second === undefined) throw new Error("missing entry");
    await auditContainer().item(second.id, id).replace({ ...second, actor: { kind: "api-key", id: "someone-else" } });
    const after = await trail(id);
    expect(after.chain.valid).toBe(false);
    expect(after.chain.problems.join(" ")).toMatch(/entry 1 was changed/);
  });

  it("detects an entry removed from the middle and from the end", async () => {
    const middle = await requestWithTrail();
    const [, second] = (await trail(middle)).entries;
    if (second === undefined) throw new Error("missing entry");
    await auditContainer().item(second.id, middle).delete();
    expect((await trail(middle)).chain.valid).toBe(false);

    const tail = await requestWithTrail();
    const last = (await trail(tail)).entries.at(-1);
    if (last === undefined) throw new Error("missing entry");
    await auditContainer().item(last.id, tail).delete();
    const truncated = await trail(tail);
    expect(truncated.chain.valid).toBe(false);
    expect(truncated.chain.problems.join(" ")).toMatch(/missing/);
  });
});

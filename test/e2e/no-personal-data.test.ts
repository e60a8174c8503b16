import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { HARD_CASES } from "../../src/local/seed.js";
import { capturedLines } from "../support/log-capture.js";
import { call, invocationContext, TEST_TIMER as timer, seedDemo, setupEngine, teardownEngines, type TestEngine } from "../support/engine.js";
import { findLeaks, personalNeedles } from "../support/pii.js";

// Drives every route with the seeded people (phones in several formats, names in free text),
// then checks that none of their values reached a log line, an audit entry, an event or a
// problem response. Requests themselves hold the subject's identifiers: that is the DSAR record.

const mila = HARD_CASES.duplicateContact;
const jonas = HARD_CASES.crossOrgPhone;
const orgId = mila.orgId;

let rt: TestEngine;
const problems: string[] = [];

beforeAll(async () => {
  rt = await setupEngine();
  await seedDemo(rt);
});
afterAll(() => {
  vi.useRealTimers();
  teardownEngines();
});

async function all<T>(container: string): Promise<T[]> {
  const { resources } = await rt.clients.cosmos.database(rt.settings.PRIVACY_DATABASE).container(container).items.readAll<T & object>().fetchAll();
  return resources;
}

describe("the engine's own privacy", () => {
  it("keeps seeded personal values out of logs, audit, events and problems on every route", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-03-02T08:00:00Z"));
    const subjects = [
      { phone: mila.phone },
      { phone: "030 1234567", email: mila.email.toUpperCase() },
      { phone: "+49 30 1234567" },
      { phone: jonas.phone, email: jonas.contacts[0].email },
      { contactId: mila.contactIds[0] },
    ];
    const ids: string[] = [];
    for (const [index, subject] of subjects.entries()) {
      const response = await call(rt.fn.submitRequestHandler, {
        path: "/api/requests",
        body: { type: index === 4 ? "rectification" : "access", orgId, subject, note: `Call ${mila.name} back`, ...(index === 4 ? { changes: [{ field: "name", value: jonas.name }], verification: { method: "attested", by: mila.name } } : {}) },
      });
      expect(response.status).toBe(201);
      ids.push((response.body as { id: string }).id);
    }
    const [first, second, third, fourth, fifth] = ids as [string, string, string, string, string];

    // Errors that carry personal values in their input.
    for (const body of [
      { type: "access", orgId, subject: { phone: `${mila.name} ${mila.phone}x` } },
      { type: "access", orgId, subject: { email: `${mila.name}@` } },
      { type: "access", orgId: "org-unknown", subject: { phone: mila.phone } },
    ]) {
      const response = await call(rt.fn.submitRequestHandler, { path: "/api/requests", body });
      expect(response.status).toBeGreaterThanOrEqual(400);
      problems.push(response.text);
    }

    await call(rt.fn.issueVerificationHandler, { path: "/x", params: { id: first } });
    problems.push((await call(rt.fn.verifyHandler, { path: "/x", params: { id: first }, body: { code: "000000" } })).text);
    await call(rt.fn.verifyHandler, { path: "/x", params: { id: first }, body: { code: "111111" } });
    await call(rt.fn.extendHandler, { path: "/x", params: { id: second }, body: { reason: `${mila.name} sent 40 files` } });
    await call(rt.fn.rejectHandler, { path: "/x", params: { id: third }, body: { reason: "other", detail: `duplicate of ${mila.phone}` } });
    await call(rt.fn.cancelHandler, { path: "/x", params: { id: fourth }, body: { reason: `${jonas.name} withdrew` } });
    await call(rt.fn.getRequestHandler, { path: "/x", params: { id: fifth } });
    await call(rt.fn.listRequestsHandler, { path: `/api/requests?orgId=${orgId}` });
    for (const id of ids) await call(rt.fn.auditHandler, { path: "/x", params: { id } });
    await rt.fn.workQueueHandler({ requestId: fifth }, invocationContext("work-queue"));
    // One verified request nobody works on: it goes overdue, so the overdue path is scanned too.
    const idle = await call(rt.fn.submitRequestHandler, { path: "/api/requests", body: { type: "access", orgId, subject: { phone: mila.phone }, verification: { method: "attested", by: "desk" } } });
    expect(idle.status).toBe(201);
    vi.setSystemTime(new Date("2026-06-30T08:00:00Z"));
    await rt.fn.deadlineCheckHandler(timer, invocationContext("deadline-check"));

    // The capture works (the scan below is not vacuous): the engine logged these requests.
    expect(capturedLines.filter((l) => l.includes("request opened")).length).toBeGreaterThanOrEqual(5);
    const needles = personalNeedles();
    expect(needles.length).toBeGreaterThan(100);
    const audit = await all<object>("audit");
    const outbox = await all<object>("outbox");
    expect(audit.length).toBeGreaterThan(10);
    expect(outbox.some((e) => JSON.stringify(e).includes("request.overdue"))).toBe(true);
    const leaks = findLeaks(
      [
        { file: "logs", text: capturedLines.join("\n") },
        { file: "audit", text: audit.map((e) => JSON.stringify(e)).join("\n") },
        { file: "outbox", text: outbox.map((e) => JSON.stringify(e)).join("\n") },
        { file: "problems", text: problems.join("\n") },
      ],
      needles,
    );
    expect(leaks).toEqual([]);
    // The check can fail: the same scan finds the values on the requests themselves.
    const requests = await all<object>("requests");
    expect(findLeaks([{ file: "requests", text: requests.map((r) => JSON.stringify(r)).join("\n") }], needles).length).toBeGreaterThan(0);
  });
});

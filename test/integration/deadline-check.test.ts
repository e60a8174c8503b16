import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { executors } from "../../functions/background.js";
import { processWorkItem } from "../../src/engine/work.js";
import { contextLogger } from "../../src/hosting/logger.js";
import { chainEntries } from "../../src/domain/audit.js";
import { call, invocationContext, TEST_TIMER as timer, ORG_A, ORG_B, setupEngine, teardownEngines, type TestEngine } from "../support/engine.js";

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

async function open(body: Record<string, unknown>): Promise<string> {
  const response = await call(rt.fn.submitRequestHandler, { path: "/api/requests", body });
  expect(response.status).toBe(201);
  return (response.body as { id: string }).id;
}

async function eventsOf(requestId: string, type: string): Promise<number> {
  const { resources } = await rt.clients.cosmos
    .database(rt.settings.PRIVACY_DATABASE)
    .container("outbox")
    .items.query<number>({
      query: "SELECT VALUE COUNT(1) FROM c WHERE c.requestId = @id AND c.type = @type",
      parameters: [
        { name: "@id", value: requestId },
        { name: "@type", value: type },
      ],
    })
    .fetchAll();
  return resources[0] ?? 0;
}

const runCheck = () => rt.fn.deadlineCheckHandler(timer, invocationContext("deadline-check"));
const stateOf = async (id: string) => (await rt.requests.get(id))?.value.deadlineState;

describe("hourly deadline check", () => {
  it("marks due-soon, then overdue once, with one event each", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-01-05T10:00:00Z"));
    // GDPR, attested: due 5 Feb 2026 (a Thursday).
    const id = await open({ type: "access", orgId: ORG_A, subject: { userId: "u-due" }, verification: { method: "attested", by: "desk" } });
    vi.setSystemTime(new Date("2026-01-20T10:00:00Z"));
    await runCheck();
    expect(await stateOf(id)).toBe("on-track");

    vi.setSystemTime(new Date("2026-02-03T10:00:00Z"));
    await runCheck();
    expect(await stateOf(id)).toBe("due-soon");
    expect(await eventsOf(id, "request.due-soon")).toBe(1);

    vi.setSystemTime(new Date("2026-02-06T00:30:00Z"));
    await runCheck();
    await runCheck();
    expect(await stateOf(id)).toBe("overdue");
    expect(await eventsOf(id, "request.overdue")).toBe(1);
  });

  it("pauses GDPR while unverified but not CCPA", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-01-01T10:00:00Z"));
    const gdpr = await open({ type: "access", orgId: ORG_A, subject: { userId: "u-paused" } });
    const ccpa = await open({ type: "access", orgId: ORG_B, subject: { userId: "u-ccpa" } });
    vi.setSystemTime(new Date("2026-03-01T10:00:00Z"));
    await runCheck();
    expect(await stateOf(gdpr)).toBe("on-track");
    expect(await stateOf(ccpa)).toBe("overdue");
    expect(await eventsOf(ccpa, "request.overdue")).toBe(1);
    expect(await eventsOf(gdpr, "request.overdue")).toBe(0);
    // The paused request's stored due date follows the pause: 1 Feb + 59 paused days = 1 Apr 2026.
    expect((await rt.requests.get(gdpr))?.value.dueAt).toBe("2026-04-01");
  });

  it("keeps the deadline state a request was closed in", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-05-04T10:00:00Z"));
    const id = await open({ type: "access", orgId: ORG_A, subject: { userId: "u-late" }, verification: { method: "attested", by: "desk" } });
    vi.setSystemTime(new Date("2026-06-10T10:00:00Z"));
    const closed = await call(rt.fn.cancelHandler, { path: "/x", params: { id }, body: {} });
    expect((closed.body as { deadlineState: string }).deadlineState).toBe("overdue");
    vi.setSystemTime(new Date("2026-09-10T10:00:00Z"));
    const later = await call(rt.fn.getRequestHandler, { path: "/x", params: { id } });
    expect((later.body as { deadlineState: string }).deadlineState).toBe("overdue");
  });

  it("flushes effects a crash left pending on the request", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-04-01T10:00:00Z"));
    const id = await open({ type: "access", orgId: ORG_A, subject: { userId: "u-crash" } });
    const current = await rt.requests.get(id);
    if (current === undefined) throw new Error("missing");
    // As if the process died right after the document write: a committed entry and event, not yet copied.
    const { entries, head } = chainEntries(
      { requestId: id, orgId: ORG_A, subjectKey: current.value.subjectKey },
      current.value.auditHead,
      [{ at: "2026-04-01T10:00:00.000Z", actor: { kind: "system", id: "test" }, action: "test.step" }],
    );
    const event = { id: `${id}:crash:0`, orgId: ORG_A, requestId: id, subjectKey: current.value.subjectKey, createdAt: "2026-04-01T10:00:00.000Z", status: "pending" as const, type: "alert" as const, data: {} };
    await rt.requests.replace({ ...current.value, ...(head === undefined ? {} : { auditHead: head }), pending: { audit: entries, events: [event], enqueue: false } }, current.etag);

    vi.setSystemTime(new Date("2026-04-01T10:05:00Z"));
    await runCheck();
    const after = await rt.requests.get(id);
    expect(after?.value.pending).toBeUndefined();
    expect((await rt.audit.listForRequest(id)).map((e) => e.action)).toEqual(["request.opened", "test.step"]);
    expect(await eventsOf(id, "alert")).toBe(1);
  });
});

describe("work queue", () => {
  it("keeps a queued request queued, saying why, when its type has no executor installed", async () => {
    const id = await open({ type: "objection", orgId: ORG_A, subject: { userId: "u-work" }, purposes: ["marketing"], verification: { method: "attested", by: "desk" } });
    // A version without the objection executor (every type has one now; the path stays for new types).
    const { objection: _none, ...installed } = executors;
    await processWorkItem(rt, id, installed, { attempt: 1 }, contextLogger(invocationContext("work-queue")));
    const after = await rt.requests.get(id);
    expect(after?.value.status).toBe("queued");
    expect(after?.value.statusReason).toMatch(/no executor for objection/);
    // Redelivery changes nothing more.
    await processWorkItem(rt, id, installed, { attempt: 2 }, contextLogger(invocationContext("work-queue")));
    const audit = await rt.audit.listForRequest(id);
    expect(audit.filter((e) => e.action === "request.awaiting-executor")).toHaveLength(1);
    // With the executor installed, the same message completes it.
    await rt.fn.workQueueHandler({ requestId: id }, invocationContext("work-queue"));
    expect((await rt.requests.get(id))?.value.status).toBe("completed");
  });

  it("completes malformed messages without throwing", async () => {
    await expect(rt.fn.workQueueHandler("not json", invocationContext("work-queue"))).resolves.toBeUndefined();
    await expect(rt.fn.workQueueHandler({ requestId: "x" }, invocationContext("work-queue"))).resolves.toBeUndefined();
  });
});

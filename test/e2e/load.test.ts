import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizeSubject } from "../../src/domain/identifiers.js";
import { startLocalHost, type LocalHost } from "../../src/local/host.js";
import { buildDataset } from "../../src/local/seed.js";
import { expectedDiscovery, type Expected } from "../support/discovery-oracle.js";
import { call, countRequests, invocationContext, KEYS, ORG_A, seedDemo, setupEngine, teardownEngines, type TestEngine } from "../support/engine.js";
import { expectOnlySubjectErased } from "../support/erasure-check.js";
import { recordFigure } from "../support/figures.js";
import { snapshotPlatform } from "../support/platform-snapshot.js";

// Load: 500 submissions at once over real HTTP through the local host, a third of them with
// Idempotency-Keys sent several times (and some reused with another body); then 50 erasures at
// once whose data overlaps. Nothing is lost, nothing is stored twice, every status agrees.
// LOAD_SCALE multiplies the submissions (npm run test:soak).

const SCALE = Number(process.env.LOAD_SCALE ?? "1");
const KEYLESS = 370 * SCALE;
const KEYS_DISTINCT = 40 * SCALE;
const COPIES = 3;
const CONFLICTING = 10 * SCALE;

let rt: TestEngine;
let host: LocalHost;
const dataset = buildDataset();

beforeAll(async () => {
  rt = await setupEngine();
  await seedDemo(rt);
  host = await startLocalHost({ definitions: rt.functions, env: process.env, port: 0, queuePollIntervalMs: 60_000, enableTimers: false, log: () => undefined });
}, 120_000);
afterAll(async () => {
  await host.stop();
  teardownEngines();
});

interface Sent {
  readonly key?: string;
  readonly variant: "same" | "other";
  readonly status: number;
  readonly id?: string;
  readonly requestStatus?: string;
}

async function submit(body: unknown, key?: string): Promise<{ status: number; id?: string; requestStatus?: string; contentType: string | null }> {
  const response = await fetch(`${host.url}/api/requests`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEYS.operator}`, "content-type": "application/json", ...(key === undefined ? {} : { "idempotency-key": key }) },
    body: JSON.stringify(body),
  });
  const parsed = (await response.json()) as { id?: string; status?: string };
  return { status: response.status, id: parsed.id, requestStatus: parsed.status, contentType: response.headers.get("content-type") };
}

describe("load through the local host", () => {
  it(`${String(KEYLESS + KEYS_DISTINCT * COPIES + CONFLICTING)} concurrent submissions: each accepted one stored once, none lost`, async () => {
    const before = await countRequests(rt);
    const jobs: (() => Promise<Sent>)[] = [];
    for (let i = 0; i < KEYLESS; i++) {
      const body = { type: "access", orgId: ORG_A, subject: { contactId: `c-load-${String(i)}` } };
      jobs.push(async () => ({ variant: "same", ...(await submit(body)) }));
    }
    for (let k = 0; k < KEYS_DISTINCT; k++) {
      const key = `load-key-${String(k)}`;
      const body = { type: "access", orgId: ORG_A, subject: { contactId: `c-keyed-${String(k)}` } };
      for (let copy = 0; copy < COPIES; copy++) jobs.push(async () => ({ key, variant: "same", ...(await submit(body, key)) }));
      if (k < CONFLICTING) {
        const other = { type: "access", orgId: ORG_A, subject: { contactId: `c-other-${String(k)}` } };
        jobs.push(async () => ({ key, variant: "other", ...(await submit(other, key)) }));
      }
    }
    // Interleave keyed copies among the keyless ones, then send all at once.
    jobs.sort((a, b) => (jobs.indexOf(a) * 7919) % jobs.length - (jobs.indexOf(b) * 7919) % jobs.length);
    const started = performance.now();
    const sent = await Promise.all(jobs.map((job) => job()));
    const elapsedMs = Math.round(performance.now() - started);

    expect(sent.filter((s) => s.status >= 500)).toEqual([]);
    const keyless = sent.filter((s) => s.key === undefined);
    expect(keyless.every((s) => s.status === 201)).toBe(true);
    // Per key: one 201; the same body replays the same request (200); another body is a 409.
    const byKey = new Map<string, Sent[]>();
    for (const s of sent) if (s.key !== undefined) byKey.set(s.key, [...(byKey.get(s.key) ?? []), s]);
    for (const [key, answers] of byKey) {
      const created = answers.filter((a) => a.status === 201);
      expect(created.length, key).toBe(1);
      const winner = created[0];
      for (const answer of answers) {
        if (answer.variant === winner?.variant) expect([answer.status, answer.id], key).toEqual([answer === winner ? 201 : 200, winner.id]);
        else expect(answer.status, key).toBe(409);
      }
    }
    const accepted = new Set(sent.filter((s) => s.status === 200 || s.status === 201).map((s) => s.id));
    expect(accepted.size).toBe(KEYLESS + KEYS_DISTINCT);
    expect(await countRequests(rt)).toBe(before + KEYLESS + KEYS_DISTINCT);

    // Every accepted request reads back with the status it was answered with, and was opened once.
    const database = rt.clients.cosmos.database(rt.settings.PRIVACY_DATABASE);
    const { resources: stored } = await database.container("requests").items.query<{ id: string; status: string }>("SELECT c.id, c.status FROM c").fetchAll();
    const statusOf = new Map(stored.map((r) => [r.id, r.status]));
    for (const s of sent.filter((x) => x.status === 201)) expect(statusOf.get(s.id ?? "")).toBe(s.requestStatus);
    const { resources: opened } = await database.container("audit").items.query<{ requestId: string }>("SELECT c.requestId FROM c WHERE c.action = 'request.opened'").fetchAll();
    const openedIds = opened.map((o) => o.requestId).filter((id) => accepted.has(id));
    expect(openedIds.length).toBe(accepted.size);
    expect(new Set(openedIds).size).toBe(accepted.size);
    const { resources: events } = await database.container("outbox").items.query<{ requestId: string }>("SELECT c.requestId FROM c WHERE c.type = 'request.opened'").fetchAll();
    const eventIds = events.map((e) => e.requestId).filter((id) => accepted.has(id));
    expect(eventIds.length).toBe(accepted.size);

    recordFigure("load-submissions", {
      sent: sent.length,
      accepted: accepted.size,
      replayed: sent.filter((s) => s.status === 200).length,
      conflicts: sent.filter((s) => s.status === 409).length,
      stored: accepted.size,
      lost: 0,
      duplicates: 0,
      elapsedMs,
    });
  }, 180_000);
});

describe("concurrent erasures over overlapping data", () => {
  it("50 erasures at once: each completes, the union of their subjects is gone, everything else is intact", async () => {
    await host.stop();
    const orgId = "org-demo";
    const contacts = dataset.items.contacts.filter((c) => c.orgId === orgId).sort((a, b) => a.id.localeCompare(b.id)).slice(0, 17);
    // The same person by phone, by contact id and by email (or a national phone form): overlapping finds.
    const subjects = contacts
      .flatMap((c) => [{ phone: c.phone }, { contactId: c.id }, c.email === undefined ? { phone: c.phone.replace(/^\+49/, "0") } : { email: c.email.toUpperCase() }])
      .slice(0, 50);
    const union: Expected = { items: {}, blobs: {}, csvRows: {} };
    for (const subject of subjects) {
      const found = expectedDiscovery(rt.dataMap, dataset, orgId, normalizeSubject(subject, "DE") as Record<string, string>, "DE");
      for (const [place, ids] of Object.entries(found.items)) union.items[place] = [...new Set([...(union.items[place] ?? []), ...ids])];
      for (const [place, names] of Object.entries(found.blobs)) union.blobs[place] = [...new Set([...(union.blobs[place] ?? []), ...names])];
      for (const [place, rows] of Object.entries(found.csvRows)) union.csvRows[place] = [...(union.csvRows[place] ?? []), ...rows];
    }
    const before = await snapshotPlatform(rt);
    const ids: string[] = [];
    for (const subject of subjects) {
      const opened = await call(rt.fn.submitRequestHandler, { path: "/api/requests", body: { type: "erasure", orgId, subject, verification: { method: "attested", by: "desk" } } });
      expect(opened.status).toBe(201);
      ids.push((opened.body as { id: string }).id);
    }

    const started = performance.now();
    const outcomes = await Promise.allSettled(ids.map((requestId) => rt.fn.workQueueHandler({ requestId }, invocationContext("work-queue", { dequeueCount: 1 }))));
    // A run that lost a race (its item changed under it) throws and is redelivered, as the host would.
    let retried = 0;
    await Promise.all(
      outcomes.map(async (outcome, index) => {
        if (outcome.status === "fulfilled") return;
        // The host redelivers up to its max dequeue count (5); the executor fails the request on the last.
        for (let dequeueCount = 2; dequeueCount <= 5; dequeueCount++) {
          retried += 1;
          try {
            await rt.fn.workQueueHandler({ requestId: ids[index] }, invocationContext("work-queue", { dequeueCount }));
            return;
          } catch {
            // redelivered again
          }
        }
      }),
    );
    const elapsedMs = Math.round(performance.now() - started);

    for (const id of ids) {
      const view = (await call(rt.fn.getRequestHandler, { path: "/x", params: { id } })).body as { status: string; certificate?: unknown };
      expect(view.status, `${id}: ${JSON.stringify(view)}`).toBe("completed");
    }
    expectOnlySubjectErased(rt, before, await snapshotPlatform(rt), orgId, union);
    recordFigure("load-erasures", { erasures: ids.length, completed: ids.length, redelivered: retried, elapsedMs });
  }, 180_000);
});

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { reportFunctions, reportHandlers, type ReportHandlers } from "../../functions/reports.js";
import { authorize, type Caller } from "../../src/domain/access.js";
import { JURISDICTIONS, REQUEST_TYPES, type Jurisdiction, type RequestType } from "../../src/domain/request.js";
import { requestReport } from "../../src/engine/reports.js";
import type { HttpFunctionDefinition } from "../../src/hosting/definition.js";
import { RequestReportView } from "../../src/http/report-view.js";
import { createCosmosClient, type CosmosRequestKind } from "../../src/stores/cosmos-client.js";
import { CosmosRequestReports } from "../../src/stores/cosmos-request-reports.js";
import { checkDocumented } from "../support/documented-response.js";
import { call, ORG_A, ORG_B, ORG_UNKNOWN, setupEngine, teardownEngines, type KeyName, type TestEngine } from "../support/engine.js";

// GET /api/reports/requests end to end on the emulators, with frozen time: requests opened
// through the API in several months, types, jurisdictions and states (closed through the API
// or, for the executor's outcomes, through the request store), and every figure of the report
// checked against a count made here from what was seeded; the due states against the request
// views themselves. The route is not in functions/all.ts yet, so each response is checked
// against the documented ones here.

const NOW = "2026-11-20T10:00:00.000Z";
const DEFAULT_MONTHS = ["2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"];
const ORG_JURISDICTION: Readonly<Record<string, Jurisdiction>> = { [ORG_A]: "GDPR", [ORG_B]: "CCPA" };

type SeedType = Extract<RequestType, "access" | "erasure" | "portability" | "child-data">;
type Ending = "reject" | "cancel" | "complete" | "fail" | "start";

interface Seed {
  readonly label: string;
  readonly orgId: string;
  readonly type: SeedType;
  readonly jurisdiction?: Jurisdiction;
  readonly receivedAt: string;
  readonly attested: boolean;
  /** When it was entered (default: a minute after receipt); a GDPR pause starts then. */
  readonly intakeAt?: string;
  readonly extendAt?: string;
  readonly end?: { readonly how: Ending; readonly at: string };
  /** The due state its view must show at NOW: what the seed is there to cover. */
  readonly expect?: "on-track" | "due-soon" | "overdue";
}

const SEEDS: readonly Seed[] = [
  // Open at NOW, one of each due state, with and without a running pause.
  { label: "queued-overdue", orgId: ORG_A, type: "access", receivedAt: "2026-08-03T09:00:00.000Z", attested: true, expect: "overdue" },
  { label: "queued-due-soon", orgId: ORG_A, type: "erasure", receivedAt: "2026-10-21T08:00:00.000Z", attested: true, expect: "due-soon" },
  { label: "queued-on-track", orgId: ORG_A, type: "portability", receivedAt: "2026-11-18T08:00:00.000Z", attested: true, expect: "on-track" },
  // Paused since receipt: the stored due date (2026-09-10) has passed, the running one has not.
  { label: "paused-stale", orgId: ORG_A, type: "access", receivedAt: "2026-08-10T10:00:00.000Z", attested: false, expect: "on-track" },
  // Entered 44 days after receipt: those days count, and the deadline passed despite the pause.
  { label: "paused-overdue", orgId: ORG_A, type: "erasure", receivedAt: "2026-09-01T10:00:00.000Z", intakeAt: "2026-10-15T10:00:00.000Z", attested: false, expect: "overdue" },
  // Entered 29 days after receipt: due Monday 23 Nov whatever the pause, 3 days from NOW.
  { label: "paused-due-soon", orgId: ORG_A, type: "access", receivedAt: "2026-10-01T09:00:00.000Z", intakeAt: "2026-10-30T09:00:00.000Z", attested: false, expect: "due-soon" },
  // Extended to 10 Dec: without its extension it would be overdue.
  { label: "extended", orgId: ORG_A, type: "access", receivedAt: "2026-09-10T09:00:00.000Z", attested: true, extendAt: "2026-10-01T09:00:00.000Z", expect: "on-track" },
  { label: "in-progress-overdue", orgId: ORG_A, type: "erasure", receivedAt: "2026-09-15T09:00:00.000Z", attested: true, end: { how: "start", at: "2026-09-16T09:00:00.000Z" }, expect: "overdue" },
  { label: "uk-awaiting", orgId: ORG_A, type: "child-data", jurisdiction: "UK-GDPR", receivedAt: "2026-11-16T09:00:00.000Z", attested: false, expect: "on-track" },
  // Closed, at month boundaries and across them.
  { label: "rejected", orgId: ORG_A, type: "access", receivedAt: "2026-01-05T10:00:00.000Z", attested: true, end: { how: "reject", at: "2026-01-20T10:00:00.000Z" } },
  { label: "cancelled-uk", orgId: ORG_A, type: "erasure", jurisdiction: "UK-GDPR", receivedAt: "2026-02-10T10:00:00.000Z", attested: true, end: { how: "cancel", at: "2026-02-12T08:00:00.000Z" } },
  { label: "completed-month", orgId: ORG_A, type: "access", receivedAt: "2026-03-01T00:00:00.000Z", attested: true, end: { how: "complete", at: "2026-03-31T23:59:59.999Z" } },
  { label: "failed-across", orgId: ORG_A, type: "erasure", receivedAt: "2026-06-30T23:59:59.999Z", intakeAt: "2026-06-30T23:59:59.999Z", attested: true, end: { how: "fail", at: "2026-07-01T00:00:00.000Z" } },
  // Received at 01:30 on 1 July in +02:00: 30 June in UTC.
  { label: "offset-june", orgId: ORG_A, type: "portability", receivedAt: "2026-07-01T01:30:00+02:00", attested: false, end: { how: "reject", at: "2026-07-10T12:00:00.000Z" } },
  // Received the second before the default range, closed the instant it starts.
  { label: "before-range", orgId: ORG_A, type: "access", receivedAt: "2025-11-30T23:59:59.000Z", intakeAt: "2025-11-30T23:59:59.500Z", attested: true, end: { how: "cancel", at: "2025-12-01T00:00:00.000Z" } },
  { label: "long-ago", orgId: ORG_A, type: "erasure", receivedAt: "2025-10-01T10:00:00.000Z", attested: true, end: { how: "complete", at: "2025-11-15T10:00:00.000Z" } },
  { label: "first-instant", orgId: ORG_A, type: "child-data", receivedAt: "2025-12-01T00:00:00.000Z", attested: true, end: { how: "complete", at: "2026-01-01T00:00:00.000Z" } },
  { label: "child-done", orgId: ORG_A, type: "child-data", receivedAt: "2026-11-02T09:00:00.000Z", attested: true, end: { how: "complete", at: "2026-11-19T09:00:00.000Z" } },
  // The other org (CCPA: no pause), one request under another jurisdiction.
  { label: "b-due-soon", orgId: ORG_B, type: "access", receivedAt: "2026-10-07T12:00:00.000Z", attested: true, expect: "due-soon" },
  { label: "b-awaiting-overdue", orgId: ORG_B, type: "erasure", receivedAt: "2026-09-01T10:00:00.000Z", attested: false, expect: "overdue" },
  { label: "b-cancelled", orgId: ORG_B, type: "access", receivedAt: "2026-04-10T10:00:00.000Z", attested: true, end: { how: "cancel", at: "2026-05-10T10:00:00.000Z" } },
  { label: "b-lgpd", orgId: ORG_B, type: "portability", jurisdiction: "LGPD", receivedAt: "2026-11-10T10:00:00.000Z", attested: true, expect: "on-track" },
  { label: "b-completed", orgId: ORG_B, type: "erasure", receivedAt: "2026-03-03T10:00:00.000Z", attested: true, end: { how: "complete", at: "2026-04-14T10:00:00.000Z" } },
];

/** What was seeded, as this test knows it: the oracle every figure is checked against. */
interface Seeded {
  readonly seed: Seed;
  readonly id: string;
  readonly jurisdiction: Jurisdiction;
  readonly receivedAt: string;
  readonly status: string;
  readonly closedAt?: string;
  /** The request view's deadlineState at NOW (open requests). */
  deadlineState?: string;
}

let rt: TestEngine;
let h: ReportHandlers;
let definition: HttpFunctionDefinition;
const seeded: Seeded[] = [];

const at = (iso: string) => {
  vi.setSystemTime(new Date(iso));
};
const minuteAfter = (iso: string) => new Date(Date.parse(iso) + 60_000).toISOString();

async function seedOne(seed: Seed): Promise<Seeded> {
  at(seed.intakeAt ?? minuteAfter(seed.receivedAt));
  const opened = await call(rt.fn.submitRequestHandler, {
    path: "/api/requests",
    body: {
      type: seed.type,
      orgId: seed.orgId,
      subject: { contactId: `contact-report-${seed.label}` },
      receivedAt: seed.receivedAt,
      ...(seed.jurisdiction === undefined ? {} : { jurisdiction: seed.jurisdiction }),
      ...(seed.attested ? { verification: { method: "attested", by: "checked the account in person" } } : {}),
    },
  });
  expect(opened.status, seed.label).toBe(201);
  const id = (opened.body as { id: string }).id;
  if (seed.extendAt !== undefined) {
    at(seed.extendAt);
    expect((await call(rt.fn.extendHandler, { path: "/x", params: { id }, body: { reason: "complex request, many systems" } })).status).toBe(200);
  }
  let status = seed.attested ? "queued" : "awaiting-verification";
  const end = seed.end;
  if (end !== undefined) {
    at(end.at);
    if (end.how === "reject") {
      expect((await call(rt.fn.rejectHandler, { path: "/x", params: { id }, body: { reason: "other", detail: "report fixture" } })).status).toBe(200);
      status = "rejected";
    } else if (end.how === "cancel") {
      expect((await call(rt.fn.cancelHandler, { path: "/x", params: { id }, body: {} })).status).toBe(200);
      status = "cancelled";
    } else {
      // The executor's outcomes, written to the store as the executor leaves them.
      const current = await rt.requests.get(id);
      if (current === undefined) throw new Error("seeded request vanished");
      status = end.how === "start" ? "in-progress" : end.how === "complete" ? "completed" : "failed";
      const outcome = end.how === "complete" ? "completed" : "failed";
      await rt.requests.replace(
        {
          ...current.value,
          status: status as "in-progress" | "completed" | "failed",
          updatedAt: end.at,
          ...(end.how === "start" ? {} : { resolution: { outcome, at: end.at, by: "report-fixture" } }),
        },
        current.etag,
      );
    }
  }
  const closed = ["rejected", "cancelled", "completed", "failed"].includes(status);
  return {
    seed,
    id,
    jurisdiction: seed.jurisdiction ?? ORG_JURISDICTION[seed.orgId] ?? "GDPR",
    receivedAt: new Date(seed.receivedAt).toISOString(),
    status,
    ...(closed && end !== undefined ? { closedAt: new Date(end.at).toISOString() } : {}),
  };
}

beforeAll(async () => {
  rt = await setupEngine();
  h = reportHandlers(rt);
  const found = reportFunctions(rt, h)[0];
  if (found === undefined) throw new Error("no report function");
  definition = found;
  vi.useFakeTimers({ toFake: ["Date"] });
  for (const seed of SEEDS) seeded.push(await seedOne(seed));
  at(NOW);
  // The due states as the request views show them at NOW: the report must agree with the queue.
  for (const s of seeded) {
    if (s.closedAt !== undefined) continue;
    const view = await call(rt.fn.getRequestHandler, { path: "/x", params: { id: s.id } });
    s.deadlineState = (view.body as { deadlineState: string }).deadlineState;
    expect((view.body as { status: string }).status, s.seed.label).toBe(s.status);
  }
}, 120_000);

afterAll(() => {
  vi.useRealTimers();
  teardownEngines();
});

/** Calls the route at NOW and checks the response against its documented ones. */
async function report(query: Record<string, string>, key: KeyName | null = "admin") {
  at(NOW);
  const response = await call(h.requestReportHandler, { path: `/api/reports/requests?${new URLSearchParams(query).toString()}`, key });
  checkDocumented(definition, response.status, response.headers, response.body);
  return response;
}

// --- The independent count --------------------------------------------------------------------

const DAY = 86_400_000;
const calendarDays = (from: string, to: string) => (Date.parse(to.slice(0, 10)) - Date.parse(from.slice(0, 10))) / DAY;

/** Percentile by linear interpolation, written apart from the engine's. */
function quantile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = p * (sorted.length - 1);
  const lower = sorted[Math.floor(position)] ?? Number.NaN;
  const upper = sorted[Math.ceil(position)] ?? Number.NaN;
  return Math.round((lower + (upper - lower) * (position - Math.floor(position))) * 10) / 10;
}

function closedFigures(list: readonly Seeded[]) {
  const days = list.map((s) => calendarDays(s.receivedAt, s.closedAt ?? ""));
  return { count: days.length, medianDays: quantile(days, 0.5), p90Days: quantile(days, 0.9) };
}

function receivedFigures(list: readonly Seeded[]) {
  return {
    total: list.length,
    byType: Object.fromEntries(REQUEST_TYPES.map((t) => [t, list.filter((s) => s.seed.type === t).length])),
    byJurisdiction: Object.fromEntries(JURISDICTIONS.map((j) => [j, list.filter((s) => s.jurisdiction === j).length])),
  };
}

/** The whole report body as it must be, counted from the seeds of `orgs` over `months`. */
function expectedReport(orgs: readonly string[], months: readonly string[], orgId?: string) {
  const mine = seeded.filter((s) => orgs.includes(s.seed.orgId));
  const open = mine.filter((s) => s.closedAt === undefined);
  const inMonths = (instant: string | undefined) => instant !== undefined && months.includes(instant.slice(0, 7));
  return {
    generatedAt: NOW,
    ...(orgId === undefined ? {} : { orgId }),
    from: months[0],
    to: months[months.length - 1],
    open: {
      total: open.length,
      byStatus: Object.fromEntries(["awaiting-verification", "queued", "in-progress"].map((st) => [st, open.filter((s) => s.status === st).length])),
      dueSoon: open.filter((s) => s.deadlineState === "due-soon").length,
      overdue: open.filter((s) => s.deadlineState === "overdue").length,
      dueSoonDays: 3,
    },
    received: receivedFigures(mine.filter((s) => inMonths(s.receivedAt))),
    closed: closedFigures(mine.filter((s) => inMonths(s.closedAt))),
    months: months.map((month) => ({
      month,
      received: receivedFigures(mine.filter((s) => s.receivedAt.slice(0, 7) === month)),
      closed: closedFigures(mine.filter((s) => s.closedAt?.slice(0, 7) === month)),
    })),
  };
}

// --- The tests ----------------------------------------------------------------------------------

describe("GET /api/reports/requests", () => {
  it("the seeds cover what they are meant to: every due state, with and without a running pause", () => {
    for (const s of seeded) if (s.seed.expect !== undefined) expect(s.deadlineState, s.seed.label).toBe(s.seed.expect);
    const paused = seeded.filter((s) => s.status === "awaiting-verification" && s.jurisdiction === "GDPR");
    expect(new Set(paused.map((s) => s.deadlineState))).toEqual(new Set(["on-track", "overdue", "due-soon"]));
  });

  it("every figure of the default range (the last 12 months) matches an independent count over all orgs", async () => {
    const response = await report({});
    expect(response.status).toBe(200);
    expect(RequestReportView.parse(response.body)).toEqual(response.body);
    expect(response.body).toEqual(expectedReport([ORG_A, ORG_B], DEFAULT_MONTHS));
  });

  it("the figures the fixture was built for, spelled out", async () => {
    const body = RequestReportView.parse((await report({ orgId: ORG_A })).body);
    // Open in ORG_A: 3 queued + extended + 1 in-progress; 4 awaiting verification (3 paused GDPR, 1 UK GDPR).
    expect(body.open.byStatus).toEqual({ "awaiting-verification": 4, queued: 4, "in-progress": 1 });
    // queued-overdue, paused-overdue, in-progress-overdue; not paused-stale (its stored date has passed) nor extended.
    expect(body.open.overdue).toBe(3);
    expect(body.open.dueSoon).toBe(2);
    const month = (m: string) => body.months.find((x) => x.month === m);
    // 30 June 23:59:59.999 and 1 July 01:30+02:00 are June; closed 1 July 00:00 is July's.
    expect(month("2026-06")?.received.total).toBe(2);
    expect(month("2026-07")?.received.total).toBe(0);
    expect(month("2026-07")?.closed).toEqual({ count: 2, medianDays: 5.5, p90Days: 9.1 });
    // Received 1 Dec 00:00 counts in December; 30 Nov 23:59:59 does not, but its close on 1 Dec does.
    expect(month("2025-12")?.received.byType["child-data"]).toBe(1);
    expect(month("2025-12")?.received.total).toBe(1);
    expect(month("2025-12")?.closed).toEqual({ count: 1, medianDays: 1, p90Days: 1 });
    expect(month("2026-02")?.received.byJurisdiction["UK-GDPR"]).toBe(1);
    // ORG_A closes in range: 15, 2, 30, 1, 10, 1, 31, 17 days.
    expect(body.closed).toEqual({ count: 8, medianDays: 12.5, p90Days: 30.3 });
  });

  it("an explicit range counts only its months, at its boundaries", async () => {
    const response = await report({ from: "2026-03", to: "2026-07" });
    expect(response.status).toBe(200);
    const months = ["2026-03", "2026-04", "2026-05", "2026-06", "2026-07"];
    expect(response.body).toEqual(expectedReport([ORG_A, ORG_B], months));
    const body = RequestReportView.parse(response.body);
    // 2026-03-31T23:59:59.999 is still March; the February cancellation is outside.
    expect(body.months[0]?.closed.count).toBe(1);
    // Open requests are counted now, whatever the range.
    expect(body.open.total).toBe(seeded.filter((s) => s.closedAt === undefined).length);
  });

  it("one month, and a range with nothing in it", async () => {
    expect((await report({ from: "2026-11", to: "2026-11" })).body).toEqual(expectedReport([ORG_A, ORG_B], ["2026-11"]));
    const empty = RequestReportView.parse((await report({ from: "2020-01", to: "2020-03" })).body);
    expect(empty.received.total).toBe(0);
    expect(empty.closed).toEqual({ count: 0, medianDays: null, p90Days: null });
    expect(empty.months.map((m) => m.month)).toEqual(["2020-01", "2020-02", "2020-03"]);
  });

  it("`from` alone runs to this month; `to` alone starts 11 months before it", async () => {
    expect((await report({ from: "2026-09" })).body).toEqual(expectedReport([ORG_A, ORG_B], ["2026-09", "2026-10", "2026-11"]));
    const toOnly = RequestReportView.parse((await report({ to: "2026-06" })).body);
    expect([toOnly.from, toOnly.to, toOnly.months.length]).toEqual(["2025-07", "2026-06", 12]);
  });

  it("org scope: an ORG_A operator or auditor sees ORG_A only, an ORG_B operator ORG_B only", async () => {
    for (const key of ["operator", "auditor"] as const) {
      expect((await report({}, key)).body, key).toEqual(expectedReport([ORG_A], DEFAULT_MONTHS));
      expect((await report({ orgId: ORG_A }, key)).body, key).toEqual(expectedReport([ORG_A], DEFAULT_MONTHS, ORG_A));
    }
    const b = await report({}, "operatorB");
    expect(b.body).toEqual(expectedReport([ORG_B], DEFAULT_MONTHS));
    expect((await report({ orgId: ORG_B })).body).toEqual(expectedReport([ORG_B], DEFAULT_MONTHS, ORG_B));
    // Nothing of ORG_A reaches ORG_B's operator, and the other way round.
    const bBody = RequestReportView.parse(b.body);
    expect(bBody.open.total).toBe(seeded.filter((s) => s.seed.orgId === ORG_B && s.closedAt === undefined).length);
    expect(bBody.received.byJurisdiction.GDPR).toBe(0);
  });

  it("an org the caller may not act on, or one the platform does not know, is a 404", async () => {
    for (const [query, key] of [
      [{ orgId: ORG_B }, "operator"],
      [{ orgId: ORG_A }, "operatorB"],
      [{ orgId: ORG_UNKNOWN }, "admin"],
    ] as const) {
      const response = await report(query, key);
      expect(response.status, `${key} ${query.orgId}`).toBe(404);
      expect((response.body as { reason: string }).reason).toBe("org-not-found");
    }
  });

  it("a bad query is a 400 naming the parameter", async () => {
    const cases: readonly [Record<string, string>, string][] = [
      [{ from: "2026-13" }, "query.from"],
      [{ to: "2026-1" }, "query.to"],
      [{ from: "2026-03-01" }, "query.from"],
      [{ from: "2026-08", to: "2026-07" }, "query.from"],
      [{ from: "2023-01", to: "2026-01" }, "query.from"],
      [{ orgId: "not an org" }, "query.orgId"],
      [{ status: "queued" }, "query.status"],
    ];
    for (const [query, path] of cases) {
      const response = await report(query);
      expect(response.status, JSON.stringify(query)).toBe(400);
      expect((response.body as { errors?: { path: string }[] }).errors?.map((e) => e.path), JSON.stringify(query)).toContain(path);
    }
    // 36 months is the most one report covers.
    expect((await report({ from: "2023-12", to: "2026-11" })).status).toBe(200);
  });

  it("who may read it: no caller is a 401, the service role a 403", async () => {
    expect((await report({}, null)).status).toBe(401);
    expect((await report({}, "service")).status).toBe(403);
  });

  it("is computed by a fixed number of queries, whatever the number of requests", async () => {
    const kinds: CosmosRequestKind[] = [];
    const client = createCosmosClient({ endpoint: rt.settings.COSMOS_ENDPOINT, key: rt.settings.COSMOS_KEY }, (kind) => kinds.push(kind));
    try {
      const reports = new CosmosRequestReports(client.database(rt.settings.PRIVACY_DATABASE).container("requests"));
      const admin: Caller = { id: "admin", kind: "api-key", role: "privacy-admin", orgs: "*" };
      at(NOW);
      const counted = await requestReport({ ...rt, reports }, authorize(admin, "request:read"), {});
      expect(JSON.parse(JSON.stringify(counted))).toEqual(expectedReport([ORG_A, ORG_B], DEFAULT_MONTHS));
      // Open counts, paused clocks, one per month, close times: each one page here.
      expect(kinds.filter((k) => k === "query")).toHaveLength(3 + DEFAULT_MONTHS.length);
      // Four times as many requests (copies in an org of their own, in every state): the same queries.
      const copies = await Promise.all(seeded.map((s) => rt.requests.get(s.id)));
      for (const [round, copy] of copies.flatMap((c) => (c === undefined ? [] : [c.value])).entries()) {
        for (const n of [1, 2, 3]) await rt.requests.create({ ...copy, id: randomUUID(), orgId: `org-report-bulk-${n}`, subjectKey: `${copy.subjectKey}-${round}-${n}` });
      }
      kinds.length = 0;
      const again = await requestReport({ ...rt, reports }, authorize(admin, "request:read"), {});
      expect(kinds.filter((k) => k === "query")).toHaveLength(3 + DEFAULT_MONTHS.length);
      expect(again.received.total).toBe(4 * counted.received.total);
      expect(again.open).toEqual({ ...counted.open, total: 4 * counted.open.total, byStatus: Object.fromEntries(Object.entries(counted.open.byStatus).map(([k, v]) => [k, 4 * v])), dueSoon: 4 * counted.open.dueSoon, overdue: 4 * counted.open.overdue });
      expect(again.closed).toEqual({ ...counted.closed, count: 4 * counted.closed.count });
    } finally {
      client.dispose();
    }
  });
});

import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isExists, isStale } from "../../src/domain/errors.js";
import type { PrivacyRequestRecord } from "../../src/domain/privacy-request.js";
import type { RequestFilter, RequestStore } from "../../src/engine/ports.js";
import { allPages, bookkeepingFields, distinctIds, expectEngineError, madeOnce, rejection, sorted } from "./support.js";

// What the engine relies on from its request store (src/engine/commit.ts, requests.ts,
// deadline-check.ts, package-expiry.ts, erasure.ts): versioned writes under ETags, listings that
// filter and page without losing or repeating a request (in either order of `list`), and
// not-found as undefined. About 500 lines: the port has eight methods, and the suite keeps them
// together as one contract.

export interface RequestStoreSubject {
  readonly store: RequestStore;
}

/** A request document as the engine stores it; made-up ids and keys only. */
export function requestRecord(overrides: Partial<PrivacyRequestRecord> = {}): PrivacyRequestRecord {
  const at = "2030-01-02T10:00:00.000Z";
  return {
    id: randomUUID(),
    orgId: "org-contract-a",
    type: "access",
    status: "queued",
    jurisdiction: "GDPR",
    subject: { contactId: "contact-contract-1" },
    subjectKey: "sk-contract-1",
    receivedAt: at,
    createdAt: at,
    updatedAt: at,
    createdBy: { kind: "system", id: "contract-suite" },
    verification: { state: "verified", method: "attested", by: "contract-suite", verifiedAt: at },
    pausedDays: 0,
    dueAt: "2030-02-01",
    deadlineState: "on-track",
    ...overrides,
  };
}

const PENDING: NonNullable<PrivacyRequestRecord["pending"]> = { audit: [], events: [], enqueue: true };

export function requestStoreContract(name: string, make: () => Promise<RequestStoreSubject>): void {
  describe(`RequestStore contract: ${name}`, () => {
    describe("versioned writes", () => {
      const subject = madeOnce(make);

      it("create returns the record as stored with an ETag; get returns the same value and ETag", async () => {
        const { store } = subject();
        const record = requestRecord({ pending: PENDING, note: "contract" });
        const created = await store.create(record);
        expect(created.value).toEqual(record);
        expect(created.etag).toEqual(expect.any(String));
        expect(created.etag).not.toBe("");
        const read = await store.get(record.id);
        expect(read).toEqual({ value: record, etag: created.etag });
      });

      it("get of an id never created is undefined", async () => {
        expect(await subject().store.get(randomUUID())).toBeUndefined();
      });

      it("create of an existing id is `exists`, and the stored request stays as it was", async () => {
        const { store } = subject();
        const record = requestRecord();
        const created = await store.create(record);
        const error = await rejection(store.create({ ...record, status: "rejected" }));
        expect(isExists(error), String(error)).toBe(true);
        expect(await store.get(record.id)).toEqual(created);
      });

      it("two creates of one id at once: one is stored, the other is `exists`", async () => {
        const { store } = subject();
        const record = requestRecord();
        const results = await Promise.allSettled([store.create({ ...record, note: "first" }), store.create({ ...record, note: "second" })]);
        const stored = results.filter((r) => r.status === "fulfilled");
        const refused = results.filter((r) => r.status === "rejected");
        expect(stored).toHaveLength(1);
        expect(refused).toHaveLength(1);
        expect(isExists(refused[0]?.reason)).toBe(true);
        expect((await store.get(record.id))?.value.note).toBe(stored[0]?.value.value.note);
      });

      it("replace under the current ETag stores the new record and hands out a new ETag", async () => {
        const { store } = subject();
        const created = await store.create(requestRecord());
        const next = { ...created.value, status: "in-progress" as const, updatedAt: "2030-01-03T00:00:00.000Z" };
        const replaced = await store.replace(next, created.etag);
        expect(replaced.value).toEqual(next);
        expect(replaced.etag).not.toBe(created.etag);
        expect(await store.get(next.id)).toEqual({ value: next, etag: replaced.etag });
        // Every write moves the ETag, also one that stores the same value again.
        const again = await store.replace(next, replaced.etag);
        expect(again.etag).not.toBe(replaced.etag);
      });

      it("a stale ETag is a conflict with reason `stale`, and changes nothing", async () => {
        const { store } = subject();
        const created = await store.create(requestRecord());
        const replaced = await store.replace({ ...created.value, note: "second" }, created.etag);
        const error = await rejection(store.replace({ ...created.value, note: "lost update" }, created.etag));
        expect(isStale(error), String(error)).toBe(true);
        expect(await store.get(created.value.id)).toEqual(replaced);
      });

      it("two replaces under one ETag: exactly one wins, the other is `stale`", async () => {
        const { store } = subject();
        const created = await store.create(requestRecord());
        const results = await Promise.allSettled([
          store.replace({ ...created.value, note: "a" }, created.etag),
          store.replace({ ...created.value, note: "b" }, created.etag),
        ]);
        const won = results.filter((r) => r.status === "fulfilled");
        const lost = results.filter((r) => r.status === "rejected");
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect(isStale(lost[0]?.reason)).toBe(true);
        expect(await store.get(created.value.id)).toEqual(won[0]?.value);
      });

      it("replace replaces the whole document: a field left out is gone (how pending effects are cleared)", async () => {
        const { store } = subject();
        const created = await store.create(requestRecord({ pending: PENDING, statusReason: "waiting" }));
        const { pending: _p, statusReason: _s, ...cleared } = created.value;
        const replaced = await store.replace(cleared, created.etag);
        const read = await store.get(created.value.id);
        expect(read?.value).toEqual(cleared);
        expect(read?.value).not.toHaveProperty("pending");
        expect(read?.value).not.toHaveProperty("statusReason");
        expect(read?.etag).toBe(replaced.etag);
      });

      it("replace of a request that was never created is refused and creates nothing", async () => {
        const { store } = subject();
        const record = requestRecord();
        const error = await rejection(store.replace(record, '"no-such-etag"'));
        expect(isExists(error)).toBe(false);
        expect(await store.get(record.id)).toBeUndefined();
      });

      it("values are copies: changing what was passed in or handed out changes nothing stored", async () => {
        const { store } = subject();
        const record = structuredClone(requestRecord({ subject: { contactId: "contact-copy" } }));
        const created = await store.create(record);
        (record.subject as { contactId?: string }).contactId = "changed-input";
        (created.value.subject as { contactId?: string }).contactId = "changed-output";
        const read = await store.get(record.id);
        expect(read?.value.subject.contactId).toBe("contact-copy");
        (read!.value.subject as { contactId?: string }).contactId = "changed-read";
        expect((await store.get(record.id))?.value.subject.contactId).toBe("contact-copy");
      });

      it("values carry no store bookkeeping (system properties such as _etag, _rid, _ts)", async () => {
        const { store } = subject();
        const created = await store.create(requestRecord());
        const replaced = await store.replace({ ...created.value, note: "x" }, created.etag);
        const read = await store.get(created.value.id);
        for (const value of [created.value, replaced.value, read!.value]) expect(bookkeepingFields(value)).toEqual([]);
      });
    });

    describe("list", () => {
      const A = "org-list-a";
      const B = "org-list-b";
      const C = "org-list-c";
      const at = (day: number, hour = 0) => `2030-03-${String(day).padStart(2, "0")}T${String(hour).padStart(2, "0")}:00:00.000Z`;
      const records = [
        requestRecord({ orgId: A, type: "access", status: "queued", createdAt: at(1), dueAt: "2030-04-01" }),
        requestRecord({ orgId: A, type: "erasure", status: "queued", jurisdiction: "CCPA", createdAt: at(2), dueAt: "2030-04-02" }),
        requestRecord({ orgId: A, type: "erasure", status: "completed", createdAt: at(3), dueAt: "2030-04-03" }),
        // Due early, but extended past it: the extended date is the one that counts.
        requestRecord({ orgId: A, type: "access", status: "in-progress", createdAt: at(4), dueAt: "2030-03-20", extendedDueAt: "2030-05-20" }),
        requestRecord({ orgId: A, type: "access", status: "queued", jurisdiction: "CCPA", createdAt: at(5), dueAt: "2030-04-10" }),
        requestRecord({ orgId: A, type: "portability", status: "rejected", createdAt: at(6), dueAt: "2030-04-11" }),
        requestRecord({ orgId: A, type: "erasure", status: "queued", createdAt: at(7), dueAt: "2030-04-12" }),
        requestRecord({ orgId: B, type: "access", status: "queued", createdAt: at(8), dueAt: "2030-04-01" }),
        requestRecord({ orgId: B, type: "erasure", status: "awaiting-verification", jurisdiction: "CCPA", createdAt: at(9), dueAt: "2030-04-05" }),
        requestRecord({ orgId: C, type: "access", status: "queued", jurisdiction: "UK-GDPR", createdAt: at(10), dueAt: "2030-04-01" }),
      ];
      const subject = madeOnce(async () => {
        const made = await make();
        for (const record of records) await made.store.create(record);
        return made;
      });
      const listAll = async (filter: RequestFilter, limit = 100) => (await allPages((token) => subject().store.list(filter, { limit, ...(token === undefined ? {} : { continuationToken: token }) }), limit)).items;
      const idsWhere = (keep: (r: PrivacyRequestRecord) => boolean) => sorted(records.filter(keep).map((r) => r.id));

      it("orgIds `*` lists every request; a list of orgs lists only theirs", async () => {
        expect(sorted(distinctIds(await listAll({ orgIds: "*" })))).toEqual(idsWhere(() => true));
        expect(sorted(distinctIds(await listAll({ orgIds: [A, C] })))).toEqual(idsWhere((r) => r.orgId === A || r.orgId === C));
        expect(await listAll({ orgIds: ["org-list-none"] })).toEqual([]);
      });

      it("filters by org, status and type, alone and together, within the caller's orgs", async () => {
        expect(sorted(distinctIds(await listAll({ orgIds: "*", orgId: B })))).toEqual(idsWhere((r) => r.orgId === B));
        expect(sorted(distinctIds(await listAll({ orgIds: "*", status: "queued" })))).toEqual(idsWhere((r) => r.status === "queued"));
        expect(sorted(distinctIds(await listAll({ orgIds: "*", type: "erasure" })))).toEqual(idsWhere((r) => r.type === "erasure"));
        expect(sorted(distinctIds(await listAll({ orgIds: [A, B], status: "queued", type: "access" })))).toEqual(
          idsWhere((r) => (r.orgId === A || r.orgId === B) && r.status === "queued" && r.type === "access"),
        );
        // An org filter outside the caller's orgs finds nothing.
        expect(await listAll({ orgIds: [A], orgId: B })).toEqual([]);
      });

      it("filters by jurisdiction, alone and with the other filters", async () => {
        expect(sorted(distinctIds(await listAll({ orgIds: "*", jurisdiction: "CCPA" })))).toEqual(idsWhere((r) => r.jurisdiction === "CCPA"));
        expect(sorted(distinctIds(await listAll({ orgIds: "*", jurisdiction: "GDPR" }, 2)))).toEqual(idsWhere((r) => r.jurisdiction === "GDPR"));
        expect(sorted(distinctIds(await listAll({ orgIds: [A, B], jurisdiction: "CCPA", status: "queued" })))).toEqual(
          idsWhere((r) => (r.orgId === A || r.orgId === B) && r.jurisdiction === "CCPA" && r.status === "queued"),
        );
        expect(await listAll({ orgIds: [A, B], jurisdiction: "UK-GDPR" })).toEqual([]);
      });

      it("dueBefore compares the effective due date (the extended one where set), strictly before", async () => {
        const due = (r: PrivacyRequestRecord) => r.extendedDueAt ?? r.dueAt;
        expect(sorted(distinctIds(await listAll({ orgIds: "*", dueBefore: "2030-04-02" })))).toEqual(idsWhere((r) => due(r) < "2030-04-02"));
        expect(sorted(distinctIds(await listAll({ orgIds: [A], dueBefore: "2030-04-11" })))).toEqual(idsWhere((r) => r.orgId === A && due(r) < "2030-04-11"));
      });

      it("lists newest first (createdAt descending), across pages too", async () => {
        const newestFirst = [...records].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map((r) => r.id);
        expect((await listAll({ orgIds: "*" })).map((r) => r.id)).toEqual(newestFirst);
        expect((await listAll({ orgIds: "*" }, 3)).map((r) => r.id)).toEqual(newestFirst);
        expect((await listAll({ orgIds: "*", sort: "newest" }, 3)).map((r) => r.id)).toEqual(newestFirst);
      });

      it("pages hold at most `limit` requests and together the whole listing, each once; the last page has no token", async () => {
        for (const limit of [1, 2, 4]) {
          const { items, pages } = await allPages((token) => subject().store.list({ orgIds: [A] }, { limit, ...(token === undefined ? {} : { continuationToken: token }) }), limit);
          expect(sorted(distinctIds(items))).toEqual(idsWhere((r) => r.orgId === A));
          expect(pages).toBeGreaterThanOrEqual(Math.ceil(items.length / limit));
        }
      });

      it("listed requests are the stored records, without bookkeeping fields", async () => {
        const listed = await listAll({ orgIds: [C] });
        expect(listed).toEqual(records.filter((r) => r.orgId === C));
        expect(bookkeepingFields(listed[0]!)).toEqual([]);
      });

      it("an empty listing is an empty page without a token", async () => {
        expect(await subject().store.list({ orgIds: "*", orgId: "org-list-none" }, { limit: 10 })).toEqual({ items: [] });
      });

      it("a continuation token from another listing (another caller's orgs) is a validation error `invalid-continuation-token`", async () => {
        const first = await subject().store.list({ orgIds: [A] }, { limit: 2 });
        expect(first.continuationToken).toBeDefined();
        const error = await rejection(subject().store.list({ orgIds: [A, B] }, { limit: 2, continuationToken: first.continuationToken! }));
        expectEngineError(error, "validation", "invalid-continuation-token");
        const other = await rejection(subject().store.list({ orgIds: [A], status: "queued" }, { limit: 2, continuationToken: first.continuationToken! }));
        expectEngineError(other, "validation", "invalid-continuation-token");
      });

      it("a token the store never handed out is a validation error `invalid-continuation-token`", async () => {
        for (const token of ["not-a-token", "v1.0000.AAAA", Buffer.from("{}").toString("base64url")]) {
          expectEngineError(await rejection(subject().store.list({ orgIds: "*" }, { limit: 2, continuationToken: token })), "validation", "invalid-continuation-token");
        }
      });
    });

    describe("list, most urgent first (sort `due`)", () => {
      const org = "org-due";
      const at = (day: number) => `2030-03-${String(day).padStart(2, "0")}T09:00:00.000Z`;
      // Ties on purpose: one effective due date for several requests, with and without an
      // extension, some created at the same instant (then the id decides).
      const records = [
        requestRecord({ orgId: org, createdAt: at(5), dueAt: "2030-04-10" }),
        requestRecord({ orgId: org, createdAt: at(1), dueAt: "2030-04-10" }),
        requestRecord({ orgId: org, createdAt: at(3), dueAt: "2030-03-20", extendedDueAt: "2030-04-10" }),
        requestRecord({ orgId: org, createdAt: at(3), dueAt: "2030-04-10" }),
        requestRecord({ orgId: org, createdAt: at(3), dueAt: "2030-04-10", status: "completed" }),
        requestRecord({ orgId: org, createdAt: at(3), dueAt: "2030-03-01", extendedDueAt: "2030-04-10", jurisdiction: "CCPA" }),
        requestRecord({ orgId: org, createdAt: at(9), dueAt: "2030-03-25" }),
        requestRecord({ orgId: org, createdAt: at(2), dueAt: "2030-03-15", extendedDueAt: "2030-05-15" }),
        requestRecord({ orgId: org, createdAt: at(8), dueAt: "2030-03-31", extendedDueAt: "2030-04-01", jurisdiction: "CCPA" }),
        requestRecord({ orgId: org, createdAt: at(7), dueAt: "2030-05-15", status: "in-progress" }),
        requestRecord({ orgId: org, createdAt: at(6), dueAt: "2030-05-15" }),
        requestRecord({ orgId: org, createdAt: at(4), dueAt: "2030-02-28", jurisdiction: "CCPA" }),
        requestRecord({ orgId: "org-due-other", createdAt: at(1), dueAt: "2030-01-01" }),
      ];
      const subject = madeOnce(async () => {
        const made = await make();
        for (const record of records) await made.store.create(record);
        return made;
      });
      const key = (r: PrivacyRequestRecord) => [r.extendedDueAt ?? r.dueAt, r.createdAt, r.id];
      const byKey = (a: PrivacyRequestRecord, b: PrivacyRequestRecord) => {
        const [x, y] = [key(a), key(b)];
        for (let i = 0; i < x.length; i += 1) if (x[i] !== y[i]) return (x[i] ?? "") < (y[i] ?? "") ? -1 : 1;
        return 0;
      };
      const mostUrgent = (keep: (r: PrivacyRequestRecord) => boolean) => records.filter(keep).sort(byKey).map((r) => r.id);
      const listed = async (filter: Omit<RequestFilter, "sort">, limit: number) =>
        distinctIds((await allPages((token) => subject().store.list({ ...filter, sort: "due" }, { limit, ...(token === undefined ? {} : { continuationToken: token }) }), limit)).items);

      it("orders by the effective due date, then createdAt, then id, the same across every page size", async () => {
        const expected = mostUrgent((r) => r.orgId === org);
        // The order of the fixture is not the answer: the test would prove nothing if it were.
        expect(expected).not.toEqual(records.filter((r) => r.orgId === org).map((r) => r.id));
        for (const limit of [1, 2, 3, 5, 100]) expect(await listed({ orgIds: [org] }, limit), `limit ${String(limit)}`).toEqual(expected);
      });

      it("orders within the filters: org scope, status, jurisdiction, dueBefore", async () => {
        expect(await listed({ orgIds: "*" }, 4)).toEqual(mostUrgent(() => true));
        expect(await listed({ orgIds: [org], status: "queued" }, 2)).toEqual(mostUrgent((r) => r.orgId === org && r.status === "queued"));
        expect(await listed({ orgIds: [org], jurisdiction: "CCPA" }, 1)).toEqual(mostUrgent((r) => r.orgId === org && r.jurisdiction === "CCPA"));
        expect(await listed({ orgIds: [org], dueBefore: "2030-04-11" }, 3)).toEqual(mostUrgent((r) => r.orgId === org && (r.extendedDueAt ?? r.dueAt) < "2030-04-11"));
      });

      it("requests written on earlier pages do not shift the later ones: each seen once, none skipped", async () => {
        const { store } = subject();
        const seen: string[] = [];
        let token: string | undefined;
        do {
          const page = await store.list({ orgIds: [org], sort: "due" }, { limit: 2, ...(token === undefined ? {} : { continuationToken: token }) });
          for (const item of page.items) {
            seen.push(item.id);
            const current = await store.get(item.id);
            await store.replace({ ...current!.value, note: "seen", updatedAt: "2030-06-01T00:00:00.000Z" }, current!.etag);
          }
          token = page.continuationToken;
        } while (token !== undefined);
        expect(distinctIds(seen.map((id) => ({ id })))).toEqual(mostUrgent((r) => r.orgId === org));
      });

      it("a token of one order is refused by the other; a token of the same order and filter is taken", async () => {
        const { store } = subject();
        const due = await store.list({ orgIds: [org], sort: "due" }, { limit: 2 });
        const newest = await store.list({ orgIds: [org] }, { limit: 2 });
        expect(due.continuationToken).toBeDefined();
        expect(newest.continuationToken).toBeDefined();
        expectEngineError(await rejection(store.list({ orgIds: [org] }, { limit: 2, continuationToken: due.continuationToken! })), "validation", "invalid-continuation-token");
        expectEngineError(await rejection(store.list({ orgIds: [org], sort: "due" }, { limit: 2, continuationToken: newest.continuationToken! })), "validation", "invalid-continuation-token");
        expectEngineError(
          await rejection(store.list({ orgIds: [org], sort: "due", status: "queued" }, { limit: 2, continuationToken: due.continuationToken! })),
          "validation",
          "invalid-continuation-token",
        );
        for (const token of ["not-a-token", Buffer.from("[]").toString("base64url")]) {
          expectEngineError(await rejection(store.list({ orgIds: [org], sort: "due" }, { limit: 2, continuationToken: token })), "validation", "invalid-continuation-token");
        }
        const next = await store.list({ orgIds: [org], sort: "due" }, { limit: 2, continuationToken: due.continuationToken! });
        expect(next.items.map((r) => r.id)).toEqual(mostUrgent((r) => r.orgId === org).slice(2, 4));
      });
    });

    describe("deadline candidates, expired deliveries, pending effects, a subject's requests", () => {
      const org = "org-queries";
      const old = "2030-01-01T00:00:00.000Z";
      const recent = "2030-06-01T00:00:00.000Z";
      const delivery = (expiresAt: string, deletedAt?: string): NonNullable<PrivacyRequestRecord["delivery"]> => ({
        blobName: `packages/${randomUUID()}.zip`,
        url: "https://example.invalid/package",
        expiresAt,
        sha256: "0".repeat(64),
        bytes: 1,
        ...(deletedAt === undefined ? {} : { deletedAt }),
      });
      const cases = {
        dueOnTheDay: requestRecord({ orgId: org, status: "queued", dueAt: "2030-05-10" }),
        dueBefore: requestRecord({ orgId: org, status: "awaiting-verification", dueAt: "2030-05-01" }),
        dueInProgress: requestRecord({ orgId: org, status: "in-progress", dueAt: "2030-04-01" }),
        dueLater: requestRecord({ orgId: org, status: "queued", dueAt: "2030-05-11" }),
        extendedPast: requestRecord({ orgId: org, status: "queued", dueAt: "2030-04-01", extendedDueAt: "2030-06-01" }),
        extendedDue: requestRecord({ orgId: org, status: "queued", dueAt: "2030-03-01", extendedDueAt: "2030-05-09" }),
        closedEarly: requestRecord({ orgId: org, status: "completed", dueAt: "2030-03-01" }),
        rejectedEarly: requestRecord({ orgId: org, status: "rejected", dueAt: "2030-03-01" }),
        expired: requestRecord({ orgId: org, status: "completed", dueAt: "2031-01-01", delivery: delivery("2030-05-01T00:00:00.000Z") }),
        expiresLater: requestRecord({ orgId: org, status: "completed", dueAt: "2031-01-01", delivery: delivery("2030-07-01T00:00:00.000Z") }),
        expiredDeleted: requestRecord({ orgId: org, status: "completed", dueAt: "2031-01-01", delivery: delivery("2030-05-01T00:00:00.000Z", "2030-05-02T00:00:00.000Z") }),
        pendingOld: requestRecord({ orgId: org, status: "completed", dueAt: "2031-01-01", updatedAt: old, pending: PENDING }),
        pendingRecent: requestRecord({ orgId: org, status: "completed", dueAt: "2031-01-01", updatedAt: recent, pending: PENDING }),
        flushedOld: requestRecord({ orgId: org, status: "completed", dueAt: "2031-01-01", updatedAt: old }),
        subjectAccess: requestRecord({ orgId: org, status: "completed", dueAt: "2031-01-01", type: "access", subjectKey: "sk-subject-1" }),
        subjectPortability: requestRecord({ orgId: org, status: "queued", dueAt: "2031-01-01", type: "portability", subjectKey: "sk-subject-2" }),
        subjectErasure: requestRecord({ orgId: org, status: "queued", dueAt: "2031-01-01", type: "erasure", subjectKey: "sk-subject-1" }),
        subjectOtherKey: requestRecord({ orgId: org, status: "queued", dueAt: "2031-01-01", type: "access", subjectKey: "sk-subject-3" }),
        subjectOtherOrg: requestRecord({ orgId: "org-queries-other", status: "queued", dueAt: "2031-01-01", type: "access", subjectKey: "sk-subject-1" }),
      };
      const subject = madeOnce(async () => {
        const made = await make();
        for (const record of Object.values(cases)) await made.store.create(record);
        return made;
      });
      const ids = (...names: (keyof typeof cases)[]) => sorted(names.map((n) => cases[n].id));

      it("deadline candidates: open requests whose effective due date is on or before the date, never closed ones", async () => {
        const { items } = await allPages((token) => subject().store.deadlineCandidates("2030-05-10", token));
        const mine = items.filter((i) => i.value.orgId === org).map((i) => i.value);
        expect(sorted(distinctIds(mine))).toEqual(ids("dueOnTheDay", "dueBefore", "dueInProgress", "extendedDue"));
      });

      it("expired deliveries: a package link expired strictly before `before` and not yet deleted", async () => {
        const { items } = await allPages((token) => subject().store.expiredDeliveries("2030-06-01T00:00:00.000Z", token));
        expect(sorted(distinctIds(items.map((i) => i.value)))).toEqual(ids("expired"));
        const { items: atExpiry } = await allPages((token) => subject().store.expiredDeliveries("2030-05-01T00:00:00.000Z", token));
        expect(atExpiry).toEqual([]);
      });

      it("pending effects: requests with `pending`, last written strictly before `before`", async () => {
        const { items } = await allPages((token) => subject().store.withPendingEffects("2030-03-01T00:00:00.000Z", token));
        expect(sorted(distinctIds(items.map((i) => i.value)))).toEqual(ids("pendingOld"));
        const { items: later } = await allPages((token) => subject().store.withPendingEffects("2030-07-01T00:00:00.000Z", token));
        expect(sorted(distinctIds(later.map((i) => i.value)))).toEqual(ids("pendingOld", "pendingRecent"));
      });

      it("a subject's requests: that org only, any of the keys, of the given types, open or closed", async () => {
        const found = await subject().store.forSubject(org, ["sk-subject-1", "sk-subject-2"], ["access", "portability"]);
        expect(sorted(distinctIds(found.map((f) => f.value)))).toEqual(ids("subjectAccess", "subjectPortability"));
        expect(await subject().store.forSubject(org, ["sk-subject-none"], ["access"])).toEqual([]);
        expect(await subject().store.forSubject("org-queries-none", ["sk-subject-1"], ["access"])).toEqual([]);
      });

      it("what these listings hand out carries the current ETag: a replace under it succeeds", async () => {
        const { store } = subject();
        const [candidate] = (await store.deadlineCandidates("2030-05-10")).items.filter((i) => i.value.id === cases.dueBefore.id);
        const [pending] = (await store.withPendingEffects("2030-03-01T00:00:00.000Z")).items;
        const [expired] = (await store.expiredDeliveries("2030-06-01T00:00:00.000Z")).items;
        const [earlier] = await store.forSubject(org, ["sk-subject-2"], ["portability"]);
        for (const found of [candidate, pending, expired, earlier]) {
          expect(found).toBeDefined();
          expect(found?.value).toEqual((await store.get(found!.value.id))?.value);
          const replaced = await store.replace({ ...found!.value, note: "touched" }, found!.etag);
          expect(replaced.etag).not.toBe(found!.etag);
        }
      });
    });

    describe("paging through more than a page while the pages are worked on", () => {
      // More than the Cosmos adapter's page of 100, so every listing needs a continuation token.
      const COUNT = 130;
      const subject = madeOnce(async () => {
        const made = await make();
        const records = Array.from({ length: COUNT }, (_, i) =>
          requestRecord({
            orgId: "org-many",
            status: "queued",
            dueAt: "2030-02-01",
            updatedAt: "2030-01-01T00:00:00.000Z",
            pending: PENDING,
            delivery: { blobName: `packages/many-${i}.zip`, url: "https://example.invalid/p", expiresAt: "2030-01-15T00:00:00.000Z", sha256: "0".repeat(64), bytes: 1 },
          }),
        );
        for (let i = 0; i < records.length; i += 20) await Promise.all(records.slice(i, i + 20).map((r) => made.store.create(r)));
        return { ...made, ids: sorted(records.map((r) => r.id)) };
      });

      it("deadline candidates replaced page by page (the deadline check) are each seen once, none skipped", async () => {
        const { store, ids } = subject();
        const seen: string[] = [];
        let pages = 0;
        let token: string | undefined;
        do {
          const page = await store.deadlineCandidates("2030-02-01", token);
          pages += 1;
          for (const item of page.items) {
            seen.push(item.value.id);
            // Still a candidate after the change, as a refreshed deadline state is.
            await store.replace({ ...item.value, deadlineState: "overdue" }, item.etag);
          }
          token = page.continuationToken;
        } while (token !== undefined);
        expect(pages).toBeGreaterThan(1);
        expect(sorted(distinctIds(seen.map((id) => ({ id }))))).toEqual(ids);
      });

      it("expired deliveries that leave the listing as they are handled (the package sweep) skip none", async () => {
        const { store, ids } = subject();
        const seen: string[] = [];
        let token: string | undefined;
        do {
          const page = await store.expiredDeliveries("2030-02-01T00:00:00.000Z", token);
          for (const item of page.items) {
            seen.push(item.value.id);
            await store.replace({ ...item.value, delivery: { ...item.value.delivery!, deletedAt: "2030-02-01T00:00:00.000Z" } }, item.etag);
          }
          token = page.continuationToken;
        } while (token !== undefined);
        expect(sorted(distinctIds(seen.map((id) => ({ id }))))).toEqual(ids);
        expect((await store.expiredDeliveries("2030-02-01T00:00:00.000Z")).items).toEqual([]);
      });

      it("pending effects flushed page by page (the hourly flush) skip none", async () => {
        const { store, ids } = subject();
        const seen: string[] = [];
        let token: string | undefined;
        do {
          const page = await store.withPendingEffects("2030-02-01T00:00:00.000Z", token);
          for (const item of page.items) {
            seen.push(item.value.id);
            const { pending: _done, ...cleared } = item.value;
            await store.replace(cleared, item.etag);
          }
          token = page.continuationToken;
        } while (token !== undefined);
        expect(sorted(distinctIds(seen.map((id) => ({ id }))))).toEqual(ids);
        expect((await store.withPendingEffects("2030-02-01T00:00:00.000Z")).items).toEqual([]);
      });
    });
  });
}

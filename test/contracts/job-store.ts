import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isStale } from "../../src/domain/errors.js";
import type { JobStore } from "../../src/engine/ports.js";
import { bookkeepingFields, madeOnce, rejection } from "./support.js";

// What the erasure and offboarding executors rely on from their job store (src/engine/erasure.ts,
// offboarding.ts): `get ?? create ?? get` finds or makes exactly one job however many runs race,
// and each checkpoint is a replace under the ETag, so a run that lost its place cannot overwrite.

/** A job document shaped like the engine's (a step, counters, an optional part that comes and goes). */
export interface ContractJob {
  readonly id: string;
  readonly orgId: string;
  readonly step: "discovery" | "erase" | "verify" | "done";
  readonly nextPage: number;
  readonly keys: Record<string, string[]>;
  readonly verification?: { remaining: number; checkedAt: string };
}

export interface JobStoreSubject {
  readonly store: JobStore<ContractJob>;
}

export function contractJob(overrides: Partial<ContractJob> = {}): ContractJob {
  return { id: randomUUID(), orgId: "org-jobs", step: "discovery", nextPage: 0, keys: { contactId: ["contact-job-1"] }, ...overrides };
}

export function jobStoreContract(name: string, make: () => Promise<JobStoreSubject>): void {
  describe(`JobStore contract: ${name}`, () => {
    const subject = madeOnce(make);

    it("get of a job never created is undefined", async () => {
      expect(await subject().store.get(randomUUID())).toBeUndefined();
    });

    it("create returns the job as stored with an ETag; get returns the same value and ETag", async () => {
      const { store } = subject();
      const job = contractJob();
      const created = await store.create(job);
      expect(created?.value).toEqual(job);
      expect(created?.etag).toEqual(expect.any(String));
      expect(created?.etag).not.toBe("");
      expect(await store.get(job.id)).toEqual(created);
      expect(bookkeepingFields(created!.value)).toEqual([]);
    });

    it("create of an existing id is undefined, and the job stays as the first run made it", async () => {
      const { store } = subject();
      const job = contractJob();
      const first = await store.create(job);
      expect(await store.create({ ...job, step: "done" })).toBeUndefined();
      expect(await store.get(job.id)).toEqual(first);
    });

    it("runs racing to create one job: exactly one creates it, the others get undefined and read it", async () => {
      const { store } = subject();
      const job = contractJob();
      const results = await Promise.all([1, 2, 3, 4].map((n) => store.create({ ...job, nextPage: n })));
      const created = results.filter((r) => r !== undefined);
      expect(created).toHaveLength(1);
      expect(await store.get(job.id)).toEqual(created[0]);
    });

    it("replace under the current ETag stores the new job and hands out a new ETag", async () => {
      const { store } = subject();
      const created = (await store.create(contractJob()))!;
      const next: ContractJob = { ...created.value, step: "erase", nextPage: 3 };
      const replaced = await store.replace(next, created.etag);
      expect(replaced.value).toEqual(next);
      expect(replaced.etag).not.toBe(created.etag);
      expect(await store.get(next.id)).toEqual(replaced);
    });

    it("a stale ETag is a conflict with reason `stale`, and changes nothing", async () => {
      const { store } = subject();
      const created = (await store.create(contractJob()))!;
      const replaced = await store.replace({ ...created.value, nextPage: 1 }, created.etag);
      const error = await rejection(store.replace({ ...created.value, nextPage: 99 }, created.etag));
      expect(isStale(error), String(error)).toBe(true);
      expect(await store.get(created.value.id)).toEqual(replaced);
    });

    it("two checkpoints under one ETag: exactly one wins, the other is `stale`", async () => {
      const { store } = subject();
      const created = (await store.create(contractJob()))!;
      const results = await Promise.allSettled([store.replace({ ...created.value, nextPage: 1 }, created.etag), store.replace({ ...created.value, nextPage: 2 }, created.etag)]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const lost = results.find((r) => r.status === "rejected");
      expect(isStale(lost?.reason)).toBe(true);
    });

    it("replace replaces the whole job: a field left out is gone", async () => {
      const { store } = subject();
      const created = (await store.create(contractJob({ verification: { remaining: 2, checkedAt: "2030-01-01T00:00:00.000Z" } })))!;
      const { verification: _v, ...rest } = created.value;
      const next: ContractJob = { ...rest, step: "done", keys: {} };
      await store.replace(next, created.etag);
      const read = await store.get(next.id);
      expect(read?.value).toEqual(next);
      expect(read?.value).not.toHaveProperty("verification");
    });

    it("values are copies: changing one handed out changes nothing stored", async () => {
      const { store } = subject();
      const created = (await store.create(contractJob()))!;
      created.value.keys.contactId?.push("changed-output");
      const read = await store.get(created.value.id);
      expect(read?.value.keys).toEqual({ contactId: ["contact-job-1"] });
      read!.value.keys.extra = ["changed-read"];
      expect((await store.get(created.value.id))?.value.keys).toEqual({ contactId: ["contact-job-1"] });
    });
  });
}

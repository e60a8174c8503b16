import { randomUUID } from "node:crypto";
import { beforeAll, beforeEach, expect } from "vitest";
import { EngineError } from "../../src/domain/errors.js";
import type { Page } from "../../src/engine/ports.js";

// Shared by the contract suites: one subject made per describe block (or per test), paging to the
// end, and the checks every store answer must pass. No personal data: ids and keys are made up.

/** Makes the suite's subject once, before the tests of the enclosing describe block; the getter reads it. */
export function madeOnce<T>(make: () => Promise<T>): () => T {
  let subject: T | undefined;
  beforeAll(async () => {
    subject = await make();
  });
  return () => {
    if (subject === undefined) throw new Error("the subject is made in beforeAll");
    return subject;
  };
}

/** Makes a fresh subject before each test of the enclosing describe block. */
export function madeEach<T>(make: () => Promise<T>): () => T {
  let subject: T | undefined;
  beforeEach(async () => {
    subject = await make();
  });
  return () => {
    if (subject === undefined) throw new Error("the subject is made in beforeEach");
    return subject;
  };
}

/** Follows continuation tokens to the end; every page is checked against `limit` (when given). */
export async function allPages<T>(
  fetch: (continuationToken: string | undefined) => Promise<Page<T>>,
  limit?: number,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await fetch(token);
    pages += 1;
    if (limit !== undefined) expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    // A token is a string that moves on: the same token twice would page forever.
    if (page.continuationToken !== undefined) {
      expect(typeof page.continuationToken).toBe("string");
      expect(page.continuationToken).not.toBe(token);
    }
    token = page.continuationToken;
    if (pages > 10_000) throw new Error("paging did not end");
  } while (token !== undefined);
  return { items, pages };
}

/** Ids in the order given, checked to hold no duplicate. */
export function distinctIds(items: readonly { readonly id: string }[]): string[] {
  const ids = items.map((i) => i.id);
  expect(new Set(ids).size, "no item may come twice").toBe(ids.length);
  return ids;
}

/** The rejection of `promise`, which must reject. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to be refused, but it succeeded");
}

/** Checks an EngineError with this code (and reason, when given). */
export function expectEngineError(error: unknown, code: EngineError["code"], reason?: string): void {
  expect(error).toBeInstanceOf(EngineError);
  const engineError = error as EngineError;
  expect(engineError.code).toBe(code);
  if (reason !== undefined) expect(engineError.reason).toBe(reason);
}

/** Field names a store keeps for itself (Cosmos system properties) that must not leak into values. */
export function bookkeepingFields(value: object): string[] {
  return Object.keys(value).filter((k) => k.startsWith("_"));
}

/** A short unique suffix, so tests sharing one store never see each other's documents. */
export const unique = (label: string): string => `${label}-${randomUUID().slice(0, 8)}`;

/** Sorted copy, for comparing sets of ids. */
export const sorted = (values: readonly string[]): string[] => [...values].sort();

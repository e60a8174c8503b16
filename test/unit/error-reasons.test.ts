import { describe, expect, expectTypeOf, it } from "vitest";
import {
  ERROR_REASONS,
  EngineError,
  isExists,
  isStale,
  type EngineErrorCode,
  type EngineErrorReason,
  type ReasonOf,
} from "../../src/domain/errors.js";

// The reasons table is API (problem+json `reason`, the end of its `type`): well-formed, no
// duplicates, and the typing that keeps a construction to its code's reasons must stay tight.
// The `@ts-expect-error` lines make `tsc -p tsconfig.json` fail if that typing is loosened.

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const CODES = Object.keys(ERROR_REASONS) as EngineErrorCode[];

describe("error reasons", () => {
  it.each(CODES)("%s: every reason is kebab-case, listed once, and not the code itself (the implicit default)", (code) => {
    const reasons: readonly string[] = ERROR_REASONS[code];
    for (const reason of [code, ...reasons]) expect(reason).toMatch(KEBAB);
    expect(new Set(reasons).size).toBe(reasons.length);
    expect(reasons).not.toContain(code);
  });

  it.each(CODES)("%s: an error without a reason carries the code as its reason", (code) => {
    const error = new EngineError(code, "message");
    expect(error.code).toBe(code);
    expect(error.reason).toBe(code);
  });

  it.each(CODES)("%s: every listed reason is carried as given", (code) => {
    for (const reason of ERROR_REASONS[code]) expect(new EngineError(code, "message", { reason }).reason).toBe(reason);
  });

  it("isStale and isExists tell the two conflicts of a store apart", () => {
    const stale = new EngineError("conflict", "changed", { reason: "stale" });
    const exists = new EngineError("conflict", "there", { reason: "exists" });
    expect([isStale(stale), isExists(stale)]).toEqual([true, false]);
    expect([isStale(exists), isExists(exists)]).toEqual([false, true]);
    expect(isStale(new EngineError("conflict", "other"))).toBe(false);
    expect(isStale({ code: "conflict", reason: "stale" })).toBe(false);
  });

  it("a construction takes only its code's reasons (checked by tsc)", () => {
    expectTypeOf<ReasonOf<"unauthenticated">>().toEqualTypeOf<"unauthenticated">();
    expectTypeOf<ReasonOf<"payload-too-large">>().toEqualTypeOf<"payload-too-large" | "body-too-large">();
    expectTypeOf(new EngineError("conflict", "m", { reason: "illegal-transition" }).reason).toEqualTypeOf<ReasonOf<"conflict">>();

    // @ts-expect-error a reason no code has
    const unknown = new EngineError("conflict", "m", { reason: "typo" });
    // @ts-expect-error a reason of another code
    const borrowed = new EngineError("conflict", "m", { reason: "invalid-input" });
    // @ts-expect-error another code as the reason
    const otherCode = new EngineError("not-found", "m", { reason: "conflict" });
    // The table is a compile-time contract: at run time the reason is kept as given.
    expect([unknown.reason, borrowed.reason, otherCode.reason]).toEqual(["typo", "invalid-input", "conflict"]);
  });

  it("instanceof narrows to an EngineError of any code, not EngineError<any> (checked by tsc)", () => {
    const thrown: unknown = new EngineError("validation", "m", { reason: "invalid-input" });
    if (!(thrown instanceof EngineError)) throw new Error("not an EngineError");
    expectTypeOf(thrown.code).toEqualTypeOf<EngineErrorCode>();
    expectTypeOf(thrown.reason).toEqualTypeOf<EngineErrorReason>();
    // @ts-expect-error a reason no code has cannot be compared with
    expect(thrown.reason === "typo").toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { EngineError, ensureError, toEngineError } from "../../src/domain/errors.js";

// A thrown non-Error may be anything the code at hand held, personal data included.

const PHONE = "+4930123456789";
const EMAIL = "mila.nowak@example.org";

/** Everything an error carries that a log line or a problem response could print. */
function everything(error: Error): string {
  const cause: unknown = error.cause;
  return [error.message, String(error), error.stack ?? "", cause === undefined ? "" : typeof cause === "string" ? cause : JSON.stringify(cause)].join("\n");
}

describe("ensureError", () => {
  it("keeps an Error as it is", () => {
    const error = new TypeError("boom");
    expect(ensureError(error)).toBe(error);
  });

  it.each([
    ["an object", { phone: PHONE, email: EMAIL }, "object"],
    ["a string", `${EMAIL} ${PHONE}`, "string"],
    ["an array", [PHONE, EMAIL], "object"],
    ["an object whose toString names it", { toString: (): string => PHONE, toJSON: (): string => EMAIL }, "object"],
  ])("names only the type of %s thrown, never its content", (_what, thrown, type) => {
    const error = ensureError(thrown);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe(`non-Error thrown: ${type}`);
    expect(everything(error)).not.toContain(PHONE);
    expect(everything(error)).not.toContain(EMAIL);
    const wrapped = toEngineError(thrown);
    expect(wrapped).toBeInstanceOf(EngineError);
    expect(everything(wrapped)).not.toContain(PHONE);
    expect(everything(wrapped.cause as Error)).not.toContain(PHONE);
    expect(everything(wrapped.cause as Error)).not.toContain(EMAIL);
  });

  it("names the primitive types", () => {
    expect(ensureError(42).message).toBe("non-Error thrown: number");
    expect(ensureError(undefined).message).toBe("non-Error thrown: undefined");
    expect(ensureError(null).message).toBe("non-Error thrown: null");
    expect(ensureError(Symbol("x")).message).toBe("non-Error thrown: symbol");
  });
});

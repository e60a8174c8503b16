import { describe, expect, it } from "vitest";
import { EngineError } from "../../src/domain/errors.js";
import { normalizeEmail, normalizePhone, normalizeSubject, primaryIdentifier } from "../../src/domain/identifiers.js";

describe("identifier normalisation", () => {
  it.each([
    ["+49 30 1234567", undefined, "+49301234567"],
    ["030 1234567", "DE", "+49301234567"],
    ["(030) 123-4567", "DE", "+49301234567"],
    ["+1 (415) 555-0123", "DE", "+14155550123"],
    ["415.555.0123", "US", "+14155550123"],
    ["0049 30 1234567", "DE", "+49301234567"],
  ])("normalises %s (default %s) to E.164", (input, country, expected) => {
    expect(normalizePhone(input, country)).toBe(expected);
  });

  it.each([["call me maybe"], ["Mila Hartmann +49301234567"], ["+49301234567x"], ["12"], ["030 1234567"]])(
    "refuses %s without a usable country as a validation error naming the field",
    (input) => {
      try {
        normalizePhone(input, undefined, "subject.phone");
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(EngineError);
        expect((error as EngineError).fields[0]?.path).toBe("subject.phone");
        expect((error as EngineError).message).not.toContain(input);
      }
    },
  );

  it("trims and lower-cases emails, and picks the most specific identifier", () => {
    expect(normalizeEmail("  Mila.Hartmann@Example.COM ")).toBe("mila.hartmann@example.com");
    const subject = normalizeSubject({ email: "A@B.example", phone: "030 1234567" }, "DE");
    expect(subject).toEqual({ email: "a@b.example", phone: "+49301234567" });
    expect(primaryIdentifier(subject)).toEqual({ kind: "phone", value: "+49301234567" });
    expect(primaryIdentifier({ userId: "u-1", email: "x@y.z" })).toEqual({ kind: "userId", value: "u-1" });
  });
});

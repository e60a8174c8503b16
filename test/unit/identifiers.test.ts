import { describe, expect, it } from "vitest";
import { EngineError } from "../../src/domain/errors.js";
import { IDENTIFIER_KINDS, isUsableIdentifier, normalizeEmail, normalizeIdentifier, normalizePhone, normalizeSubject, primaryIdentifier } from "../../src/domain/identifiers.js";

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

describe("placeholder identifiers (issue 12.1)", () => {
  const placeholders = ["", "   ", "-", "--", "?", "n/a", "N/A", "na", "n.a.", "null", "NULL", "none", "undefined", "unknown", "Unknown ", "0", "noemail", "no email"];

  it.each(IDENTIFIER_KINDS.flatMap((kind) => placeholders.map((value) => [kind, value] as const)))("%s %j is no identifier", (kind, value) => {
    expect(isUsableIdentifier(kind, value)).toBe(false);
    expect(normalizeIdentifier(kind, value, "DE")).toBeUndefined();
  });

  it.each([["0000000"], ["000 000 0000"], ["+49 0000000"], ["+1 000 000 0000"], ["0049 000000"], ["---"], ["( ) /"]])("phone %j (all zeros or no digits) is no identifier", (value) => {
    expect(isUsableIdentifier("phone", value)).toBe(false);
    expect(normalizeIdentifier("phone", value, "DE")).toBeUndefined();
  });

  it.each([["noemail"], ["@"], ["@example.com"], ["someone@"], ["  @  "], ["n/a@"]])("email %j (no @, empty local or domain part) is no identifier", (value) => {
    expect(isUsableIdentifier("email", value)).toBe(false);
    expect(normalizeIdentifier("email", value, "DE")).toBeUndefined();
  });

  it("keeps real identifiers, in canonical form, for every kind (entity keys too)", () => {
    expect(normalizeIdentifier("phone", "030 1234567", "DE")).toBe("+49301234567");
    expect(normalizeIdentifier("phone", "+49 30 1234567", undefined)).toBe("+49301234567");
    expect(normalizeIdentifier("phone", "call me", "DE")).toBeUndefined();
    expect(normalizeIdentifier("email", " Mila@Example.COM ", "DE")).toBe("mila@example.com");
    expect(normalizeIdentifier("contactId", "contact-demo-0001", "DE")).toBe("contact-demo-0001");
    expect(normalizeIdentifier("conversationId", "conv-1", "DE")).toBe("conv-1");
    expect(normalizeIdentifier("conversationId", "null", "DE")).toBeUndefined();
    expect(isUsableIdentifier("userId", "u-0")).toBe(true);
    expect(isUsableIdentifier("email", "nadia@n.example")).toBe(true);
  });

  it("drops placeholder identifiers of a subject that has a real one", () => {
    expect(normalizeSubject({ email: "a@b.example", phone: "0000000", contactId: "n/a" }, "DE")).toEqual({ email: "a@b.example" });
    expect(normalizeSubject({ userId: "u-1", email: "unknown@" }, "DE")).toEqual({ userId: "u-1" });
  });

  it.each([
    [{ contactId: "n/a" }, ["subject.contactId"]],
    [{ userId: "null" }, ["subject.userId"]],
    [{ phone: "0000000" }, ["subject.phone"]],
    [{ email: "  " }, ["subject.email"]],
    [{ contactId: "-", phone: "000 000 0000" }, ["subject.contactId", "subject.phone"]],
  ])("refuses a subject whose only identifiers are placeholders: %j", (subject, paths) => {
    try {
      normalizeSubject(subject, "DE");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EngineError);
      expect((error as EngineError).code).toBe("validation");
      expect((error as EngineError).fields.map((f) => f.path)).toEqual(paths);
    }
  });
});

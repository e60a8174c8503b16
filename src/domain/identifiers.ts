import { parsePhoneNumberWithError, type CountryCode } from "libphonenumber-js";
import { EngineError } from "./errors.js";
import type { Subject } from "./request.js";

/** A subject's identifiers in their canonical forms: phones E.164, emails trimmed and lower-cased. */
export interface NormalizedSubject {
  readonly contactId?: string;
  readonly userId?: string;
  readonly phone?: string;
  readonly email?: string;
}

export const IDENTIFIER_KINDS = ["contactId", "userId", "phone", "email"] as const;
export type IdentifierKind = (typeof IDENTIFIER_KINDS)[number];

const PHONE_CHARACTERS = /^\+?[0-9()\-.\s/]{3,40}$/;

export function normalizeEmail(value: string): string {
  return value.trim().toLowerCase();
}

/**
 * E.164 form of a phone number, using the org's default country for national formats.
 * Throws a validation error naming `path` when the number cannot be normalised.
 */
export function normalizePhone(value: string, defaultCountry: string | undefined, path = "phone"): string {
  try {
    // The parser would pick a number out of surrounding text; an identifier must be only a number.
    if (!PHONE_CHARACTERS.test(value.trim())) throw new Error("not only a phone number");
    const parsed = parsePhoneNumberWithError(value, defaultCountry as CountryCode | undefined);
    if (!parsed.isPossible()) throw new Error("not a possible number");
    return parsed.number;
  } catch (cause) {
    throw new EngineError("validation", `${path} is not a phone number that can be normalised to E.164`, {
      reason: "invalid-identifier",
      fields: [{ path, message: "cannot be normalised to E.164 (add the country code, e.g. +49...)" }],
      cause,
    });
  }
}

export function normalizeSubject(subject: Subject, defaultCountry: string | undefined): NormalizedSubject {
  return {
    ...(subject.contactId === undefined ? {} : { contactId: subject.contactId.trim() }),
    ...(subject.userId === undefined ? {} : { userId: subject.userId.trim() }),
    ...(subject.phone === undefined ? {} : { phone: normalizePhone(subject.phone, defaultCountry, "subject.phone") }),
    ...(subject.email === undefined ? {} : { email: normalizeEmail(subject.email) }),
  };
}

/** The identifier that names the subject in audit and events: the most specific one given. */
export function primaryIdentifier(subject: NormalizedSubject): { kind: IdentifierKind; value: string } {
  for (const kind of IDENTIFIER_KINDS) {
    const value = subject[kind];
    if (value !== undefined) return { kind, value };
  }
  throw new EngineError("validation", "A subject needs at least one identifier", { reason: "no-identifier" });
}

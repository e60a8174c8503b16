import { parsePhoneNumberFromString, parsePhoneNumberWithError, type CountryCode } from "libphonenumber-js";
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

/**
 * Values people type when they have no identifier to give: never keys, never query parameters,
 * never matches. Compared trimmed and lower-cased; values made only of punctuation
 * and whitespace, and numbers made only of zeros, are placeholders too.
 */
const PLACEHOLDERS: ReadonlySet<string> = new Set([
  "n/a", "na", "n.a.", "n.a", "n/v", "nil", "null", "none", "undefined", "unknown", "unbekannt", "void",
  "tbd", "todo", "not available", "not applicable", "not provided", "no email", "no-email", "noemail",
  "no phone", "no-phone", "nophone", "no number", "empty", "blank", "missing", "anonymous",
]);
const ONLY_PUNCTUATION = /^[\s\-_.,;:?!*#~/\\|()[\]{}'"`]*$/u;
const ONLY_ZEROS = /^0+$/;

/** Whether a value, whatever its kind, is a placeholder rather than an identifier. */
export function isPlaceholder(value: string): boolean {
  const folded = value.trim().toLowerCase();
  return ONLY_PUNCTUATION.test(folded) || ONLY_ZEROS.test(folded) || PLACEHOLDERS.has(folded);
}

/** Phones with no digit, or whose digits (or national number) are all zeros. */
function isPlaceholderPhone(value: string): boolean {
  const digits = value.replace(/\D/g, "");
  if (digits === "" || ONLY_ZEROS.test(digits)) return true;
  // `+49 0000000` and `0049 0000000`: a country code, then zeros.
  const international = value.trim().startsWith("+") ? `+${digits}` : digits.startsWith("00") ? `+${digits.slice(2)}` : undefined;
  const national = international === undefined ? undefined : parsePhoneNumberFromString(international)?.nationalNumber;
  return national !== undefined && ONLY_ZEROS.test(national);
}

/** Emails need a non-empty, non-placeholder local part and domain around an `@`. */
function isPlaceholderEmail(value: string): boolean {
  const trimmed = value.trim();
  const at = trimmed.lastIndexOf("@");
  if (at < 0) return true;
  const local = trimmed.slice(0, at);
  const domain = trimmed.slice(at + 1);
  return isPlaceholder(local) || isPlaceholder(domain);
}

/**
 * The one predicate for "can this value name a person?": every place an identifier turns into a
 * key, a query parameter or a match asks it. `kind` is any key kind of the data map (entity keys
 * such as conversationId only get the general placeholder rule).
 */
export function isUsableIdentifier(kind: string, value: string): boolean {
  if (isPlaceholder(value)) return false;
  if (kind === "phone") return !isPlaceholderPhone(value);
  if (kind === "email") return !isPlaceholderEmail(value);
  return true;
}

/**
 * A key value in canonical form (phones E.164, emails trimmed and lower-cased, others as stored), or undefined
 * when it names no one: a placeholder, or a phone that cannot be normalised.
 */
export function normalizeIdentifier(kind: string, raw: string, defaultCountry: string | undefined): string | undefined {
  if (!isUsableIdentifier(kind, raw)) return undefined;
  if (kind === "email") return normalizeEmail(raw);
  // Other kinds are compared as stored: the queries ask for exact values.
  if (kind !== "phone") return raw;
  try {
    const e164 = normalizePhone(raw, defaultCountry);
    // "0000000" in a national format reads as the country code and zeros: still no one.
    return isPlaceholderPhone(e164) ? undefined : e164;
  } catch {
    return undefined;
  }
}

/**
 * A request's subject in canonical form. Placeholder identifiers are dropped; a subject left with
 * none is a validation error naming each placeholder field (never its value).
 */
export function normalizeSubject(subject: Subject, defaultCountry: string | undefined): NormalizedSubject {
  const given = IDENTIFIER_KINDS.filter((kind) => subject[kind] !== undefined);
  const usable = given.filter((kind) => {
    const value = subject[kind];
    if (value === undefined || !isUsableIdentifier(kind, value)) return false;
    // A phone that normalises to zeros only ("0000000" in a national format) is no identifier either.
    return kind !== "phone" || !isPlaceholderPhone(normalizePhone(value, defaultCountry, "subject.phone"));
  });
  if (usable.length === 0 && given.length > 0) {
    throw new EngineError("validation", "The subject's identifiers are placeholders, not identifiers", {
      reason: "placeholder-identifier",
      fields: given.map((kind) => ({ path: `subject.${kind}`, message: "is a placeholder (empty, a dash, zeros...), not an identifier" })),
    });
  }
  const value = (kind: IdentifierKind): string | undefined => (usable.includes(kind) ? subject[kind] : undefined);
  const contactId = value("contactId");
  const userId = value("userId");
  const phone = value("phone");
  const email = value("email");
  return {
    ...(contactId === undefined ? {} : { contactId: contactId.trim() }),
    ...(userId === undefined ? {} : { userId: userId.trim() }),
    ...(phone === undefined ? {} : { phone: normalizePhone(phone, defaultCountry, "subject.phone") }),
    ...(email === undefined ? {} : { email: normalizeEmail(email) }),
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

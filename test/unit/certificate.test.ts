import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CertificateSchema, hashedId, signCertificate, verifyCertificate, type Certificate, type UnsignedCertificate } from "../../src/domain/certificate.js";

const KEY = "test-certificate-key-0123456789abcdef";

const unsigned: UnsignedCertificate = {
  version: 1,
  requestId: "7f1c2d3e-0000-4000-8000-000000000001",
  orgId: "org-a",
  subjectKey: "sk_abc",
  reason: "erasure",
  outcome: "partially-erased",
  categories: ["messages", "contacts"],
  places: {
    contacts: { deleted: 2, anonymised: 0, kept: 0, idsDigest: "a".repeat(64), hashedIds: ["h1", "h2"] },
    messages: { deleted: 0, anonymised: 3, kept: 1, idsDigest: "b".repeat(64) },
  },
  exceptions: [{ place: "messages", count: 1, reason: "legal hold: litigation" }],
  verification: { remaining: 0, checkedAt: "2026-03-01T10:05:00.000Z" },
  startedAt: "2026-03-01T10:00:00.000Z",
  finishedAt: "2026-03-01T10:05:00.000Z",
  engineVersion: "1.4.0",
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = readonly (string | number)[];

/** Every path in a value: each object and array (to add to or drop from) and each leaf. */
function paths(value: Json, prefix: Path = []): Path[] {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((v, i) => paths(v, [...prefix, i]))];
  if (value !== null && typeof value === "object") return [prefix, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...prefix, k]))];
  return [prefix];
}

/** A change that always alters the value's JSON (never to an equal-in-JSON value). */
function altered(value: Json, variant: number): Json {
  if (Array.isArray(value)) return variant % 2 === 0 || value.length === 0 ? [...value, "extra"] : value.slice(1);
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    const first = keys[0];
    if (variant % 2 === 0 || first === undefined) return { ...value, extra: 0 };
    const { [first]: _dropped, ...rest } = value;
    return rest;
  }
  if (typeof value === "string") return variant % 3 === 0 ? `${value}x` : variant % 3 === 1 ? value.slice(0, -1) + (value.endsWith("0") ? "1" : "0") : 0;
  if (typeof value === "number") return variant % 2 === 0 ? value + 1 : String(value);
  if (typeof value === "boolean") return !value;
  return "null";
}

function changedAt(value: Json, path: Path, variant: number): Json {
  const [head, ...tail] = path;
  if (head === undefined) return altered(value, variant);
  if (Array.isArray(value) && typeof head === "number") return value.map((v, i) => (i === head ? changedAt(v, tail, variant) : v));
  if (value !== null && typeof value === "object" && !Array.isArray(value) && typeof head === "string") {
    return { ...value, [head]: changedAt(value[head] as Json, tail, variant) };
  }
  throw new Error(`no value at ${path.join(".")}`);
}

const asJson = (c: Certificate): Json => JSON.parse(JSON.stringify(c)) as Json;

describe("erasure certificate", () => {
  it("signs with a 64-hex HMAC that verifies, is schema-valid and deterministic", () => {
    const signed = signCertificate(KEY, unsigned);
    expect(signed.signature).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyCertificate(KEY, signed)).toBe(true);
    expect(CertificateSchema.parse(signed)).toEqual(signed);
    expect(signCertificate(KEY, unsigned).signature).toBe(signed.signature);
    // The signature covers only the certificate, not the one that was on it before.
    expect(signCertificate(KEY, { ...unsigned }).signature).toBe(signed.signature);
    const { signature: _s, ...rest } = signed;
    expect(rest).toEqual(unsigned);
  });

  it("does not depend on key order, nor on an optional field left undefined", () => {
    const signed = signCertificate(KEY, unsigned);
    const reversed = Object.fromEntries(Object.entries(signed).reverse()) as Certificate;
    expect(verifyCertificate(KEY, reversed)).toBe(true);
    const { categories: _c, ...withoutCategories } = unsigned;
    expect(signCertificate(KEY, { ...withoutCategories, categories: undefined }).signature).toBe(signCertificate(KEY, withoutCategories).signature);
    // A round trip through storage (JSON) keeps it valid.
    expect(verifyCertificate(KEY, JSON.parse(JSON.stringify(signed)) as Certificate)).toBe(true);
  });

  it("is invalid under another key, and with a changed, truncated, upper-cased or empty signature", () => {
    const signed = signCertificate(KEY, unsigned);
    expect(verifyCertificate(`${KEY}x`, signed)).toBe(false);
    expect(verifyCertificate("", signed)).toBe(false);
    const flipped = `${signed.signature.slice(0, -1)}${signed.signature.endsWith("0") ? "1" : "0"}`;
    expect(verifyCertificate(KEY, { ...signed, signature: flipped })).toBe(false);
    expect(verifyCertificate(KEY, { ...signed, signature: signed.signature.slice(0, 63) })).toBe(false);
    expect(verifyCertificate(KEY, { ...signed, signature: signed.signature.toUpperCase() })).toBe(false);
    expect(verifyCertificate(KEY, { ...signed, signature: "" })).toBe(false);
  });

  it("detects an added or removed optional field", () => {
    const signed = signCertificate(KEY, unsigned);
    const { categories: _c, ...withoutCategories } = signed;
    expect(verifyCertificate(KEY, withoutCategories)).toBe(false);
    const { hashedIds: _h, ...contacts } = signed.places.contacts ?? { deleted: 0, anonymised: 0, kept: 0, idsDigest: "" };
    expect(verifyCertificate(KEY, { ...signed, places: { ...signed.places, contacts } })).toBe(false);
  });

  it("any change to any field, at any depth, makes it invalid (property over field paths)", () => {
    const signed = asJson(signCertificate(KEY, unsigned));
    // The signature itself is covered by the test above; every other path is data.
    const all = paths(signed).filter((p) => p.length > 0 && p[0] !== "signature");
    expect(all.length).toBeGreaterThan(30);
    fc.assert(
      fc.property(fc.constantFrom(...all), fc.nat(5), (path, variant) => {
        const tampered = changedAt(signed, path, variant);
        expect(JSON.stringify(tampered)).not.toBe(JSON.stringify(signed));
        expect(verifyCertificate(KEY, tampered as unknown as Certificate)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it("signs and verifies any certificate, and only under its own key (property)", () => {
    const text = fc.string({ maxLength: 12 });
    const count = fc.nat(1000);
    const place = fc.record(
      { deleted: count, anonymised: count, kept: count, idsDigest: text, hashedIds: fc.array(text, { maxLength: 3 }) },
      { requiredKeys: ["deleted", "anonymised", "kept", "idsDigest"] },
    );
    const certificate: fc.Arbitrary<UnsignedCertificate> = fc.record(
      {
        version: fc.constant(1 as const),
        requestId: fc.uuid(),
        orgId: text,
        subjectKey: text,
        reason: text,
        outcome: fc.constantFrom("erased" as const, "partially-erased" as const),
        categories: fc.array(text, { maxLength: 3 }),
        places: fc.dictionary(fc.stringMatching(/^[a-z][a-z-]{0,8}$/), place, { maxKeys: 3 }),
        exceptions: fc.array(fc.record({ place: text, count, reason: text }), { maxLength: 2 }),
        verification: fc.record({ remaining: count, checkedAt: text }),
        startedAt: text,
        finishedAt: text,
        engineVersion: text,
      },
      { requiredKeys: ["version", "requestId", "orgId", "subjectKey", "reason", "outcome", "places", "exceptions", "verification", "startedAt", "finishedAt", "engineVersion"] },
    );
    fc.assert(
      fc.property(certificate, fc.string({ minLength: 1, maxLength: 16 }), fc.string({ minLength: 1, maxLength: 16 }), (c, key, other) => {
        const signed = signCertificate(key, c);
        expect(verifyCertificate(key, signed)).toBe(true);
        expect(verifyCertificate(other, signed)).toBe(key === other);
        expect(verifyCertificate(key, { ...signed, engineVersion: `${signed.engineVersion}.` })).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe("hashed ids on the certificate", () => {
  it("are 32 hex characters, stable, and differ by key, place and id", () => {
    const h = hashedId(KEY, "contacts", "c-1");
    expect(h).toMatch(/^[0-9a-f]{32}$/);
    expect(hashedId(KEY, "contacts", "c-1")).toBe(h);
    expect(hashedId(`${KEY}x`, "contacts", "c-1")).not.toBe(h);
    expect(hashedId(KEY, "messages", "c-1")).not.toBe(h);
    expect(hashedId(KEY, "contacts", "c-2")).not.toBe(h);
    // The separator keeps place and id apart: ("ab", "c") is not ("a", "bc").
    expect(hashedId(KEY, "ab", "c")).not.toBe(hashedId(KEY, "a", "bc"));
    expect(h).not.toContain("c-1");
  });
});

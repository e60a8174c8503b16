import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/domain/canonical-json.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * JSON values without a `__proto__` key: `sortKeys` assigns keys onto a plain object, where
 * `__proto__` sets the prototype instead of a property (a known gap, reported, not pinned here).
 */
const json: fc.Arbitrary<Json> = fc.jsonValue({ maxDepth: 4 }).filter((v) => !JSON.stringify(v).includes('"__proto__"')) as fc.Arbitrary<Json>;

/** The same value with every object's keys inserted in another order (reversed, then rotated by `shift`). */
function reordered(value: Json, shift: number): Json {
  if (Array.isArray(value)) return value.map((v) => reordered(v, shift));
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).reverse();
    const k = keys.length === 0 ? 0 : shift % keys.length;
    const out: { [key: string]: Json } = {};
    for (const key of [...keys.slice(k), ...keys.slice(0, k)]) out[key] = reordered(value[key] as Json, shift);
    return out;
  }
  return value;
}

/** A key JS objects always list first, in numeric order: a canonical array index ("0", "17", not "01"). */
const isIndex = (key: string): boolean => /^(0|[1-9]\d*)$/.test(key) && Number(key) < 2 ** 32 - 1;

/**
 * The order canonicalJson produces: index-like keys first, ascending by number (a JS object lists
 * them so, whatever order they were added in), then every other key in ascending code-unit order.
 */
const canonicalBefore = (a: string, b: string): boolean =>
  isIndex(a) ? !isIndex(b) || Number(a) < Number(b) : !isIndex(b) && a < b;

/** Every object in a parsed value has its keys in canonical order. */
function keysSorted(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(keysSorted);
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    return keys.every((key, i) => i === 0 || canonicalBefore(keys[i - 1] as string, key)) && Object.values(value).every(keysSorted);
  }
  return true;
}

describe("canonical JSON", () => {
  it("sorts keys at every level, arrays keep their order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: "x" } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson([{ b: 2, a: 1 }, 0, "s", true, null])).toBe('[{"a":1,"b":2},0,"s",true,null]');
    // Code-unit order, the same in every locale: upper case before lower, "a10" before "a9".
    expect(canonicalJson({ b: 1, B: 2, a9: 3, a10: 4 })).toBe('{"B":2,"a10":4,"a9":3,"b":1}');
    // Index-like keys come first and in numeric order: a JS object lists them so whatever the
    // sort did (not RFC 8785's pure code-unit order, where "10" precedes "9").
    expect(canonicalJson({ b: 1, "9": 3, "10": 4, "01": 5 })).toBe('{"9":3,"10":4,"01":5,"b":1}');
  });

  it("gives the same text whatever order the keys were inserted in (property)", () => {
    fc.assert(
      fc.property(json, fc.nat(16), (value, shift) => {
        expect(canonicalJson(reordered(value, shift))).toBe(canonicalJson(value));
      }),
      { numRuns: 200 },
    );
  });

  it("round-trips: parsing the text gives the value back, keys sorted, and canonicalising again changes nothing (property)", () => {
    fc.assert(
      fc.property(json, (value) => {
        const text = canonicalJson(value);
        const parsed: unknown = JSON.parse(text);
        // The same value JSON itself would give back (JSON has no -0).
        expect(parsed).toEqual(JSON.parse(JSON.stringify(value)));
        expect(keysSorted(parsed)).toBe(true);
        expect(canonicalJson(parsed)).toBe(text);
        expect(text.length).toBe(JSON.stringify(value).length);
      }),
      { numRuns: 200 },
    );
  });

  it("tells different values apart (property)", () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        const same = JSON.stringify(JSON.parse(canonicalJson(a))) === JSON.stringify(JSON.parse(canonicalJson(b)));
        expect(canonicalJson(a) === canonicalJson(b)).toBe(same);
      }),
      { numRuns: 200 },
    );
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: "1" }));
    expect(canonicalJson({ a: null })).not.toBe(canonicalJson({}));
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });

  it("handles undefined and non-finite numbers as JSON.stringify does", () => {
    // An undefined property is the same as an absent one (an optional field left unset).
    expect(canonicalJson({ b: undefined, a: 1 })).toBe('{"a":1}');
    expect(canonicalJson({ a: { x: undefined } })).toBe('{"a":{}}');
    // In an array, undefined holds its place as null.
    expect(canonicalJson([undefined, 1])).toBe("[null,1]");
    // NaN and ±Infinity become null; -0 becomes 0.
    expect(canonicalJson({ a: Number.NaN, b: Number.POSITIVE_INFINITY, c: Number.NEGATIVE_INFINITY, d: -0 })).toBe('{"a":null,"b":null,"c":null,"d":0}');
    // Undefined alone yields no text at all (JSON.stringify's undefined), whatever the return type says.
    expect(canonicalJson(undefined) as string | undefined).toBeUndefined();
  });
});

describe("canonical JSON of values JSON.parse and callers produce", () => {
  it("keeps a __proto__ key as a key, so two different inputs never hash alike", () => {
    const withProto = JSON.parse('{"__proto__":{"a":1},"b":2}') as unknown;
    expect(canonicalJson(withProto)).toBe('{"__proto__":{"a":1},"b":2}');
    expect(canonicalJson(withProto)).not.toBe(canonicalJson({ b: 2 }));
  });

  it("writes a Date as JSON.stringify does, not as an empty object", () => {
    expect(canonicalJson({ at: new Date(0) })).toBe('{"at":"1970-01-01T00:00:00.000Z"}');
  });
});

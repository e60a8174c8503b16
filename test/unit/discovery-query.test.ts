import { describe, expect, it } from "vitest";
import { fieldRef, matchQuery, phoneVariants, valuesAt } from "../../src/domain/discovery-query.js";
import { canonicalKey, rowMatches } from "../../src/engine/discovery.js";

describe("discovery queries", () => {
  it("lists the stored forms of a phone, national ones only inside its own country", () => {
    const forms = phoneVariants("+49301234567", "DE");
    for (const form of ["+49301234567", "49301234567", "0049301234567", "+49 30 1234567", "030 1234567", "0301234567", "030/1234567", "030-1234567", "(030) 1234567", "+49 (0)30 1234567"]) {
      expect(forms).toContain(form);
    }
    expect(phoneVariants("+14155550123", "US")).toEqual(expect.arrayContaining(["(415) 555-0123", "+1 415 555 0123", "4155550123"]));
    // In another country's org, national forms would name someone else's number: international forms only.
    const inGermany = phoneVariants("+442079460958", "DE");
    expect(inGermany).toEqual(expect.arrayContaining(["+442079460958", "+44 20 7946 0958", "00442079460958"]));
    expect(inGermany.some((f) => /^0[1-9]/.test(f) || f.startsWith("(0"))).toBe(false);
    expect(inGermany).not.toContain("442079460958");
  });

  it("builds parameterised, org-filtered queries that exclude known keys", () => {
    const query = matchQuery({
      mapping: { orgField: "orgId", matches: [{ path: "contactId", kind: "contactId" }, { path: "customer.email", kind: "email" }], keys: [{ path: "id", kind: "orderId" }] },
      orgId: "org-1",
      fresh: new Map([["email", ["a@b.example"]]]),
      known: new Map([["contactId", ["c-1"]]]),
      projection: "keys",
    });
    expect(query?.text).toBe(
      'SELECT c.id, c["id"] AS k0, c["contactId"] AS m0, c["customer"]["email"] AS m1 FROM c WHERE c["orgId"] = @orgId AND IS_STRING(c["customer"]["email"]) AND LOWER(TRIM(c["customer"]["email"])) IN (@n1_0) AND NOT (IS_DEFINED(c["contactId"]) AND c["contactId"] IN (@k0_0))',
    );
    expect(query?.parameters).toEqual([
      { name: "@orgId", value: "org-1" },
      { name: "@n1_0", value: "a@b.example" },
      { name: "@k0_0", value: "c-1" },
    ]);
    // Values never reach the query text.
    expect(query?.text).not.toContain("a@b.example");
    expect(matchQuery({ mapping: { orgField: "orgId", matches: [{ path: "contactId", kind: "contactId" }], keys: [] }, orgId: "o", fresh: new Map([["phone", ["+1"]]]), known: new Map(), projection: "all" })).toBeUndefined();
  });

  it("reads values at nested and array paths", () => {
    const item = { customer: { phone: "030 1" }, tags: ["a", "b"], parts: [{ phone: "x" }, { phone: "y" }, {}] };
    expect(valuesAt(item, "customer.phone")).toEqual(["030 1"]);
    expect(valuesAt(item, "tags[]")).toEqual(["a", "b"]);
    expect(valuesAt(item, "parts[].phone")).toEqual(["x", "y"]);
    expect(valuesAt(item, "missing.path")).toEqual([]);
    expect(fieldRef("customer.phone")).toBe('c["customer"]["phone"]');
  });

  describe("placeholder identifiers (issue 12.1)", () => {
    const mapping = { orgField: "orgId", matches: [{ path: "email", kind: "email" }, { path: "phone", kind: "phone" }, { path: "contactId", kind: "contactId" }], keys: [] };
    const placeholders = ["", "  ", "-", "n/a", "null", "unknown", "noemail", "0000000"];

    it("never asks for a placeholder, fresh or known, and asks nothing when only placeholders are fresh", () => {
      for (const value of placeholders) {
        const fresh = new Map([["email", [value]], ["phone", [value]], ["contactId", [value]]]);
        expect(matchQuery({ mapping, orgId: "o", fresh, known: new Map(), projection: "keys" }), JSON.stringify(value)).toBeUndefined();
      }
      const query = matchQuery({
        mapping,
        orgId: "o",
        fresh: new Map([["email", ["", "a@b.example", "n/a"]], ["phone", ["+490000000", "0000000"]]]),
        known: new Map([["contactId", ["", "null", "c-1"]]]),
        projection: "keys",
      });
      expect(query?.parameters.map((p) => p.value)).toEqual(["o", "a@b.example", "c-1"]);
    });

    it("a stored placeholder is no key and matches no one", () => {
      for (const value of placeholders) {
        for (const kind of ["email", "phone", "contactId", "conversationId"]) expect(canonicalKey(kind, value, "DE"), `${kind} ${JSON.stringify(value)}`).toBeUndefined();
      }
      expect(canonicalKey("phone", "+49 0000000", "DE")).toBeUndefined();
      expect(canonicalKey("email", " A@B.example", "DE")).toBe("a@b.example");
    });

    it("a CSV row's placeholder matches no placeholder key", () => {
      const columns = { phone: "phone", email: "email" };
      // Keys as a job could hold them from before the fix: placeholders among them still match nothing.
      const keys = new Map([["email", new Set(["", "n/a", "noemail"])], ["phone", new Set(["+49000000"])]]);
      for (const row of [{ phone: "0000000", email: "n/a" }, { phone: "", email: "noemail" }, { phone: "-", email: "" }]) expect(rowMatches(row, columns, keys, "DE"), JSON.stringify(row)).toBe(false);
      expect(rowMatches({ phone: "030 1234567", email: "" }, columns, new Map([["phone", new Set(["+49301234567"])]]), "DE")).toBe(true);
    });
  });
});

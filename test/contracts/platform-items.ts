import { describe, expect, it } from "vitest";
import type { PlatformItems } from "../../src/engine/ports.js";
import { allPages, distinctIds, expectEngineError, madeOnce, rejection, sorted } from "./support.js";

// What discovery, export and the sweeps rely on from the platform item reader (src/engine/discovery.ts
// matchingPages, export.ts, sweeps.ts): a query sees one org's partition only, parameters are bound
// as values, projections name their fields, and pages follow each other without loss or repetition.

type Target = { readonly database: string; readonly container: string };

export interface PlatformItemsSubject {
  readonly items: PlatformItems;
  /** A mapped container, partitioned by `/orgId`. */
  readonly target: Target;
  /** A container that does not exist. */
  readonly missing: Target;
  /** Stores items (each with a string `id` and `orgId`) in `target`. */
  seed(items: readonly Record<string, unknown>[]): Promise<void>;
}

const A = "org-items-a";
const B = "org-items-b";

const contacts = [
  ...Array.from({ length: 23 }, (_, i) => ({ id: `contact-${String(i).padStart(2, "0")}`, orgId: A, kind: i % 2 === 0 ? "even" : "odd", rank: i, profile: { tier: `t${i % 3}`, tags: ["x", `y${i}`] } })),
  // Another org's items with the same ids and values: never visible from org A's partition.
  ...Array.from({ length: 5 }, (_, i) => ({ id: `contact-${String(i).padStart(2, "0")}`, orgId: B, kind: "even", rank: i, profile: { tier: "t0", tags: [] } })),
  { id: "contact-quote", orgId: A, kind: "it's \"quoted\" OR 1=1", rank: 100, profile: { tier: "t9", tags: [] } },
];

const query = (text: string, parameters: { name: string; value: string }[] = []) => ({ text, parameters });

export interface PlatformItemsOptions {
  /** false where the store ignores the partition a query is scoped to (the Cosmos emulator). */
  readonly partitionScoped?: boolean;
}

export function platformItemsContract(name: string, make: () => Promise<PlatformItemsSubject>, options: PlatformItemsOptions = {}): void {
  describe(`PlatformItems contract: ${name}`, () => {
    const subject = madeOnce(async () => {
      const made = await make();
      await made.seed(contacts);
      return made;
    });
    const all = async (orgId: string, q: ReturnType<typeof query>, limit: number) =>
      (await allPages((token) => subject().items.queryPage(subject().target, orgId, q, { limit, ...(token === undefined ? {} : { continuationToken: token }) }), limit)).items;

    it("a query filtered on the org (as every engine query is) sees only that org's items", async () => {
      const found = await all(A, query("SELECT * FROM c WHERE c.orgId = @orgId", [{ name: "@orgId", value: A }]), 100);
      expect(sorted(distinctIds(found as { id: string }[]))).toEqual(sorted(contacts.filter((c) => c.orgId === A).map((c) => c.id)));
      expect(found.every((item) => item.orgId === A)).toBe(true);
      expect(await all("org-items-none", query("SELECT * FROM c WHERE c.orgId = @orgId", [{ name: "@orgId", value: "org-items-none" }]), 100)).toEqual([]);
    });

    // The port promises the partition as well (defence in depth behind the org filter). Cosmos on
    // Azure scopes a query by its partition key; the emulator ignores it, hence the option.
    it.skipIf(options.partitionScoped === false)("a query sees only the org's partition, even without a filter on the org", async () => {
      const found = await all(A, query("SELECT * FROM c"), 100);
      expect(sorted(distinctIds(found as { id: string }[]))).toEqual(sorted(contacts.filter((c) => c.orgId === A).map((c) => c.id)));
    });

    it("whole items come back with their fields as stored", async () => {
      const [item] = await all(A, query("SELECT * FROM c WHERE c.id = @id", [{ name: "@id", value: "contact-07" }]), 10);
      expect(item).toMatchObject(contacts.find((c) => c.id === "contact-07" && c.orgId === A)!);
    });

    it("parameters are bound as values: a quote or an OR in one matches that value only", async () => {
      const even = await all(A, query("SELECT * FROM c WHERE c.orgId = @orgId AND c.kind = @kind", [{ name: "@orgId", value: A }, { name: "@kind", value: "even" }]), 100);
      expect(sorted(distinctIds(even as { id: string }[]))).toEqual(sorted(contacts.filter((c) => c.orgId === A && c.kind === "even").map((c) => c.id)));
      const quoted = await all(A, query("SELECT * FROM c WHERE c.kind = @kind", [{ name: "@kind", value: "it's \"quoted\" OR 1=1" }]), 100);
      expect(quoted.map((i) => i.id)).toEqual(["contact-quote"]);
    });

    it("a projection returns the selected fields under their aliases (discovery asks for ids and key fields)", async () => {
      const [row] = await all(A, query('SELECT c.id, c["profile"]["tier"] AS k0, c.rank AS m0 FROM c WHERE c.id = @id', [{ name: "@id", value: "contact-04" }]), 10);
      expect(row).toEqual({ id: "contact-04", k0: "t1", m0: 4 });
    });

    it("range conditions on a field (the sweeps' activity cutoff)", async () => {
      const found = await all(A, query("SELECT c.id FROM c WHERE c.orgId = @orgId AND c.id < @before", [{ name: "@orgId", value: A }, { name: "@before", value: "contact-05" }]), 100);
      expect(sorted(found.map((i) => String(i.id)))).toEqual(["contact-00", "contact-01", "contact-02", "contact-03", "contact-04"]);
    });

    it("pages hold at most `limit` items and together every match, each once; the last page has no token", async () => {
      for (const limit of [1, 5, 7, 24]) {
        const found = await all(A, query("SELECT c.id, c.kind FROM c WHERE c.orgId = @orgId", [{ name: "@orgId", value: A }]), limit);
        expect(sorted(distinctIds(found as { id: string }[]))).toEqual(sorted(contacts.filter((c) => c.orgId === A).map((c) => c.id)));
      }
    });

    it("no match is an empty page without a token", async () => {
      const page = await subject().items.queryPage(subject().target, A, query("SELECT * FROM c WHERE c.kind = @kind", [{ name: "@kind", value: "none" }]), { limit: 10 });
      expect(page.items).toEqual([]);
      expect(page.continuationToken).toBeUndefined();
    });

    it("a container that does not exist is a not-found error, never an empty page", async () => {
      expectEngineError(await rejection(subject().items.queryPage(subject().missing, A, query("SELECT * FROM c"), { limit: 10 })), "not-found");
    });
  });
}

import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ItemUpdater, Versioned } from "../../src/engine/ports.js";
import { bookkeepingFields, madeOnce, sorted } from "./support.js";

// What rectification and restriction rely on from the item updater (src/engine/rectification.ts,
// restriction.ts): `change` sees the item as stored, its result replaces the item under the ETag it
// was read with, a concurrent writer's change is never lost, and the item's identity never moves.

type Target = { readonly database: string; readonly container: string; readonly orgField: string };
type Item = Record<string, unknown>;

export interface ItemUpdaterSubject {
  readonly updater: ItemUpdater;
  /** A platform container partitioned by `/orgId` (`orgField: "orgId"`). */
  readonly target: Target;
  /** Creates or overwrites an item (with a string `id` and `orgId`). */
  put(item: Item): Promise<void>;
  /** The stored item and its ETag, undefined when there is none. */
  read(orgId: string, id: string): Promise<Versioned<Item> | undefined>;
}

const ORG = "org-updater";

export function itemUpdaterContract(name: string, make: () => Promise<ItemUpdaterSubject>): void {
  describe(`ItemUpdater contract: ${name}`, () => {
    const subject = madeOnce(make);
    const fresh = async (fields: Item = {}): Promise<Item & { id: string }> => {
      const item = { id: randomUUID(), orgId: ORG, name: "placeholder-name", tags: ["a"], nested: { marker: false }, ...fields };
      await subject().put(item);
      return item;
    };

    it("change sees the item as stored, without system properties; its result is stored and `updated`", async () => {
      const item = await fresh();
      const seen: Item[] = [];
      const outcome = await subject().updater.update(subject().target, ORG, item.id, (current) => {
        seen.push(current);
        return { ...current, name: "changed-name", nested: { marker: true } };
      });
      expect(outcome).toBe("updated");
      expect(seen[0]).toEqual(item);
      expect(bookkeepingFields(seen[0]!)).toEqual([]);
      expect((await subject().read(ORG, item.id))?.value).toMatchObject({ ...item, name: "changed-name", nested: { marker: true } });
    });

    it("`unchanged` when change returns undefined, and nothing is written", async () => {
      const item = await fresh();
      const before = await subject().read(ORG, item.id);
      expect(await subject().updater.update(subject().target, ORG, item.id, () => undefined)).toBe("unchanged");
      expect(await subject().read(ORG, item.id)).toEqual(before);
    });

    it("`missing` for an item that is not there, and change is not called", async () => {
      let called = false;
      const outcome = await subject().updater.update(subject().target, ORG, randomUUID(), (current) => {
        called = true;
        return current;
      });
      expect(outcome).toBe("missing");
      expect(called).toBe(false);
    });

    it("an item of the same id in another org's partition is `missing` from this org, and stays as it was", async () => {
      const item = await fresh();
      const before = await subject().read(ORG, item.id);
      expect(await subject().updater.update(subject().target, "org-updater-other", item.id, (current) => ({ ...current, name: "x" }))).toBe("missing");
      expect(await subject().read(ORG, item.id)).toEqual(before);
    });

    it("the id and the org field stay what they were, whatever change returns", async () => {
      const item = await fresh();
      expect(await subject().updater.update(subject().target, ORG, item.id, (current) => ({ ...current, id: "moved-id", orgId: "moved-org", name: "kept" }))).toBe("updated");
      const stored = await subject().read(ORG, item.id);
      expect(stored?.value).toMatchObject({ id: item.id, orgId: ORG, name: "kept" });
      expect(await subject().read("moved-org", "moved-id")).toBeUndefined();
    });

    it("the result replaces the item: a field change leaves out is gone (a marker taken off)", async () => {
      const item = await fresh({ restricted: { since: "2030-01-01" } });
      await subject().updater.update(subject().target, ORG, item.id, (current) => {
        const { restricted: _r, ...rest } = current;
        return rest;
      });
      expect((await subject().read(ORG, item.id))?.value).not.toHaveProperty("restricted");
    });

    it("updates racing on one item are all kept: a writer that lost re-reads and re-applies its change", async () => {
      const item = await fresh({ tags: [] });
      const writers = ["w1", "w2", "w3", "w4", "w5"];
      let calls = 0;
      const outcomes = await Promise.all(
        writers.map((writer) =>
          subject().updater.update(subject().target, ORG, item.id, (current) => {
            calls += 1;
            return { ...current, tags: [...(current.tags as string[]), writer] };
          }),
        ),
      );
      expect(outcomes).toEqual(writers.map(() => "updated"));
      expect(sorted((await subject().read(ORG, item.id))?.value.tags as string[])).toEqual(writers);
      expect(calls).toBeGreaterThanOrEqual(writers.length);
    });

    it("a change that throws is thrown to the caller and writes nothing", async () => {
      const item = await fresh();
      const before = await subject().read(ORG, item.id);
      await expect(
        subject().updater.update(subject().target, ORG, item.id, () => {
          throw new Error("refused by the change");
        }),
      ).rejects.toThrow("refused by the change");
      expect(await subject().read(ORG, item.id)).toEqual(before);
    });
  });
}

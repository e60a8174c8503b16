import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Container, CosmosClient, Database, JSONObject, OperationInput, SqlQuerySpec } from "@azure/cosmos";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CACHE_MARKER, PATCH_FILE, PATCHED_FILES, PATCHED_VERSION, PUSH_MARKER } from "../../scripts/cosmosdb-query-patch-markers.mjs";
import { createCosmosClient } from "../../src/stores/cosmos-client.js";
import { testNamespace } from "../support/env.js";

// patches/@zeit+cosmosdb-query+0.7.2.patch (applied by the project's postinstall, `patch-package
// --error-on-fail`) makes the emulator's query engine,
// @zeit/cosmosdb-query 0.7.2, linear in the container's size: its FROM/JOIN reducers copied the
// accumulator for every document (`[...$, { c }]`), so one query over 20 000 documents took
// 11-18 s. This file checks that the patch is installed, that query results are still right on the
// real emulator, and that a query paging through 25 000 documents completes (unpatched it would
// take many minutes). No timing asserts: completing within the test timeout is the proof.

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** What to run when the installed engine lacks the patch. */
const REAPPLY = "run `npx patch-package --error-on-fail` (the postinstall step) on a clean copy of the package";

/** The @zeit/cosmosdb-query copy the emulator loads (it may be nested under the server's node_modules). */
function engineRequire(): NodeJS.Require {
  const fromProject = createRequire(import.meta.url);
  return createRequire(fromProject.resolve("@vercel/cosmosdb-server/package.json"));
}

interface Participant {
  phone: string;
  role: string;
}
interface Doc {
  id: string;
  orgId: string;
  rank: number;
  status: string;
  tags: string[];
  participants?: Participant[];
}

const ORG = "org-a";
const OTHER_ORG = "org-b";

/** Every item of every page of a query, paging with continuation tokens. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the query decides the row type
async function queryAll<T>(
  container: Container,
  query: SqlQuerySpec,
  maxItemCount: number,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let continuationToken: string | undefined;
  let pages = 0;
  do {
    const page = await container.items.query<T>(query, { maxItemCount, continuationToken }).fetchNext();
    items.push(...page.resources);
    continuationToken = page.hasMoreResults ? page.continuationToken : undefined;
    pages++;
    if (pages > 10_000) throw new Error("paging does not end");
  } while (continuationToken !== undefined);
  return { items, pages };
}

/** Upserts with `items.bulk` (≤ 100 operations a call), `concurrency` calls at a time. */
async function bulkUpsert(container: Container, docs: readonly JSONObject[], concurrency: number): Promise<void> {
  const chunks: JSONObject[][] = [];
  for (let i = 0; i < docs.length; i += 100) chunks.push(docs.slice(i, i + 100));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      const operations: OperationInput[] = chunk.map((doc) => ({
        operationType: "Upsert",
        partitionKey: doc.orgId as string,
        resourceBody: doc,
      }));
      // items.bulk, not executeBulkOperations: the latter waits 1 s per partial batch (emulators.md).
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      const responses = await container.items.bulk(operations);
      const failed = responses.filter((r) => r.statusCode < 200 || r.statusCode >= 300);
      if (failed.length > 0 || responses.length !== chunk.length) {
        throw new Error(`bulk upsert: ${failed.length} of ${chunk.length} failed (first status ${failed[0]?.statusCode ?? "none"})`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

describe("the installed @zeit/cosmosdb-query", () => {
  it("is the version the patch file was made for, and the patch file carries the markers", () => {
    const patchPath = path.join(PROJECT_ROOT, PATCH_FILE);
    expect(existsSync(patchPath), `${PATCH_FILE} is missing`).toBe(true);
    const patch = readFileSync(patchPath, "utf8");
    for (const [file, markers] of Object.entries(PATCHED_FILES)) {
      expect(patch, `${PATCH_FILE} does not touch ${file}`).toContain(`+++ b/node_modules/@zeit/cosmosdb-query/${file}`);
      for (const marker of markers) expect(patch, `${PATCH_FILE} lacks ${marker}`).toContain(`+${marker}`);
    }
    const version = (engineRequire()("@zeit/cosmosdb-query/package.json") as { version: string }).version;
    expect(version, `@zeit/cosmosdb-query ${version} is installed, the patch is for ${PATCHED_VERSION}: redo the patch`).toBe(
      PATCHED_VERSION,
    );
    expect(PATCH_FILE).toBe(`patches/@zeit+cosmosdb-query+${PATCHED_VERSION}.patch`);
  });

  it("has every patched file carrying its markers", () => {
    const require = engineRequire();
    for (const [file, markers] of Object.entries(PATCHED_FILES)) {
      const installed = require.resolve(`@zeit/cosmosdb-query/${file}`);
      const source = readFileSync(installed, "utf8");
      for (const marker of markers) expect(source.includes(marker), `${installed} lacks ${marker}: ${REAPPLY}`).toBe(true);
    }
  });

  it("carries the compile cache: one parse per query text, one compiled function per generated code", () => {
    const require = engineRequire();
    for (const file of ["index.js", "executor.js"]) {
      const source = readFileSync(require.resolve(`@zeit/cosmosdb-query/lib/${file}`), "utf8");
      expect(source.includes(CACHE_MARKER), `${file} lacks the compile cache: ${REAPPLY}`).toBe(true);
    }
    const parse = (require("@zeit/cosmosdb-query") as { default: (sql: string) => object }).default;
    const text = "SELECT c.id FROM c WHERE c.orgId = @orgId AND (IS_DEFINED(c.phone) AND c.phone IN (@p0, @p1))";
    expect(parse(text)).toBe(parse(text));
    expect(parse(text)).not.toBe(parse(`${text} `));
  });

  it("carries the push-accumulation patch", () => {
    const require = engineRequire();
    const transformerPath = require.resolve("@zeit/cosmosdb-query/lib/transformer.js");
    const version = (require("@zeit/cosmosdb-query/package.json") as { version: string }).version;
    const source = readFileSync(transformerPath, "utf8");
    expect(
      source.includes(PUSH_MARKER),
      `${transformerPath} (@zeit/cosmosdb-query ${version}) is not patched: ${REAPPLY}`,
    ).toBe(true);

    // The code it generates no longer spreads the accumulator.
    const compile = (require("@zeit/cosmosdb-query") as { default: (sql: string) => { code: string } }).default;
    for (const sql of [
      "SELECT * FROM c WHERE c.orgId = @orgId",
      "SELECT c.id, p.phone FROM c JOIN p IN c.participants WHERE p.phone = @x",
      "SELECT c.id FROM c JOIN c.participants",
      "SELECT c.id FROM c JOIN (SELECT VALUE t FROM t IN c.tags WHERE t = 'x')",
    ]) {
      const { code } = compile(sql);
      expect(code, sql).not.toContain("...$");
      expect(code, sql).toContain("$.push(");
    }
  });
});

describe("emulator queries with the patched engine", () => {
  const emulators = inject("emulators");
  let client: CosmosClient;
  let database: Database;

  beforeAll(async () => {
    client = createCosmosClient({ endpoint: emulators.cosmosEndpoint, key: emulators.cosmosKey });
    ({ database } = await client.databases.createIfNotExists({ id: testNamespace("cqpatch") }));
  });

  afterAll(async () => {
    await database.delete().catch(() => undefined);
    client.dispose();
  });

  it("returns the same results as before for filters, IN, ORDER BY, COUNT, JOIN, ARRAY_CONTAINS and paging", async () => {
    const { container } = await database.containers.createIfNotExists({ id: "items", partitionKey: { paths: ["/orgId"] } });
    const statuses = ["open", "held", "closed"];
    const docs: Doc[] = [];
    for (let i = 0; i < 23; i++) {
      const doc: Doc = {
        id: `item-${String(i).padStart(2, "0")}`,
        orgId: ORG,
        rank: (i * 7) % 23,
        status: statuses[i % 3]!,
        tags: i % 4 === 0 ? [] : [`t${i % 3}`, "common"],
      };
      // Every fifth item has no participants (a JOIN drops it); the others have one to three.
      if (i % 5 !== 0) {
        doc.participants = Array.from({ length: (i % 3) + 1 }, (_, k) => ({
          phone: `phone-${(i + k) % 4}`,
          role: k === 0 ? "owner" : "viewer",
        }));
      }
      docs.push(doc);
    }
    // Another org's items with matching values: every query must filter them out.
    for (let i = 0; i < 5; i++) {
      docs.push({
        id: `other-${i}`,
        orgId: OTHER_ORG,
        rank: i,
        status: "open",
        tags: ["t1", "common"],
        participants: [{ phone: "phone-1", role: "owner" }],
      });
    }
    await bulkUpsert(container, docs as unknown as JSONObject[], 4);
    const orgDocs = docs.filter((d) => d.orgId === ORG);
    const sorted = (ids: string[]) => [...ids].sort();

    // Filter with parameters and IN.
    const filtered = await queryAll<{ id: string }>(
      container,
      {
        query: "SELECT c.id FROM c WHERE c.orgId = @orgId AND c.status IN ('open', 'held') AND c.rank >= @minRank",
        parameters: [
          { name: "@orgId", value: ORG },
          { name: "@minRank", value: 5 },
        ],
      },
      100,
    );
    const expectedFiltered = orgDocs.filter((d) => ["open", "held"].includes(d.status) && d.rank >= 5).map((d) => d.id);
    expect(expectedFiltered.length).toBeGreaterThan(5);
    expect(sorted(filtered.items.map((r) => r.id))).toEqual(sorted(expectedFiltered));

    // ORDER BY, descending, across pages.
    const ordered = await queryAll<{ id: string; rank: number }>(
      container,
      { query: "SELECT c.id, c.rank FROM c WHERE c.orgId = @orgId ORDER BY c.rank DESC", parameters: [{ name: "@orgId", value: ORG }] },
      4,
    );
    expect(ordered.items.map((r) => r.id)).toEqual([...orgDocs].sort((a, b) => b.rank - a.rank).map((d) => d.id));
    expect(ordered.pages).toBeGreaterThanOrEqual(6);

    // SELECT VALUE COUNT(1).
    const count = await queryAll<number>(
      container,
      { query: "SELECT VALUE COUNT(1) FROM c WHERE c.orgId = @orgId", parameters: [{ name: "@orgId", value: ORG }] },
      100,
    );
    expect(count.items).toEqual([orgDocs.length]);

    // JOIN over an array of objects: one row per matching participant.
    const joined = await queryAll<{ id: string; phone: string }>(
      container,
      {
        query: "SELECT c.id, p.phone FROM c JOIN p IN c.participants WHERE c.orgId = @orgId AND p.phone = @x",
        parameters: [
          { name: "@orgId", value: ORG },
          { name: "@x", value: "phone-1" },
        ],
      },
      100,
    );
    const expectedJoined = orgDocs.flatMap((d) =>
      (d.participants ?? []).filter((p) => p.phone === "phone-1").map((p) => ({ id: d.id, phone: p.phone })),
    );
    expect(expectedJoined.length).toBeGreaterThan(3);
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    expect([...joined.items].sort(byId)).toEqual([...expectedJoined].sort(byId));

    // A JOIN of every participant (items without participants drop out), paged in small pages.
    const allParticipants = await queryAll<{ id: string; role: string }>(
      container,
      { query: "SELECT c.id, p.role FROM c JOIN p IN c.participants WHERE c.orgId = @orgId", parameters: [{ name: "@orgId", value: ORG }] },
      5,
    );
    const participantRows = orgDocs.reduce((n, d) => n + (d.participants?.length ?? 0), 0);
    expect(allParticipants.items).toHaveLength(participantRows);
    expect(allParticipants.items.filter((r) => r.role === "owner")).toHaveLength(orgDocs.filter((d) => d.participants).length);

    // ARRAY_CONTAINS, of a scalar and of a partial object.
    const tagged = await queryAll<string>(
      container,
      {
        query: "SELECT VALUE c.id FROM c WHERE c.orgId = @orgId AND ARRAY_CONTAINS(c.tags, @tag)",
        parameters: [
          { name: "@orgId", value: ORG },
          { name: "@tag", value: "t2" },
        ],
      },
      100,
    );
    expect(sorted(tagged.items)).toEqual(sorted(orgDocs.filter((d) => d.tags.includes("t2")).map((d) => d.id)));
    const owners = await queryAll<string>(
      container,
      {
        query: 'SELECT VALUE c.id FROM c WHERE c.orgId = @orgId AND ARRAY_CONTAINS(c.participants, {"phone": @x}, true)',
        parameters: [
          { name: "@orgId", value: ORG },
          { name: "@x", value: "phone-2" },
        ],
      },
      100,
    );
    expect(sorted(owners.items)).toEqual(
      sorted(orgDocs.filter((d) => d.participants?.some((p) => p.phone === "phone-2")).map((d) => d.id)),
    );

    // Paging with continuation tokens: every item exactly once.
    const paged = await queryAll<{ id: string }>(
      container,
      { query: "SELECT c.id FROM c WHERE c.orgId = @orgId", parameters: [{ name: "@orgId", value: ORG }] },
      3,
    );
    expect(paged.pages).toBeGreaterThanOrEqual(8);
    expect(paged.items).toHaveLength(orgDocs.length);
    expect(sorted(paged.items.map((r) => r.id))).toEqual(sorted(orgDocs.map((d) => d.id)));
  });

  it(
    "pages a filtered query and a JOIN through 25 000 items in one container (unpatched: many minutes)",
    async () => {
      const total = 25_000;
      const { container } = await database.containers.createIfNotExists({ id: "scale", partitionKey: { paths: ["/orgId"] } });
      const docs: JSONObject[] = [];
      for (let n = 0; n < total; n++) {
        docs.push({ id: `s${String(n).padStart(5, "0")}`, orgId: ORG, n, tags: [`k${n % 10}`] });
      }
      for (let n = 0; n < 20; n++) docs.push({ id: `o${n}`, orgId: OTHER_ORG, n, tags: ["k3"] });

      const insertStart = performance.now();
      await bulkUpsert(container, docs, 8);
      const insertMs = performance.now() - insertStart;

      const queryStart = performance.now();
      const all = await queryAll<{ id: string; n: number }>(
        container,
        {
          query: "SELECT c.id, c.n FROM c WHERE c.orgId = @orgId AND c.n >= @min",
          parameters: [
            { name: "@orgId", value: ORG },
            { name: "@min", value: 0 },
          ],
        },
        1000,
      );
      const queryMs = performance.now() - queryStart;

      const joinStart = performance.now();
      const joined = await queryAll<string>(
        container,
        {
          query: "SELECT VALUE c.id FROM c JOIN t IN c.tags WHERE c.orgId = @orgId AND t = @tag",
          parameters: [
            { name: "@orgId", value: ORG },
            { name: "@tag", value: "k3" },
          ],
        },
        1000,
      );
      const joinMs = performance.now() - joinStart;

      const countStart = performance.now();
      const count = await queryAll<number>(
        container,
        { query: "SELECT VALUE COUNT(1) FROM c WHERE c.orgId = @orgId", parameters: [{ name: "@orgId", value: ORG }] },
        1000,
      );
      const countMs = performance.now() - countStart;

      console.log(
        `[cosmos-query-patch] ${total} items: bulk upsert ${Math.round(insertMs)} ms; ` +
          `filtered query ${all.pages} pages in ${Math.round(queryMs)} ms; ` +
          `JOIN query ${joined.pages} pages in ${Math.round(joinMs)} ms; COUNT in ${Math.round(countMs)} ms`,
      );

      // Every item exactly once, none of the other org's.
      expect(all.items).toHaveLength(total);
      const ids = new Set(all.items.map((r) => r.id));
      expect(ids.size).toBe(total);
      for (let n = 0; n < total; n++) {
        if (!ids.has(`s${String(n).padStart(5, "0")}`)) throw new Error(`item ${n} missing from the paged query`);
      }
      expect(all.pages).toBeGreaterThanOrEqual(total / 1000);

      expect(joined.items).toHaveLength(total / 10);
      expect(new Set(joined.items).size).toBe(total / 10);
      expect(joined.items.every((id) => Number(id.slice(1)) % 10 === 3)).toBe(true);

      expect(count.items).toEqual([total]);
    },
    180_000,
  );
});

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadDataMap } from "../../src/config/data-map-loader.js";
import { DataMapError, layoutPrefix, parseDataMap } from "../../src/domain/data-map.js";

function problemsOf(input: unknown): readonly string[] {
  try {
    parseDataMap(input);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(DataMapError);
    return (error as DataMapError).problems;
  }
}

describe("data map", () => {
  it("loads the default map of the platform data model", () => {
    const map = loadDataMap();
    expect(map.containers.map((c) => c.container)).toEqual(
      expect.arrayContaining(["organizations", "users", "contacts", "conversations", "messages", "orders", "campaignEvents", "campaigns", "knowledgeBaseDocuments"]),
    );
    expect(map.containers.find((c) => c.name === "orders")?.erasure.action).toBe("anonymise");
    expect(map.blobs.map((b) => b.name)).toEqual(["chat-media", "user-avatars", "contact-imports"]);
  });

  it("names the place of every problem in an invalid map", () => {
    const base = loadDataMap();
    const broken = structuredClone(base) as unknown as { containers: Record<string, unknown>[]; blobs: Record<string, unknown>[] };
    const [first, second, third] = broken.containers;
    if (first === undefined || second === undefined || third === undefined) throw new Error("map too small");
    first.category = "no-such-category";
    second.matches = [{ path: "contactId", kind: "ticketId" }];
    third.partitionKey = "/tenant";
    broken.blobs[0] = { ...broken.blobs[0], pathTemplate: "chat-media/{contactId}/" };
    const problems = problemsOf(broken);
    expect(problems).toEqual(
      expect.arrayContaining([
        "containers[0].category: unknown category no-such-category",
        "containers[1].matches[0].kind: no container produces keys of kind ticketId",
        expect.stringMatching(/^containers\[2\]\.partitionKey: must be \/orgId/),
        expect.stringMatching(/^blobs\[0\]\.pathTemplate: must start with \{orgId\}\//),
      ]),
    );
    expect(problemsOf({ ...base, extra: true })).toEqual([expect.stringMatching(/^\(root\): /)]);
    expect(problemsOf({ ...base, containers: [{ ...base.containers[0], matches: [{ path: "a..b", kind: "email" }] }] })[0]).toMatch(/^containers\[0\]\.matches\[0\]\.path/);
  });

  it("stops the start on an unreadable or invalid map file, naming it", () => {
    const dir = mkdtempSync(join(tmpdir(), "map-"));
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{ not json");
    expect(() => loadDataMap(bad)).toThrow(/is not valid JSON/);
    expect(() => loadDataMap(join(dir, "missing.json"))).toThrow(/PRIVACY_DATA_MAP_PATH: cannot read/);
    const invalid = join(dir, "invalid.json");
    writeFileSync(invalid, JSON.stringify({ version: 2 }));
    expect(() => loadDataMap(invalid)).toThrow(/version/);
  });

  it("builds listing prefixes from path templates", () => {
    expect(layoutPrefix({ pathTemplate: "{orgId}/chat-media/{contactId}/" }, "org-1", "c-9")).toBe("org-1/chat-media/c-9/");
    expect(layoutPrefix({ pathTemplate: "{orgId}/user-avatars/{userId}." }, "org-1", "u-1")).toBe("org-1/user-avatars/u-1.");
    expect(layoutPrefix({ pathTemplate: "{orgId}/contact-imports/" }, "org-1")).toBe("org-1/contact-imports/");
  });
});

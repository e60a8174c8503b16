// The console keeps its own copies of the engine's vocabulary (src/console/types.ts), so its bundle
// carries no zod and no server code. This test keeps the copies in step: a request type, status,
// jurisdiction, action or role rule added on the server and not in the console fails here.

import { describe, expect, it } from "vitest";
import { ROLE_NAMES } from "../../src/config/settings.js";
import { ACTIONS, mayOpen, type Caller } from "../../src/domain/access.js";
import { JURISDICTIONS, REJECTION_REASONS, REQUEST_SORTS, REQUEST_STATUSES, REQUEST_TYPES, RESTRICTION_GROUNDS, SUPPRESSION_PURPOSES } from "../../src/domain/request.js";
import { SWEEP_KINDS } from "../../src/domain/sweep-run.js";
import * as consoleTypes from "../../src/console/types.js";

describe("the console's copy of the engine's vocabulary", () => {
  it.each([
    ["REQUEST_TYPES", consoleTypes.REQUEST_TYPES, REQUEST_TYPES],
    ["REQUEST_STATUSES", consoleTypes.REQUEST_STATUSES, REQUEST_STATUSES],
    ["JURISDICTIONS", consoleTypes.JURISDICTIONS, JURISDICTIONS],
    ["SUPPRESSION_PURPOSES", consoleTypes.SUPPRESSION_PURPOSES, SUPPRESSION_PURPOSES],
    ["RESTRICTION_GROUNDS", consoleTypes.RESTRICTION_GROUNDS, RESTRICTION_GROUNDS],
    ["REJECTION_REASONS", consoleTypes.REJECTION_REASONS, REJECTION_REASONS],
    ["REQUEST_SORTS", consoleTypes.REQUEST_SORTS, REQUEST_SORTS],
    ["SWEEP_KINDS", consoleTypes.SWEEP_KINDS, SWEEP_KINDS],
    ["ACTIONS", consoleTypes.ACTIONS, ACTIONS],
  ] as const)("%s is the engine's", (_name, copy, engine) => {
    expect([...copy]).toEqual([...engine]);
  });

  it("offers each role exactly the request types the engine lets it open", () => {
    for (const role of ROLE_NAMES) {
      const caller: Caller = { id: "x", kind: "api-key", role, orgs: "*" };
      const engine = REQUEST_TYPES.filter((type) => mayOpen(caller, type));
      const offered = consoleTypes.OPENABLE[role] ?? consoleTypes.REQUEST_TYPES;
      // The console offers no type to a role that may not open requests at all (the auditor).
      expect(engine.length === 0 ? [] : [...offered], role).toEqual(engine);
    }
  });
});

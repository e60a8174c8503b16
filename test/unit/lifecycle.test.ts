import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EngineError } from "../../src/domain/errors.js";
import { isTerminal, LIFECYCLE_EVENTS, nextStatus, transition } from "../../src/domain/lifecycle.js";
import { REQUEST_STATUSES } from "../../src/domain/request.js";

describe("request lifecycle", () => {
  it.each([
    ["awaiting-verification", "verify", "queued"],
    ["awaiting-verification", "reject", "rejected"],
    ["awaiting-verification", "cancel", "cancelled"],
    ["queued", "start", "in-progress"],
    ["queued", "cancel", "cancelled"],
    ["queued", "reject", "rejected"],
    ["in-progress", "complete", "completed"],
    ["in-progress", "fail", "failed"],
    ["in-progress", "requeue", "queued"],
  ] as const)("%s --%s--> %s", (from, event, to) => {
    expect(transition(from, event)).toBe(to);
  });

  it.each([
    ["awaiting-verification", "start"],
    ["awaiting-verification", "complete"],
    ["queued", "verify"],
    ["in-progress", "cancel"],
    ["completed", "cancel"],
    ["cancelled", "verify"],
  ] as const)("refuses %s --%s--> as a 409 conflict", (from, event) => {
    try {
      transition(from, event);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EngineError);
      expect((error as EngineError).code).toBe("conflict");
      expect((error as EngineError).reason).toBe("illegal-transition");
    }
  });

  it("never leaves a terminal status, and every status is reachable from awaiting-verification", () => {
    fc.assert(
      fc.property(fc.constantFrom(...REQUEST_STATUSES), fc.constantFrom(...LIFECYCLE_EVENTS), (from, event) => {
        if (isTerminal(from)) expect(nextStatus(from, event)).toBeUndefined();
      }),
    );
    const reached = new Set<string>(["awaiting-verification"]);
    let frontier = ["awaiting-verification"] as (typeof REQUEST_STATUSES)[number][];
    while (frontier.length > 0) {
      const next: typeof frontier = [];
      for (const status of frontier) {
        for (const event of LIFECYCLE_EVENTS) {
          const to = nextStatus(status, event);
          if (to !== undefined && !reached.has(to)) {
            reached.add(to);
            next.push(to);
          }
        }
      }
      frontier = next;
    }
    expect([...reached].sort()).toEqual([...REQUEST_STATUSES].sort());
  });
});

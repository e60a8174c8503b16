import { describe, expect, it } from "vitest";
import type { WorkMessage, WorkQueue } from "../../src/engine/ports.js";
import { madeEach } from "./support.js";

// What the engine relies on from the work queue (src/engine/commit.ts enqueues a request's work,
// sweeps.ts fans a run out per org and waits out a lease with `delaySeconds`): every message
// reaches the consumer as it was sent, and a delayed one only once its delay has passed.

export interface WorkQueueSubject {
  readonly queue: WorkQueue;
  /** The messages a consumer would receive now, decoded as the Functions host decodes them; left in the queue. */
  visible(): Promise<WorkMessage[]>;
  /** Lets `seconds` pass (real time on a real queue). */
  elapse(seconds: number): Promise<void>;
}

const byText = (messages: readonly WorkMessage[]) => messages.map((m) => JSON.stringify(m)).sort();

export function workQueueContract(name: string, make: () => Promise<WorkQueueSubject>): void {
  describe(`WorkQueue contract: ${name}`, () => {
    const subject = madeEach(make);

    it("a request's work message reaches the consumer as it was sent", async () => {
      await subject().queue.enqueue({ requestId: "0b7c1f2e-0000-4000-8000-000000000001" });
      expect(await subject().visible()).toEqual([{ requestId: "0b7c1f2e-0000-4000-8000-000000000001" }]);
    });

    it("a sweep step's message keeps every field", async () => {
      const message: WorkMessage = { sweep: "retention", runId: "run-contract-1", orgId: "org-queue" };
      await subject().queue.enqueue(message);
      expect(await subject().visible()).toEqual([message]);
    });

    it("every enqueue is a message of its own: none merged, none dropped", async () => {
      const messages: WorkMessage[] = [
        { requestId: "0b7c1f2e-0000-4000-8000-000000000002" },
        { requestId: "0b7c1f2e-0000-4000-8000-000000000003" },
        { sweep: "retention", runId: "run-contract-2", orgId: "org-queue-a" },
        { sweep: "retention", runId: "run-contract-2", orgId: "org-queue-b" },
        { requestId: "0b7c1f2e-0000-4000-8000-000000000002" },
      ];
      await Promise.all(messages.map((m) => subject().queue.enqueue(m)));
      expect(byText(await subject().visible())).toEqual(byText(messages));
    });

    it("a message with `delaySeconds` is not delivered before its delay and is after it", async () => {
      await subject().queue.enqueue({ requestId: "0b7c1f2e-0000-4000-8000-000000000004" }, { delaySeconds: 2 });
      await subject().queue.enqueue({ requestId: "0b7c1f2e-0000-4000-8000-000000000005" });
      expect(await subject().visible()).toEqual([{ requestId: "0b7c1f2e-0000-4000-8000-000000000005" }]);
      await subject().elapse(3);
      expect(byText(await subject().visible())).toEqual(byText([{ requestId: "0b7c1f2e-0000-4000-8000-000000000004" }, { requestId: "0b7c1f2e-0000-4000-8000-000000000005" }]));
    });
  });
}

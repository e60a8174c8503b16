import type { WorkMessage, WorkQueue } from "../../../src/engine/ports.js";
import { copy, roundTrip } from "./common.js";

/**
 * WorkQueue in memory. A message with `delaySeconds` becomes visible only once the clock passes
 * it; the clock is `now` (real time unless a test passes its own).
 */
export class MemoryWorkQueue implements WorkQueue {
  private readonly messages: { message: WorkMessage; visibleAt: number }[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  async enqueue(message: WorkMessage, options?: { readonly delaySeconds?: number }): Promise<void> {
    await roundTrip();
    this.messages.push({ message: copy(message), visibleAt: this.now() + (options?.delaySeconds ?? 0) * 1000 });
  }

  /** The messages visible now, oldest first, left in the queue (a peek). */
  visible(): WorkMessage[] {
    const now = this.now();
    return this.messages.filter((m) => m.visibleAt <= now).map((m) => copy(m.message));
  }

  /** Takes the messages visible now out of the queue (a consumer receiving them). */
  take(): WorkMessage[] {
    const now = this.now();
    const taken: WorkMessage[] = [];
    for (let i = 0; i < this.messages.length; ) {
      const entry = this.messages[i];
      if (entry !== undefined && entry.visibleAt <= now) {
        taken.push(entry.message);
        this.messages.splice(i, 1);
      } else i += 1;
    }
    return taken;
  }
}

// Bounded concurrency for seeding and load: forEachConcurrent runs a task over indices with at
// most N in flight.

/** Runs `task` over `count` indices with at most `concurrency` in flight. */
export async function forEachConcurrent(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

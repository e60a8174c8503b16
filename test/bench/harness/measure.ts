// Measuring the process: a forced garbage collection (the bench runs under --expose-gc), a
// sampler of memory peaks, bytes to MB, and CPU time spent since a mark.

const MB = 1024 * 1024;

export function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error("Run the benchmark with node --expose-gc");
  // Twice: the first pass may only free what finalisers of the second then release.
  collect();
  collect();
}

export interface MemoryPeaks {
  peakHeapUsed: number;
  peakRss: number;
  peakExternal: number;
  samples: number;
}

/** Samples process.memoryUsage() every `everyMs` until stopped; returns the peaks. */
export function sampleMemory(everyMs = 50): { stop(): MemoryPeaks } {
  const peaks: MemoryPeaks = { peakHeapUsed: 0, peakRss: 0, peakExternal: 0, samples: 0 };
  const sample = () => {
    const usage = process.memoryUsage();
    peaks.peakHeapUsed = Math.max(peaks.peakHeapUsed, usage.heapUsed);
    peaks.peakRss = Math.max(peaks.peakRss, usage.rss);
    peaks.peakExternal = Math.max(peaks.peakExternal, usage.external);
    peaks.samples += 1;
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return { ...peaks };
    },
  };
}

export const toMB = (bytes: number): number => Math.round((bytes / MB) * 10) / 10;

/** CPU time (user + system, ms) this process spent since `since`. */
export function cpuMsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return Math.round((used.user + used.system) / 1000);
}

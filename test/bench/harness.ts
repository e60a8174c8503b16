// The benchmark harness (`npm run bench`, issue 7): emulators on free ports behind counting,
// optionally delaying TCP proxies; a fresh namespace and runtime per scenario; a memory sampler;
// the markdown table and `bench-results.json`.
//
// Split by concern under ./harness/: http-counter (HTTP/1.1 requests on the wire, routes), proxy
// (the counting, delaying TCP proxy), services (emulators plus proxies, the EmulatorHost shape),
// emulator-host (startEmulatorHost, in this process or a child) and emulator-child (the child
// process and its IPC), namespace (a scenario's namespace and runtime), measure (gc, memory peaks,
// CPU time), logging, concurrency, scenario (flags, rows, outcomes) and results (machine, table,
// bench-results.json). This file only re-exports, so the scenarios keep one import path.

export { forEachConcurrent } from "./harness/concurrency.js";
export { EMULATOR_CHILD_FLAG, serveEmulatorsInChild } from "./harness/emulator-child.js";
export { assertCosmosQueryPatch, startEmulatorHost } from "./harness/emulator-host.js";
export { HttpRequestCounter, routeOf } from "./harness/http-counter.js";
export { progress, quietLogger } from "./harness/logging.js";
export { cpuMsSince, gc, sampleMemory, toMB, type MemoryPeaks } from "./harness/measure.js";
export { BENCH_SUBJECT_KEY_SECRET, openNamespace, warmUp, type BenchNamespace } from "./harness/namespace.js";
export { CountingProxy, type ProxyCounts } from "./harness/proxy.js";
export { machineInfo, markdownTable, writeResults } from "./harness/results.js";
export type { BenchFlags, Scenario, ScenarioOutcome, TableRow } from "./harness/scenario.js";
export type { CountedService, EmulatorHost, EmulatorMode, StoreCounts } from "./harness/services.js";

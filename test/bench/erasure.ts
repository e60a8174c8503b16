import { performance } from "node:perf_hooks";
import { authorize, type Caller } from "../../src/domain/access.js";
import { SubmitRequestBody } from "../../src/domain/request.js";
import { runErasure } from "../../src/engine/erasure.js";
import { submitRequest } from "../../src/engine/requests.js";
import { BENCH_ORG, census, checkErased, seedErasureData, type ErasureDataset } from "./erasure-data.js";
import { countPorts, requestFloor, storeRequestTally, total, type EngineWork, type StoreRequestTally } from "./instrument.js";
import { naiveErasure, type NaiveOutcome } from "./naive-erasure.js";
import {
  cpuMsSince,
  openNamespace,
  progress,
  quietLogger,
  warmUp,
  type BenchFlags,
  type EmulatorHost,
  type ProxyCounts,
  type Scenario,
  type ScenarioOutcome,
  type StoreCounts,
  type TableRow,
} from "./harness.js";

// Issue 7 point 3: erasure of one subject with D items and B blobs (D = B = each of
// `--erasure-sizes`), against a naive baseline on identical data through the same proxies; and
// the everyday case, a small subject (20 items, 3 blobs), from pickup to certificate.

const REQUESTS_TO_FLOOR_TARGET = 1.2;
const WALL_RATIO_TARGET = 0.2;
const WALL_RATIO_AT_ITEMS = 10_000;
const WALL_RATIO_AT_RTT_MS = 5;
const SMALL_TARGET_MS = 1000;
const SMALL = { items: 20, blobs: 3 } as const;
const MAX_SLICES = 50;

const BENCH_CALLER: Caller = { id: "bench", kind: "api-key", role: "privacy-admin", orgs: "*" };
// One work message may hold a whole erasure here: slicing is measured by the slices it takes.
const ENGINE_SETTINGS = { PRIVACY_ERASURE_SLICE_MS: "600000" };

interface EngineRun {
  wallMs: number;
  slices: number;
  requests: StoreRequestTally;
  wire: StoreCounts;
  /** CPU time of this process (the engine) during the run. */
  engineCpuMs: number;
  work: EngineWork;
  floor: number;
  outcome: string;
  seedMs: number;
  data: ErasureDataset;
}

interface NaiveRun {
  wallMs: number;
  requests: StoreRequestTally;
  wire: { cosmos: ProxyCounts; blob: ProxyCounts };
  outcome: NaiveOutcome;
}

async function seeded(host: EmulatorHost, label: string, size: { items: number; blobs: number }, overrides: Record<string, string>) {
  const tally = storeRequestTally();
  const ns = await openNamespace(host, label, overrides, tally.options);
  const started = performance.now();
  const names = { platformDatabase: ns.settings.PLATFORM_DATABASE, assetsContainer: ns.settings.PRIVACY_ASSETS_CONTAINER };
  const data = await seedErasureData(ns.direct, names, size);
  return { ns, tally, names, data, seedMs: Math.round(performance.now() - started) };
}

function wireCheck(counts: { cosmos: ProxyCounts; blob: ProxyCounts }): void {
  if (counts.cosmos.unparsed || counts.blob.unparsed) throw new Error("the proxy could not parse a connection's HTTP stream: request counts would be floors");
}

/** The engine's erasure of the subject: submit, then run the executor as the work queue would until the certificate. */
async function engineRun(host: EmulatorHost, size: { items: number; blobs: number }): Promise<EngineRun> {
  const { ns, tally, names, data, seedMs } = await seeded(host, `erase${size.items}`, size, ENGINE_SETTINGS);
  try {
    const ports = countPorts(ns.rt);
    const rt = ports.rt;
    const log = quietLogger();
    await warmUp(rt);
    const body = SubmitRequestBody.parse({ type: "erasure", orgId: BENCH_ORG, subject: { phone: data.subject.phone }, verification: { method: "attested", by: "bench" } });
    const { request } = await submitRequest(rt, authorize(BENCH_CALLER, "request:open"), body, undefined, log);
    if (request.status !== "queued") throw new Error(`the request is ${request.status}, expected queued`);

    await host.resetCounts();
    tally.reset();
    ports.reset();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    let slices = 0;
    let status: string = request.status;
    // Picked up: the executor runs; a slice that runs out of time continues in a new message.
    while (slices < MAX_SLICES && (status === "queued" || status === "in-progress")) {
      slices += 1;
      try {
        await runErasure(rt, request.id, { attempt: 1 }, log);
      } catch (error) {
        console.error(log.tail(20));
        throw error;
      }
      status = (await rt.requests.get(request.id))?.value.status ?? "missing";
    }
    const wallMs = Math.round(performance.now() - started);
    const engineCpuMs = cpuMsSince(cpuBefore);
    const wire = await host.counts();
    const requests = tally.snapshot();
    const work = ports.work();
    wireCheck(wire);

    const done = (await rt.requests.get(request.id))?.value;
    const outcome = done?.certificate?.outcome ?? "none";
    if (outcome !== "erased") throw new Error(`the request ended ${done?.status ?? "missing"} with certificate outcome ${outcome}${done?.failure === undefined ? "" : ` (${done.failure.step}: ${done.failure.reason})`}`);
    checkErased(await census(ns.direct, names, data), data, "the engine");
    return { wallMs, slices, requests, wire, engineCpuMs, work, floor: requestFloor(work), outcome, seedMs, data };
  } finally {
    ns.close();
  }
}

async function naiveRun(host: EmulatorHost, size: { items: number; blobs: number }): Promise<NaiveRun> {
  const { ns, tally, names, data } = await seeded(host, `naive${size.items}`, size, {});
  try {
    await warmUp(ns.rt);
    await host.resetCounts();
    tally.reset();
    const started = performance.now();
    const outcome = await naiveErasure(ns.rt.clients, names.platformDatabase, names.assetsContainer, data);
    const wallMs = Math.round(performance.now() - started);
    const wire = await host.counts();
    wireCheck(wire);
    checkErased(await census(ns.direct, names, data), data, "the naive baseline");
    return { wallMs, requests: tally.snapshot(), wire, outcome };
  } finally {
    ns.close();
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const kinds = (byKind: Readonly<Record<string, number>>) =>
  Object.entries(byKind)
    .sort(([, a], [, b]) => b - a)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(", ");
const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

async function measureSizes(host: EmulatorHost, flags: BenchFlags): Promise<ScenarioOutcome> {
  const rows: TableRow[] = [];
  const results: Record<string, unknown> = {};
  let met = true;
  for (const size of flags.erasureSizes) {
    const n = size.items;
    progress(`erasure D=${size.items} B=${size.blobs}: seeding and erasing through the engine`);
    const engine = await engineRun(host, size);
    progress(`erasure D=${size.items} B=${size.blobs}: engine ${seconds(engine.wallMs)} (seeded in ${seconds(engine.seedMs)}); now the naive baseline`);
    const naive = await naiveRun(host, size);
    progress(`erasure D=${size.items} B=${size.blobs}: naive ${seconds(naive.wallMs)}`);

    const cosmos = total(engine.requests.cosmos);
    const blob = total(engine.requests.blob);
    const toFloor = ratio(cosmos + blob, engine.floor);
    const wallRatio = ratio(engine.wallMs, naive.wallMs);
    const floorMet = toFloor <= REQUESTS_TO_FLOOR_TARGET;
    const wallApplies = n >= WALL_RATIO_AT_ITEMS && flags.rttMs === WALL_RATIO_AT_RTT_MS;
    const wallMet = wallRatio <= WALL_RATIO_TARGET;
    met &&= floorMet && (!wallApplies || wallMet);
    const label = `D=${size.items} B=${size.blobs}`;
    rows.push(
      { figure: `${label}: wall time, engine / naive`, value: `${seconds(engine.wallMs)} / ${seconds(naive.wallMs)}` },
      {
        figure: `${label}: wall time ratio to naive`,
        value: String(wallRatio),
        ...(wallApplies ? { target: `≤ ${WALL_RATIO_TARGET}`, met: wallMet } : { target: `(≤ ${WALL_RATIO_TARGET} at ${WALL_RATIO_AT_ITEMS} items, ${WALL_RATIO_AT_RTT_MS} ms)` }),
      },
      {
        figure: `${label}: requests to Cosmos / Blob`,
        value: `${cosmos} / ${blob} (on the wire ${engine.wire.cosmos.requests} / ${engine.wire.blob.requests}; naive ${total(naive.requests.cosmos)} / ${total(naive.requests.blob)})`,
      },
      { figure: `${label}: Cosmos requests by kind`, value: kinds(engine.requests.cosmos) },
      { figure: `${label}: Blob requests by kind`, value: kinds(engine.requests.blob) },
      {
        figure: `${label}: requests / floor`,
        value: `${toFloor} (${cosmos + blob} / ${engine.floor}: ${engine.work.queryPages} query pages, ${Object.values(engine.work.deletes).reduce((a, b) => a + b, 0)} deletes, ${engine.work.patches} patches, ${engine.work.listingPages} listing pages, ${engine.work.blobDeletes} blob deletes)`,
        target: `≤ ${REQUESTS_TO_FLOOR_TARGET}`,
        met: floorMet,
      },
      {
        figure: `${label}: data requests / floor (without the engine's own bookkeeping)`,
        value: `${ratio(cosmos - engine.requests.cosmosBookkeeping + blob, engine.floor)} (${cosmos - engine.requests.cosmosBookkeeping + blob} / ${engine.floor}; bookkeeping ${engine.requests.cosmosBookkeeping}: request, audit, outbox, job, manifest)`,
      },
    );
    results[`${size.items}x${size.blobs}`] = {
      items: size.items,
      blobs: size.blobs,
      spread: engine.data.spread,
      others: engine.data.others,
      engine: {
        wallMs: engine.wallMs,
        slices: engine.slices,
        certificate: engine.outcome,
        requests: { cosmos, blob, byKind: engine.requests },
        cpuMs: { engine: engine.engineCpuMs, emulators: engine.wire.emulatorCpuMs },
        wire: { cosmos: engine.wire.cosmos.requests, blob: engine.wire.blob.requests, queue: engine.wire.queue.requests, cosmosByRoute: engine.wire.cosmos.byRoute, blobByRoute: engine.wire.blob.byRoute },
        work: engine.work,
        floor: engine.floor,
        requestsToFloor: toFloor,
        bookkeeping: engine.requests.cosmosBookkeeping,
        dataRequestsToFloor: ratio(cosmos - engine.requests.cosmosBookkeeping + blob, engine.floor),
        seedMs: engine.seedMs,
      },
      naive: {
        wallMs: naive.wallMs,
        requests: { cosmos: total(naive.requests.cosmos), blob: total(naive.requests.blob), byKind: naive.requests },
        wire: { cosmos: naive.wire.cosmos.requests, blob: naive.wire.blob.requests },
        work: naive.outcome,
      },
      wallRatio,
      target: { requestsToFloor: REQUESTS_TO_FLOOR_TARGET, ...(wallApplies ? { wallRatio: WALL_RATIO_TARGET } : {}) },
      met: floorMet && (!wallApplies || wallMet),
    };
  }
  return { rows, result: { rttMs: flags.rttMs, emulators: host.mode, sizes: results, met } };
}

async function measureSmall(host: EmulatorHost, flags: BenchFlags): Promise<ScenarioOutcome> {
  progress(`erasure-small: ${SMALL.items} items, ${SMALL.blobs} blobs`);
  const engine = await engineRun(host, SMALL);
  const cosmos = total(engine.requests.cosmos);
  const blob = total(engine.requests.blob);
  const met = engine.wallMs < SMALL_TARGET_MS;
  const toFloor = ratio(cosmos + blob, engine.floor);
  const rows: TableRow[] = [
    { figure: "pickup to certificate", value: seconds(engine.wallMs), target: `< ${SMALL_TARGET_MS / 1000} s`, met },
    { figure: "CPU: engine / emulators", value: `${seconds(engine.engineCpuMs)} / ${engine.wire.emulatorCpuMs === undefined ? "(in-process)" : seconds(engine.wire.emulatorCpuMs)}` },
    { figure: "requests to Cosmos / Blob", value: `${cosmos} / ${blob}` },
    { figure: "Cosmos requests by kind", value: kinds(engine.requests.cosmos) },
    { figure: "requests / floor", value: `${toFloor} (${cosmos + blob} / ${engine.floor}); without bookkeeping ${ratio(cosmos - engine.requests.cosmosBookkeeping + blob, engine.floor)} (${engine.requests.cosmosBookkeeping} to the engine's own database)` },
  ];
  return {
    rows,
    result: {
      items: SMALL.items,
      blobs: SMALL.blobs,
      rttMs: flags.rttMs,
      wallMs: engine.wallMs,
      slices: engine.slices,
      requests: { cosmos, blob, byKind: engine.requests },
      wire: { cosmos: engine.wire.cosmos.requests, blob: engine.wire.blob.requests, cosmosByRoute: engine.wire.cosmos.byRoute },
      cpuMs: { engine: engine.engineCpuMs, emulators: engine.wire.emulatorCpuMs },
      work: engine.work,
      floor: engine.floor,
      requestsToFloor: toFloor,
      target: { wallMs: SMALL_TARGET_MS },
      met,
    },
  };
}

export const erasureScenario: Scenario = { name: "erasure", run: measureSizes };
export const smallErasureScenario: Scenario = { name: "erasure-small", run: measureSmall };

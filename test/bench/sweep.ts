import type { JSONObject } from "@azure/cosmos";
import { runSweepStep, startSweep } from "../../src/engine/sweeps.js";
import { BENCH_ORG, upsertAll } from "./erasure-data.js";
import { openNamespace, progress, quietLogger, warmUp, type BenchFlags, type EmulatorHost, type Scenario, type ScenarioOutcome, type TableRow } from "./harness.js";
import { storeRequestTally, total } from "./instrument.js";

// Issue 7 point 4: a retention run over one org of N contacts of which K are inactive. The sweep
// asks only for the inactive (a range query on `lastActivityAt` inside the org's partition), so its
// requests should grow with K, not N: the target is requests at the largest N ≤ 1.2 × those at
// the smallest. Each run notices the K inactive contacts; the bench checks that exactly K notices
// exist afterwards and that no active contact got one.

const REQUESTS_RATIO_TARGET = 1.2;
const NOW = new Date("2026-11-25T03:00:00.000Z");
const ACTIVE_AT = "2026-10-01T12:00:00.000Z";
const INACTIVE_AT = "2021-06-01T12:00:00.000Z";

interface SweepRun {
  readonly contacts: number;
  readonly inactive: number;
  readonly wallMs: number;
  readonly seedMs: number;
  readonly cosmos: number;
  readonly byKind: Readonly<Record<string, number>>;
  readonly bookkeeping: number;
  readonly queue: number;
  readonly noticed: number;
  readonly messages: number;
}

const pad = (n: number) => String(n).padStart(7, "0");

async function runOnce(host: EmulatorHost, contacts: number, inactive: number): Promise<SweepRun> {
  const tally = storeRequestTally();
  const ns = await openNamespace(host, `sweep${contacts}`, {}, tally.options);
  try {
    const seedStarted = performance.now();
    const platform = ns.direct.cosmos.database(ns.settings.PLATFORM_DATABASE);
    await platform.container("organizations").items.upsert({ id: BENCH_ORG, orgId: BENCH_ORG, name: "Sweep Bench GmbH", lastActiveAt: ACTIVE_AT, settings: { jurisdiction: "GDPR", defaultCountry: "DE" } });
    await platform.container("users").items.upsert({ id: "user-bench-1", orgId: BENCH_ORG, name: "Bench Admin", email: "admin@bench.example", lastLoginAt: ACTIVE_AT });
    // The inactive ones are spread evenly through the org, not bunched at its start.
    const every = Math.max(1, Math.floor(contacts / inactive));
    const items: JSONObject[] = Array.from({ length: contacts }, (_, i) => ({
      id: `c-${pad(i)}`,
      orgId: BENCH_ORG,
      name: `Contact ${pad(i)}`,
      phone: `+4915${pad(1_000_000 + i)}`,
      lastActivityAt: i % every === 0 && Math.floor(i / every) < inactive ? INACTIVE_AT : ACTIVE_AT,
    }));
    await upsertAll(platform.container("contacts"), items);
    const seedMs = Math.round(performance.now() - seedStarted);

    // Frozen clock: the cutoffs are the same for every size.
    const rt = { ...ns.rt, now: () => new Date(NOW) };
    await warmUp(rt);
    const log = quietLogger();
    await host.resetCounts();
    tally.reset();
    const started = performance.now();
    const run = await startSweep(rt, "retention", { kind: "on-demand", by: "bench", orgId: BENCH_ORG }, log);
    let messages = 0;
    for (;;) {
      const step = await rt.sweeps.getStep(run.id, BENCH_ORG);
      if (step === undefined || step.value.status === "done" || step.value.status === "skipped") break;
      if (messages >= 50) throw new Error("the sweep step did not finish in 50 messages");
      messages += 1;
      await runSweepStep(rt, { sweep: "retention", runId: run.id, orgId: BENCH_ORG }, log);
    }
    const wallMs = Math.round(performance.now() - started);
    const counts = await host.counts();
    const requests = tally.snapshot();

    // The run did what it should: exactly the inactive contacts are noticed.
    const { resources: notices } = await ns.direct.cosmos
      .database(ns.settings.PRIVACY_DATABASE)
      .container("registry")
      .items.query<number>({ query: "SELECT VALUE COUNT(1) FROM c WHERE c.orgId = @orgId AND c.type = 'retention-notice'", parameters: [{ name: "@orgId", value: BENCH_ORG }] })
      .fetchAll();
    const noticed = notices[0] ?? 0;
    if (noticed !== inactive) throw new Error(`the sweep noticed ${noticed} subjects, expected ${inactive}: ${log.tail(10)}`);
    return { contacts, inactive, wallMs, seedMs, cosmos: total(requests.cosmos), byKind: requests.cosmos, bookkeeping: requests.cosmosBookkeeping, queue: counts.queue.requests, noticed, messages };
  } finally {
    ns.close();
  }
}

async function measure(host: EmulatorHost, flags: BenchFlags): Promise<ScenarioOutcome> {
  const runs: SweepRun[] = [];
  for (const contacts of flags.sweepContacts) {
    progress(`sweep N=${contacts} K=${flags.sweepInactive}: seeding`);
    const run = await runOnce(host, contacts, flags.sweepInactive);
    progress(`sweep N=${contacts}: ${(run.wallMs / 1000).toFixed(2)} s, ${run.cosmos} Cosmos requests (seeded in ${(run.seedMs / 1000).toFixed(1)} s)`);
    runs.push(run);
  }
  const first = runs[0];
  const last = runs.at(-1);
  const requestRatio = first === undefined || last === undefined || first === last ? undefined : Math.round(((last.cosmos + last.queue) / (first.cosmos + first.queue)) * 100) / 100;
  const met = requestRatio === undefined || requestRatio <= REQUESTS_RATIO_TARGET;
  const rows: TableRow[] = runs.flatMap((r) => [
    { figure: `N=${r.contacts} K=${r.inactive}: wall time`, value: `${(r.wallMs / 1000).toFixed(2)} s (${r.messages} message${r.messages === 1 ? "" : "s"})` },
    {
      figure: `N=${r.contacts} K=${r.inactive}: requests`,
      value: `Cosmos ${r.cosmos} (${Object.entries(r.byKind).sort(([, a], [, b]) => b - a).map(([k, n]) => `${k} ${n}`).join(", ")}; ${r.bookkeeping} to the engine's database), queue ${r.queue}; ${r.noticed} noticed`,
    },
  ]);
  if (requestRatio !== undefined && first !== undefined && last !== undefined) {
    rows.push({ figure: `requests at N=${last.contacts} / at N=${first.contacts}`, value: String(requestRatio), target: `≤ ${REQUESTS_RATIO_TARGET}`, met });
  }
  return {
    rows,
    result: {
      rttMs: flags.rttMs,
      runs: runs.map((r) => ({ ...r })),
      ...(requestRatio === undefined ? {} : { requestRatio }),
      target: { requestRatio: REQUESTS_RATIO_TARGET },
      met,
    },
  };
}

export const sweepScenario: Scenario = { name: "sweep", run: measure };

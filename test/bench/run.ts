import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { erasureScenario, smallErasureScenario } from "./erasure.js";
import { exportMemoryScenario } from "./export-memory.js";
import { sweepScenario } from "./sweep.js";
import { httpScenario } from "./http.js";
import {
  EMULATOR_CHILD_FLAG,
  machineInfo,
  markdownTable,
  progress,
  serveEmulatorsInChild,
  startEmulatorHost,
  writeResults,
  type BenchFlags,
  type EmulatorHost,
  type EmulatorMode,
  type Scenario,
  type TableRow,
} from "./harness.js";

// `npm run bench`: starts the emulators behind counting proxies, runs each scenario in this
// process, prints a markdown table and writes bench-results.json at the repository root. A missed
// target is reported, not an error; the exit code is non-zero only when a run itself failed.

const SCENARIOS: readonly Scenario[] = [
  erasureScenario, // issue 7 point 3
  smallErasureScenario, // point 3, the everyday case
  sweepScenario, // point 4
  exportMemoryScenario, // point 5
  httpScenario, // point 6
];

/**
 * D items and B blobs as `DxB` (or `D` for D = B). B = 10 000 is left out of the default run:
 * Azurite's in-memory store scans the container on every blob delete (87 ms a delete, 21 s a
 * batch of 256, at 10 000 blobs), so erasing 10 000 blobs takes ~10 minutes, engine and naive alike.
 */
const DEFAULT_ERASURE_SIZES = "100x100,10000x100";

const USAGE = `Usage: npm run bench -- [options]

  --messages N      messages of the exported subject (default 50000)
  --media N         chat-media blobs of the exported subject (default 500)
  --media-kb N      size of each media blob in KiB (default 64)
  --rtt-ms N        round-trip time the proxies add between the engine and the emulators (default 5; 0 turns it off)
  --erasure-sizes L erasure runs, comma-separated, each DxB: the subject has D items and B blobs
                    (default ${DEFAULT_ERASURE_SIZES}; D alone means DxD)
  --http-connections N  autocannon connections of the HTTP scenario (default 50)
  --http-seconds N  how long autocannon runs per route (default 10)
  --sweep-contacts L  retention sweep runs, comma-separated org sizes N (default 10000,100000)
  --sweep-inactive K  inactive contacts in each of those orgs (default 100)
  --emulators MODE  child (default: the emulators run in a child process, so memory figures are the
                    engine's alone) or in-process
  --only NAMES      run only these scenarios, comma-separated (${SCENARIOS.map((s) => s.name).join(", ")})
  --out FILE        where to write the results (default bench-results.json at the repository root)`;

const RESULTS_FILE = fileURLToPath(new URL("../../../bench-results.json", import.meta.url));

function integer(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}`);
  return n;
}

class UsageError extends Error {}


function erasureSize(text: string): { items: number; blobs: number } {
  const [items, blobs = items] = text.trim().split("x");
  return { items: integer("erasure-sizes", items, 0, 20), blobs: integer("erasure-sizes", blobs, 0, 1) };
}

function parseFlags(argv: string[]): { flags: BenchFlags; mode: EmulatorMode; only?: readonly string[]; out: string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      messages: { type: "string" },
      media: { type: "string" },
      "media-kb": { type: "string" },
      "rtt-ms": { type: "string" },
      "erasure-sizes": { type: "string" },
      "http-connections": { type: "string" },
      "http-seconds": { type: "string" },
      "sweep-contacts": { type: "string" },
      "sweep-inactive": { type: "string" },
      emulators: { type: "string" },
      only: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help === true) {
    console.log(USAGE);
    process.exit(0);
  }
  const mode = values.emulators ?? "child";
  if (mode !== "child" && mode !== "in-process") throw new UsageError("--emulators must be child or in-process");
  const only = values.only?.split(",").map((name) => name.trim());
  if (only?.some((name) => !SCENARIOS.some((s) => s.name === name)) === true) throw new UsageError(`--only must name scenarios: ${SCENARIOS.map((s) => s.name).join(", ")}`);
  return {
    flags: {
      messages: integer("messages", values.messages, 50_000, 1),
      media: integer("media", values.media, 500, 0),
      mediaKb: integer("media-kb", values["media-kb"], 64, 1),
      rttMs: integer("rtt-ms", values["rtt-ms"], 5, 0),
      erasureSizes: (values["erasure-sizes"] ?? DEFAULT_ERASURE_SIZES).split(",").map(erasureSize),
      httpConnections: integer("http-connections", values["http-connections"], 50, 1),
      httpSeconds: integer("http-seconds", values["http-seconds"], 10, 1),
      sweepContacts: (values["sweep-contacts"] ?? "10000,100000").split(",").map((n) => integer("sweep-contacts", n.trim(), 0, 1)),
      sweepInactive: integer("sweep-inactive", values["sweep-inactive"], 100, 1),
    },
    mode,
    ...(only === undefined ? {} : { only }),
    out: values.out ?? RESULTS_FILE,
  };
}

/** If something still holds the event loop after everything was stopped, say what and leave. */
function exitWatchdog(): void {
  setTimeout(() => {
    console.error(`[bench] still running 10 s after the end; open resources: ${process.getActiveResourcesInfo().join(", ")}`);
    process.exit(process.exitCode ?? 0);
  }, 10_000).unref();
}

async function main(): Promise<void> {
  const { flags, mode, only, out } = parseFlags(process.argv.slice(2));
  if (!("gc" in globalThis)) throw new UsageError("Run the benchmark with node --expose-gc (heap growth is measured after a forced collection)");
  if (flags.media > flags.messages) throw new UsageError("--media must not exceed --messages (each blob belongs to a message)");
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  progress(`${machine.cpus} × ${machine.cpuModel}, ${machine.totalMemGB} GB, Node ${machine.node}; emulators ${mode}, rtt ${flags.rttMs} ms`);
  const started = performance.now();
  let host: EmulatorHost | undefined;
  const outcomes: { name: string; rows: readonly TableRow[] }[] = [];
  const scenarios: Record<string, unknown> = {};
  let failed = false;
  try {
    host = await startEmulatorHost({ mode, rttMs: flags.rttMs, childEntry: fileURLToPath(import.meta.url) });
    for (const scenario of SCENARIOS.filter((s) => only === undefined || only.includes(s.name))) {
      const t0 = performance.now();
      try {
        const outcome = await scenario.run(host, flags);
        outcomes.push({ name: scenario.name, rows: outcome.rows });
        scenarios[scenario.name] = outcome.result;
        progress(`${scenario.name}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      } catch (error) {
        failed = true;
        const message = error instanceof Error ? error.message : String(error);
        console.error(`[bench] ${scenario.name} FAILED: ${error instanceof Error ? (error.stack ?? message) : message}`);
        outcomes.push({ name: scenario.name, rows: [{ figure: "run", value: `failed: ${message.replace(/\|/g, "/")}` }] });
        scenarios[scenario.name] = { failed: true, error: message };
      }
    }
  } finally {
    await host?.stop();
  }
  const totalMs = Math.round(performance.now() - started);
  writeResults(out, { machine, startedAt, totalMs, emulators: mode, rttMs: flags.rttMs, scenarios });
  console.log(markdownTable(outcomes));
  progress(`total ${(totalMs / 1000).toFixed(1)} s; results in ${out}`);
  if (failed) process.exitCode = 1;
}

if (process.argv.includes(EMULATOR_CHILD_FLAG)) {
  const at = process.argv.indexOf("--rtt-ms");
  await serveEmulatorsInChild(at < 0 ? 0 : Number(process.argv[at + 1] ?? 0));
} else {
  try {
    await main();
  } catch (error) {
    console.error(error instanceof UsageError ? `${error.message}\n\n${USAGE}` : error);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  }
  exitWatchdog();
}

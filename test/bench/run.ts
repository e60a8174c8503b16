import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { exportMemoryScenario } from "./export-memory.js";
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

/**
 * `npm run bench`: starts the emulators behind counting proxies, runs each scenario in this
 * process, prints a markdown table and writes bench-results.json at the repository root. A missed
 * target is reported, not an error; the exit code is non-zero only when a run itself failed.
 */

const SCENARIOS: readonly Scenario[] = [exportMemoryScenario];

const USAGE = `Usage: npm run bench -- [options]

  --messages N      messages of the exported subject (default 50000)
  --media N         chat-media blobs of the exported subject (default 500)
  --media-kb N      size of each media blob in KiB (default 64)
  --rtt-ms N        round-trip time the proxies add between the engine and the emulators (default 0)
  --emulators MODE  child (default: the emulators run in a child process, so memory figures are the
                    engine's alone) or in-process
  --only NAME       run only this scenario (${SCENARIOS.map((s) => s.name).join(", ")})
  --out FILE        where to write the results (default bench-results.json at the repository root)`;

const RESULTS_FILE = fileURLToPath(new URL("../../../bench-results.json", import.meta.url));

function integer(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}`);
  return n;
}

class UsageError extends Error {}

function parseFlags(argv: string[]): { flags: BenchFlags; mode: EmulatorMode; only?: string; out: string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      messages: { type: "string" },
      media: { type: "string" },
      "media-kb": { type: "string" },
      "rtt-ms": { type: "string" },
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
  if (values.only !== undefined && !SCENARIOS.some((s) => s.name === values.only)) throw new UsageError(`--only must name a scenario: ${SCENARIOS.map((s) => s.name).join(", ")}`);
  return {
    flags: {
      messages: integer("messages", values.messages, 50_000, 1),
      media: integer("media", values.media, 500, 0),
      mediaKb: integer("media-kb", values["media-kb"], 64, 1),
      rttMs: integer("rtt-ms", values["rtt-ms"], 0, 0),
    },
    mode,
    ...(values.only === undefined ? {} : { only: values.only }),
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
    for (const scenario of SCENARIOS.filter((s) => only === undefined || s.name === only)) {
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

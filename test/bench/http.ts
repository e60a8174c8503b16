import { createHash } from "node:crypto";
import autocannon from "autocannon";
import { allFunctions } from "../../functions/all.js";
import { withSettingDefaults } from "../../src/config/settings.js";
import type { HttpFunctionDefinition } from "../../src/hosting/definition.js";
import { startLocalHost } from "../../src/local/host.js";
import { openNamespace, progress, type BenchFlags, type EmulatorHost, type Scenario, type ScenarioOutcome, type TableRow } from "./harness.js";

// Issue 7 point 6: the HTTP API through the local host (the same function descriptions the Azure
// host registers) under autocannon: requests per second, p50 and p99 latency, errors (connection
// errors, timeouts and non-2xx answers). The host serves HTTP functions only, so no queue worker
// competes for the CPU; stores are reached through the counting, delaying proxies.

const HTTP_ORG = "org-http";
const API_KEY = "bench-http-key-0123456789abcdef0123";

interface HttpRoute {
  readonly name: string;
  readonly method: "GET" | "POST";
  readonly path: string;
  /** The body of the n-th request (each one different, as real callers' are). */
  readonly body?: (n: number) => unknown;
}

/** One line per route measured. */
const ROUTES: readonly HttpRoute[] = [
  {
    name: "POST /api/requests",
    method: "POST",
    path: "/api/requests",
    body: (n) => ({ type: "access", orgId: HTTP_ORG, subject: { email: `bench.http.${n}@example.org` }, verification: { method: "attested", by: "bench" } }),
  },
  {
    // A phone in national form: normalised with the org's country (cached), hashed, one point read
    // of the subject's registry entry beside one of the org-wide holds.
    name: "GET /api/subjects/status",
    method: "GET",
    path: `/api/subjects/status?orgId=${HTTP_ORG}&phone=030%2012345678`,
  },
];

const ZERO_ERRORS_TARGET = 0;

async function measure(host: EmulatorHost, flags: BenchFlags): Promise<ScenarioOutcome> {
  const apiKeys = JSON.stringify([{ id: "bench", sha256: createHash("sha256").update(API_KEY).digest("hex"), role: "privacy-admin", orgs: "*" }]);
  const ns = await openNamespace(host, "http", { PRIVACY_API_KEYS: apiKeys });
  await ns.direct.cosmos
    .database(ns.settings.PLATFORM_DATABASE)
    .container("organizations")
    .items.upsert({ id: HTTP_ORG, orgId: HTTP_ORG, name: "HTTP Bench GmbH", settings: { jurisdiction: "GDPR", defaultCountry: "DE" } });
  // The local host resolves binding expressions from an environment; the handlers get the namespace's deps.
  const env = withSettingDefaults(ns.env, ns.settings);
  const definitions = allFunctions(ns.rt).filter((d): d is HttpFunctionDefinition => d.kind === "http");
  const server = await startLocalHost({ definitions, env, port: 0, enableTimers: false, log: () => undefined });
  const rows: TableRow[] = [];
  const routes: Record<string, unknown> = {};
  let met = true;
  try {
    for (const route of ROUTES) {
      progress(`http: ${route.name}, ${flags.httpConnections} connections for ${flags.httpSeconds} s`);
      await host.resetCounts();
      let n = 0;
      const result = await autocannon({
        url: server.url,
        connections: flags.httpConnections,
        duration: flags.httpSeconds,
        requests: [
          {
            method: route.method,
            path: route.path,
            headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
            ...(route.body === undefined ? {} : { setupRequest: (request) => ({ ...request, body: JSON.stringify(route.body?.(n++)) }) }),
          },
        ],
      });
      const counts = await host.counts();
      const errors = result.errors + result.timeouts + result.non2xx;
      const routeMet = errors === ZERO_ERRORS_TARGET;
      met &&= routeMet;
      rows.push(
        { figure: `${route.name}: requests per second`, value: `${Math.round(result.requests.average)} (${result.requests.total} in ${result.duration} s, ${flags.httpConnections} connections)` },
        { figure: `${route.name}: latency p50 / p99`, value: `${result.latency.p50} ms / ${result.latency.p99} ms` },
        { figure: `${route.name}: errors`, value: `${errors} (${result.errors} connection, ${result.timeouts} timeouts, ${result.non2xx} non-2xx)`, target: String(ZERO_ERRORS_TARGET), met: routeMet },
      );
      routes[route.name] = {
        connections: flags.httpConnections,
        seconds: result.duration,
        requests: result.requests.total,
        requestsPerSecond: result.requests.average,
        latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
        errors: { connection: result.errors, timeouts: result.timeouts, non2xx: result.non2xx, statusCodes: result.statusCodeStats },
        storeRequestsPerCall: result.requests.total === 0 ? 0 : Math.round(((counts.cosmos.requests + counts.blob.requests + counts.queue.requests) / result.requests.total) * 10) / 10,
        met: routeMet,
      };
    }
  } finally {
    await server.stop();
    ns.close();
  }
  return { rows, result: { rttMs: flags.rttMs, routes, target: { errors: ZERO_ERRORS_TARGET }, met } };
}

export const httpScenario: Scenario = { name: "http", run: measure };

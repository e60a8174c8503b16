import { createHash, randomUUID } from "node:crypto";
import { HttpRequest, InvocationContext, type HttpResponseInit, type Timer } from "@azure/functions";
import { parseSettings, withSettingDefaults } from "../../src/config/settings.js";
import { openSecret } from "../../src/domain/sealed-secret.js";
import { seedPlatform } from "../../src/local/seed.js";
import { allFunctions, allHandlers, type AllHandlers } from "../../functions/all.js";
import { createRuntime, disposeRuntime, type Runtime } from "../../src/hosting/composition.js";
import type { FunctionDefinition, HttpFunctionDefinition } from "../../src/hosting/definition.js";
import { provision } from "../../src/stores/provision.js";
import { checkDocumented } from "./documented-response.js";
import { capturedLog } from "./log-capture.js";
import { testEnv } from "./env.js";
import { appendRecord } from "./run-records.js";
import { KEYS } from "./secrets.js";

// API keys of every role for a test file: `admin` acts on all orgs, the others on ORG_A only,
// `operatorB` on ORG_B.

export const ORG_A = "org-alpha";
export const ORG_B = "org-beta";
export const ORG_UNKNOWN = "org-nobody";

export { KEYS };
export type KeyName = keyof typeof KEYS;

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

export function apiKeysSetting(): string {
  return JSON.stringify([
    { id: "admin", sha256: sha256(KEYS.admin), role: "privacy-admin", orgs: "*" },
    { id: "operator", sha256: sha256(KEYS.operator), role: "privacy-operator", orgs: [ORG_A] },
    { id: "auditor", sha256: sha256(KEYS.auditor), role: "auditor", orgs: [ORG_A] },
    { id: "service", sha256: sha256(KEYS.service), role: "service", orgs: [ORG_A] },
    { id: "operator-b", sha256: sha256(KEYS.operatorB), role: "privacy-operator", orgs: [ORG_B] },
  ]);
}

/** A test's engine: its own deps (on a fresh namespace), and every function built from them. */
export interface TestEngine extends Runtime {
  /** Every handler by name, as `allHandlers(deps)` builds them; the same ones `functions` registers. */
  readonly fn: AllHandlers;
  readonly functions: readonly FunctionDefinition[];
}

/**
 * Every function's description, for tests that list routes while vitest collects them (before
 * any engine exists). Their handlers must not be called: their deps throw on first use.
 */
const descriptionsOnly = new Proxy({} as Runtime, {
  get: (_target, member) => {
    throw new Error(`DESCRIBED_FUNCTIONS are descriptions only; call the handler of an engine from setupEngine() (read ${String(member)})`);
  },
});
export const DESCRIBED_FUNCTIONS: readonly FunctionDefinition[] = allFunctions(descriptionsOnly);
export const DESCRIBED_HTTP: readonly HttpFunctionDefinition[] = DESCRIBED_FUNCTIONS.filter((f): f is HttpFunctionDefinition => f.kind === "http");

/** The same HTTP function of a live engine. */
export function liveHttp(rt: TestEngine, name: string): HttpFunctionDefinition {
  const found = rt.functions.find((f): f is HttpFunctionDefinition => f.kind === "http" && f.name === name);
  if (found === undefined) throw new Error(`no HTTP function ${name}`);
  return found;
}

export type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
/** The names of the HTTP handlers in `TestEngine.fn`. */
export type HttpHandlerName = { [K in keyof AllHandlers]: AllHandlers[K] extends HttpHandler ? K : never }[keyof AllHandlers];

/** Runtimes this test file built, let go of by `teardownEngines()`. */
const built: Runtime[] = [];

/** Each HTTP handler's definition, so `call` can check a response against the route's documented ones. */
const definitionOf = new WeakMap<object, HttpFunctionDefinition>();

/**
 * A fresh namespace on the shared emulators, provisioned, with two orgs on the platform: ORG_A
 * (GDPR, DE) and ORG_B (CCPA, US); and an engine whose deps are built for it. The settings are
 * also written to `process.env`, for child processes and `freshRuntime()`; the engine never reads it.
 */
export async function setupEngine(overrides: Record<string, string> = {}): Promise<TestEngine> {
  const env = testEnv({ PRIVACY_API_KEYS: apiKeysSetting(), ...overrides });
  for (const [key, value] of Object.entries(env)) if (value !== undefined) process.env[key] = value;
  const settings = parseSettings(process.env);
  Object.assign(process.env, withSettingDefaults(process.env, settings));
  const runtime = createRuntime(settings);
  built.push(runtime);
  const fn = allHandlers(runtime);
  const functions = allFunctions(runtime, fn);
  for (const definition of functions) if (definition.kind === "http") definitionOf.set(definition.handler, definition);
  const rt: TestEngine = { ...runtime, fn, functions };
  // The run's teardown reads what the engine stored here (audit, events, certificates) for personal data.
  appendRecord("namespaces", JSON.stringify({ privacyDatabase: rt.settings.PRIVACY_DATABASE }));
  await provision(rt.clients, rt.settings);
  const organizations = rt.clients.cosmos.database(rt.settings.PLATFORM_DATABASE).container("organizations");
  await organizations.items.upsert({ id: ORG_A, orgId: ORG_A, name: "Alpha GmbH", settings: { jurisdiction: "GDPR", defaultCountry: "DE" } });
  await organizations.items.upsert({ id: ORG_B, orgId: ORG_B, name: "Beta Inc", settings: { jurisdiction: "CCPA", defaultCountry: "US" } });
  return rt;
}

/** A second runtime on the same settings (e.g. to read stores without the handlers' cache). */
export function freshRuntime(): Runtime {
  const runtime = createRuntime(parseSettings(process.env));
  built.push(runtime);
  return runtime;
}

/** Lets go of every runtime this file built (afterAll). */
export function teardownEngines(): void {
  for (const runtime of built.splice(0)) disposeRuntime(runtime);
}

/** The definition of a handler built by `setupEngine` (undefined for any other function). */
export function definitionOfHandler(handler: object): HttpFunctionDefinition | undefined {
  return definitionOf.get(handler);
}

/** A timer trigger's input, as the host passes it to a timer function. */
export const TEST_TIMER: Timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };

export interface CallOptions {
  method?: string;
  path: string;
  key?: KeyName | null;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  params?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  text: string;
}

export function invocationContext(functionName: string, triggerMetadata?: Record<string, unknown>): InvocationContext {
  return new InvocationContext({
    functionName,
    invocationId: randomUUID(),
    ...(triggerMetadata === undefined ? {} : { triggerMetadata }),
    logHandler: (level, ...args) => {
      capturedLog(`[${level}] ${functionName}: ${args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ")}`);
    },
  });
}

/** Calls an HTTP handler as the Functions host would, with a real HttpRequest and InvocationContext. */
export async function call(
  handler: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>,
  options: CallOptions,
): Promise<CallResult> {
  const headers: Partial<Record<string, string>> = { ...(options.headers ?? {}) };
  const key = options.key === undefined ? "admin" : options.key;
  if (key !== null) headers.authorization ??= `Bearer ${KEYS[key]}`;
  let body: string | undefined = options.rawBody;
  if (body === undefined && options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!("content-type" in headers)) headers["content-type"] = "application/json";
  }
  const url = new URL(options.path, "http://127.0.0.1:7071");
  const request = new HttpRequest({
    method: options.method ?? (body === undefined ? "GET" : "POST"),
    url: url.toString(),
    headers: Object.fromEntries(Object.entries(headers).flatMap(([k, v]) => (v === undefined ? [] : [[k, v]]))),
    query: Object.fromEntries(url.searchParams.entries()),
    params: options.params ?? {},
    ...(body === undefined ? {} : { body: { string: body } }),
  });
  const response = await handler(request, invocationContext("test"));
  const text = typeof response.body === "string" ? response.body : response.body === undefined ? "" : JSON.stringify(response.body);
  const responseHeaders = Object.fromEntries(Object.entries((response.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
  let parsed: unknown;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    parsed = text;
  }
  const status = response.status ?? 200;
  if (status >= 400) appendRecord("problems", text);
  // Every response of an engine's route must be one its OpenAPI description documents.
  const definition = definitionOf.get(handler);
  if (definition !== undefined) checkDocumented(definition, status, responseHeaders, parsed);
  return { status, headers: responseHeaders, body: parsed, text };
}

interface CodeEvent {
  id: string;
  ttl?: number;
  secret?: { sealedVerificationCode: string };
}

/** The latest verification code issued for a request, opened from its sealed outbox event (as the dispatcher would). */
export async function issuedCode(rt: Runtime, requestId: string): Promise<{ code: string; event: CodeEvent }> {
  const { resources } = await rt.clients.cosmos
    .database(rt.settings.PRIVACY_DATABASE)
    .container("outbox")
    .items.query<CodeEvent>({
      query: "SELECT * FROM c WHERE c.requestId = @id AND c.type = 'verification.code-issued'",
      parameters: [{ name: "@id", value: requestId }],
    })
    .fetchAll();
  const event = resources.sort((a, b) => a.id.localeCompare(b.id, "en", { numeric: true })).at(-1);
  const sealed = event?.secret?.sealedVerificationCode;
  if (event === undefined || sealed === undefined) throw new Error("no code event");
  const code = openSecret(rt.settings.PRIVACY_SUBJECT_KEY_SECRET, requestId, sealed);
  appendRecord("codes", code);
  return { code, event };
}

/** Seeds the default demo dataset into the runtime's platform database and assets container. */
export function seedDemo(rt: Runtime, options?: Parameters<typeof seedPlatform>[1]): ReturnType<typeof seedPlatform> {
  return seedPlatform({ cosmos: rt.clients.cosmos, platformDatabase: rt.settings.PLATFORM_DATABASE, blobService: rt.clients.blobs, assetsContainer: rt.settings.PRIVACY_ASSETS_CONTAINER }, options);
}

/** How many requests the engine has stored (to prove a refused call stored nothing). */
export async function countRequests(rt: Runtime): Promise<number> {
  const { resources } = await rt.clients.cosmos.database(rt.settings.PRIVACY_DATABASE).container("requests").items.query<number>("SELECT VALUE COUNT(1) FROM c").fetchAll();
  return resources[0] ?? 0;
}

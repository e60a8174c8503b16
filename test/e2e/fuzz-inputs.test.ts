import { readFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostRoute, type HttpFunctionDefinition } from "../../src/hosting/definition.js";
import { ProblemSchema } from "../../src/http/problem.js";
import { call, countRequests, invocationContext, KEYS, ORG_A, setupEngine, type CallResult, teardownEngines, type TestEngine, DESCRIBED_HTTP, liveHttp } from "../support/engine.js";
import { engineFingerprint } from "../support/state-fingerprint.js";
import { recordFigure } from "../support/figures.js";

// Bad input, generated: every HTTP route of functions/all.ts (a new route is fuzzed without
// being listed here) and the Service Bus erasure message get random JSON, wrong types, huge
// strings, deep nesting, odd unicode, `__proto__`/`constructor` keys and wrong content types.
// A caller's mistake is never a 5xx, always problem+json, and changes nothing the engine stores.
// FUZZ_RUNS raises the runs per route (npm run test:soak).

const RUNS = Number(process.env.FUZZ_RUNS ?? "40");

const httpRoutes = DESCRIBED_HTTP;

let rt: TestEngine;
/** A real request of ORG_A, so `{id}` routes also meet an id that exists. */
let existingId = "";
const VALID_CODE = "123456";
/** Inputs tried, by route, for the README's figures. */
const tried = new Map<string, number>();

beforeAll(async () => {
  // One declared Service Bus producer, so malformed bodies get past the producer check and are parsed.
  rt = await setupEngine({ PRIVACY_SERVICE_BUS_PRODUCERS: JSON.stringify({ crm: { orgs: "*", kinds: ["erasure", "child-data", "org-offboarding"] } }) });
  const opened = await call(rt.fn.submitRequestHandler, { path: "/api/requests", body: { type: "restriction", orgId: ORG_A, subject: { contactId: "c-fuzz" }, ground: "accuracy-contested" } });
  existingId = (opened.body as { id: string }).id;
});
afterAll(() => {
  recordFigure("fuzz", Object.fromEntries(tried));
  teardownEngines();
});

/** A body each route accepts, to mutate one field at a time (so input gets past the first check). */
const VALID_BODIES: Readonly<Record<string, unknown>> = {
  "requests-submit": { type: "erasure", orgId: ORG_A, subject: { phone: "+49 30 5550199", email: "fuzz@example.invalid" }, reason: "service-erasure" },
  "requests-verify": { code: VALID_CODE },
  "requests-attest": { by: "front desk" },
  "requests-extend": { reason: "needs more time" },
  "requests-reject": { reason: "other", detail: "fuzz" },
  "requests-cancel": { reason: "fuzz" },
  "requests-lift": { reason: "ground ended" },
  "legal-holds-place": { orgId: ORG_A, category: "sales", reason: "tax audit" },
  "certificates-verify": { id: "x", outcome: "erased" },
};
const VALID_QUERIES: Readonly<Record<string, Record<string, string>>> = {
  "reports-requests": { orgId: ORG_A, from: "2026-01", to: "2026-06" },
  "requests-list": { orgId: ORG_A, limit: "5" },
  "subjects-status": { orgId: ORG_A, phone: "+49 30 5550199" },
  "legal-holds-list": { orgId: ORG_A },
};

const ODD_STRINGS = [
  "__proto__",
  "constructor",
  "prototype",
  "\u0000",
  "\ud800",
  "\u202egnp.exe",
  "\u200b\ufeff",
  "Z\u0334\u0321\u0360",
  "\ud835\udd4f",
  "' OR 1=1 --",
  'x") OR (1=1',
  "SELECT * FROM c",
  "../../etc/passwd",
  "${jndi:ldap://x}",
  "%00",
  "NaN",
  "-0",
  "1e309",
  "",
  " ",
];

const oddString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.constantFrom(...ODD_STRINGS),
  fc.integer({ min: 1_000, max: 80_000 }).map((n) => "x".repeat(n)),
);

/** JSON text of any value (JSON.stringify answers undefined for some, which its type hides). */
function jsonText(value: unknown): string {
  return value === undefined || typeof value === "function" || typeof value === "symbol" ? "null" : JSON.stringify(value);
}

const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  oddString,
  fc.integer({ min: 10, max: 4000 }).map((depth) => JSON.parse("[".repeat(depth) + "]".repeat(depth)) as unknown),
  fc.constantFrom(null, true, -1, 1.5, Number.MAX_SAFE_INTEGER, [], {}),
);

/** A body as text: random JSON, a valid body with one field replaced or added, or not JSON at all. */
function bodyText(name: string): fc.Arbitrary<string> {
  const valid = (VALID_BODIES[name] ?? {}) as Record<string, unknown>;
  const keys = Object.keys(valid);
  const mutated = fc
    .record({
      key: keys.length === 0 ? fc.constantFrom("x") : fc.oneof(fc.constantFrom(...keys), fc.constantFrom("__proto__", "constructor", "extra")),
      value: anyJson,
      drop: fc.boolean(),
    })
    .map(({ key, value, drop }) => {
      const copy: Record<string, unknown> = { ...valid };
      if (drop) Reflect.deleteProperty(copy, key);
      const text = JSON.stringify(copy);
      // A literal "__proto__" key only survives as JSON text (an object literal would set the prototype).
      const entry = `${JSON.stringify(key)}:${jsonText(value)}`;
      return text === "{}" ? `{${entry}}` : `{${entry},${text.slice(1)}`;
    });
  return fc.oneof(
    mutated,
    anyJson.map((v) => jsonText(v)),
    oddString,
    fc.constantFrom("{", "[", '{"a":1,}', "\u00ff\u00fe", "undefined", '{"__proto__":{"polluted":1}}'),
  );
}

/** A route's parameter names (`{id}`, the catch-all `{*path}`). */
const PARAM = /\{\*{0,2}([^}]+)\}/g;

function paramNames(route: string): string[] {
  return [...route.matchAll(PARAM)].map((m) => m[1] ?? "");
}

interface HttpInput {
  readonly params: Record<string, string>;
  readonly query: Record<string, string>;
  readonly body: string | undefined;
  readonly contentType: string | undefined;
  readonly authorization: string | undefined;
  readonly extraHeaders: Record<string, string>;
}

function httpInput(definition: HttpFunctionDefinition): fc.Arbitrary<HttpInput> {
  const params = Object.fromEntries(
    paramNames(definition.route).map((p) => [p, fc.oneof(fc.constant(existingId), fc.uuid(), fc.constant(ORG_A), oddString.filter((s) => s.length < 2000))]),
  );
  const validQuery = VALID_QUERIES[definition.name] ?? {};
  const queryValue = oddString.filter((s) => s.length < 10_000);
  const query = fc.oneof(
    fc.constant(validQuery),
    fc.record({ key: fc.oneof(fc.constantFrom(...Object.keys(validQuery), "__proto__", "constructor", "limit"), fc.string({ maxLength: 10 })), value: queryValue }).map(({ key, value }) => ({ ...validQuery, [key]: value })),
    fc.dictionary(fc.string({ maxLength: 8 }), queryValue, { maxKeys: 4 }),
  );
  return fc.record({
    params: fc.record(params),
    query,
    body: fc.option(bodyText(definition.name), { nil: undefined }),
    contentType: fc.option(fc.constantFrom("application/json", "application/merge-patch+json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1", "application/jsonx", ""), { nil: undefined }),
    // Mostly the admin key: it passes every role check, so the input reaches the parsers.
    authorization: fc.oneof(
      { weight: 6, arbitrary: fc.constant(`Bearer ${KEYS.admin}`) },
      { weight: 1, arbitrary: fc.constantFrom(`Bearer ${KEYS.auditor}`, `Bearer ${KEYS.operatorB}`, `Bearer ${KEYS.service}`) },
      { weight: 1, arbitrary: fc.option(oddString.filter((s) => s.length < 20_000), { nil: undefined }) },
    ),
    extraHeaders: fc.oneof(
      fc.constant({}),
      fc.record({ "idempotency-key": oddString.filter((s) => s.length < 5000) }),
      fc.record({ "x-ms-client-principal": fc.oneof(oddString.filter((s) => s.length < 5000), fc.jsonValue().map((v) => Buffer.from(jsonText(v)).toString("base64"))) }),
    ),
  });
}

function pathOf(definition: HttpFunctionDefinition, params: Record<string, string>, query: Record<string, string>): string {
  // A lone surrogate cannot be percent-encoded; the handler still receives it raw in `params`.
  const encode = (value: string) => encodeURIComponent(value.replace(/[\ud800-\udfff]/g, "\ufffd"));
  // The route as served: the API's under /api, the console's at the root.
  const route = hostRoute(definition).replace(PARAM, (_m, name: string) => encode(params[name] ?? ""));
  const search = new URLSearchParams(Object.entries(query)).toString();
  return `/${route}${search === "" ? "" : `?${search}`}`;
}

/** Headers a caller cannot forge into a value the engine dislikes at the HTTP layer (undici refuses them). */
const headerSafe = (value: string) => value.replace(/[^\t\x20-\x7e\x80-\xff]/g, "?");

async function send(definition: HttpFunctionDefinition, input: HttpInput): Promise<CallResult> {
  const headers: Record<string, string> = {};
  if (input.authorization !== undefined) headers.authorization = headerSafe(input.authorization);
  if (input.contentType !== undefined) headers["content-type"] = input.contentType;
  for (const [k, v] of Object.entries(input.extraHeaders)) headers[k] = headerSafe(v);
  const method = definition.methods[0] ?? "GET";
  // GET and DELETE carry no body (the Functions request type drops it, and says so).
  const body = method === "GET" || method === "DELETE" ? undefined : input.body;
  return call(liveHttp(rt, definition.name).handler, {
    method,
    path: pathOf(definition, input.params, input.query),
    params: input.params,
    key: null,
    headers,
    ...(body === undefined ? {} : { rawBody: body }),
  });
}

/** A refused input answers with problem+json and leaves every stored document as it was. */
function expectSafe(result: CallResult, label: string): void {
  expect(result.status, `${label}: ${result.text.slice(0, 300)}`).toBeLessThan(500);
  if (result.status >= 400) {
    expect(result.headers["content-type"], label).toBe("application/problem+json");
    expect(ProblemSchema.safeParse(result.body).success, label).toBe(true);
  }
  expect(({} as Record<string, unknown>).polluted, "Object.prototype polluted").toBeUndefined();
}

/**
 * A verification attempt is recorded on purpose, refused or not: a wrong code counts against the
 * request (the try that reaches the limit locks it: a 409), and a try on a locked, expired or
 * missing code is audited as refused. These are the only refusals that write.
 */
const RECORDED_VERIFICATION_REFUSALS: ReadonlySet<string> = new Set(["code-mismatch", "code-locked", "code-expired", "no-code"]);
const writesOnRefusal = (definition: HttpFunctionDefinition, result: CallResult) =>
  definition.name === "requests-verify" && RECORDED_VERIFICATION_REFUSALS.has((result.body as { reason?: string } | undefined)?.reason ?? "");

async function tryInput(definition: HttpFunctionDefinition, input: HttpInput, label: string): Promise<void> {
  const before = await engineFingerprint(rt);
  const result = await send(definition, input);
  tried.set(definition.name, (tried.get(definition.name) ?? 0) + 1);
  expectSafe(result, label);
  if (result.status >= 400 && !writesOnRefusal(definition, result)) expect(await engineFingerprint(rt), `${label}: state changed on ${String(result.status)}`).toBe(before);
}

describe("fuzzing every HTTP route", () => {
  it("covers every HTTP function of functions/all.ts", () => {
    expect(httpRoutes.length).toBeGreaterThanOrEqual(17);
  });

  for (const definition of httpRoutes) {
    it(`${definition.methods.join(",")} /${hostRoute(definition)} (${definition.name})`, async () => {
      await fc.assert(
        fc.asyncProperty(httpInput(definition), async (input) => {
          await tryInput(definition, input, definition.name);
        }),
        { numRuns: RUNS, endOnFailure: true },
      );
    });
  }
});

interface NastyInput {
  name: string;
  rawBody?: string;
  rawBodyBase64?: string;
  repeat?: { char: string; count: number; wrap: string };
  contentType?: string | null;
  query?: Record<string, string>;
  params?: Record<string, string>;
  headers?: Record<string, string>;
}

const corpus = JSON.parse(readFileSync(new URL("../fixtures/nasty-inputs.json", import.meta.url), "utf8")) as NastyInput[];

function corpusBody(entry: NastyInput): string | undefined {
  if (entry.rawBodyBase64 !== undefined) return Buffer.from(entry.rawBodyBase64, "base64").toString("latin1");
  if (entry.repeat !== undefined) return entry.repeat.wrap.replaceAll("%s", entry.repeat.char.repeat(entry.repeat.count));
  return entry.rawBody;
}

describe("the corpus of nasty inputs (regression)", () => {
  for (const entry of corpus) {
    it(entry.name, async () => {
      for (const definition of httpRoutes) {
        const params = Object.fromEntries(paramNames(definition.route).map((p) => [p, entry.params?.[p] ?? existingId]));
        const body = corpusBody(entry);
        const contentType = entry.contentType === null ? undefined : (entry.contentType ?? "application/json");
        const { authorization, ...extraHeaders } = entry.headers ?? {};
        await tryInput(
          definition,
          {
            params,
            query: entry.query ?? VALID_QUERIES[definition.name] ?? {},
            body,
            contentType: body === undefined ? undefined : contentType,
            authorization: authorization ?? `Bearer ${KEYS.admin}`,
            extraHeaders,
          },
          `${entry.name} → ${definition.name}`,
        );
      }
    });
  }
});

describe("fuzzing the Service Bus erasure message", () => {
  const MARKER = "+49 151 55501234";
  const valid = { schemaVersion: 1, kind: "erasure", orgId: ORG_A, subject: { phone: MARKER }, reason: "account-closed", requestedBy: "crm", requestedAt: "2026-01-10T08:00:00Z" };

  const message = fc.oneof(
    anyJson,
    fc.record({ key: fc.constantFrom(...Object.keys(valid), "__proto__", "constructor", "subject"), value: anyJson }).map(({ key, value }) => {
      const text = JSON.stringify(valid);
      return JSON.parse(`{${JSON.stringify(key)}:${jsonText(value)},${text.slice(1)}`) as unknown;
    }),
    oddString,
    oddString.map((s) => new TextEncoder().encode(s)),
  );

  it("completes every malformed message without opening a request, and records no value of it", async () => {
    let delivered = 0;
    // Mostly the declared producer (so the body is parsed), else odd application properties.
    const applicationProperties = fc.oneof(
      { weight: 4, arbitrary: fc.constant({ privacyProducer: "crm" }) },
      anyJson,
      fc.record({ privacyProducer: fc.oneof(oddString, anyJson) }),
    );
    await fc.assert(
      fc.asyncProperty(message, fc.option(oddString.filter((s) => s.length < 300), { nil: undefined }), applicationProperties, async (body, messageId, properties) => {
        const before = await countRequests(rt);
        try {
          await rt.fn.erasureIntakeHandler(
            body,
            invocationContext("erasure-intake", { ...(messageId === undefined ? {} : { messageId }), deliveryCount: 1, applicationProperties: properties }),
          );
        } catch (thrown) {
          // Throwing means "redeliver": only a store failure may do that, never bad content.
          throw new Error("the intake threw for a malformed message", { cause: thrown });
        }
        delivered += 1;
        // A message can be valid by chance (a replaced field still well-formed): then it opens one request.
        expect((await countRequests(rt)) - before).toBeLessThanOrEqual(1);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: RUNS * 3, endOnFailure: true },
    );
    tried.set("service-bus:erasure-intake", delivered);
    const database = rt.clients.cosmos.database(rt.settings.PRIVACY_DATABASE);
    for (const container of ["audit", "outbox"]) {
      const { resources } = await database.container(container).items.query<unknown>("SELECT * FROM c WHERE STARTSWITH(c.requestId, 'servicebus:')").fetchAll();
      const text = JSON.stringify(resources);
      expect(text).not.toContain("5550123");
    }
  });
});

import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { format } from "node:util";
import functions from "@azure/functions";
import type { Cookie, HttpResponseInit, InvocationContextInit, LogLevel, Timer } from "@azure/functions";
import { QueueServiceClient, type DequeuedMessageItem, type QueueClient } from "@azure/storage-queue";
import { Cron } from "croner";
import {
  resolveBindingExpression,
  type FunctionDefinition,
  type HttpFunctionDefinition,
  type ServiceBusQueueFunctionDefinition,
  type StorageQueueFunctionDefinition,
  type TimerFunctionDefinition,
} from "../hosting/definition.js";

const { HttpRequest, HttpResponse, InvocationContext } = functions;

/**
 * A thin local stand-in for the Azure Functions host: it serves the same FunctionDefinitions
 * that functions/index.ts registers with `app.*`, and behaves as the host does as far as a
 * handler can tell (routes under /api, NCRONTAB timers as singletons, base64 storage-queue
 * messages with dequeue counts and a poison queue, the admin invoke API). No business logic.
 * Service Bus has no local emulator: its triggers are not polled, only invoked through the admin API.
 *
 * The admin invoke API is not a door: unlike Core Tools (which enforces no key locally) it needs
 * `adminKey`, as the Functions host in Azure needs its master key, and it refuses browsers' requests
 * from other origins and bodies that are not JSON (what an HTML form or a no-cors fetch can send).
 */
export interface LocalHostOptions {
  definitions: readonly FunctionDefinition[];
  /** App settings: `%SETTING%` binding expressions and queue connection settings. */
  env: NodeJS.ProcessEnv;
  /** HTTP port (0 = any free port). */
  port: number;
  /** Default 127.0.0.1. */
  hostname?: string;
  /** Pause between polls of an empty queue; a queue that had messages is polled again at once. Default 1000. */
  queuePollIntervalMs?: number;
  /** How long a received message stays invisible while its handler runs (renewed at half time). Default 30. */
  queueVisibilityTimeoutSeconds?: number;
  /** Delay before a failed message reappears: host.json `queues.visibilityTimeout`, default 0. */
  queueRetryDelaySeconds?: number;
  /** host.json `queues.maxDequeueCount`, default 5. */
  queueMaxDequeueCount?: number;
  /** host.json `queues.batchSize`, default 16. */
  queueBatchSize?: number;
  /** Default true. */
  enableTimers?: boolean;
  /** Largest request body read; bigger ones get 413 without invoking a handler. Default 1 MiB. */
  maxRequestBodyBytes?: number;
  /** Bound on waiting for in-flight invocations in stop(). Default 10 000. */
  stopTimeoutMs?: number;
  /**
   * The key `POST /admin/functions/{name}` requires, as `Authorization: Bearer <key>` or
   * `x-functions-key: <key>` (how the Functions host takes its master key). Unset: every admin
   * invocation is refused (401). `npm start` passes the development key it prints.
   */
  adminKey?: string;
  /** Default: console.log. */
  log?: (line: string) => void;
}

export interface LocalHost {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const ROUTE_PREFIX = "api";
const PROBLEM_CONTENT_TYPE = "application/problem+json";

// --- Routes -----------------------------------------------------------------------------------

type RouteSegment =
  | { kind: "literal"; value: string }
  | { kind: "param"; name: string; optional: boolean; catchAll: boolean; constraint?: (value: string) => boolean };

interface CompiledRoute {
  definition: HttpFunctionDefinition;
  segments: RouteSegment[];
  /** ASP.NET-style precedence, lower first: literal, constrained, plain, optional, catch-all. */
  rank: number[];
}

const GUID = /^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i;

function routeConstraint(spec: string, route: string): (value: string) => boolean {
  const match = /^([a-z]+)(?:\((\d+)\))?$/i.exec(spec);
  const name = match?.[1]?.toLowerCase();
  const arg = match?.[2] === undefined ? undefined : Number(match[2]);
  const isInt = (value: string, bits: 32 | 64) => {
    if (!/^-?\d+$/.test(value)) return false;
    const n = BigInt(value);
    const limit = bits === 32 ? 2n ** 31n : 2n ** 63n;
    return n >= -limit && n < limit;
  };
  switch (arg === undefined ? name : `${name ?? ""}()`) {
    case "int":
      return (value) => isInt(value, 32);
    case "long":
      return (value) => isInt(value, 64);
    case "guid":
      return (value) => GUID.test(value);
    case "alpha":
      return (value) => /^[a-z]+$/i.test(value);
    case "bool":
      return (value) => /^(true|false)$/i.test(value);
    case "minlength()":
      return (value) => value.length >= (arg ?? 0);
    case "maxlength()":
      return (value) => value.length <= (arg ?? 0);
    case "length()":
      return (value) => value.length === arg;
    default:
      throw new Error(`Route ${route}: unsupported route constraint "${spec}"`);
  }
}

export function compileRoute(definition: HttpFunctionDefinition): CompiledRoute {
  const route = definition.route.replace(/^\/+|\/+$/g, "");
  const segments: RouteSegment[] = [];
  const rank: number[] = [];
  const parts = route === "" ? [] : route.split("/");
  parts.forEach((part, index) => {
    const param = /^\{(\*{0,2})([A-Za-z_][A-Za-z0-9_]*)(?::([^}?]+))?(\?)?\}$/.exec(part);
    if (param === null) {
      if (part.includes("{") || part.includes("}") || part === "") {
        throw new Error(`Route ${definition.route} (${definition.name}): unsupported segment "${part}"`);
      }
      segments.push({ kind: "literal", value: part });
      rank.push(0);
      return;
    }
    const [, stars = "", name = "", constraintSpec, optionalMark] = param;
    const catchAll = stars.length > 0;
    const optional = optionalMark === "?";
    if ((catchAll || optional) && index !== parts.length - 1) {
      throw new Error(`Route ${definition.route} (${definition.name}): only the last segment may be optional or catch-all`);
    }
    const constraint = constraintSpec === undefined ? undefined : routeConstraint(constraintSpec, definition.route);
    segments.push({ kind: "param", name, optional, catchAll, ...(constraint ? { constraint } : {}) });
    rank.push(catchAll ? 4 : optional ? 3 : constraint ? 1 : 2);
  });
  return { definition, segments, rank };
}

function compareRank(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? -1) - (b[i] ?? -1);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** Matches a path below /api (raw segments, still percent-encoded) against a route. */
export function matchRoute(route: Pick<CompiledRoute, "segments">, rawSegments: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [index, segment] of route.segments.entries()) {
    const raw = rawSegments[index];
    if (raw === undefined) {
      if (segment.kind === "param" && (segment.optional || segment.catchAll)) return params;
      return undefined;
    }
    let value: string;
    try {
      value = segment.kind === "param" && segment.catchAll ? rawSegments.slice(index).map(decodeURIComponent).join("/") : decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment.kind === "literal") {
      if (value.toLowerCase() !== segment.value.toLowerCase()) return undefined;
      continue;
    }
    if (segment.constraint && !segment.constraint(value)) return undefined;
    params[segment.name] = value;
    if (segment.catchAll) return params;
  }
  return rawSegments.length === route.segments.length ? params : undefined;
}

// --- Small helpers ----------------------------------------------------------------------------

function problem(status: number, title: string, detail?: string): { status: number; body: string } {
  return { status, body: JSON.stringify({ type: "about:blank", title, status, ...(detail ? { detail } : {}) }) };
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return format("%o", error);
}

/** Base64 as the Functions host decodes it; anything else is a decoding failure. */
function decodeBase64Message(text: string): string {
  const compact = text.replace(/\s/g, "");
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
    throw new Error("Message decoding has failed: the body is not base64 (host.json messageEncoding is base64)");
  }
  return Buffer.from(compact, "base64").toString("utf8");
}

/** The host delivers parsed JSON when the message is JSON, else the string. */
function parseMessage(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function serializeCookie(cookie: Cookie): string {
  const parts = [`${cookie.name}=${cookie.value}`];
  if (cookie.domain) parts.push(`Domain=${cookie.domain}`);
  if (cookie.path) parts.push(`Path=${cookie.path}`);
  if (cookie.expires !== undefined) parts.push(`Expires=${new Date(cookie.expires).toUTCString()}`);
  if (cookie.maxAge !== undefined) parts.push(`Max-Age=${cookie.maxAge}`);
  if (cookie.secure) parts.push("Secure");
  if (cookie.httpOnly) parts.push("HttpOnly");
  if (cookie.sameSite) parts.push(`SameSite=${cookie.sameSite}`);
  return parts.join("; ");
}

async function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer | "too-large"> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (Number.isFinite(declared) && declared > maxBytes) return "too-large";
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > maxBytes) return "too-large";
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

const sha256 = (value: string) => createHash("sha256").update(value, "utf8").digest();

/** Constant-time: both sides are hashed first, so neither the key nor its length leaks through timing. */
function presentsKey(req: http.IncomingMessage, expected: Buffer | undefined): boolean {
  if (expected === undefined) return false;
  const header = (name: string) => {
    const value = req.headers[name];
    return (Array.isArray(value) ? value[0] : value)?.trim() ?? "";
  };
  const bearer = /^Bearer\s+(\S{1,512})$/i.exec(header("authorization"))?.[1];
  const functionsKey = header("x-functions-key");
  let ok = false;
  for (const candidate of [bearer, functionsKey]) {
    if (candidate !== undefined && candidate !== "" && timingSafeEqual(sha256(candidate), expected)) ok = true;
  }
  return ok;
}

const isLoopbackName = (name: string) => name === "localhost" || name === "::1" || /^127(?:\.\d{1,3}){3}$/.test(name);

/**
 * The origins a page of this host itself has: its own URL and, when it listens on a loopback
 * address, the other loopback spellings with the same port. Deliberately not the request's Host
 * header: a DNS-rebinding page sends a matching Host and Origin of its own name.
 */
function ownOrigins(hostname: string, port: number): Set<string> {
  const bare = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const names = isLoopbackName(bare) ? ["127.0.0.1", "localhost", "[::1]"] : [bare.includes(":") ? `[${bare}]` : bare];
  return new Set(names.map((name) => `http://${name}:${String(port)}`));
}

/** `application/json`, with or without parameters (`; charset=utf-8`). */
function isJsonContentType(value: string): boolean {
  return value.split(";")[0]?.trim().toLowerCase() === "application/json";
}

/** `scheduleStatus.last` before a first run, as the host reports DateTime.MinValue. */
const NEVER_RUN = "0001-01-01T00:00:00.000Z";
/** NCRONTAB with seconds, in UTC; day-of-month and day-of-week must both match, as in NCrontab. */
const CRON_OPTIONS = { timezone: "Etc/UTC", mode: "6-part", domAndDow: true } as const;

// --- The host ---------------------------------------------------------------------------------

interface TimerState {
  definition: TimerFunctionDefinition;
  schedule: string;
  /** The schedule, evaluated only (computes `next`). */
  pattern: Cron;
  /** The running schedule, when timers are enabled. */
  cron?: Cron;
  running: boolean;
  last: string;
}

interface QueueState {
  definition: StorageQueueFunctionDefinition;
  queueName: string;
  queue: QueueClient;
  poison: QueueClient;
}

export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const hostname = options.hostname ?? "127.0.0.1";
  const log =
    options.log ??
    ((line: string) => {
      console.log(line);
    });
  const pollIntervalMs = options.queuePollIntervalMs ?? 1000;
  const visibilitySeconds = Math.max(1, Math.round(options.queueVisibilityTimeoutSeconds ?? 30));
  const retryDelaySeconds = Math.max(0, Math.round(options.queueRetryDelaySeconds ?? 0));
  const maxDequeueCount = options.queueMaxDequeueCount ?? 5;
  const batchSize = Math.min(32, Math.max(1, options.queueBatchSize ?? 16));
  const maxBodyBytes = options.maxRequestBodyBytes ?? 1024 * 1024;
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;

  const byName = new Map<string, FunctionDefinition>();
  for (const definition of options.definitions) {
    const key = definition.name.toLowerCase();
    if (byName.has(key)) throw new Error(`Two functions are named ${definition.name}`);
    byName.set(key, definition);
  }

  const routes = options.definitions
    .filter((d): d is HttpFunctionDefinition => d.kind === "http")
    .map(compileRoute)
    .sort((a, b) => compareRank(a.rank, b.rank));

  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work)).catch(() => undefined);
    return work;
  };

  const createContext = (functionName: string, init: Omit<InvocationContextInit, "functionName" | "logHandler"> = {}) =>
    new InvocationContext({
      invocationId: randomUUID(),
      functionName,
      logHandler: (level: LogLevel, ...args: unknown[]) => {
        if (level === "none") return;
        const prefix = level === "information" ? "" : `${level}: `;
        log(`[${functionName}] ${prefix}${format(...args)}`);
      },
      ...init,
    });

  // Timers: resolved and validated even when not scheduled, so a bad setting fails the start.
  const timers: TimerState[] = options.definitions
    .filter((d): d is TimerFunctionDefinition => d.kind === "timer")
    .map((definition) => {
      const schedule = resolveBindingExpression(definition.schedule, options.env);
      let pattern: Cron;
      try {
        if (schedule.trim().split(/\s+/).length !== 6) throw new Error("expected six fields");
        // Without a callback croner only evaluates the pattern; nothing is scheduled.
        pattern = new Cron(schedule, CRON_OPTIONS);
      } catch (error) {
        throw new Error(`Timer ${definition.name}: schedule "${schedule}" is not a six-field NCRONTAB expression`, { cause: error });
      }
      return { definition, schedule, pattern, running: false, last: NEVER_RUN };
    });

  const runTimer = async (state: TimerState, source: "schedule" | "admin"): Promise<void> => {
    const { definition } = state;
    if (source === "schedule" && state.running) {
      // The host runs a timer function as a singleton: a tick during a run is skipped.
      log(`[${definition.name}] skipped: the previous run is still in progress`);
      return;
    }
    state.running = true;
    const now = new Date().toISOString();
    const timer: Timer = {
      isPastDue: false,
      schedule: { adjustForDST: false },
      scheduleStatus: { last: state.last, next: state.pattern.nextRun()?.toISOString() ?? NEVER_RUN, lastUpdated: now },
    };
    state.last = now;
    const context = createContext(definition.name, { options: { trigger: { type: "timerTrigger", name: "timer", schedule: state.schedule } } });
    try {
      await definition.handler(timer, context);
    } catch (error) {
      log(`[${definition.name}] failed: ${describeError(error)}`);
    } finally {
      state.running = false;
    }
  };

  // Storage queues: queues are created when missing, before the host reports itself started.
  const queues: QueueState[] = [];
  for (const definition of options.definitions) {
    if (definition.kind !== "storageQueue") continue;
    const queueName = resolveBindingExpression(definition.queueName, options.env);
    const connectionString = options.env[definition.connection];
    if (connectionString === undefined || connectionString === "") {
      throw new Error(`Storage queue function ${definition.name}: app setting ${definition.connection} (its connection) is not set`);
    }
    const service = QueueServiceClient.fromConnectionString(connectionString);
    const queue = service.getQueueClient(queueName);
    await queue.createIfNotExists();
    queues.push({ definition, queueName, queue, poison: service.getQueueClient(`${queueName}-poison`) });
  }

  // Service Bus: nothing to poll on a laptop; the admin API delivers a message by hand.
  const serviceBusTriggers = options.definitions.filter((d): d is ServiceBusQueueFunctionDefinition => d.kind === "serviceBusQueue");

  const invokeServiceBusHandler = async (definition: ServiceBusQueueFunctionDefinition, message: unknown, applicationProperties?: Record<string, unknown>) => {
    let queueName = definition.queueName;
    try {
      queueName = resolveBindingExpression(definition.queueName, options.env);
    } catch {
      // Shown unresolved; the handler reads its own settings.
    }
    const context = createContext(definition.name, {
      // As the host sets it for one message; the body itself is never logged.
      triggerMetadata: { messageId: randomUUID(), deliveryCount: 1, ...(applicationProperties === undefined ? {} : { applicationProperties }) },
      options: { trigger: { type: "serviceBusTrigger", name: "message", queueName, connection: definition.connection } },
    });
    await definition.handler(message, context);
  };

  const invokeQueueHandler = async (
    state: QueueState,
    message: unknown,
    metadata: { id: string; dequeueCount: number; insertionTime: string; popReceipt: string; queueTrigger: string } & Record<string, unknown>,
  ) => {
    const context = createContext(state.definition.name, {
      triggerMetadata: metadata,
      options: {
        trigger: { type: "queueTrigger", name: "queueItem", queueName: state.queueName, connection: state.definition.connection },
      },
    });
    await state.definition.handler(message, context);
  };

  const processMessage = async (state: QueueState, item: DequeuedMessageItem): Promise<void> => {
    const name = state.definition.name;
    let popReceipt = item.popReceipt;
    // Keep the message invisible while the handler runs, as the host renews its lease.
    let renewal: Promise<void> = Promise.resolve();
    const renewTimer = setInterval(
      () => {
        renewal = renewal.then(async () => {
          try {
            const renewed = await state.queue.updateMessage(item.messageId, popReceipt, undefined, visibilitySeconds);
            if (renewed.popReceipt) popReceipt = renewed.popReceipt;
          } catch (error) {
            log(`[${name}] could not renew the lease of message ${item.messageId}: ${describeError(error)}`);
          }
        });
      },
      (visibilitySeconds * 1000) / 2,
    );
    renewTimer.unref();
    let failure: unknown;
    try {
      const text = decodeBase64Message(item.messageText);
      await invokeQueueHandler(state, parseMessage(text), {
        id: item.messageId,
        queueTrigger: text,
        dequeueCount: item.dequeueCount,
        insertionTime: item.insertedOn.toISOString(),
        expirationTime: item.expiresOn.toISOString(),
        nextVisibleTime: item.nextVisibleOn.toISOString(),
        popReceipt: item.popReceipt,
      });
    } catch (error) {
      failure = error ?? new Error("The handler threw a nullish value");
    } finally {
      clearInterval(renewTimer);
      await renewal;
    }
    try {
      if (failure === undefined) {
        await state.queue.deleteMessage(item.messageId, popReceipt);
        return;
      }
      log(`[${name}] failed on message ${item.messageId} (dequeue count ${item.dequeueCount}): ${describeError(failure)}`);
      if (item.dequeueCount >= maxDequeueCount) {
        // As the host does: copy the original (still base64) body to {queue}-poison, then delete.
        await state.poison.createIfNotExists();
        await state.poison.sendMessage(item.messageText);
        await state.queue.deleteMessage(item.messageId, popReceipt);
        log(`[${name}] warning: message ${item.messageId} moved to ${state.queueName}-poison after ${item.dequeueCount} attempts`);
      } else {
        await state.queue.updateMessage(item.messageId, popReceipt, undefined, retryDelaySeconds);
      }
    } catch (error) {
      log(`[${name}] could not settle message ${item.messageId}: ${describeError(error)}`);
    }
  };

  const abort = new AbortController();
  let stopping = false;
  let port = options.port;
  const pollQueue = async (state: QueueState): Promise<void> => {
    let failing = false;
    // A function, not the property: TypeScript would keep the loop condition's narrowing.
    const aborted = () => abort.signal.aborted;
    while (!aborted()) {
      let found = 0;
      try {
        const received = await state.queue.receiveMessages({
          numberOfMessages: batchSize,
          visibilityTimeout: visibilitySeconds,
          abortSignal: abort.signal,
        });
        found = received.receivedMessageItems.length;
        failing = false;
        await Promise.all(received.receivedMessageItems.map((item) => track(processMessage(state, item))));
      } catch (error) {
        if (aborted()) break;
        if (!failing) log(`[${state.definition.name}] polling ${state.queueName} failed: ${describeError(error)}`);
        failing = true;
      }
      if (found === 0 && !aborted()) {
        await sleep(pollIntervalMs, undefined, { signal: abort.signal }).catch(() => undefined);
      }
    }
  };

  // --- HTTP -----------------------------------------------------------------------------------

  const send = (res: http.ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}) => {
    res.writeHead(status, headers);
    res.end(body);
  };
  const sendProblem = (res: http.ServerResponse, status: number, title: string, extraHeaders: Record<string, string> = {}, detail?: string) => {
    const p = problem(status, title, detail);
    send(res, p.status, p.body, { "content-type": PROBLEM_CONTENT_TYPE, ...extraHeaders });
  };

  const invokeHttp = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL, rawSegments: string[]) => {
    const method = (req.method ?? "GET").toUpperCase();
    let allowed: string[] = [];
    let matched: { route: CompiledRoute; params: Record<string, string> } | undefined;
    for (const route of routes) {
      const params = matchRoute(route, rawSegments);
      if (params === undefined) continue;
      if ((route.definition.methods as readonly string[]).includes(method)) {
        matched = { route, params };
        break;
      }
      allowed = [...allowed, ...route.definition.methods];
    }
    if (matched === undefined) {
      if (allowed.length > 0) {
        sendProblem(res, 405, "Method Not Allowed", { allow: [...new Set(allowed)].join(", ") });
      } else {
        sendProblem(res, 404, "Not Found");
      }
      return;
    }
    const body = await readBody(req, maxBodyBytes);
    if (body === "too-large") {
      sendProblem(res, 413, "Content Too Large", { connection: "close" });
      return;
    }
    const { definition } = matched.route;
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(", ") : value;
    }
    const request = new HttpRequest({ method, url: url.toString(), headers, params: matched.params, body: { bytes: body } });
    const context = createContext(definition.name, {
      options: { trigger: { type: "httpTrigger", name: "request", methods: [...definition.methods], route: definition.route } },
    });
    let status: number;
    let responseHeaders: [string, string][];
    let responseBody: Buffer;
    try {
      const result: HttpResponseInit | InstanceType<typeof HttpResponse> = await definition.handler(request, context);
      const response = result instanceof HttpResponse ? result : new HttpResponse(result);
      status = response.status;
      responseHeaders = [...response.headers.entries()].filter(([key]) => key.toLowerCase() !== "set-cookie");
      for (const cookie of response.headers.getSetCookie()) responseHeaders.push(["set-cookie", cookie]);
      for (const cookie of response.cookies) responseHeaders.push(["set-cookie", serializeCookie(cookie)]);
      responseBody = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      log(`[${definition.name}] failed: ${describeError(error)}`);
      sendProblem(res, 500, "Internal Server Error");
      return;
    }
    res.statusCode = status;
    for (const [key, value] of responseHeaders) res.appendHeader(key, value);
    res.end(responseBody);
  };

  const adminKeyDigest = options.adminKey === undefined || options.adminKey === "" ? undefined : sha256(options.adminKey);
  let origins = new Set<string>();

  /**
   * The admin API's door, checked before anything about the function is looked at (so names are
   * not revealed): a foreign Origin is 403, a missing or wrong key 401, a body that is not JSON
   * 415. An empty body without a content type is accepted (as `{}`), which curl -X POST sends;
   * a browser cannot send that cross-origin without an Origin header.
   */
  const admitAdmin = (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    const origin = req.headers.origin;
    if (origin !== undefined && !origins.has(origin.toLowerCase())) {
      sendProblem(res, 403, "Forbidden", {}, "The admin API accepts no requests from other origins");
      return false;
    }
    if (!presentsKey(req, adminKeyDigest)) {
      const detail =
        adminKeyDigest === undefined
          ? "The admin API is off: this host has no admin key"
          : "The admin API requires the development key (Authorization: Bearer <key> or x-functions-key: <key>)";
      sendProblem(res, 401, "Unauthorized", { "www-authenticate": 'Bearer realm="admin"' }, detail);
      return false;
    }
    const type = req.headers["content-type"];
    const declaresBody = Number(req.headers["content-length"] ?? "0") > 0 || req.headers["transfer-encoding"] !== undefined;
    if (type === undefined ? declaresBody : !isJsonContentType(type)) {
      sendProblem(res, 415, "Unsupported Media Type", {}, "The admin API takes application/json bodies only");
      return false;
    }
    return true;
  };

  const invokeAdmin = async (req: http.IncomingMessage, res: http.ServerResponse, functionName: string) => {
    if (!admitAdmin(req, res)) return;
    const definition = byName.get(functionName.toLowerCase());
    if (definition === undefined) {
      sendProblem(res, 404, "Not Found");
      return;
    }
    if (definition.kind === "http") {
      const p = problem(400, "Bad Request", "HTTP functions cannot be invoked through the admin API");
      send(res, p.status, p.body, { "content-type": PROBLEM_CONTENT_TYPE });
      return;
    }
    const body = await readBody(req, maxBodyBytes);
    if (body === "too-large") {
      sendProblem(res, 413, "Content Too Large", { connection: "close" });
      return;
    }
    let input = "";
    let applicationProperties: Record<string, unknown> | undefined;
    if (body.length > 0) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch {
        sendProblem(res, 400, "Bad Request");
        return;
      }
      const value = typeof parsed === "object" && parsed !== null ? (parsed as { input?: unknown }).input : undefined;
      input = value === undefined || value === null ? "" : typeof value === "string" ? value : JSON.stringify(value);
      // A Service Bus message's application properties, as the broker hands them to the trigger
      // (the producer names itself there); passed through, checked by the handler like any other.
      const properties = typeof parsed === "object" && parsed !== null ? (parsed as { applicationProperties?: unknown }).applicationProperties : undefined;
      if (typeof properties === "object" && properties !== null && !Array.isArray(properties)) applicationProperties = { ...(properties as Record<string, unknown>) };
    }
    if (definition.kind === "timer") {
      const state = timers.find((t) => t.definition === definition);
      if (state) void track(runTimer(state, "admin"));
    } else if (definition.kind === "serviceBusQueue") {
      const run = invokeServiceBusHandler(definition, parseMessage(input), applicationProperties).catch((error: unknown) => {
        // The host would abandon the message here and the broker redeliver it.
        log(`[${definition.name}] failed: ${describeError(error)}`);
      });
      void track(run);
    } else {
      const state = queues.find((q) => q.definition === definition);
      if (state) {
        const run = invokeQueueHandler(state, parseMessage(input), {
          id: randomUUID(),
          queueTrigger: input,
          dequeueCount: 1,
          insertionTime: new Date().toISOString(),
          popReceipt: "",
        }).catch((error: unknown) => {
          log(`[${definition.name}] failed: ${describeError(error)}`);
        });
        void track(run);
      }
    }
    log(`admin: invoked ${definition.name}`);
    res.writeHead(202);
    res.end();
  };

  const handleRequest = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const started = Date.now();
    let url: URL;
    try {
      url = new URL(req.url ?? "/", `http://${req.headers.host ?? `${hostname}:${String(port)}`}`);
    } catch {
      sendProblem(res, 400, "Bad Request");
      return;
    }
    const rawSegments = url.pathname.split("/").slice(1);
    if (rawSegments.at(-1) === "" && rawSegments.length > 1) rawSegments.pop();
    const [root, ...rest] = rawSegments;
    try {
      if (root?.toLowerCase() === ROUTE_PREFIX) {
        await invokeHttp(req, res, url, rest);
      } else if (root?.toLowerCase() === "admin" && rest[0]?.toLowerCase() === "functions" && rest.length === 2) {
        if ((req.method ?? "").toUpperCase() !== "POST") {
          sendProblem(res, 405, "Method Not Allowed", { allow: "POST" });
        } else {
          await invokeAdmin(req, res, decodeURIComponent(rest[1] ?? ""));
        }
      } else if (root?.toLowerCase() === "admin" && rest.join("/").toLowerCase() === "host/status") {
        send(res, 200, JSON.stringify({ state: stopping ? "Stopping" : "Running" }), { "content-type": "application/json" });
      } else {
        sendProblem(res, 404, "Not Found");
      }
    } catch (error) {
      log(`host: request failed: ${describeError(error)}`);
      if (!res.headersSent) sendProblem(res, 500, "Internal Server Error");
      else res.destroy();
    }
    // The path only: query strings, headers and bodies may carry personal data.
    log(`${req.method ?? "?"} ${url.pathname} -> ${res.statusCode} (${Date.now() - started} ms)`);
  };

  const server = http.createServer((req, res) => {
    void track(handleRequest(req, res));
  });
  // Idle keep-alive sockets outlive a busy client's own idle timeout (as Azure's front ends do),
  // so a client never writes to a socket the host is closing; and a burst of connections waits in
  // a deep accept queue instead of overflowing it.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: options.port, host: hostname, backlog: 4096 }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (typeof address === "object" && address !== null) port = address.port;
  const url = `http://${hostname}:${port}`;
  origins = ownOrigins(hostname, port);

  // Schedules start once the host is listening.
  if (options.enableTimers ?? true) {
    for (const state of timers) {
      state.cron = new Cron(state.schedule, CRON_OPTIONS, () => {
        void track(runTimer(state, "schedule"));
      });
    }
  }
  const pollers = queues.map((state) => pollQueue(state));

  for (const definition of serviceBusTriggers) {
    log(`host: ${definition.name} (serviceBusQueue ${definition.queueName}) is not served locally (no Service Bus); invoke it with POST /admin/functions/${definition.name} {"input": …}`);
  }
  const names = options.definitions.map((d) => `${d.name} (${d.kind})`).join(", ");
  log(`host: listening on ${url}; functions: ${names || "none"}`);

  let stopped: Promise<void> | undefined;
  const stop = async () => {
    stopping = true;
    for (const state of timers) state.cron?.stop();
    abort.abort();
    const closed = new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
    server.closeIdleConnections();
    const settled = Promise.allSettled([...pollers, ...inFlight]).then(() => "settled" as const);
    const outcome = await Promise.race([settled, sleep(stopTimeoutMs, "timeout" as const, { ref: false })]);
    if (outcome === "timeout") log(`host: stopped waiting for ${inFlight.size} in-flight invocation(s) after ${stopTimeoutMs} ms`);
    server.closeAllConnections();
    await closed;
    log("host: stopped");
  };

  return {
    url,
    port,
    stop: () => {
      stopped ??= stop();
      return stopped;
    },
  };
}

// A thin local stand-in for the Azure Functions host: it serves the same FunctionDefinitions
// that functions/index.ts registers with `app.*`, and behaves as the host does as far as a
// handler can tell (full routes, as host.json's empty routePrefix gives them: the API under /api,
// the console at /console; NCRONTAB timers as singletons; base64 storage-queue messages with
// dequeue counts and a poison queue; the admin invoke API). No business logic.
// Service Bus has no local emulator: its triggers are not polled, only invoked through the admin API.
//
// This file is the host's life: startLocalHost checks every definition (a bad route, schedule or
// setting fails the start), creates missing queues, listens, then starts timers and queue polling;
// stop() stops them, waits a bounded time for in-flight invocations and closes the server. Each
// trigger lives in its own file next to this one.

import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { FunctionDefinition } from "../../hosting/definition.js";
import { adminApi, ownOrigins } from "./admin.js";
import { invokeHttp, send, sendProblem, type HttpTrigger } from "./http-trigger.js";
import { contextFactory, describeError, type HostLog, type Invoker, type Track } from "./invocation.js";
import { connectQueues } from "./queue-trigger.js";
import { compileRoutes } from "./routes.js";
import { serviceBusTriggers } from "./service-bus-trigger.js";
import { prepareTimers } from "./timers.js";

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

/** Every function by lower-cased name (the host's names are case-insensitive); two alike fail the start. */
function indexByName(definitions: readonly FunctionDefinition[]): Map<string, FunctionDefinition> {
  const byName = new Map<string, FunctionDefinition>();
  for (const definition of definitions) {
    const key = definition.name.toLowerCase();
    if (byName.has(key)) throw new Error(`Two functions are named ${definition.name}`);
    byName.set(key, definition);
  }
  return byName;
}

export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const hostname = options.hostname ?? "127.0.0.1";
  const log: HostLog =
    options.log ??
    ((line: string) => {
      console.log(line);
    });
  const queueSettings = {
    pollIntervalMs: options.queuePollIntervalMs ?? 1000,
    visibilitySeconds: Math.max(1, Math.round(options.queueVisibilityTimeoutSeconds ?? 30)),
    retryDelaySeconds: Math.max(0, Math.round(options.queueRetryDelaySeconds ?? 0)),
    maxDequeueCount: options.queueMaxDequeueCount ?? 5,
    batchSize: Math.min(32, Math.max(1, options.queueBatchSize ?? 16)),
  };
  const maxBodyBytes = options.maxRequestBodyBytes ?? 1024 * 1024;
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;

  const byName = indexByName(options.definitions);
  const routes = compileRoutes(options.definitions);

  const inFlight = new Set<Promise<unknown>>();
  const track: Track = (work) => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work)).catch(() => undefined);
    return work;
  };
  const invoker: Invoker = { log, createContext: contextFactory(log) };

  const timers = prepareTimers(options.definitions, options.env, invoker);
  const queues = await connectQueues(options.definitions, options.env, queueSettings, invoker);
  const serviceBus = serviceBusTriggers(options.definitions, options.env, invoker);

  const httpTrigger: HttpTrigger = { ...invoker, routes, maxBodyBytes };
  let origins = new Set<string>();
  const invokeAdmin = adminApi({
    byName,
    timers,
    queues,
    serviceBus,
    adminKey: options.adminKey,
    origins: () => origins,
    maxBodyBytes,
    log,
    track,
  });

  const abort = new AbortController();
  let stopping = false;
  let port = options.port;

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
    if (rawSegments.at(-1) === "") rawSegments.pop();
    const [root, ...rest] = rawSegments;
    try {
      if (root?.toLowerCase() === "admin" && rest[0]?.toLowerCase() === "functions" && rest.length === 2) {
        if ((req.method ?? "").toUpperCase() !== "POST") {
          sendProblem(res, 405, "Method Not Allowed", { allow: "POST" });
        } else {
          await invokeAdmin(req, res, decodeURIComponent(rest[1] ?? ""));
        }
      } else if (root?.toLowerCase() === "admin" && rest.join("/").toLowerCase() === "host/status") {
        send(res, 200, JSON.stringify({ state: stopping ? "Stopping" : "Running" }), { "content-type": "application/json" });
      } else if (root?.toLowerCase() === "admin") {
        sendProblem(res, 404, "Not Found");
      } else {
        // Every route is matched in full (each definition says its prefix), as with routePrefix "".
        await invokeHttp(httpTrigger, req, res, url, rawSegments);
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
  if (options.enableTimers ?? true) timers.start(track);
  const pollers = queues.poll(abort.signal, track);

  serviceBus.announce();
  const names = options.definitions.map((d) => `${d.name} (${d.kind})`).join(", ");
  log(`host: listening on ${url}; functions: ${names || "none"}`);

  let stopped: Promise<void> | undefined;
  const stop = async () => {
    stopping = true;
    timers.stop();
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

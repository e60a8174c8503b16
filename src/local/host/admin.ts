// The admin invoke API, `POST /admin/functions/{name}` with `{"input": ...}`, through which the
// Functions host lets a caller run a non-HTTP function by hand (202, the run goes on in the
// background). It is not a door: unlike Core Tools (which enforces no key locally) it needs the
// admin key, as the Functions host in Azure needs its master key, and it refuses browsers'
// requests from other origins and bodies that are not JSON (what an HTML form or a no-cors fetch
// can send). These checks come before the function is looked up, so names are not revealed.

import { createHash, timingSafeEqual } from "node:crypto";
import type http from "node:http";
import type { FunctionDefinition } from "../../hosting/definition.js";
import { readBody, sendProblem, sendTooLarge } from "./http-trigger.js";
import { parseMessage, type HostLog, type Track } from "./invocation.js";
import type { QueueTriggers } from "./queue-trigger.js";
import type { ServiceBusTriggers } from "./service-bus-trigger.js";
import type { TimerTriggers } from "./timers.js";

export interface AdminApi {
  /** Every function by lower-cased name. */
  byName: ReadonlyMap<string, FunctionDefinition>;
  timers: TimerTriggers;
  queues: QueueTriggers;
  serviceBus: ServiceBusTriggers;
  /** Unset or empty: every invocation is refused (401). */
  adminKey: string | undefined;
  /** The host's own origins, known once it listens (see ownOrigins). */
  origins: () => ReadonlySet<string>;
  maxBodyBytes: number;
  log: HostLog;
  track: Track;
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
export function ownOrigins(hostname: string, port: number): Set<string> {
  const bare = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const names = isLoopbackName(bare) ? ["127.0.0.1", "localhost", "[::1]"] : [bare.includes(":") ? `[${bare}]` : bare];
  return new Set(names.map((name) => `http://${name}:${String(port)}`));
}

/** `application/json`, with or without parameters (`; charset=utf-8`). */
function isJsonContentType(value: string): boolean {
  return value.split(";")[0]?.trim().toLowerCase() === "application/json";
}

/**
 * The admin API's door: a foreign Origin is 403, a missing or wrong key 401, a body that is not
 * JSON 415. An empty body without a content type is accepted (as `{}`), which curl -X POST sends;
 * a browser cannot send that cross-origin without an Origin header.
 */
function admit(req: http.IncomingMessage, res: http.ServerResponse, origins: ReadonlySet<string>, keyDigest: Buffer | undefined): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined && !origins.has(origin.toLowerCase())) {
    sendProblem(res, 403, "Forbidden", {}, "The admin API accepts no requests from other origins");
    return false;
  }
  if (!presentsKey(req, keyDigest)) {
    const detail =
      keyDigest === undefined
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
}

/** `input` as the trigger's raw body (a string as is, other JSON serialized) and Service Bus application properties. */
function readInvocation(parsed: unknown): { input: string; applicationProperties: Record<string, unknown> | undefined } {
  const object = typeof parsed === "object" && parsed !== null ? (parsed as { input?: unknown; applicationProperties?: unknown }) : undefined;
  const value = object?.input;
  const input = value === undefined || value === null ? "" : typeof value === "string" ? value : JSON.stringify(value);
  // A Service Bus message's application properties, as the broker hands them to the trigger
  // (the producer names itself there); passed through, checked by the handler like any other.
  const properties = object?.applicationProperties;
  const applicationProperties =
    typeof properties === "object" && properties !== null && !Array.isArray(properties) ? { ...(properties as Record<string, unknown>) } : undefined;
  return { input, applicationProperties };
}

/** Returns the handler of `POST /admin/functions/{functionName}` (name already percent-decoded). */
export function adminApi(api: AdminApi): (req: http.IncomingMessage, res: http.ServerResponse, functionName: string) => Promise<void> {
  const keyDigest = api.adminKey === undefined || api.adminKey === "" ? undefined : sha256(api.adminKey);

  return async (req, res, functionName) => {
    if (!admit(req, res, api.origins(), keyDigest)) return;
    const definition = api.byName.get(functionName.toLowerCase());
    if (definition === undefined) {
      sendProblem(res, 404, "Not Found");
      return;
    }
    if (definition.kind === "http") {
      sendProblem(res, 400, "Bad Request", {}, "HTTP functions cannot be invoked through the admin API");
      return;
    }
    const body = await readBody(req, api.maxBodyBytes);
    if (body === "too-large") {
      sendTooLarge(res);
      return;
    }
    let invocation: ReturnType<typeof readInvocation> = { input: "", applicationProperties: undefined };
    if (body.length > 0) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch {
        sendProblem(res, 400, "Bad Request");
        return;
      }
      invocation = readInvocation(parsed);
    }
    const run =
      definition.kind === "timer"
        ? api.timers.runByHand(definition)
        : definition.kind === "serviceBusQueue"
          ? api.serviceBus.invokeByHand(definition, parseMessage(invocation.input), invocation.applicationProperties)
          : api.queues.invokeByHand(definition, invocation.input);
    if (run !== undefined) void api.track(run);
    api.log(`admin: invoked ${definition.name}`);
    res.writeHead(202);
    res.end();
  };
}

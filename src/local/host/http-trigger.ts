// HTTP triggers as the Functions host serves them (every path but /admin): the request is matched to a route
// (404 / 405 with Allow when none fits), its body read up to a limit (413 past it, without
// invoking the handler), turned into an @azure/functions HttpRequest with the route params, and
// the handler's HttpResponseInit or HttpResponse written back with its status, headers, body and
// cookies. A handler that throws becomes a 500. Every error the host itself answers is an RFC 9457
// problem+json body; `send`, `sendProblem` and `readBody` are shared with the admin API.

import type http from "node:http";
import functions from "@azure/functions";
import type { Cookie, HttpResponseInit } from "@azure/functions";
import { hostRoute } from "../../hosting/definition.js";
import { findRoute, type CompiledRoute } from "./routes.js";
import { describeError, type Invoker } from "./invocation.js";

const { HttpRequest, HttpResponse } = functions;

const PROBLEM_CONTENT_TYPE = "application/problem+json";

export interface HttpTrigger extends Invoker {
  /** In the order they are tried (see compileRoutes). */
  routes: readonly CompiledRoute[];
  /** Largest request body read. */
  maxBodyBytes: number;
}

export function send(res: http.ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, headers);
  res.end(body);
}

export function sendProblem(
  res: http.ServerResponse,
  status: number,
  title: string,
  extraHeaders: Record<string, string> = {},
  detail?: string,
): void {
  const body = JSON.stringify({ type: "about:blank", title, status, ...(detail ? { detail } : {}) });
  send(res, status, body, { "content-type": PROBLEM_CONTENT_TYPE, ...extraHeaders });
}

/** The whole body, or "too-large" as soon as the declared or received length passes `maxBytes`. */
export async function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer | "too-large"> {
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

/** The 413 both the HTTP trigger and the admin API answer; the connection is not reused. */
export function sendTooLarge(res: http.ServerResponse): void {
  sendProblem(res, 413, "Content Too Large", { connection: "close" });
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

/** Serves one request; `rawSegments` is its whole path, still percent-encoded. */
export async function invokeHttp(
  trigger: HttpTrigger,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  rawSegments: readonly string[],
): Promise<void> {
  const method = (req.method ?? "GET").toUpperCase();
  const found = findRoute(trigger.routes, method, rawSegments);
  if (found.kind === "methodNotAllowed") {
    sendProblem(res, 405, "Method Not Allowed", { allow: found.allow.join(", ") });
    return;
  }
  if (found.kind === "notFound") {
    sendProblem(res, 404, "Not Found");
    return;
  }
  const body = await readBody(req, trigger.maxBodyBytes);
  if (body === "too-large") {
    sendTooLarge(res);
    return;
  }
  const { definition } = found.route;
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(", ") : value;
  }
  const request = new HttpRequest({ method, url: url.toString(), headers, params: found.params, body: { bytes: body } });
  const context = trigger.createContext(definition.name, {
    options: { trigger: { type: "httpTrigger", name: "request", methods: [...definition.methods], route: hostRoute(definition) } },
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
    trigger.log(`[${definition.name}] failed: ${describeError(error)}`);
    sendProblem(res, 500, "Internal Server Error");
    return;
  }
  res.statusCode = status;
  for (const [key, value] of responseHeaders) res.appendHeader(key, value);
  res.end(responseBody);
}

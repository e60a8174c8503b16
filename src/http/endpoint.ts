import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { z } from "zod";
import { authorize, type Action, type Authorized, type Caller } from "../domain/access.js";
import { EngineError, toEngineError, type ProblemField } from "../domain/errors.js";
import { authenticate } from "../engine/authenticate.js";
import type { Logger } from "../engine/ports.js";
import type { EngineDeps } from "../engine/deps.js";
import { contextLogger } from "../hosting/logger.js";
import { problemResponse } from "./problem.js";

export const MAX_BODY_BYTES = 64 * 1024;

export interface EndpointInput<B, Q, P, A extends Action> {
  /** The caller, its role checked for the route's action. */
  readonly caller: Authorized<A>;
  readonly body: B;
  readonly query: Q;
  readonly params: P;
  readonly request: HttpRequest;
  readonly deps: EngineDeps;
  readonly log: Logger;
}

export interface EndpointSpec<B, Q, P, A extends Action> {
  /** The role check made before any input is read; omit only on routes any caller (or, anonymous, anyone) may use. */
  readonly action?: A;
  readonly anonymous?: boolean;
  readonly body?: z.ZodType<B>;
  readonly query?: z.ZodType<Q>;
  /** Route parameters; one that does not parse names nothing that exists, so it is a 404. */
  readonly params?: z.ZodType<P>;
  readonly handle: (input: EndpointInput<B, Q, P, A>) => Promise<HttpResponseInit>;
}

function zodFields(error: z.ZodError, prefix: string): ProblemField[] {
  const pathOf = (segments: readonly PropertyKey[]) => {
    const path = [prefix, ...segments.map(String)].filter((p) => p !== "").join(".");
    return path === "" ? "body" : path;
  };
  return error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ path: pathOf([...issue.path, key.slice(0, 64)]), message: "is not a known field" }))
      : [{ path: pathOf(issue.path), message: issue.message }],
  );
}

export function parseWith<T>(schema: z.ZodType<T>, value: unknown, prefix: string, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new EngineError("validation", `The ${what} is not valid`, { reason: "invalid-input", fields: zodFields(parsed.error, prefix) });
  }
  return parsed.data;
}

async function readJsonBody(request: HttpRequest): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) {
    throw new EngineError("payload-too-large", `The body is larger than ${MAX_BODY_BYTES} bytes`, { reason: "body-too-large" });
  }
  const bytes = Buffer.from(await request.arrayBuffer());
  if (bytes.length > MAX_BODY_BYTES) {
    throw new EngineError("payload-too-large", `The body is larger than ${MAX_BODY_BYTES} bytes`, { reason: "body-too-large" });
  }
  if (bytes.length === 0) return {};
  const contentType = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (contentType !== "application/json" && !/^application\/[a-z0-9.+-]+\+json$/.test(contentType)) {
    throw new EngineError("unsupported-media-type", "The body must be application/json", {
      reason: "unsupported-media-type",
      fields: [{ path: "content-type", message: "must be application/json" }],
    });
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new EngineError("validation", "The body is not valid UTF-8", { reason: "malformed-json", fields: [{ path: "body", message: "not UTF-8" }] });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new EngineError("validation", "The body is not valid JSON", { reason: "malformed-json", fields: [{ path: "body", message: "malformed JSON" }] });
  }
}

/**
 * Wraps a use case as an HTTP handler: caller (401), role (403), params (404), query and body
 * (400/413/415), then the use case; any error becomes problem+json. Nothing is written before
 * all input has parsed, so a caller's mistake changes nothing.
 */
export function endpoint<B = undefined, Q = undefined, P = undefined, A extends Action = never>(deps: EngineDeps, spec: EndpointSpec<B, Q, P, A>) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const log = contextLogger(context);
    const instance = new URL(request.url).pathname;
    try {
      const authenticated: Caller = spec.anonymous
        ? { id: "anonymous", kind: "api-key", role: "auditor", orgs: [] }
        : authenticate(
            { authorization: request.headers.get("authorization"), clientPrincipal: request.headers.get("x-ms-client-principal") },
            deps.config,
          );
      // The one role check of the call; the use case takes the Authorized caller it yields.
      const caller = (spec.action === undefined ? authenticated : authorize(authenticated, spec.action)) as Authorized<A>;
      let params = undefined as P;
      if (spec.params !== undefined) {
        const parsed = spec.params.safeParse(request.params);
        // A parameter that cannot name anything (not a request id, not a hold id) names nothing here: a 404, with its own reason.
        if (!parsed.success) throw new EngineError("not-found", "Not found", { reason: "unparsable-route-parameter" });
        params = parsed.data;
      }
      const query = (spec.query === undefined ? undefined : parseWith(spec.query, Object.fromEntries(request.query.entries()), "query", "query")) as Q;
      const body = (spec.body === undefined ? undefined : parseWith(spec.body, await readJsonBody(request), "", "body")) as B;
      return await spec.handle({ caller, body, query, params, request, deps, log });
    } catch (thrown) {
      const error = toEngineError(thrown);
      if (!error.isCallerFault) {
        const cause = error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : "";
        log.error(`request failed: ${error.code}`, { route: instance, cause });
      }
      return problemResponse(error, instance);
    }
  };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

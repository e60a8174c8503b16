import { apiKey } from "./session.js";
import type {
  AuditTrail,
  Certificate,
  DataMap,
  LegalHold,
  LegalHoldBody,
  ListRequestsQuery,
  Me,
  PackageLink,
  RejectionReason,
  RequestPage,
  RequestView,
  RetentionPreview,
  SubjectIds,
  SubjectStatus,
  SubmitRequestBody,
  SweepKind,
  SweepRun,
  SweepStarted,
} from "./types.js";
import type { RequestsReport } from "./report.js";

// The only module that calls fetch. `api` sends JSON to the engine under /api and turns every
// non-2xx answer into an ApiProblem (RFC 9457 problem details, field by field). Auth: the API key
// of this tab as a bearer token when there is one; otherwise the App Service Authentication
// cookie (same-origin credentials), which the engine reads as x-ms-client-principal.

export const API_BASE = "/api";

export interface ProblemField {
  readonly path: string;
  readonly message: string;
}

/** A failed call: the problem details the engine sent, or what the console could tell. */
export class ApiProblem extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly reason: string;
  readonly errors: readonly ProblemField[];

  constructor(init: { status: number; title: string; detail: string; reason: string; errors?: readonly ProblemField[] }) {
    super(`${init.status} ${init.title}: ${init.detail}`);
    this.name = "ApiProblem";
    this.status = init.status;
    this.title = init.title;
    this.detail = init.detail;
    this.reason = init.reason;
    this.errors = init.errors ?? [];
  }

  /** The messages about one field (`subject.email`, `reason`, ...), prefix matches included. */
  forField(path: string): readonly ProblemField[] {
    return this.errors.filter((e) => e.path === path || e.path.startsWith(`${path}.`));
  }
}

/** Anything thrown, as an ApiProblem (a bug in the console shows as one too, never silently). */
export function toProblem(thrown: unknown): ApiProblem {
  if (thrown instanceof ApiProblem) return thrown;
  const detail = thrown instanceof Error ? thrown.message : String(thrown);
  return new ApiProblem({ status: 0, title: "Something went wrong", detail, reason: "console-error" });
}

export type QueryValue = string | number | boolean | undefined;

export interface ApiOptions {
  readonly query?: Readonly<Record<string, QueryValue>>;
  readonly body?: unknown;
  readonly idempotencyKey?: string;
  readonly signal?: AbortSignal;
}

type Listener = (problem: ApiProblem) => void;
let unauthorizedListener: Listener | undefined;

/** Called on any 401 (the key was revoked or the sign-in expired); the shell goes back to sign-in. */
export function onUnauthorized(listener: Listener | undefined): void {
  unauthorizedListener = listener;
}

export function apiUrl(path: string, query: Readonly<Record<string, QueryValue>> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== "") params.set(name, String(value));
  }
  const search = params.toString();
  return `${API_BASE}/${path.replace(/^\/+/, "")}${search === "" ? "" : `?${search}`}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function problemFrom(status: number, statusText: string, body: unknown): ApiProblem {
  const text = (v: unknown, fallback: string) => (typeof v === "string" && v !== "" ? v : fallback);
  if (!isRecord(body)) {
    return new ApiProblem({ status, title: text(statusText, `HTTP ${status}`), detail: `The engine answered ${status} without problem details`, reason: "no-problem-details" });
  }
  const errors = Array.isArray(body.errors)
    ? body.errors.filter(isRecord).map((e) => ({ path: text(e.path, "body"), message: text(e.message, "invalid") }))
    : [];
  return new ApiProblem({
    status,
    title: text(body.title, text(statusText, `HTTP ${status}`)),
    detail: text(body.detail, ""),
    reason: text(body.reason, "unknown"),
    errors,
  });
}

/** One call to the engine. `T` is the 2xx body's shape (undefined for a 204). */
export async function api<T>(method: "GET" | "POST" | "DELETE", path: string, options: ApiOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  const key = apiKey();
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.idempotencyKey !== undefined) headers["idempotency-key"] = options.idempotencyKey;
  let response: Response;
  try {
    response = await fetch(apiUrl(path, options.query), {
      method,
      headers,
      credentials: "same-origin",
      cache: "no-store",
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (thrown) {
    if (thrown instanceof DOMException && thrown.name === "AbortError") throw thrown;
    throw new ApiProblem({ status: 0, title: "No answer", detail: "The engine could not be reached; check the connection and try again", reason: "network" });
  }
  const text = await response.text();
  let body: unknown = undefined;
  if (text !== "") {
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      body = undefined;
    }
  }
  if (!response.ok) {
    const problem = problemFrom(response.status, response.statusText, body);
    if (response.status === 401) unauthorizedListener?.(problem);
    throw problem;
  }
  return body as T;
}

/** True when an abort (a page left, a newer load started) ended the call: nothing to show. */
export function isAbort(thrown: unknown): boolean {
  return thrown instanceof DOMException && thrown.name === "AbortError";
}

// Typed wrappers, one per route the console uses.

const enc = encodeURIComponent;

export const engine = {
  me: (signal?: AbortSignal) => api<Me>("GET", "me", { ...(signal ? { signal } : {}) }),
  listRequests: (query: ListRequestsQuery, signal?: AbortSignal) => api<RequestPage>("GET", "requests", { query: { ...query }, ...(signal ? { signal } : {}) }),
  getRequest: (id: string, signal?: AbortSignal) => api<RequestView>("GET", `requests/${enc(id)}`, { ...(signal ? { signal } : {}) }),
  audit: (id: string, signal?: AbortSignal) => api<AuditTrail>("GET", `requests/${enc(id)}/audit`, { ...(signal ? { signal } : {}) }),
  submit: (body: SubmitRequestBody, idempotencyKey: string) => api<RequestView>("POST", "requests", { body, idempotencyKey }),
  sendCode: (id: string) => api<RequestView>("POST", `requests/${enc(id)}/verification`, { body: {} }),
  verify: (id: string, code: string) => api<RequestView>("POST", `requests/${enc(id)}/verify`, { body: { code } }),
  extend: (id: string, reason: string) => api<RequestView>("POST", `requests/${enc(id)}/extend`, { body: { reason } }),
  reject: (id: string, reason: RejectionReason, detail: string) => api<RequestView>("POST", `requests/${enc(id)}/reject`, { body: { reason, detail } }),
  cancel: (id: string, reason: string | undefined) => api<RequestView>("POST", `requests/${enc(id)}/cancel`, { body: reason === undefined ? {} : { reason } }),
  lift: (id: string, reason: string) => api<RequestView>("POST", `requests/${enc(id)}/lift`, { body: { reason } }),
  packageLink: (id: string) => api<PackageLink>("GET", `requests/${enc(id)}/package`),
  certificate: (id: string, signal?: AbortSignal) => api<Certificate>("GET", `requests/${enc(id)}/certificate`, { ...(signal ? { signal } : {}) }),
  verifyCertificate: (certificate: Certificate) => api<{ valid: boolean }>("POST", "certificates/verify", { body: certificate }),
  holds: (orgId: string, signal?: AbortSignal) => api<{ items: LegalHold[] }>("GET", "legal-holds", { query: { orgId }, ...(signal ? { signal } : {}) }),
  placeHold: (body: LegalHoldBody) => api<LegalHold>("POST", "legal-holds", { body }),
  liftHold: (orgId: string, holdId: string) => api<undefined>("DELETE", `legal-holds/${enc(orgId)}/${enc(holdId)}`),
  subjectStatus: (orgId: string, identifier: SubjectIds) => api<SubjectStatus>("GET", "subjects/status", { query: { orgId, ...identifier } }),
  retentionPreview: (orgId: string) => api<RetentionPreview>("POST", "sweeps/retention/preview", { query: { orgId } }),
  sweeps: (query: { limit?: number; kind?: SweepKind }, signal?: AbortSignal) => api<{ items: SweepRun[] }>("GET", "sweeps", { query: { ...query }, ...(signal ? { signal } : {}) }),
  runSweep: (kind: SweepKind, orgId: string) => api<SweepStarted>("POST", `sweeps/${enc(kind)}`, { query: { orgId } }),
  dataMap: (signal?: AbortSignal) => api<DataMap>("GET", "data-map", { ...(signal ? { signal } : {}) }),
  requestsReport: (query: { orgId?: string; from?: string; to?: string }, signal?: AbortSignal) =>
    api<RequestsReport>("GET", "reports/requests", { query: { ...query }, ...(signal ? { signal } : {}) }),
};

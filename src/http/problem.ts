import type { HttpResponseInit } from "@azure/functions";
import { z } from "zod";
import type { EngineError, EngineErrorCode } from "../domain/errors.js";

/** RFC 9457 problem details, as every error response of the API carries them. */
export const ProblemSchema = z
  .object({
    type: z.string().describe("URI naming the kind of problem"),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    reason: z.string().describe("stable machine-readable reason"),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: "Problem" });
export type Problem = z.infer<typeof ProblemSchema>;

/** A documented error response: every problem the engine sends has the Problem body. */
export function problemDoc(description: string): { readonly description: string; readonly body: typeof ProblemSchema } {
  return { description, body: ProblemSchema };
}

/** What any route may answer when the fault is the engine's, not the caller's (see `endpoint`). */
export const SERVER_FAULTS = {
  500: problemDoc("The engine failed; the detail does not say why"),
  503: problemDoc("A store did not answer; try again after Retry-After seconds"),
} as const;

const STATUS: Readonly<Record<EngineErrorCode, { status: number; title: string }>> = {
  validation: { status: 400, title: "Bad Request" },
  unauthenticated: { status: 401, title: "Unauthorized" },
  forbidden: { status: 403, title: "Forbidden" },
  "not-found": { status: 404, title: "Not Found" },
  conflict: { status: 409, title: "Conflict" },
  "payload-too-large": { status: 413, title: "Content Too Large" },
  "unsupported-media-type": { status: 415, title: "Unsupported Media Type" },
  unavailable: { status: 503, title: "Service Unavailable" },
  internal: { status: 500, title: "Internal Server Error" },
};

export const PROBLEM_TYPE_BASE = "urn:privacy-engine:problem:";

export function problemResponse(error: EngineError, instance?: string): HttpResponseInit {
  const { status, title } = STATUS[error.code];
  const body: Problem = {
    type: `${PROBLEM_TYPE_BASE}${error.reason}`,
    title,
    status,
    // System faults keep their cause out of the response.
    detail: error.isCallerFault ? error.message : title,
    ...(instance === undefined ? {} : { instance }),
    reason: error.reason,
    ...(error.fields.length > 0 ? { errors: error.fields.map((f) => ({ path: f.path, message: f.message })) } : {}),
  };
  return {
    status,
    headers: {
      "content-type": "application/problem+json",
      ...(error.code === "unauthenticated" ? { "www-authenticate": 'Bearer realm="privacy-engine"' } : {}),
      ...(error.code === "unavailable" ? { "retry-after": "5" } : {}),
    },
    body: JSON.stringify(body),
  };
}

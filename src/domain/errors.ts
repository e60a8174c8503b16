/**
 * One small error family for the whole engine. `code` is a closed union; HTTP maps it to
 * RFC 9457 problem+json. `isCallerFault` separates the caller's mistakes (never a 5xx, never a
 * change of state) from the system's faults.
 */
export type EngineErrorCode =
  | "validation"
  | "unauthenticated"
  | "forbidden"
  | "not-found"
  | "conflict"
  | "payload-too-large"
  | "unsupported-media-type"
  | "unavailable"
  | "internal";

export interface ProblemField {
  /** Path of the offending field, e.g. `subject.phone` or `body`. */
  readonly path: string;
  readonly message: string;
}

export class EngineError extends Error {
  readonly code: EngineErrorCode;
  /** A short, stable machine-readable reason, e.g. `illegal-transition`. */
  readonly reason: string;
  readonly fields: readonly ProblemField[];

  constructor(
    code: EngineErrorCode,
    message: string,
    options: { reason?: string; fields?: readonly ProblemField[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "EngineError";
    this.code = code;
    this.reason = options.reason ?? code;
    this.fields = options.fields ?? [];
  }

  get isCallerFault(): boolean {
    return this.code !== "unavailable" && this.code !== "internal";
  }
}

/** A write that lost a race: the document changed since it was read (an ETag precondition failed). */
export function isStale(error: unknown): boolean {
  return error instanceof EngineError && error.code === "conflict" && error.reason === "stale";
}

/** A create of an id that is already there. */
export function isExists(error: unknown): boolean {
  return error instanceof EngineError && error.code === "conflict" && error.reason === "exists";
}

/**
 * Every thrown thing becomes a real Error (JS allows `throw "x"`). A thrown non-Error may hold
 * anything the throwing code had at hand (a contact, a phone number), so its content is never
 * serialised: the message names only its type, and the value is not kept as the cause.
 */
export function ensureError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(`non-Error thrown: ${thrown === null ? "null" : typeof thrown}`);
}

/** Wraps anything that is not already an EngineError as an internal fault, keeping the cause. */
export function toEngineError(thrown: unknown): EngineError {
  if (thrown instanceof EngineError) return thrown;
  const error = ensureError(thrown);
  return new EngineError("internal", "Internal error", { cause: error });
}

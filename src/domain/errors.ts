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

/**
 * Every reason an error may carry, per code: the `reason` member of a problem+json response and
 * the last segment of its `type`, so each is API and never renamed. A code is always a reason of
 * its own too (the default when none is given), so it is not listed again.
 */
export const ERROR_REASONS = {
  validation: [
    "invalid-input", // a body, query, route parameter or header fails its schema, or names an unknown category
    "malformed-json", // the body is not UTF-8 JSON
    "invalid-identifier", // a phone that cannot be normalised to E.164
    "placeholder-identifier", // an identifier that names no one (empty, a dash, zeros)
    "no-identifier", // a subject without any identifier
    "invalid-changes", // a rectification whose changes cannot be applied
    "invalid-destination", // an export destination that is not https, not an allowed host or has no signature
    "destination-refused", // the package store cannot use the destination URL, or the destination refused the package
    "extension-not-available", // the jurisdiction allows no extension of the deadline
    "code-mismatch", // a wrong verification code
    "expiry-not-in-future", // a download link asked to expire now or in the past
    "invalid-continuation-token", // a continuation token this listing did not hand out
    "invalid-producer", // sending: a producer name of the wrong shape
    "invalid-erasure-message", // sending: an erasure message that fails its schema
    "invalid-message-id", // sending: a message id of the wrong length
    "message-too-large", // sending: Service Bus refused the message's size
  ],
  unauthenticated: [],
  forbidden: [
    "role-forbidden", // the caller's role may not do the action
    "type-forbidden", // the caller's role may not open requests of this type
    "attestation-forbidden", // the caller's role may not attest a requester's identity
    "no-role", // the principal holds none of the engine's roles
  ],
  "not-found": [
    "request-not-found", // no such request, or one the caller may not see
    "org-not-found", // no such org, or one the caller may not act on
    "hold-not-found", // no such legal hold
    "no-certificate", // the request has no erasure certificate
    "unparsable-route-parameter", // a route parameter that cannot name anything
  ],
  conflict: [
    "stale", // a write under an ETag that is no longer current (see isStale)
    "exists", // a create of an id that is already there (see isExists)
    "illegal-transition", // the request's status does not allow the step
    "not-awaiting-verification", // a verification step on a request that is not awaiting one
    "too-many-codes", // no more codes are issued for this request
    "no-code", // no verification code was issued
    "code-expired", // the verification code has expired
    "code-locked", // the verification code is locked after too many wrong tries
    "code-verification-required", // the org wants requests of this type verified by code
    "idempotency-key-reused", // an Idempotency-Key already used with another body
    "extension-refused", // the deadline cannot be extended (again, or any more)
    "objection-absolute", // an objection to direct marketing cannot be refused
    "not-a-restriction", // a lift of a request that is not a restriction
    "restriction-not-in-force", // a lift of a restriction that is not in force yet
    "already-lifted", // a lift of a restriction already lifted or being lifted
    "no-package", // the request has no package (yet)
    "package-expired", // the request's package has expired or been deleted
    "package-changed", // the request's package changed while a link was issued
    "source-changed", // an import file changed between discovery and export
  ],
  "payload-too-large": [
    "body-too-large", // the body exceeds the size limit
  ],
  "unsupported-media-type": [],
  unavailable: [
    "service-bus-unavailable", // Service Bus is not answering
    "events-send-failed", // the events topic did not take a batch; the events stay pending
    "store-unavailable", // local seeding: a store did not answer
    "seed-write-failed", // local seeding: a write kept failing
    "injected-fault", // a fault the tests inject (test/support/faults.ts)
  ],
  internal: [
    "events-without-audit", // a change that emits events without an audit entry
    "sealed-secret-format", // a sealed secret of an unknown format
    "sealed-secret-open", // a sealed secret that does not open under this key and context
    "service-bus-configuration", // Service Bus refuses for a configuration reason (entity, access)
    "no-signing-key", // no key to sign download links with
    "no-body", // a package download returned no body
    "sink-incomplete", // the package sink finished before the package did
    "builder-closed", // the package builder was used after it finished
    "builder-busy", // package entries were not added one at a time
    "unsafe-entry-name", // a package entry name that could escape its folder
    "duplicate-entry", // two package entries with the same name
    "empty-entry-name", // a package entry name with nothing left in it
    "not-json", // a package item that is not JSON-serialisable
  ],
} as const satisfies Record<EngineErrorCode, readonly string[]>;

/** The reasons an error of code `C` may carry: the listed ones and the code itself (the default). */
export type ReasonOf<C extends EngineErrorCode> = C | (typeof ERROR_REASONS)[C][number];

/** Any reason of any code. */
export type EngineErrorReason = ReasonOf<EngineErrorCode>;

export interface ProblemField {
  /** Path of the offending field, e.g. `subject.phone` or `body`. */
  readonly path: string;
  readonly message: string;
}

export interface EngineErrorOptions<C extends EngineErrorCode> {
  /** One of the code's reasons; the code itself when left out. */
  readonly reason?: ReasonOf<C>;
  readonly fields?: readonly ProblemField[];
  readonly cause?: unknown;
}

export class EngineError<C extends EngineErrorCode = EngineErrorCode> extends Error {
  // Type only, nothing is emitted: `x instanceof EngineError` narrows to an EngineError of any
  // code, where a generic class would narrow to EngineError<any>.
  declare static [Symbol.hasInstance]: (value: unknown) => value is EngineError;

  readonly code: C;
  /** A short, stable machine-readable reason, e.g. `illegal-transition`. */
  readonly reason: ReasonOf<C>;
  readonly fields: readonly ProblemField[];

  constructor(code: C, message: string, options: EngineErrorOptions<NoInfer<C>> = {}) {
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
export function isStale(error: unknown): error is EngineError<"conflict"> & { readonly reason: "stale" } {
  return error instanceof EngineError && error.code === "conflict" && error.reason === "stale";
}

/** A create of an id that is already there. */
export function isExists(error: unknown): error is EngineError<"conflict"> & { readonly reason: "exists" } {
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

import { randomInt, randomUUID } from "node:crypto";
import { actorOf, mayActOnOrg, mayOpen, type Action, type Authorized, type Caller } from "../domain/access.js";
import { verifyChain, type AuditEntry, type ChainVerification } from "../domain/audit.js";
import { canonicalJson } from "../domain/canonical-json.js";
import { EngineError, isExists } from "../domain/errors.js";
import { verifyCertificate, type Certificate } from "../domain/certificate.js";
import { normalizeSubject, primaryIdentifier } from "../domain/identifiers.js";
import {
  checkAttestation,
  codeRequiredFor,
  checkCode,
  closeRequest,
  extendRequest,
  issueCode,
  openRequest,
  requestLift,
  type CodeCheck,
  type PrivacyRequestRecord,
} from "../domain/privacy-request.js";
import type { ListRequestsQuery, SubmitRequestBody } from "../domain/request.js";
import { checkChanges } from "../domain/rectification.js";
import { utcDate } from "../domain/deadlines.js";
import { sealSecret } from "../domain/sealed-secret.js";
import { codeHash, digestsEqual, orgKey, sha256Hex, subjectKey } from "../domain/subject-key.js";
import { commit, mutate, type CommitDeps } from "./commit.js";
import type { EngineDeps } from "./deps.js";
import type { Logger, Page, Versioned } from "./ports.js";

/** What opening a request reads and writes: the org, the map, the settings, the clock and the commit's stores. */
export type SubmitDeps = CommitDeps & Pick<EngineDeps, "orgs" | "dataMap" | "config" | "now">;

/** What a decision on an open request needs: the commit's stores, the settings (keys, windows) and the clock. */
export type ActDeps = CommitDeps & Pick<EngineDeps, "config" | "now">;

/** Keyed digest of free text (reasons, details, attestations) for the audit: proves the text without holding it. */
export function textDigest(deps: Pick<EngineDeps, "config">, requestId: string, text: string): string {
  return codeHash(deps.config.PRIVACY_SUBJECT_KEY_SECRET, `text\u0000${requestId}`, text);
}

const notFound = () => new EngineError("not-found", "Request not found", { reason: "request-not-found" });

/** Another org's request is indistinguishable from a missing one (no enumeration). */
export function visible(caller: Caller, request: Versioned<PrivacyRequestRecord> | undefined): Versioned<PrivacyRequestRecord> {
  if (request === undefined || !mayActOnOrg(caller, request.value.orgId)) throw notFound();
  return request;
}

/** A request id derived from the caller and its Idempotency-Key: the same key always names the same request. */
function idempotentId(caller: Caller, key: string): string {
  const hex = sha256Hex(`idempotency\u0000${caller.id}\u0000${key}`);
  // Shaped as a UUID (version 8: custom) so ids look alike whichever way they were made.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * A portability destination is another controller's storage, reached with a SAS: https (http only
 * for loopback test hosts), a host on the allow-list, and a signature in the query.
 */
export function checkDestination(destination: string, allowedHosts: string): void {
  const refuse = (message: string) =>
    new EngineError("validation", `destination ${message}`, { reason: "invalid-destination", fields: [{ path: "destination", message }] });
  const url = new URL(destination);
  const loopback = url.hostname === "127.0.0.1" || url.hostname === "localhost";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) throw refuse("must be an https URL");
  const allowed = allowedHosts.split(",").map((h) => h.trim().toLowerCase()).filter((h) => h !== "");
  const host = url.hostname.toLowerCase();
  if (!allowed.some((pattern) => (pattern.startsWith("*.") ? host.endsWith(pattern.slice(1)) : host === pattern))) {
    throw refuse(`host is not one packages may be sent to (PRIVACY_PORTABILITY_DESTINATION_HOSTS)`);
  }
  if (!url.searchParams.has("sig")) throw refuse("must carry a shared access signature (sig)");
}

export interface SubmitOutcome {
  readonly request: PrivacyRequestRecord;
  /** false when an Idempotency-Key replayed an earlier submission. */
  readonly created: boolean;
}

export async function submitRequest(
  deps: SubmitDeps,
  caller: Authorized<"request:open">,
  body: SubmitRequestBody,
  idempotencyKey: string | undefined,
  log: Logger,
): Promise<SubmitOutcome> {
  if (!mayOpen(caller, body.type)) {
    throw new EngineError("forbidden", `The role ${caller.role} may not open ${body.type} requests`, { reason: "type-forbidden" });
  }
  if (!mayActOnOrg(caller, body.orgId)) throw new EngineError("not-found", "Organization not found", { reason: "org-not-found" });
  const org = await deps.orgs.get(body.orgId);
  if (org === undefined) throw new EngineError("not-found", "Organization not found", { reason: "org-not-found" });
  // Attesting is a decision of the roles PRIVACY_ATTESTING_ROLES names, and not where the org wants a code.
  if (body.verification !== undefined) checkAttestation(caller, body.type, { attestingRoles: deps.config.PRIVACY_ATTESTING_ROLES, requireCodeFor: codeRequiredFor(org.verification) });
  if (body.destination !== undefined) checkDestination(body.destination, deps.config.PRIVACY_PORTABILITY_DESTINATION_HOSTS);
  if (body.categories !== undefined) checkCategories(deps, body.categories);
  // Rectified values are checked and normalised now (a bad phone is the caller's 400, not a failed job).
  const changes = body.changes === undefined ? undefined : checkChanges(deps.dataMap, body.changes, org.defaultCountry, utcDate(deps.now())).map((c) => ({ field: c.field, value: c.value }));

  // An org-offboarding request has no subject: the org itself is what it names.
  const subject = body.subject === undefined ? {} : normalizeSubject(body.subject, org.defaultCountry);
  const primary = body.subject === undefined ? undefined : primaryIdentifier(subject);
  const key =
    primary === undefined ? orgKey(deps.config.PRIVACY_SUBJECT_KEY_SECRET, body.orgId) : subjectKey(deps.config.PRIVACY_SUBJECT_KEY_SECRET, body.orgId, primary.kind, primary.value);
  const idempotency =
    idempotencyKey === undefined
      ? undefined
      : { keyHash: sha256Hex(idempotencyKey), bodyHash: sha256Hex(canonicalJson(body)) };
  const id = idempotencyKey === undefined ? randomUUID() : idempotentId(caller, idempotencyKey);
  const change = openRequest({
    id,
    body: changes === undefined ? body : { ...body, changes },
    subject,
    subjectKey: key,
    jurisdiction: body.jurisdiction ?? org.jurisdiction ?? "GDPR",
    actor: actorOf(caller),
    now: deps.now(),
    dueSoonDays: deps.config.PRIVACY_DUE_SOON_DAYS,
    ...(idempotency === undefined ? {} : { idempotency }),
    ...(body.verification === undefined ? {} : { attestationDigest: textDigest(deps, id, body.verification.by) }),
  });
  try {
    const saved = await commit(deps, undefined, change, log);
    log.info("request opened", { requestId: id, orgId: body.orgId, type: body.type, subjectKey: key });
    return { request: saved.value, created: true };
  } catch (thrown) {
    if (!isExists(thrown) || idempotency === undefined) throw thrown;
    const existing = await deps.requests.get(id);
    if (existing?.value.idempotency?.bodyHash !== idempotency.bodyHash) {
      throw new EngineError("conflict", "This Idempotency-Key was already used with another body", {
        reason: "idempotency-key-reused",
      });
    }
    return { request: existing.value, created: false };
  }
}


function checkCategories(deps: Pick<EngineDeps, "dataMap">, categories: readonly string[]): void {
  const known = new Set(deps.dataMap.categories.map((c) => c.id));
  const fields = categories.flatMap((c, i) => (known.has(c) ? [] : [{ path: `categories[${i}]`, message: `not a category of the data map (${[...known].join(", ")})` }]));
  if (fields.length > 0) throw new EngineError("validation", "Unknown categories", { reason: "invalid-input", fields });
}

export async function getRequest(deps: Pick<EngineDeps, "requests">, caller: Authorized<"request:read">, id: string): Promise<PrivacyRequestRecord> {
  return visible(caller, await deps.requests.get(id)).value;
}

export async function listRequests(deps: Pick<EngineDeps, "requests">, caller: Authorized<"request:read">, query: ListRequestsQuery): Promise<Page<PrivacyRequestRecord>> {
  if (query.orgId !== undefined && !mayActOnOrg(caller, query.orgId)) {
    // Listing another org's requests shows an empty page, as listing an unknown org does.
    return { items: [] };
  }
  return deps.requests.list(
    {
      orgIds: caller.orgs,
      ...(query.orgId === undefined ? {} : { orgId: query.orgId }),
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.type === undefined ? {} : { type: query.type }),
      ...(query.jurisdiction === undefined ? {} : { jurisdiction: query.jurisdiction }),
      ...(query.dueBefore === undefined ? {} : { dueBefore: query.dueBefore }),
      ...(query.sort === undefined ? {} : { sort: query.sort }),
    },
    { limit: query.limit ?? 50, ...(query.continuationToken === undefined ? {} : { continuationToken: query.continuationToken }) },
  );
}

/** The decisions on an open request; each route checks its own before the use case runs. */
type ActAction = Extract<Action, "request:verify" | "request:extend" | "request:reject" | "request:lift" | "request:cancel">;

/** A caller checked for one of those decisions, whichever it is. */
type DecidingCaller = { readonly [A in ActAction]: Authorized<A> }[ActAction];

/** Loads a visible request and applies a pure decision to it under its ETag. */
async function act(
  deps: CommitDeps,
  caller: DecidingCaller,
  id: string,
  decide: (record: PrivacyRequestRecord) => ReturnType<typeof extendRequest> | undefined,
  log: Logger,
): Promise<PrivacyRequestRecord> {
  const saved = await mutate(deps, id, (current) => decide(visible(caller, current).value), log);
  return saved.value;
}

export async function issueVerificationCode(deps: ActDeps, caller: Authorized<"request:verify">, id: string, log: Logger): Promise<PrivacyRequestRecord> {
  // A six-digit code from the CSPRNG; only its keyed hash is stored.
  const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
  const record = await act(
    deps,
    caller,
    id,
    (current) => {
      const channel = current.subject.phone !== undefined ? "whatsapp" : current.subject.email !== undefined ? "email" : "contact-record";
      return issueCode(current, {
        sealedCode: sealSecret(deps.config.PRIVACY_SUBJECT_KEY_SECRET, current.id, code),
        codeHash: codeHash(deps.config.PRIVACY_SUBJECT_KEY_SECRET, current.id, code),
        now: deps.now(),
        ttlMinutes: deps.config.PRIVACY_VERIFICATION_TTL_MINUTES,
        actor: actorOf(caller),
        channel,
      });
    },
    log,
  );
  log.info("verification code issued", { requestId: id, subjectKey: record.subjectKey });
  return record;
}

export async function verifyRequest(deps: ActDeps, caller: Authorized<"request:verify">, id: string, code: string, log: Logger): Promise<PrivacyRequestRecord> {
  // Filled inside `decide`, which may run more than once under ETag retries.
  const check: { outcome: CodeCheck; attemptsLeft: number } = { outcome: "none", attemptsLeft: 0 };
  const record = await act(
    deps,
    caller,
    id,
    (current) => {
      const stored = current.verification.code;
      const matches = stored !== undefined && digestsEqual(codeHash(deps.config.PRIVACY_SUBJECT_KEY_SECRET, current.id, code), stored.hash);
      const checked = checkCode(current, {
        matches,
        now: deps.now(),
        maxAttempts: deps.config.PRIVACY_VERIFICATION_MAX_ATTEMPTS,
        actor: actorOf(caller),
        dueSoonDays: deps.config.PRIVACY_DUE_SOON_DAYS,
      });
      check.outcome = checked.outcome;
      check.attemptsLeft = checked.attemptsLeft;
      return checked.change;
    },
    log,
  );
  log.info("verification attempt", { requestId: id, outcome: check.outcome });
  switch (check.outcome) {
    case "accepted":
      return record;
    case "none":
      throw new EngineError("conflict", "No verification code was issued for this request", { reason: "no-code" });
    case "expired":
      throw new EngineError("conflict", "The verification code has expired; issue a new one", { reason: "code-expired" });
    case "locked":
      throw new EngineError("conflict", "The verification code is locked after too many wrong tries; issue a new one", {
        reason: "code-locked",
      });
    case "wrong":
      throw new EngineError("validation", `The verification code does not match (${check.attemptsLeft} tries left)`, {
        reason: "code-mismatch",
        fields: [{ path: "code", message: "does not match" }],
      });
  }
}

export function extend(deps: ActDeps, caller: Authorized<"request:extend">, id: string, reason: string, log: Logger): Promise<PrivacyRequestRecord> {
  return act(
    deps,
    caller,
    id,
    (current) =>
      extendRequest(current, {
        reason,
        reasonDigest: textDigest(deps, current.id, reason),
        now: deps.now(),
        actor: actorOf(caller),
        dueSoonDays: deps.config.PRIVACY_DUE_SOON_DAYS,
      }),
    log,
  );
}

export function reject(
  deps: ActDeps,
  caller: Authorized<"request:reject">,
  id: string,
  reason: string,
  detail: string,
  log: Logger,
): Promise<PrivacyRequestRecord> {
  return act(
    deps,
    caller,
    id,
    (current) => {
      // An objection to direct marketing must be followed (Art. 21(3)); only an unverified identity stops it.
      if (current.type === "objection" && current.purposes?.includes("marketing") === true && reason !== "identity-not-verified") {
        throw new EngineError("conflict", "An objection to direct marketing cannot be refused; only an unverified identity stops it", { reason: "objection-absolute" });
      }
      return closeRequest(current, {
        event: "reject",
        reason,
        detail,
        detailDigest: textDigest(deps, current.id, detail),
        now: deps.now(),
        actor: actorOf(caller),
        dueSoonDays: deps.config.PRIVACY_DUE_SOON_DAYS,
      });
    },
    log,
  );
}

/** Asks for a restriction to be lifted: the notice to the subject goes out first, the markers come off after. */
export function liftRestriction(deps: ActDeps, caller: Authorized<"request:lift">, id: string, reason: string, log: Logger): Promise<PrivacyRequestRecord> {
  return act(deps, caller, id, (current) => requestLift(current, { reason, reasonDigest: textDigest(deps, current.id, reason), now: deps.now(), actor: actorOf(caller) }), log);
}

export function cancel(deps: ActDeps, caller: Authorized<"request:cancel">, id: string, reason: string | undefined, log: Logger): Promise<PrivacyRequestRecord> {
  return act(
    deps,
    caller,
    id,
    (current) =>
      closeRequest(current, {
        event: "cancel",
        ...(reason === undefined ? {} : { detail: reason, detailDigest: textDigest(deps, current.id, reason) }),
        now: deps.now(),
        actor: actorOf(caller),
        dueSoonDays: deps.config.PRIVACY_DUE_SOON_DAYS,
      }),
    log,
  );
}

export interface AuditTrail {
  readonly requestId: string;
  readonly entries: readonly AuditEntry[];
  readonly chain: ChainVerification;
}

/** The request's audit trail, including entries committed but not yet flushed, and whether the chain verifies. */
export async function auditTrail(deps: Pick<EngineDeps, "requests" | "audit">, caller: Authorized<"audit:read">, id: string): Promise<AuditTrail> {
  const request = visible(caller, await deps.requests.get(id)).value;
  const stored = await deps.audit.listForRequest(id);
  const seen = new Set(stored.map((e) => e.id));
  const entries = [...stored, ...(request.pending?.audit ?? []).filter((e) => !seen.has(e.id))].sort((a, b) => a.seq - b.seq);
  return { requestId: id, entries, chain: verifyChain(entries, request.auditHead) };
}

/** The signed certificate of a completed erasure. */
export async function certificateOf(deps: Pick<EngineDeps, "requests">, caller: Authorized<"request:read">, id: string): Promise<Certificate> {
  const request = visible(caller, await deps.requests.get(id)).value;
  if (request.certificate === undefined) throw new EngineError("not-found", "This request has no erasure certificate", { reason: "no-certificate" });
  return request.certificate;
}

/** Whether a certificate was signed by this engine's key and is unchanged. */
export function checkCertificate(deps: Pick<EngineDeps, "config">, _caller: Authorized<"request:read">, certificate: Certificate): { valid: boolean } {
  return { valid: verifyCertificate(deps.config.PRIVACY_CERTIFICATE_KEY, certificate) };
}

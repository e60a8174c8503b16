// Attesting a requester's identity after intake (`POST /api/requests/{id}/attest`): a request
// awaiting verification becomes verified as if it had been opened attested, under the intake's
// policy (the roles of PRIVACY_ATTESTING_ROLES, and not for a type the org wants verified by code).

import { actorOf, type Authorized } from "../domain/access.js";
import { attestVerification, codeRequiredFor, type PrivacyRequestRecord } from "../domain/privacy-request.js";
import { CODE_VERIFIABLE_TYPES, type RequestType } from "../domain/request.js";
import { mutate } from "./commit.js";
import type { EngineDeps } from "./deps.js";
import type { Logger, OrgProfile } from "./ports.js";
import { textDigest, visible } from "./requests.js";

/** What attesting reads and writes: the commit's stores, the org (its policy), the settings and the clock. */
export type AttestDeps = Pick<EngineDeps, "requests" | "audit" | "outbox" | "work" | "orgs" | "config" | "now">;

/**
 * The types the request's org wants verified by code. An org the directory no longer knows has
 * no settings to read: a code is then required for every type that may have one (fail closed).
 */
function requireCodeFor(org: OrgProfile | undefined): readonly RequestType[] {
  return org === undefined ? CODE_VERIFIABLE_TYPES : codeRequiredFor(org.verification);
}

export async function attestRequest(deps: AttestDeps, caller: Authorized<"request:verify">, id: string, by: string, log: Logger): Promise<PrivacyRequestRecord> {
  // Another org's request is a 404 before anything of its org is read.
  const orgId = visible(caller, await deps.requests.get(id)).value.orgId;
  const policy = { attestingRoles: deps.config.PRIVACY_ATTESTING_ROLES, requireCodeFor: requireCodeFor(await deps.orgs.get(orgId)) };
  const saved = await mutate(
    deps,
    id,
    (current) =>
      attestVerification(visible(caller, current).value, {
        by,
        attestationDigest: textDigest(deps, id, by),
        caller,
        policy,
        actor: actorOf(caller),
        now: deps.now(),
        dueSoonDays: deps.config.PRIVACY_DUE_SOON_DAYS,
      }),
    log,
  );
  // Never the attestation's words: they are free text.
  log.info("request attested", { requestId: id, subjectKey: saved.value.subjectKey });
  return saved.value;
}

import { actorOf, type Authorized, type Caller } from "../domain/access.js";
import type { AuditDraft } from "../domain/audit.js";
import { EngineError } from "../domain/errors.js";
import type { Delivery, PrivacyRequestRecord, RequestChange } from "../domain/privacy-request.js";
import { mutate, type CommitDeps } from "./commit.js";
import type { EngineDeps } from "./deps.js";
import type { Logger } from "./ports.js";
import { visible } from "./requests.js";

// Handing over the read link of an access or portability package. The link is a bearer
// credential to the subject's data, so it is never part of a request's view (lists, reads):
// only a role with `package:link` (privacy-admin, privacy-operator) of the request's org is
// handed one, each time a freshly signed read-only SAS for that one blob that expires with the
// package. Every issue is recorded in the request's audit chain (who, when, until when), never
// the link itself.

export interface PackageLink {
  readonly url: string;
  readonly expiresAt: string;
  readonly sizeBytes: number;
  readonly sha256: string;
}

export const PACKAGE_LINK_ISSUED = "package.link-issued";

/** The request's package if a link to it may be issued now, else the 409 that says why not. */
function availablePackage(record: PrivacyRequestRecord, now: Date): Delivery {
  const delivery = record.delivery;
  if (delivery === undefined) {
    throw new EngineError("conflict", "This request has no package (yet)", { reason: "no-package" });
  }
  if (delivery.deletedAt !== undefined || !(Date.parse(delivery.expiresAt) > now.getTime())) {
    throw new EngineError("conflict", "This request's package has expired", { reason: "package-expired" });
  }
  return delivery;
}

/** The audit entry of one issued link: who, when, which package and until when; never the URL. */
function linkIssued(record: PrivacyRequestRecord, caller: Caller, delivery: Delivery, now: Date): RequestChange {
  const entry: AuditDraft = {
    at: now.toISOString(),
    actor: actorOf(caller),
    action: PACKAGE_LINK_ISSUED,
    details: { expiresAt: delivery.expiresAt, sha256: delivery.sha256, bytes: delivery.bytes },
  };
  // The request itself is unchanged (its updatedAt too): the document is written only to move the audit head.
  return { record, audit: [entry], events: [], enqueue: false };
}

/**
 * Signs a read link for the request's package and records that it was issued. 403 for a role
 * without `package:link`, 404 for another org's request, 409 while there is no package or once
 * it has expired. The entry is committed before the link is returned: a link the audit does not
 * know of is never handed out.
 */
export async function issuePackageLink(
  deps: CommitDeps & Pick<EngineDeps, "packages" | "now">,
  caller: Authorized<"package:link">,
  id: string,
  log: Logger,
): Promise<PackageLink> {
  const found = visible(caller, await deps.requests.get(id));
  const delivery = availablePackage(found.value, deps.now());
  // A fresh signature per issue, expiring with the package (the store caps it further under a user delegation key).
  const url = await deps.packages.downloadLink(delivery.blobName, new Date(delivery.expiresAt));
  await mutate(
    deps,
    id,
    (current) => {
      // Re-checked on the document being written: the package may have gone in between.
      const now = deps.now();
      const still = availablePackage(current.value, now);
      if (still.blobName !== delivery.blobName) throw new EngineError("conflict", "This request's package changed", { reason: "package-changed" });
      return linkIssued(current.value, caller, still, now);
    },
    log,
  );
  log.info("package link issued", { requestId: id, by: caller.id, expiresAt: delivery.expiresAt });
  return { url, expiresAt: delivery.expiresAt, sizeBytes: delivery.bytes, sha256: delivery.sha256 };
}

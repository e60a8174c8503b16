// Which actions a request's state allows: the same predicates the action routes refuse with
// (a 409, or a 404 for a missing certificate), so the request view's links offer exactly those.

import { DEADLINE_RULES, extensionRefusal } from "./deadlines.js";
import { isTerminal, nextStatus } from "./lifecycle.js";
import { deadlineOf } from "./request-record/deadline.js";
import type { PrivacyRequestRecord } from "./request-record/record.js";
import { MAX_CODES_PER_REQUEST } from "./request-record/verification.js";

export const REQUEST_ACTIONS = ["verification", "verify", "extend", "reject", "cancel", "lift", "package", "certificate"] as const;
export type RequestAction = (typeof REQUEST_ACTIONS)[number];

/** A code may be issued: awaiting verification and under the per-request cap (issueCode). */
export function mayIssueCode(record: PrivacyRequestRecord): boolean {
  return record.status === "awaiting-verification" && (record.verification.code?.issued ?? 0) < MAX_CODES_PER_REQUEST;
}

/** A code may be answered: awaiting verification with a live code, neither locked nor expired (checkCode). */
export function mayAnswerCode(record: PrivacyRequestRecord, now: Date): boolean {
  const code = record.verification.code;
  return record.status === "awaiting-verification" && code !== undefined && !code.locked && Date.parse(code.expiresAt) > now.getTime();
}

/** The deadline may be extended: open, the jurisdiction allows it, not yet extended, original term not passed (extendRequest). */
export function mayExtend(record: PrivacyRequestRecord, now: Date): boolean {
  if (isTerminal(record.status)) return false;
  return extensionRefusal(DEADLINE_RULES[record.jurisdiction], deadlineOf(record, now), record.extension !== undefined, now) === null;
}

/** A restriction in force may be asked to be lifted (requestLift). */
export function mayLift(record: PrivacyRequestRecord): boolean {
  return record.type === "restriction" && record.status === "completed" && record.restriction?.state === "in-force";
}

/** A link to the package may be issued now: one exists, not deleted, not expired (issuePackageLink). */
export function packageAvailable(record: PrivacyRequestRecord, now: Date): boolean {
  const delivery = record.delivery;
  return delivery !== undefined && delivery.deletedAt === undefined && Date.parse(delivery.expiresAt) > now.getTime();
}

/** The actions the request's state allows as of `now` (roles are checked by the routes, not here). */
export function allowedActions(record: PrivacyRequestRecord, now: Date): ReadonlySet<RequestAction> {
  const allowed = new Set<RequestAction>();
  if (mayIssueCode(record)) allowed.add("verification");
  if (mayAnswerCode(record, now)) allowed.add("verify");
  if (mayExtend(record, now)) allowed.add("extend");
  if (nextStatus(record.status, "reject") !== undefined) allowed.add("reject");
  if (nextStatus(record.status, "cancel") !== undefined) allowed.add("cancel");
  if (mayLift(record)) allowed.add("lift");
  if (packageAvailable(record, now)) allowed.add("package");
  if (record.certificate !== undefined) allowed.add("certificate");
  return allowed;
}

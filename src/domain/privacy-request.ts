// The request document and the pure decisions on it, one file per concept under
// request-record/. This barrel keeps the names its importers have always used; new code may
// import from here too.

export type {
  Applied,
  CodeState,
  Delivery,
  DiscoverySummary,
  Extension,
  Failure,
  PendingEffects,
  PrivacyRequestRecord,
  RequestChange,
  Resolution,
  RestrictionState,
  VerificationState,
  WorkProgress,
} from "./request-record/record.js";
export { checkAttestation, codeRequiredFor, openRequest, type AttestationPolicy, type OpenParams } from "./request-record/intake.js";
export { AttestBody, attestVerification, checkCode, issueCode, MAX_CODES_PER_REQUEST, type AttestParams, type CodeCheck } from "./request-record/verification.js";
export { deadlineOf, effectivePausedDays, extendRequest, refreshDeadline } from "./request-record/deadline.js";
export { awaitExecutor, claimRun, failWork, linkFollowUp, recordDiscovery, startWork } from "./request-record/work.js";
export { completeErasure, completeExport, completeWork, packageDeleted } from "./request-record/completion.js";
export { closeRequest } from "./request-record/closing.js";
export { completeLift, requestLift } from "./request-record/restriction.js";
export { placeCounts } from "./request-record/audit-entries.js";

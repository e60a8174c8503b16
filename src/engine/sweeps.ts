// The sweeps. Retention (daily): subjects whose activity field is older than the org's period get
// a notice (an event, a notice document); after the notice period, if still inactive, they are
// erased through the erasure pipeline (one request each, reason `retention`); renewed activity
// removes the notice. Children (hourly, or on demand): contacts and users younger than the
// jurisdiction's age without a verified parental consent are erased at once (child-data).
//
// A run fans out one work message per org. An org's step queries only what is inactive (or
// young): a range query on the mapped field inside the org's partition, projecting ids and
// identifiers, so its cost follows the inactive set, not the org's size. The step checkpoints
// after every page and holds the org's lease, so an interrupted step continues where it stopped
// and two runs never sweep one org at once. Every effect is idempotent besides: a notice is
// created only where none exists, requests are opened under deterministic Idempotency-Keys.
//
// The parts, under sweeps/:
//   callers.ts     the engine's callers that open the sweeps' requests, checked once
//   policy.ts      the default policy from the settings, an org's own policy and context
//   phases.ts      what a step walks through: the data map's containers each sweep reads
//   subjects.ts    an item's projection, subject keys and legal holds
//   pages/         one page of each phase: notices.ts (notices given), scan.ts (the inactive),
//                  children.ts (the young), erasures.ts (opening their requests),
//                  notice-effects.ts (a notice's event and audit), run-page.ts (the dispatch)
//   run.ts         starting a run and its fan-out, on a timer or for one org on demand
//   step.ts        one org's step: checkpoint, slice and lease
//   lease.ts       an org's lease: take, renew, release
//   views.ts       the retention preview and the list of recent runs

export { CHILDREN_CALLER, RETENTION_CALLER } from "./sweeps/callers.js";
export { defaultPolicy } from "./sweeps/policy.js";
export { startSweep, sweepOrgNow, type SweepTrigger } from "./sweeps/run.js";
export { runSweepStep } from "./sweeps/step.js";
export { listSweeps, previewRetention, type RetentionPreview, type SweepRunView } from "./sweeps/views.js";

import { authorize, type Authorized, type Caller } from "../../domain/access.js";

// The engine's own callers for the sweeps. Their ids name the requests they open (an
// Idempotency-Key is scoped to its caller), so they never change.

/** The system callers that open the sweeps' requests (attested by the sweep itself). */
export const RETENTION_CALLER: Caller = { id: "retention-sweep", kind: "principal", role: "privacy-admin", orgs: "*", engine: true };
export const CHILDREN_CALLER: Caller = { id: "children-sweep", kind: "principal", role: "privacy-admin", orgs: "*", engine: true };

/** The same callers, checked once: the sweeps act for the engine, no route checked them. */
export const RETENTION_OPENER: Authorized<"request:open"> = authorize(RETENTION_CALLER, "request:open");
export const CHILDREN_OPENER: Authorized<"request:open"> = authorize(CHILDREN_CALLER, "request:open");

/** Who a notice's audit entries and a cancelled retention erasure name. */
export const SWEEP_ACTOR = { kind: "system", id: RETENTION_CALLER.id } as const;

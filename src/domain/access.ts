import type { Role } from "../config/settings.js";
import type { AuditActor } from "./audit.js";
import { EngineError } from "./errors.js";
import type { RequestType } from "./request.js";

/** What a caller may do. Routes name one action each; the table below is the whole policy. */
export const ACTIONS = [
  "request:open",
  "request:read",
  "request:verify",
  "request:extend",
  "request:reject",
  "request:cancel",
  "audit:read",
  /** Lift a restriction (Art. 18(3)). */
  "request:lift",
  /** What other services may do with a subject's data: restriction, suppressions, holds. */
  "status:read",
  /** Legal holds and other registry entries. */
  "registry:write",
  /** Start a sweep on demand. */
  "sweep:run",
  /** Sweep runs and the retention preview. */
  "sweep:read",
  /**
   * Be handed the read link (SAS) of an access or portability package. Every other role sees
   * only that a package exists, its size and digest; each link issued is audited.
   */
  "package:link",
] as const;
export type Action = (typeof ACTIONS)[number];

export interface Caller {
  /** The key id or principal id: safe to log, never the secret. */
  readonly id: string;
  readonly kind: "api-key" | "principal";
  readonly role: Role;
  readonly orgs: "*" | readonly string[];
  /**
   * The engine's own callers (sweeps, follow-ups, a producer declared in settings): they open
   * requests as attested by design, whatever `PRIVACY_ATTESTING_ROLES` says of their role.
   */
  readonly engine?: true;
}

const PERMISSIONS: Readonly<Record<Role, readonly Action[]>> = {
  "privacy-admin": ACTIONS,
  "privacy-operator": ["request:open", "request:read", "request:verify", "request:extend", "request:cancel", "request:lift", "status:read", "sweep:run", "sweep:read", "package:link"],
  auditor: ["request:read", "audit:read", "status:read", "sweep:read"],
  service: ["request:open", "status:read"],
};

/** Request types a role may open; `undefined` means every type. */
const OPENABLE: Readonly<Partial<Record<Role, readonly RequestType[]>>> = {
  "privacy-operator": ["access", "portability", "rectification", "erasure", "restriction", "objection", "consent-withdrawal", "child-data"],
  service: ["erasure"],
};

export function mayPerform(caller: Caller, action: Action): boolean {
  return PERMISSIONS[caller.role].includes(action);
}

export function mayOpen(caller: Caller, type: RequestType): boolean {
  const allowed = OPENABLE[caller.role];
  return mayPerform(caller, "request:open") && (allowed === undefined || allowed.includes(type));
}

export function mayActOnOrg(caller: Caller, orgId: string): boolean {
  return caller.orgs === "*" || caller.orgs.includes(orgId);
}

declare const granted: unique symbol;

/**
 * A caller whose role was checked for the actions `A`. Only `authorize` makes one, so a use case
 * that takes `Authorized<"request:read">` cannot be reached without the check, and the check runs
 * once per call: at the route (before any input is read) or at the trigger that acts for the engine.
 */
export type Authorized<A extends Action> = Caller & { readonly [granted]: { readonly [K in A]: true } };

/** The role check every route starts with: a 403 when the role may never do this. */
export function authorize<A extends Action>(caller: Caller, action: A): Authorized<A> {
  if (!mayPerform(caller, action)) {
    throw new EngineError("forbidden", `The role ${caller.role} may not do ${action}`, { reason: "role-forbidden" });
  }
  return caller as Authorized<A>;
}

/** The caller as the audit trail names it: kind, id and role, never a credential. */
export function actorOf(caller: Caller): AuditActor {
  return { kind: caller.kind, id: caller.id, role: caller.role };
}

import { z } from "zod";
import { ROLE_NAMES, type Role, type Settings } from "../config/settings.js";
import type { Caller } from "../domain/access.js";
import { EngineError } from "../domain/errors.js";
import { digestsEqual, sha256Hex } from "../domain/subject-key.js";

/** Credentials as they arrive: the Authorization header and, behind App Service Authentication, the principal header. */
export interface Credentials {
  readonly authorization?: string | null;
  readonly clientPrincipal?: string | null;
}

const unauthenticated = (message: string) => new EngineError("unauthenticated", message, { reason: "unauthenticated" });

/**
 * Resolves the caller. API keys are kept in settings as SHA-256 hashes and compared in constant
 * time against every configured key (no early exit, so timing does not reveal which matched).
 */
export function authenticate(credentials: Credentials, settings: Settings): Caller {
  if (settings.PRIVACY_EASYAUTH_ENABLED && credentials.clientPrincipal) {
    return fromClientPrincipal(credentials.clientPrincipal);
  }
  const header = credentials.authorization?.trim();
  if (!header) throw unauthenticated("Authorization: Bearer <key> is required");
  const match = /^Bearer\s+(\S{1,512})$/i.exec(header);
  const key = match?.[1];
  if (key === undefined) throw unauthenticated("Authorization must be a Bearer key");
  const presented = sha256Hex(key);
  let found: Caller | undefined;
  for (const entry of settings.PRIVACY_API_KEYS) {
    if (digestsEqual(presented, entry.sha256) && found === undefined) {
      found = { id: entry.id, kind: "api-key", role: entry.role, orgs: entry.orgs };
    }
  }
  const dev = settings.PRIVACY_DEV_API_KEY;
  if (dev !== undefined && digestsEqual(presented, sha256Hex(dev)) && found === undefined) {
    found = { id: "dev", kind: "api-key", role: "privacy-admin", orgs: "*" };
  }
  if (found === undefined) throw unauthenticated("The key is not valid");
  return found;
}

const ClientPrincipal = z.object({
  auth_typ: z.string().optional(),
  name_typ: z.string().optional(),
  role_typ: z.string().optional(),
  claims: z.array(z.object({ typ: z.string(), val: z.string() })).max(500),
});

/** Role precedence when a principal holds several app roles: the most privileged wins. */
const ROLE_ORDER: readonly Role[] = ["privacy-admin", "privacy-operator", "auditor", "service"];

/**
 * App Service Authentication (Easy Auth) puts the validated principal in `x-ms-client-principal`
 * (base64 JSON). App roles carry the engine's role names; an `orgs` claim (repeated or
 * comma-separated, `*` for all) names the orgs. Only trusted when the setting enables it, since
 * only the platform's front end can be relied on to strip a forged header.
 */
function fromClientPrincipal(header: string): Caller {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(header, "base64").toString("utf8"));
  } catch {
    throw unauthenticated("x-ms-client-principal is not valid base64 JSON");
  }
  const parsed = ClientPrincipal.safeParse(decoded);
  if (!parsed.success) throw unauthenticated("x-ms-client-principal has an unexpected shape");
  const { claims, role_typ: roleType = "roles" } = parsed.data;
  const values = (types: readonly string[]) => claims.filter((c) => types.includes(c.typ)).map((c) => c.val);
  const roles = values([roleType, "roles", "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"]);
  const role = ROLE_ORDER.find((r) => roles.includes(r));
  // The object id names the principal; a name claim is often an e-mail address, which must not
  // reach the audit trail as the actor.
  const id = values(["http://schemas.microsoft.com/identity/claims/objectidentifier", "oid"])[0];
  if (id === undefined) throw unauthenticated("x-ms-client-principal carries no object id (oid) claim");
  if (role === undefined) {
    throw new EngineError("forbidden", `The principal holds none of the roles ${ROLE_NAMES.join(", ")}`, { reason: "no-role" });
  }
  const orgs = values(["orgs"]).flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");
  return { id: `principal:${id}`, kind: "principal", role, orgs: orgs.includes("*") ? "*" : orgs };
}

import { z } from "zod";
import { ROLE_NAMES, type Role } from "../config/settings.js";
import type { EngineConfig } from "./deps.js";
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
/** The settings that decide who a caller is. */
export type AuthConfig = Pick<EngineConfig, "PRIVACY_API_KEYS" | "PRIVACY_DEV_API_KEY" | "PRIVACY_EASYAUTH_ENABLED" | "PRIVACY_EASYAUTH_TENANT_ID" | "PRIVACY_EASYAUTH_AUDIENCE">;

export function authenticate(credentials: Credentials, settings: AuthConfig): Caller {
  // Off (the default), the principal header is never read: anyone can send one.
  if (settings.PRIVACY_EASYAUTH_ENABLED && credentials.clientPrincipal) {
    return fromClientPrincipal(credentials.clientPrincipal, settings);
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

const TENANT_CLAIMS = ["http://schemas.microsoft.com/identity/claims/tenantid", "tid"];

/**
 * The principal must come from our tenant, for our audience, issued by Entra for that tenant:
 * App Service Authentication may be configured to let other tenants (or other app registrations)
 * through, and a principal it passes is not ours unless these say so. Each claim must appear
 * exactly once. The tenant id is a GUID (compared case-insensitively); the audience is compared
 * exactly (an application id URI and the bare client id are different settings).
 */
function checkTenantAudienceIssuer(values: (types: readonly string[]) => string[], settings: AuthConfig): void {
  const tenant = settings.PRIVACY_EASYAUTH_TENANT_ID?.toLowerCase();
  const audience = settings.PRIVACY_EASYAUTH_AUDIENCE;
  // parseSettings refuses Easy Auth without both; refuse here too rather than trust any tenant.
  if (tenant === undefined || audience === undefined) throw unauthenticated("Easy Auth has no tenant id or audience configured");
  const single = (types: readonly string[], name: string) => {
    const found = [...new Set(values(types))];
    if (found.length !== 1 || found[0] === undefined) throw unauthenticated(`x-ms-client-principal must carry exactly one ${name} claim`);
    return found[0];
  };
  const tid = single(TENANT_CLAIMS, "tid").toLowerCase();
  const aud = single(["aud"], "aud");
  const iss = single(["iss"], "iss");
  if (tid !== tenant) throw unauthenticated("The principal belongs to another tenant");
  if (aud !== audience) throw unauthenticated("The principal's token is for another audience");
  const issuers = [`https://login.microsoftonline.com/${tenant}/v2.0`, `https://sts.windows.net/${tenant}/`];
  if (!issuers.includes(iss.toLowerCase())) throw unauthenticated("The principal's token has another issuer than the tenant's");
}

/**
 * App Service Authentication (Easy Auth) puts the validated principal in `x-ms-client-principal`
 * (base64 JSON). App roles carry the engine's role names; an `orgs` claim (repeated or
 * comma-separated, `*` for all) names the orgs. Only trusted when the setting enables it (which
 * parseSettings allows only on the platform, behind App Service Authentication, whose front end
 * strips a forged header), and only for a principal of the configured tenant and audience.
 */
function fromClientPrincipal(header: string, settings: AuthConfig): Caller {
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
  // Before anything else: a principal of another tenant is unauthenticated, whatever its roles.
  checkTenantAudienceIssuer(values, settings);
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

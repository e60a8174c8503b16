import { EngineError } from "../../domain/errors.js";
import type { LegalHold } from "../../domain/erasure.js";
import type { Jurisdiction } from "../../domain/request.js";
import { policyFor, type RetentionPolicy } from "../../domain/retention.js";
import type { EngineConfig, EngineDeps } from "../deps.js";

// The retention policy: the default one the settings give, and an org's own over it, read with
// everything else a step decides by (jurisdiction, default country, legal holds, the time).

export type PolicyConfig = Pick<
  EngineConfig,
  | "PRIVACY_CONTACT_INACTIVITY_MONTHS"
  | "PRIVACY_ACCOUNT_INACTIVITY_MONTHS"
  | "PRIVACY_RETENTION_NOTICE_HOURS"
  | "PRIVACY_CHILD_AGE"
  | "PRIVACY_CHILD_AGE_BY_JURISDICTION"
  | "PRIVACY_PACKAGE_EXPIRY_DAYS"
>;

export function defaultPolicy(config: PolicyConfig): RetentionPolicy {
  return {
    contactInactivityMonths: config.PRIVACY_CONTACT_INACTIVITY_MONTHS,
    accountInactivityMonths: config.PRIVACY_ACCOUNT_INACTIVITY_MONTHS,
    noticeHours: config.PRIVACY_RETENTION_NOTICE_HOURS,
    childAge: config.PRIVACY_CHILD_AGE,
    childAgeByJurisdiction: config.PRIVACY_CHILD_AGE_BY_JURISDICTION,
    packageExpiryDays: config.PRIVACY_PACKAGE_EXPIRY_DAYS,
  };
}

/** One org as a step sees it: its policy, jurisdiction, holds and the time the step decides at. */
export interface OrgContext {
  readonly orgId: string;
  readonly policy: RetentionPolicy;
  readonly jurisdiction: Jurisdiction;
  readonly defaultCountry: string | undefined;
  readonly holds: readonly LegalHold[];
  readonly now: Date;
}

export type OrgContextDeps = Pick<EngineDeps, "orgs" | "legalHolds" | "config" | "now">;

/** The org's context, or undefined when the org is gone. */
export async function orgContext(deps: OrgContextDeps, orgId: string): Promise<OrgContext | undefined> {
  const org = await deps.orgs.get(orgId);
  if (org === undefined) return undefined;
  return {
    orgId,
    policy: policyFor(defaultPolicy(deps.config), org.retention),
    jurisdiction: org.jurisdiction ?? "GDPR",
    defaultCountry: org.defaultCountry,
    holds: await deps.legalHolds.forOrg(orgId),
    now: deps.now(),
  };
}

/** An org the caller may not act on is indistinguishable from a missing one. */
export const orgNotFound = () => new EngineError("not-found", "Organization not found", { reason: "org-not-found" });

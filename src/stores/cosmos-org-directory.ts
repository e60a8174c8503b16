import type { Container } from "@azure/cosmos";
import { z } from "zod";
import { CODE_VERIFIABLE_TYPES, Jurisdiction, OrgVerificationSettings } from "../domain/request.js";
import { RetentionOverrides } from "../domain/retention.js";
import type { OrgDirectory, OrgProfile, Page } from "../engine/ports.js";
import { fetchPage } from "./cosmos-client.js";
import { mapCosmosError } from "./cosmos-errors.js";

/** The privacy settings of an org: the engine's own document first, the platform's org item second. */
const OrgPrivacySettings = z.object({
  jurisdiction: Jurisdiction.optional().catch(undefined),
  defaultCountry: z.string().regex(/^[A-Z]{2}$/).optional().catch(undefined),
  // A security setting fails closed: a malformed one requires a code for every type that may have one.
  verification: OrgVerificationSettings.optional().catch({ requireCodeFor: [...CODE_VERIFIABLE_TYPES] }),
});


/**
 * An org exists when the platform's `organizations` container has it (id = orgId). Its privacy
 * settings come from the engine's `orgSettings` document, falling back to the platform item's
 * `settings` field.
 */
export class CosmosOrgDirectory implements OrgDirectory {
  constructor(
    private readonly organizations: Container,
    private readonly orgSettings: Container,
  ) {}

  async get(orgId: string): Promise<OrgProfile | undefined> {
    try {
      const [platform, engine] = await Promise.all([
        this.organizations.item(orgId, orgId).read<{ settings?: unknown; name?: unknown }>(),
        this.orgSettings.item(orgId, orgId).read<Record<string, unknown>>(),
      ]);
      if (platform.resource === undefined) return undefined;
      const fromPlatform = OrgPrivacySettings.safeParse(platform.resource.settings ?? {});
      const fromEngine = OrgPrivacySettings.safeParse(engine.resource ?? {});
      const merged = { ...(fromPlatform.success ? fromPlatform.data : {}), ...definedOnly(fromEngine.success ? fromEngine.data : {}) };
      // The org's retention policy lives in the engine's document only; a malformed one counts as none.
      const retention = RetentionOverrides.safeParse(engine.resource?.retention);
      const name = orgNameOf(platform.resource.name);
      return {
        orgId,
        ...(name === undefined ? {} : { name }),
        ...(retention.success && engine.resource?.retention !== undefined ? { retention: retention.data } : {}),
        ...(merged.jurisdiction === undefined ? {} : { jurisdiction: merged.jurisdiction }),
        ...(merged.defaultCountry === undefined ? {} : { defaultCountry: merged.defaultCountry }),
        ...(merged.verification === undefined ? {} : { verification: merged.verification }),
      };
    } catch (error) {
      const mapped = mapCosmosError(error, "organization");
      if (mapped.code === "not-found") return undefined;
      throw mapped;
    }
  }

  async idsPage(page: { readonly limit: number; readonly continuationToken?: string }): Promise<Page<string>> {
    try {
      // Cross-partition on purpose and ids only: the sweeps fan out over every org.
      const result = await fetchPage<{ id: string }>(
        this.organizations,
        { query: "SELECT c.id FROM c", parameters: [] },
        { maxItemCount: page.limit, ...(page.continuationToken === undefined ? {} : { continuationToken: page.continuationToken }) },
      );
      return { items: result.resources.map((r) => r.id), ...(result.continuationToken === undefined ? {} : { continuationToken: result.continuationToken }) };
    } catch (error) {
      throw mapCosmosError(error, "organizations");
    }
  }
}

const MAX_ORG_NAME_LENGTH = 200;

/** The platform item's `name`, trimmed and bounded; anything else (absent, blank, not a string) is none. */
function orgNameOf(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim().slice(0, MAX_ORG_NAME_LENGTH).trim();
  return trimmed === "" ? undefined : trimmed;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

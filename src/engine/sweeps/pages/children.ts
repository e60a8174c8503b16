import { isTerminal } from "../../../domain/lifecycle.js";
import { bornAfter, childAgeFor, hasVerifiedConsent, isChild } from "../../../domain/retention.js";
import type { EngineDeps } from "../../deps.js";
import type { Logger } from "../../ports.js";
import type { SubmitDeps } from "../../requests.js";
import { plainPath, type BirthMapping } from "../phases.js";
import type { OrgContext } from "../policy.js";
import { identifiable, isHeld, keysOf, projection, target } from "../subjects.js";
import { openChildErasure } from "./erasures.js";
import { bump, type Counts, type PageResult } from "./page-result.js";

// The children's run over one mapped container: everyone born after the jurisdiction's age
// bound, without a verified parental consent, not held and with no child-data erasure open,
// gets one now (no notice).

export type ChildrenPageDeps = SubmitDeps & Pick<EngineDeps, "platformItems" | "resolve">;

export async function childrenPage(deps: ChildrenPageDeps, ctx: OrgContext, mapping: BirthMapping, cursor: string | undefined, apply: boolean, log: Logger): Promise<PageResult> {
  const age = childAgeFor(ctx.policy, ctx.jurisdiction);
  const fields: Record<string, string> = { dateOfBirth: mapping.birthDateField, ...(plainPath(mapping.parentalConsentField) ? { consent: mapping.parentalConsentField } : {}) };
  const page = await deps.platformItems.queryPage(
    target(deps, mapping),
    ctx.orgId,
    {
      // ISO dates compare as strings; the bound is loose by a day and each candidate is checked again.
      text: `SELECT ${projection(mapping, fields)} FROM c WHERE c.${mapping.orgField} = @orgId AND c.${mapping.birthDateField} > @bornAfter`,
      parameters: [
        { name: "@orgId", value: ctx.orgId },
        { name: "@bornAfter", value: bornAfter(age, ctx.now) },
      ],
    },
    { limit: deps.config.PRIVACY_SWEEP_PAGE_SIZE, ...(cursor === undefined ? {} : { continuationToken: cursor }) },
  );
  const counts: Counts = {};
  for (const item of page.items) {
    if (!isChild(item.dateOfBirth, age, ctx.now)) continue;
    bump(counts, "children");
    if (!identifiable(mapping, item)) {
      bump(counts, "unidentifiable");
      continue;
    }
    if (hasVerifiedConsent(item.consent)) {
      bump(counts, "consented");
      continue;
    }
    const keys = keysOf(deps.config, ctx, mapping, item);
    if (isHeld(ctx, mapping, keys.all)) {
      bump(counts, "held");
      continue;
    }
    const open = (await deps.requests.forSubject(ctx.orgId, [keys.primary], ["child-data"])).some((r) => !isTerminal(r.value.status));
    if (open) {
      bump(counts, "erasing");
      continue;
    }
    if (apply) await openChildErasure(deps, ctx, mapping, String(item.id), keys.primary, log);
    bump(counts, "erasureOpened");
  }
  return { counts, cursor: page.continuationToken };
}

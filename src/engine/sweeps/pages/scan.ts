import { eraseAfter, inactivityCutoff, noticeId, type RetentionNotice } from "../../../domain/retention.js";
import type { EngineDeps } from "../../deps.js";
import type { Logger } from "../../ports.js";
import type { RetentionMapping } from "../phases.js";
import type { OrgContext } from "../policy.js";
import { identifiable, isHeld, keysOf, projection, target } from "../subjects.js";
import { announce, type AnnounceDeps } from "./notice-effects.js";
import { bump, type Counts, type PageResult } from "./page-result.js";

// The retention run's scan of one mapped container: a range query for what has been inactive
// longer than the org's period, each subject not held and not noticed yet given a notice.

export type ScanPageDeps = AnnounceDeps & Pick<EngineDeps, "notices" | "platformItems" | "resolve" | "config">;

export async function scanPage(deps: ScanPageDeps, ctx: OrgContext, mapping: RetentionMapping, cursor: string | undefined, apply: boolean, runId: string, log: Logger): Promise<PageResult> {
  const cutoff = inactivityCutoff(ctx.policy, mapping.retentionPeriod, ctx.now);
  const page = await deps.platformItems.queryPage(
    target(deps, mapping),
    ctx.orgId,
    {
      text: `SELECT ${projection(mapping, { activityAt: mapping.activityField })} FROM c WHERE c.${mapping.orgField} = @orgId AND c.${mapping.activityField} < @cutoff`,
      parameters: [
        { name: "@orgId", value: ctx.orgId },
        { name: "@cutoff", value: cutoff },
      ],
    },
    { limit: deps.config.PRIVACY_SWEEP_PAGE_SIZE, ...(cursor === undefined ? {} : { continuationToken: cursor }) },
  );
  const counts: Counts = {};
  for (const item of page.items) {
    const activityAt = item.activityAt;
    if (typeof activityAt !== "string" || activityAt >= cutoff) continue;
    bump(counts, "inactive");
    if (!identifiable(mapping, item)) {
      bump(counts, "unidentifiable");
      continue;
    }
    const keys = keysOf(deps.config, ctx, mapping, item);
    if (isHeld(ctx, mapping, keys.all)) {
      bump(counts, "held");
      continue;
    }
    const id = noticeId(keys.primary);
    if ((await deps.notices.get(ctx.orgId, id)) !== undefined) {
      bump(counts, "alreadyNoticed");
      continue;
    }
    if (apply) {
      const notice: RetentionNotice = {
        id,
        orgId: ctx.orgId,
        type: "retention-notice",
        subjectKey: keys.primary,
        mapping: mapping.name,
        itemId: String(item.id),
        period: mapping.retentionPeriod,
        activityAt,
        noticedAt: ctx.now.toISOString(),
        eraseAfter: eraseAfter(ctx.policy, ctx.now),
        state: "noticed",
        runId,
      };
      // The event first: a crash before the notice exists leaves an event a rerun writes again
      // under the same id, never a notice nobody was told about.
      await announce(deps, notice, "retention.notice", "retention.noticed", { eraseAfter: notice.eraseAfter, period: notice.period });
      if (!(await deps.notices.create(notice))) {
        bump(counts, "alreadyNoticed");
        continue;
      }
      log.info("retention notice", { orgId: ctx.orgId, subjectKey: keys.primary, mapping: mapping.name, eraseAfter: notice.eraseAfter });
    }
    bump(counts, "noticed");
  }
  return { counts, cursor: page.continuationToken };
}

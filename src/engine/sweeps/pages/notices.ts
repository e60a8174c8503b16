import { isTerminal } from "../../../domain/lifecycle.js";
import { closeRequest } from "../../../domain/privacy-request.js";
import { decideNotice, inactivityCutoff } from "../../../domain/retention.js";
import { mutate } from "../../commit.js";
import type { EngineDeps } from "../../deps.js";
import type { Logger } from "../../ports.js";
import type { SubmitDeps } from "../../requests.js";
import { SWEEP_ACTOR } from "../callers.js";
import { retentionMappings, type RetentionMapping } from "../phases.js";
import type { OrgContext } from "../policy.js";
import { isHeld, keysOf, projection, target, type Item } from "../subjects.js";
import { openRetentionErasure } from "./erasures.js";
import { announce, type AnnounceDeps } from "./notice-effects.js";
import { bump, type Counts, type PageResult } from "./page-result.js";

// The retention run's first phase: the notices already given, each decided again against its
// subject as stored now. Renewed activity cancels a notice (and an erasure not started yet), a
// notice whose period ran out opens the erasure, one whose erasure ended is removed.

export type NoticesPageDeps = SubmitDeps & AnnounceDeps & Pick<EngineDeps, "notices" | "platformItems" | "resolve">;

export async function noticesPage(deps: NoticesPageDeps, ctx: OrgContext, cursor: string | undefined, apply: boolean, log: Logger): Promise<PageResult> {
  const limit = deps.config.PRIVACY_SWEEP_PAGE_SIZE;
  const notices = await deps.notices.after(ctx.orgId, cursor, limit);
  const counts: Counts = {};
  for (const versioned of notices) {
    const notice = versioned.value;
    const mapping = retentionMappings(deps.dataMap).find((m) => m.name === notice.mapping);
    const request = notice.requestId === undefined ? undefined : await deps.requests.get(notice.requestId);
    if (mapping === undefined || (notice.state === "erasing" && (request === undefined || isTerminal(request.value.status)))) {
      // The erasure ended (or the mapping left the map): the notice has done its work.
      if (apply) await deps.notices.remove(ctx.orgId, notice.id);
      bump(counts, "closed");
      continue;
    }
    // The subject as it is now, read just before deciding.
    const item = await currentItem(deps, ctx, mapping, notice.itemId);
    const held = item !== undefined && isHeld(ctx, mapping, keysOf(deps.config, ctx, mapping, item).all);
    const decision = decideNotice(notice, { exists: item !== undefined, activityAt: item?.activityAt }, inactivityCutoff(ctx.policy, mapping.retentionPeriod, ctx.now), held, ctx.now);
    if (notice.state === "erasing" && request !== undefined) {
      // An erasure not started yet is still pending: renewed activity cancels it too.
      if (decision !== "cancel" || request.value.status !== "queued") {
        bump(counts, "erasing");
        continue;
      }
      if (apply) {
        const cancelled = await mutate(deps, request.value.id, (current) =>
          current.value.status === "queued"
            ? closeRequest(current.value, { event: "cancel", detail: "activity renewed before the retention erasure started", now: ctx.now, actor: SWEEP_ACTOR, dueSoonDays: deps.config.PRIVACY_DUE_SOON_DAYS })
            : undefined,
          log,
        );
        if (cancelled.value.status !== "cancelled") {
          bump(counts, "erasing");
          continue;
        }
      }
    }
    switch (decision) {
      case "drop":
        if (apply) await deps.notices.remove(ctx.orgId, notice.id);
        bump(counts, "dropped");
        break;
      case "cancel":
        if (apply) {
          await announce(deps, notice, "retention.cancelled", "retention.cancelled", { noticedAt: notice.noticedAt });
          await deps.notices.remove(ctx.orgId, notice.id);
          log.info("retention notice cancelled: active again", { orgId: ctx.orgId, subjectKey: notice.subjectKey, mapping: mapping.name });
        }
        bump(counts, "cancelled");
        break;
      case "held":
      case "wait":
        bump(counts, decision === "held" ? "held" : "waiting");
        break;
      case "erase":
        if (apply) {
          const requestId = await openRetentionErasure(deps, ctx, mapping, notice, log);
          await deps.notices.replace({ ...notice, state: "erasing", requestId }, versioned.etag);
        }
        bump(counts, "erasureOpened");
        break;
    }
  }
  return { counts, cursor: notices.length < limit ? undefined : notices.at(-1)?.value.id };
}

/** A mapped item's id, activity and identifiers as stored now, or undefined when it is gone. */
async function currentItem(deps: Pick<EngineDeps, "platformItems" | "resolve">, ctx: OrgContext, mapping: RetentionMapping, itemId: string): Promise<Item | undefined> {
  const page = await deps.platformItems.queryPage(
    target(deps, mapping),
    ctx.orgId,
    {
      text: `SELECT ${projection(mapping, { activityAt: mapping.activityField })} FROM c WHERE c.${mapping.orgField} = @orgId AND c.id = @id`,
      parameters: [
        { name: "@orgId", value: ctx.orgId },
        { name: "@id", value: itemId },
      ],
    },
    { limit: 1 },
  );
  return page.items[0];
}

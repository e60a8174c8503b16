import { randomUUID } from "node:crypto";
import { authorize, mayActOnOrg, type Caller } from "../domain/access.js";
import { chainEntries } from "../domain/audit.js";
import type { ContainerMapping } from "../domain/data-map.js";
import { utcDate } from "../domain/deadlines.js";
import { coveringHold, type LegalHold } from "../domain/erasure.js";
import { EngineError, isExists, isStale, toEngineError } from "../domain/errors.js";
import type { EventType, OutboxEvent } from "../domain/events.js";
import { IDENTIFIER_KINDS, isUsableIdentifier, normalizeIdentifier, type IdentifierKind } from "../domain/identifiers.js";
import { isTerminal } from "../domain/lifecycle.js";
import { SubmitRequestBody, type Jurisdiction } from "../domain/request.js";
import {
  bornAfter,
  childAgeFor,
  decideNotice,
  eraseAfter,
  hasVerifiedConsent,
  inactivityCutoff,
  isChild,
  noticeId,
  policyFor,
  type RetentionNotice,
  type RetentionPeriod,
  type RetentionPolicy,
} from "../domain/retention.js";
import { orgKey, subjectKey } from "../domain/subject-key.js";
import { addCounts, leaseDecision, leasePartition, stepId, type LeaseDecision, type SweepKind, type SweepLease, type SweepRun, type SweepStep } from "../domain/sweep-run.js";
import type { Settings } from "../config/settings.js";
import type { Runtime } from "../runtime.js";
import { closeRequest } from "../domain/privacy-request.js";
import { mutate } from "./commit.js";
import type { Logger, SweepWorkMessage, Versioned } from "./ports.js";
import { submitRequest } from "./requests.js";

/**
 * The sweeps. Retention (daily): subjects whose activity field is older than the org's period get
 * a notice (an event, a notice document); after the notice period, if still inactive, they are
 * erased through the erasure pipeline (one request each, reason `retention`); renewed activity
 * removes the notice. Children (hourly, or on demand): contacts and users younger than the
 * jurisdiction's age without a verified parental consent are erased at once (child-data).
 *
 * A run fans out one work message per org. An org's step queries only what is inactive (or
 * young): a range query on the mapped field inside the org's partition, projecting ids and
 * identifiers, so its cost follows the inactive set, not the org's size. The step checkpoints
 * after every page and holds the org's lease, so an interrupted step continues where it stopped
 * and two runs never sweep one org at once. Every effect is idempotent besides: a notice is
 * created only where none exists, requests are opened under deterministic Idempotency-Keys.
 */

/** The system callers that open the sweeps' requests (attested by the sweep itself). */
export const RETENTION_CALLER: Caller = { id: "retention-sweep", kind: "principal", role: "privacy-admin", orgs: "*", engine: true };
export const CHILDREN_CALLER: Caller = { id: "children-sweep", kind: "principal", role: "privacy-admin", orgs: "*", engine: true };

export function defaultPolicy(settings: Settings): RetentionPolicy {
  return {
    contactInactivityMonths: settings.PRIVACY_CONTACT_INACTIVITY_MONTHS,
    accountInactivityMonths: settings.PRIVACY_ACCOUNT_INACTIVITY_MONTHS,
    noticeHours: settings.PRIVACY_RETENTION_NOTICE_HOURS,
    childAge: settings.PRIVACY_CHILD_AGE,
    childAgeByJurisdiction: settings.PRIVACY_CHILD_AGE_BY_JURISDICTION,
    packageExpiryDays: settings.PRIVACY_PACKAGE_EXPIRY_DAYS,
  };
}

// --- Phases: what a step walks through, page by page -------------------------------------------

type RetentionMapping = ContainerMapping & { readonly activityField: string; readonly retentionPeriod: RetentionPeriod };
type BirthMapping = ContainerMapping & { readonly birthDateField: string };

type Phase =
  | { readonly kind: "notices"; readonly name: "notices" }
  | { readonly kind: "scan"; readonly name: string; readonly mapping: RetentionMapping }
  | { readonly kind: "children"; readonly name: string; readonly mapping: BirthMapping };

const plainPath = (path: string | undefined): path is string => path !== undefined && !path.includes("[]");

/** The identifier kind a mapping's item id is (contactId, userId); none for the org itself. */
function idKindOf(mapping: ContainerMapping): IdentifierKind | undefined {
  const kind = mapping.keys.find((k) => k.path === "id")?.kind;
  return IDENTIFIER_KINDS.find((k) => k === kind);
}

function retentionMappings(rt: Runtime): RetentionMapping[] {
  return rt.dataMap.containers.filter(
    (m): m is RetentionMapping => plainPath(m.activityField) && m.retentionPeriod !== undefined && (m.retentionPeriod === "org" || idKindOf(m) !== undefined),
  );
}

function phasesOf(rt: Runtime, kind: SweepKind): Phase[] {
  if (kind === "retention") return [{ kind: "notices", name: "notices" }, ...retentionMappings(rt).map((mapping) => ({ kind: "scan" as const, name: mapping.name, mapping }))];
  return rt.dataMap.containers
    .filter((m): m is BirthMapping => plainPath(m.birthDateField) && idKindOf(m) !== undefined)
    .map((mapping) => ({ kind: "children" as const, name: mapping.name, mapping }));
}

// --- One org's context and the subjects of its items -------------------------------------------

interface OrgContext {
  readonly orgId: string;
  readonly policy: RetentionPolicy;
  readonly jurisdiction: Jurisdiction;
  readonly defaultCountry: string | undefined;
  readonly holds: readonly LegalHold[];
  readonly now: Date;
}

async function orgContext(rt: Runtime, orgId: string): Promise<OrgContext | undefined> {
  const org = await rt.orgs.get(orgId);
  if (org === undefined) return undefined;
  return {
    orgId,
    policy: policyFor(defaultPolicy(rt.settings), org.retention),
    jurisdiction: org.jurisdiction ?? "GDPR",
    defaultCountry: org.defaultCountry,
    holds: await rt.legalHolds.forOrg(orgId),
    now: rt.now(),
  };
}

/** The identifier fields of a mapping the query projects (as `i0`, `i1`...), to check holds by every key. */
function identifierFields(mapping: ContainerMapping): { alias: string; path: string; kind: "phone" | "email" }[] {
  return mapping.matches
    .filter((m): m is typeof m & { kind: "phone" | "email" } => (m.kind === "phone" || m.kind === "email") && plainPath(m.path))
    .map((m, i) => ({ alias: `i${String(i)}`, path: m.path, kind: m.kind }));
}

function projection(mapping: ContainerMapping, fields: Readonly<Record<string, string>>): string {
  const parts = ["c.id AS id", ...Object.entries(fields).map(([alias, path]) => `c.${path} AS ${alias}`), ...identifierFields(mapping).map((f) => `c.${f.path} AS ${f.alias}`)];
  return parts.join(", ");
}

type Item = Readonly<Record<string, unknown>>;

/** The key naming the item's subject, and every key its identifiers give (for legal holds). */
function keysOf(rt: Runtime, ctx: OrgContext, mapping: ContainerMapping, item: Item): { primary: string; all: Set<string> } {
  const secret = rt.settings.PRIVACY_SUBJECT_KEY_SECRET;
  const idKind = idKindOf(mapping);
  const primary = mapping.retentionPeriod === "org" || idKind === undefined ? orgKey(secret, ctx.orgId) : subjectKey(secret, ctx.orgId, idKind, String(item.id));
  const all = new Set([primary]);
  for (const field of identifierFields(mapping)) {
    const value = item[field.alias];
    if (typeof value !== "string") continue;
    // A placeholder ("", "n/a", zeros) or a stored value that is no phone number names no one a hold could name.
    const normalized = normalizeIdentifier(field.kind, value, ctx.defaultCountry);
    if (normalized !== undefined) all.add(subjectKey(secret, ctx.orgId, field.kind, normalized));
  }
  return { primary, all };
}

/** Whether the item's id can name a subject: an item whose id is a placeholder ("null", "-") gets no erasure of its own. */
function identifiable(mapping: ContainerMapping, item: Item): boolean {
  const idKind = idKindOf(mapping);
  return mapping.retentionPeriod === "org" || idKind === undefined || isUsableIdentifier(idKind, String(item.id));
}

function isHeld(ctx: OrgContext, mapping: ContainerMapping, keys: ReadonlySet<string>): boolean {
  if (mapping.retentionPeriod === "org") {
    // An org under any org-wide hold is not offboarded by a timer: people decide that one.
    const today = utcDate(ctx.now);
    return ctx.holds.some((h) => h.subjectKeys === undefined && (h.until === undefined || h.until >= today));
  }
  return coveringHold(ctx.holds, keys, mapping.category, ctx.now) !== undefined;
}

const target = (rt: Runtime, mapping: ContainerMapping) => ({ database: rt.resolve.database(mapping.database), container: mapping.container });

// --- Effects of a notice: an audit entry in the subject's retention chain and an event ----------

const SWEEP_ACTOR = { kind: "system", id: RETENTION_CALLER.id } as const;

async function announce(rt: Runtime, notice: RetentionNotice, type: EventType, action: string, data: Readonly<Record<string, string>>): Promise<void> {
  const scope = { requestId: `retention:${notice.orgId}:${notice.subjectKey}`, orgId: notice.orgId, subjectKey: notice.subjectKey };
  const at = rt.now().toISOString();
  // Event ids follow the inactivity noticed, so a step that runs a page again writes no second event.
  const event: OutboxEvent = { ...scope, id: `${scope.requestId}:${type}:${notice.activityAt}`, type, data: { mapping: notice.mapping, ...data }, createdAt: at, status: "pending" };
  await rt.outbox.write([event]);
  const last = (await rt.audit.listForRequest(scope.requestId)).at(-1);
  const { entries } = chainEntries(scope, last === undefined ? undefined : { seq: last.seq, hash: last.hash }, [{ at, actor: SWEEP_ACTOR, action, details: { mapping: notice.mapping, ...data } }]);
  await rt.audit.write(entries);
}

// --- Pages: each phase's page, applied or only counted (the preview) ---------------------------

interface PageResult {
  readonly counts: Record<string, number>;
  /** Where the phase continues; undefined when it is done. */
  readonly cursor: string | undefined;
}

type Counts = Record<string, number>;
const bump = (counts: Counts, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

async function noticesPage(rt: Runtime, ctx: OrgContext, cursor: string | undefined, apply: boolean, log: Logger): Promise<PageResult> {
  const limit = rt.settings.PRIVACY_SWEEP_PAGE_SIZE;
  const notices = await rt.notices.after(ctx.orgId, cursor, limit);
  const counts: Counts = {};
  for (const versioned of notices) {
    const notice = versioned.value;
    const mapping = retentionMappings(rt).find((m) => m.name === notice.mapping);
    const request = notice.requestId === undefined ? undefined : await rt.requests.get(notice.requestId);
    if (mapping === undefined || (notice.state === "erasing" && (request === undefined || isTerminal(request.value.status)))) {
      // The erasure ended (or the mapping left the map): the notice has done its work.
      if (apply) await rt.notices.remove(ctx.orgId, notice.id);
      bump(counts, "closed");
      continue;
    }
    // The subject as it is now, read just before deciding.
    const item = await currentItem(rt, ctx, mapping, notice.itemId);
    const held = item !== undefined && isHeld(ctx, mapping, keysOf(rt, ctx, mapping, item).all);
    const decision = decideNotice(notice, { exists: item !== undefined, activityAt: item?.activityAt }, inactivityCutoff(ctx.policy, mapping.retentionPeriod, ctx.now), held, ctx.now);
    if (notice.state === "erasing" && request !== undefined) {
      // An erasure not started yet is still pending: renewed activity cancels it too.
      if (decision !== "cancel" || request.value.status !== "queued") {
        bump(counts, "erasing");
        continue;
      }
      if (apply) {
        const cancelled = await mutate(rt, request.value.id, (current) =>
          current.value.status === "queued"
            ? closeRequest(current.value, { event: "cancel", detail: "activity renewed before the retention erasure started", now: ctx.now, actor: SWEEP_ACTOR, dueSoonDays: rt.settings.PRIVACY_DUE_SOON_DAYS })
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
        if (apply) await rt.notices.remove(ctx.orgId, notice.id);
        bump(counts, "dropped");
        break;
      case "cancel":
        if (apply) {
          await announce(rt, notice, "retention.cancelled", "retention.cancelled", { noticedAt: notice.noticedAt });
          await rt.notices.remove(ctx.orgId, notice.id);
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
          const requestId = await openRetentionErasure(rt, ctx, mapping, notice, log);
          await rt.notices.replace({ ...notice, state: "erasing", requestId }, versioned.etag);
        }
        bump(counts, "erasureOpened");
        break;
    }
  }
  return { counts, cursor: notices.length < limit ? undefined : notices.at(-1)?.value.id };
}

/** A mapped item's id, activity and identifiers as stored now, or undefined when it is gone. */
async function currentItem(rt: Runtime, ctx: OrgContext, mapping: RetentionMapping, itemId: string): Promise<Item | undefined> {
  const page = await rt.platformItems.queryPage(
    target(rt, mapping),
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

async function openRetentionErasure(rt: Runtime, ctx: OrgContext, mapping: RetentionMapping, notice: RetentionNotice, log: Logger): Promise<string> {
  const verification = { method: "attested", by: RETENTION_CALLER.id };
  const idKind = idKindOf(mapping);
  const body =
    mapping.retentionPeriod === "org" || idKind === undefined
      ? { type: "org-offboarding", orgId: ctx.orgId, confirmation: ctx.orgId, reason: "retention", verification }
      : { type: "erasure", orgId: ctx.orgId, subject: { [idKind]: notice.itemId }, reason: "retention", verification };
  // One request per notice: a rerun of this page finds the request it opened, never a second.
  const outcome = await submitRequest(rt, RETENTION_CALLER, SubmitRequestBody.parse(body), `retention:${notice.subjectKey}:${notice.noticedAt}`, log);
  log.info("retention erasure opened", { orgId: ctx.orgId, subjectKey: notice.subjectKey, requestId: outcome.request.id, type: outcome.request.type });
  return outcome.request.id;
}

async function scanPage(rt: Runtime, ctx: OrgContext, mapping: RetentionMapping, cursor: string | undefined, apply: boolean, runId: string, log: Logger): Promise<PageResult> {
  const cutoff = inactivityCutoff(ctx.policy, mapping.retentionPeriod, ctx.now);
  const page = await rt.platformItems.queryPage(
    target(rt, mapping),
    ctx.orgId,
    {
      text: `SELECT ${projection(mapping, { activityAt: mapping.activityField })} FROM c WHERE c.${mapping.orgField} = @orgId AND c.${mapping.activityField} < @cutoff`,
      parameters: [
        { name: "@orgId", value: ctx.orgId },
        { name: "@cutoff", value: cutoff },
      ],
    },
    { limit: rt.settings.PRIVACY_SWEEP_PAGE_SIZE, ...(cursor === undefined ? {} : { continuationToken: cursor }) },
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
    const keys = keysOf(rt, ctx, mapping, item);
    if (isHeld(ctx, mapping, keys.all)) {
      bump(counts, "held");
      continue;
    }
    const id = noticeId(keys.primary);
    if ((await rt.notices.get(ctx.orgId, id)) !== undefined) {
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
      await announce(rt, notice, "retention.notice", "retention.noticed", { eraseAfter: notice.eraseAfter, period: notice.period });
      if (!(await rt.notices.create(notice))) {
        bump(counts, "alreadyNoticed");
        continue;
      }
      log.info("retention notice", { orgId: ctx.orgId, subjectKey: keys.primary, mapping: mapping.name, eraseAfter: notice.eraseAfter });
    }
    bump(counts, "noticed");
  }
  return { counts, cursor: page.continuationToken };
}

async function childrenPage(rt: Runtime, ctx: OrgContext, mapping: BirthMapping, cursor: string | undefined, apply: boolean, log: Logger): Promise<PageResult> {
  const age = childAgeFor(ctx.policy, ctx.jurisdiction);
  const fields: Record<string, string> = { dateOfBirth: mapping.birthDateField, ...(plainPath(mapping.parentalConsentField) ? { consent: mapping.parentalConsentField } : {}) };
  const page = await rt.platformItems.queryPage(
    target(rt, mapping),
    ctx.orgId,
    {
      // ISO dates compare as strings; the bound is loose by a day and each candidate is checked again.
      text: `SELECT ${projection(mapping, fields)} FROM c WHERE c.${mapping.orgField} = @orgId AND c.${mapping.birthDateField} > @bornAfter`,
      parameters: [
        { name: "@orgId", value: ctx.orgId },
        { name: "@bornAfter", value: bornAfter(age, ctx.now) },
      ],
    },
    { limit: rt.settings.PRIVACY_SWEEP_PAGE_SIZE, ...(cursor === undefined ? {} : { continuationToken: cursor }) },
  );
  const counts: Counts = {};
  const idKind = idKindOf(mapping) ?? "contactId";
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
    const keys = keysOf(rt, ctx, mapping, item);
    if (isHeld(ctx, mapping, keys.all)) {
      bump(counts, "held");
      continue;
    }
    const open = (await rt.requests.forSubject(ctx.orgId, [keys.primary], ["child-data"])).some((r) => !isTerminal(r.value.status));
    if (open) {
      bump(counts, "erasing");
      continue;
    }
    if (apply) {
      const body = SubmitRequestBody.parse({
        type: "child-data",
        orgId: ctx.orgId,
        subject: { [idKind]: String(item.id) },
        reason: "child-data",
        verification: { method: "attested", by: CHILDREN_CALLER.id },
      });
      // One a day at most: an erasure that could not finish is tried again the next day.
      const outcome = await submitRequest(rt, CHILDREN_CALLER, body, `children:${keys.primary}:${utcDate(ctx.now)}`, log);
      log.info("child-data erasure opened", { orgId: ctx.orgId, subjectKey: keys.primary, requestId: outcome.request.id, mapping: mapping.name });
    }
    bump(counts, "erasureOpened");
  }
  return { counts, cursor: page.continuationToken };
}

function runPage(rt: Runtime, ctx: OrgContext, phase: Phase, cursor: string | undefined, apply: boolean, runId: string, log: Logger): Promise<PageResult> {
  switch (phase.kind) {
    case "notices":
      return noticesPage(rt, ctx, cursor, apply, log);
    case "scan":
      return scanPage(rt, ctx, phase.mapping, cursor, apply, runId, log);
    case "children":
      return childrenPage(rt, ctx, phase.mapping, cursor, apply, log);
  }
}

// --- Runs and steps ---------------------------------------------------------------------------

export type SweepTrigger = { readonly kind: "timer" } | { readonly kind: "on-demand"; readonly by: string; readonly orgId: string };

/** Starts a run: one step and one work message per org (every org, or the one asked for). */
export async function startSweep(rt: Runtime, kind: SweepKind, trigger: SweepTrigger, log: Logger): Promise<SweepRun> {
  const now = rt.now();
  const runId = `${kind}-${now.toISOString().replace(/[-:.]/g, "")}-${randomUUID().slice(0, 8)}`;
  const orgIds: string[] = [];
  if (trigger.kind === "on-demand") orgIds.push(trigger.orgId);
  else {
    let token: string | undefined;
    do {
      const page = await rt.orgs.idsPage({ limit: 500, ...(token === undefined ? {} : { continuationToken: token }) });
      orgIds.push(...page.items);
      token = page.continuationToken;
    } while (token !== undefined);
  }
  const run: SweepRun = {
    id: runId,
    runId,
    docType: "run",
    kind,
    trigger: trigger.kind,
    startedAt: now.toISOString(),
    orgs: orgIds.length,
    ...(trigger.kind === "on-demand" ? { by: trigger.by } : {}),
  };
  await rt.sweeps.createRun(run);
  for (const orgId of orgIds) {
    await rt.sweeps.createStep({ id: stepId(orgId), runId, docType: "step", kind, orgId, status: "pending", phase: 0, counts: {}, slices: 0 });
    await rt.work.enqueue({ sweep: kind, runId, orgId });
  }
  log.info("sweep started", { runId, kind, trigger: trigger.kind, orgs: orgIds.length });
  return run;
}

const addSeconds = (date: Date, seconds: number) => new Date(date.getTime() + seconds * 1000).toISOString();

async function takeLease(rt: Runtime, kind: SweepKind, orgId: string, me: { runId: string; owner: string }): Promise<{ decision: LeaseDecision; lease?: Versioned<SweepLease>; holder?: SweepLease }> {
  for (let attempt = 1; ; attempt += 1) {
    const current = await rt.sweeps.getLease(kind, orgId);
    const decision = leaseDecision(current?.value, me, rt.now());
    if (decision !== "take") return { decision, ...(current === undefined ? {} : { holder: current.value }) };
    const lease: SweepLease = {
      id: orgId,
      runId: leasePartition(kind),
      docType: "lease",
      orgId,
      kind,
      holderRunId: me.runId,
      owner: me.owner,
      expiresAt: addSeconds(rt.now(), rt.settings.PRIVACY_SWEEP_LEASE_SECONDS),
    };
    try {
      return { decision, lease: await rt.sweeps.putLease(lease, current?.etag) };
    } catch (thrown) {
      const error = toEngineError(thrown);
      // Someone took it between our read and our write: read again and decide again.
      if ((!isStale(error) && !isExists(error)) || attempt >= 3) throw error;
    }
  }
}

/** Runs one org's step of a run, from its checkpoint, for one slice of time. */
export async function runSweepStep(rt: Runtime, message: SweepWorkMessage, log: Logger): Promise<void> {
  const { sweep: kind, runId, orgId } = message;
  let step = await rt.sweeps.getStep(runId, orgId);
  if (step === undefined) {
    log.warn("sweep message for an unknown step dropped", { runId, orgId });
    return;
  }
  if (step.value.status === "done" || step.value.status === "skipped") return;
  const me = { runId, owner: `${runId}/${randomUUID()}` };
  const taken = await takeLease(rt, kind, orgId, me);
  if (taken.decision === "held-by-another-run") {
    // Another run sweeps this org right now; it covers what this run would do.
    await rt.sweeps.replaceStep({ ...step.value, status: "skipped", skippedReason: `run ${taken.holder?.holderRunId ?? "?"} was sweeping this org`, finishedAt: rt.now().toISOString() }, step.etag);
    log.info("sweep step skipped: another run holds the org", { runId, orgId, holder: taken.holder?.holderRunId });
    return;
  }
  if (taken.decision === "busy-in-this-run" || taken.lease === undefined) {
    // A copy of this message (or a holder that died) has the lease: try again once it lapses.
    const wait = Math.max(1, Math.ceil((Date.parse(taken.holder?.expiresAt ?? "") - rt.now().getTime()) / 1000) + 1);
    await rt.work.enqueue(message, { delaySeconds: Math.min(wait, rt.settings.PRIVACY_SWEEP_LEASE_SECONDS + 1) });
    log.info("sweep step busy elsewhere; retried later", { runId, orgId, delaySeconds: wait });
    return;
  }
  let lease: Versioned<SweepLease> = taken.lease;
  const release = async () => {
    try {
      await rt.sweeps.putLease({ ...lease.value, expiresAt: rt.now().toISOString() }, lease.etag);
    } catch (thrown) {
      log.warn("sweep lease not released; it lapses on its own", { runId, orgId, error: toEngineError(thrown).code });
    }
  };
  try {
    const startedAt = step.value.startedAt ?? rt.now().toISOString();
    step = await rt.sweeps.replaceStep({ ...step.value, status: "running", startedAt, slices: step.value.slices + 1 }, step.etag);
    const ctx = await orgContext(rt, orgId);
    const phases = ctx === undefined ? [] : phasesOf(rt, kind);
    const sliceEnds = Date.now() + rt.settings.PRIVACY_SWEEP_SLICE_MS;
    while (ctx !== undefined && step.value.phase < phases.length) {
      const phase = phases[step.value.phase];
      if (phase === undefined) break;
      if (Date.now() > sliceEnds) {
        await rt.work.enqueue(message);
        log.info("sweep step continues in a new message", { runId, orgId, phase: phase.name });
        await release();
        return;
      }
      const result = await runPage(rt, ctx, phase, step.value.cursor, true, runId, log);
      const { cursor: _previous, ...rest } = step.value;
      step = await rt.sweeps.replaceStep(
        {
          ...rest,
          phase: result.cursor === undefined ? step.value.phase + 1 : step.value.phase,
          ...(result.cursor === undefined ? {} : { cursor: result.cursor }),
          counts: addCounts(step.value.counts, result.counts),
          checkpointAt: rt.now().toISOString(),
        },
        step.etag,
      );
      // Renewed at every checkpoint; a stale ETag means the lease lapsed and someone took it.
      lease = await rt.sweeps.putLease({ ...lease.value, expiresAt: addSeconds(rt.now(), rt.settings.PRIVACY_SWEEP_LEASE_SECONDS) }, lease.etag);
    }
    const { cursor: _done, ...finished } = step.value;
    step = await rt.sweeps.replaceStep({ ...finished, status: "done", finishedAt: rt.now().toISOString(), ...(ctx === undefined ? { skippedReason: "org not found" } : {}) }, step.etag);
    await release();
    log.info("sweep step done", { runId, orgId, kind, ...step.value.counts });
  } catch (thrown) {
    const error = toEngineError(thrown);
    if (isStale(error)) {
      log.info("sweep step advanced elsewhere", { runId, orgId });
      return;
    }
    log.warn("sweep step failed; it continues from its checkpoint", { runId, orgId, error: error.code });
    await release();
    throw error;
  }
}

// --- Visibility: the preview and the runs ------------------------------------------------------

const orgNotFound = () => new EngineError("not-found", "Organization not found", { reason: "org-not-found" });

export interface RetentionPreview {
  readonly orgId: string;
  readonly asOf: string;
  readonly policy: RetentionPolicy;
  readonly childAge: number;
  /** Per phase (notices, then each mapped container): what a retention run would do now. */
  readonly retention: Readonly<Record<string, { readonly category: string; readonly cutoff?: string; readonly counts: Readonly<Record<string, number>> }>>;
  /** Per mapped container: the children a children's run would erase now. */
  readonly children: Readonly<Record<string, { readonly category: string; readonly counts: Readonly<Record<string, number>> }>>;
}

/** What the sweeps would notice and erase in an org now, by category; changes nothing. */
export async function previewRetention(rt: Runtime, caller: Caller, orgId: string, log: Logger): Promise<RetentionPreview> {
  authorize(caller, "sweep:read");
  if (!mayActOnOrg(caller, orgId)) throw orgNotFound();
  const ctx = await orgContext(rt, orgId);
  if (ctx === undefined) throw orgNotFound();
  const walk = async (phase: Phase): Promise<Record<string, number>> => {
    let counts: Record<string, number> = {};
    let cursor: string | undefined;
    do {
      const result = await runPage(rt, ctx, phase, cursor, false, "preview", log);
      counts = addCounts(counts, result.counts);
      cursor = result.cursor;
    } while (cursor !== undefined);
    return counts;
  };
  const retention: Record<string, RetentionPreview["retention"][string]> = {};
  for (const phase of phasesOf(rt, "retention")) {
    retention[phase.name] =
      phase.kind === "scan"
        ? { category: phase.mapping.category, cutoff: inactivityCutoff(ctx.policy, phase.mapping.retentionPeriod, ctx.now), counts: await walk(phase) }
        : { category: "notices", counts: await walk(phase) };
  }
  const children: Record<string, RetentionPreview["children"][string]> = {};
  for (const phase of phasesOf(rt, "children")) children[phase.name] = { category: phase.kind === "children" ? phase.mapping.category : "", counts: await walk(phase) };
  return { orgId, asOf: ctx.now.toISOString(), policy: ctx.policy, childAge: childAgeFor(ctx.policy, ctx.jurisdiction), retention, children };
}

export interface SweepRunView {
  readonly runId: string;
  readonly kind: SweepKind;
  readonly trigger: SweepRun["trigger"];
  readonly status: "running" | "done";
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly durationMs?: number;
  readonly orgs: number;
  readonly steps: Readonly<Record<SweepStep["status"], number>>;
  readonly counts: Readonly<Record<string, number>>;
  /** Each org's step: where it stands (phase and whether a cursor is kept), its counts and time. */
  readonly orgSteps: readonly {
    readonly orgId: string;
    readonly status: SweepStep["status"];
    readonly phase: string;
    readonly checkpoint: boolean;
    readonly slices: number;
    readonly counts: Readonly<Record<string, number>>;
    readonly checkpointAt?: string;
    readonly durationMs?: number;
    readonly skippedReason?: string;
  }[];
}

const ORG_STEPS_SHOWN = 50;

/** Recent runs, newest first, with what the caller's orgs' steps did. */
export async function listSweeps(rt: Runtime, caller: Caller, query: { readonly limit?: number; readonly kind?: SweepKind }): Promise<SweepRunView[]> {
  authorize(caller, "sweep:read");
  const runs = await rt.sweeps.recentRuns(query.limit ?? 20, query.kind);
  const views: SweepRunView[] = [];
  for (const run of runs) {
    const steps = (await rt.sweeps.steps(run.runId)).filter((s) => mayActOnOrg(caller, s.orgId));
    if (caller.orgs !== "*" && steps.length === 0) continue;
    const phases = phasesOf(rt, run.kind);
    const finished = steps.every((s) => s.status === "done" || s.status === "skipped");
    const ends = steps.flatMap((s) => (s.finishedAt === undefined ? [] : [s.finishedAt])).sort();
    const finishedAt = finished ? ends.at(-1) : undefined;
    const span = (from: string | undefined, to: string | undefined) => (from === undefined || to === undefined ? undefined : Date.parse(to) - Date.parse(from));
    const durationMs = span(run.startedAt, finishedAt);
    views.push({
      runId: run.runId,
      kind: run.kind,
      trigger: run.trigger,
      status: finished ? "done" : "running",
      startedAt: run.startedAt,
      ...(finishedAt === undefined ? {} : { finishedAt }),
      ...(durationMs === undefined ? {} : { durationMs }),
      orgs: steps.length,
      steps: {
        pending: steps.filter((s) => s.status === "pending").length,
        running: steps.filter((s) => s.status === "running").length,
        done: steps.filter((s) => s.status === "done").length,
        skipped: steps.filter((s) => s.status === "skipped").length,
      },
      counts: steps.reduce<Record<string, number>>((sum, s) => addCounts(sum, s.counts), {}),
      orgSteps: steps.slice(0, ORG_STEPS_SHOWN).map((s) => {
        const took = span(s.startedAt, s.finishedAt);
        return {
          orgId: s.orgId,
          status: s.status,
          phase: phases[s.phase]?.name ?? "done",
          checkpoint: s.cursor !== undefined,
          slices: s.slices,
          counts: s.counts,
          ...(s.checkpointAt === undefined ? {} : { checkpointAt: s.checkpointAt }),
          ...(took === undefined ? {} : { durationMs: took }),
          ...(s.skippedReason === undefined ? {} : { skippedReason: s.skippedReason }),
        };
      }),
    });
  }
  return views;
}

/** Starts a sweep of one org now (the children's sweep on demand, or a retention run). */
export async function sweepOrgNow(rt: Runtime, caller: Caller, kind: SweepKind, orgId: string, log: Logger): Promise<SweepRun> {
  authorize(caller, "sweep:run");
  if (!mayActOnOrg(caller, orgId) || (await rt.orgs.get(orgId)) === undefined) throw orgNotFound();
  return startSweep(rt, kind, { kind: "on-demand", by: caller.id, orgId }, log);
}

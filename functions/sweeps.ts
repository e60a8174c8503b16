import { z } from "zod";
import { OrgId } from "../src/domain/request.js";
import { SWEEP_KINDS } from "../src/domain/sweep-run.js";
import { listSweeps, previewRetention, sweepOrgNow } from "../src/engine/sweeps.js";
import type { EngineDeps } from "../src/engine/deps.js";
import type { HttpFunctionDefinition } from "../src/hosting/definition.js";
import { endpoint, json } from "../src/http/endpoint.js";
import { ProblemSchema } from "../src/http/problem.js";

// The sweeps' visibility: the retention preview, recent runs, and a sweep of one org on demand.

const problem = (description: string) => ({ description, body: ProblemSchema });
const OrgQuery = z.strictObject({ orgId: OrgId });
const ListSweepsQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).optional(), kind: z.enum(SWEEP_KINDS).optional() });
const KindParams = z.object({ kind: z.enum(SWEEP_KINDS) });
const Counts = z.record(z.string(), z.number().int());

const PreviewView = z
  .object({
    orgId: z.string(),
    asOf: z.string(),
    policy: z.object({
      contactInactivityMonths: z.number(),
      accountInactivityMonths: z.number(),
      noticeHours: z.number(),
      childAge: z.number(),
      childAgeByJurisdiction: z.record(z.string(), z.number()),
      packageExpiryDays: z.number(),
    }),
    childAge: z.number().describe("the age under which a person is a child in this org's jurisdiction"),
    retention: z
      .record(z.string(), z.object({ category: z.string(), cutoff: z.string().optional(), counts: Counts }))
      .describe("per phase: `notices` (wouldErase as erasureOpened, cancelled, waiting, held, erasing) and each mapped container (inactive, noticed, alreadyNoticed, held)"),
    children: z.record(z.string(), z.object({ category: z.string(), counts: Counts })).describe("per mapped container: children, consented, held, erasing, erasureOpened"),
  })
  .meta({ id: "RetentionPreview" });

const RunView = z
  .object({
    runId: z.string(),
    kind: z.enum(SWEEP_KINDS),
    trigger: z.enum(["timer", "on-demand"]),
    status: z.enum(["running", "done"]),
    startedAt: z.string(),
    finishedAt: z.string().optional(),
    durationMs: z.number().optional(),
    orgs: z.number().int(),
    steps: z.object({ pending: z.number(), running: z.number(), done: z.number(), skipped: z.number() }),
    counts: Counts,
    orgSteps: z.array(
      z.object({
        orgId: z.string(),
        status: z.enum(["pending", "running", "done", "skipped"]),
        phase: z.string(),
        checkpoint: z.boolean(),
        slices: z.number().int(),
        counts: Counts,
        checkpointAt: z.string().optional(),
        durationMs: z.number().optional(),
        skippedReason: z.string().optional(),
      }),
    ),
  })
  .meta({ id: "SweepRun" });

const StartedView = z.object({ runId: z.string(), kind: z.enum(SWEEP_KINDS), trigger: z.literal("on-demand"), startedAt: z.string(), orgs: z.number() }).meta({ id: "SweepStarted" });

export function sweepHandlers(deps: EngineDeps) {
  const previewRetentionHandler = endpoint(deps, {
    action: "sweep:read",
    query: OrgQuery,
    handle: async ({ caller, query, deps, log }) => json(200, await previewRetention(deps, caller, query.orgId, log)),
  });

  const listSweepsHandler = endpoint(deps, {
    action: "sweep:read",
    query: ListSweepsQuery,
    handle: async ({ caller, query, deps }) => json(200, { items: await listSweeps(deps, caller, query) }),
  });

  const sweepOrgHandler = endpoint(deps, {
    action: "sweep:run",
    params: KindParams,
    query: OrgQuery,
    handle: async ({ caller, params, query, deps, log }) => {
      const run = await sweepOrgNow(deps, caller, params.kind, query.orgId, log);
      return json(202, { runId: run.runId, kind: run.kind, trigger: "on-demand", startedAt: run.startedAt, orgs: run.orgs });
    },
  });

  return { previewRetentionHandler, listSweepsHandler, sweepOrgHandler };
}

export type SweepHandlers = ReturnType<typeof sweepHandlers>;

export function sweepFunctions(deps: EngineDeps, h: SweepHandlers = sweepHandlers(deps)): readonly HttpFunctionDefinition[] {
  return [
    {
      kind: "http",
      name: "sweeps-retention-preview",
      methods: ["POST"],
      route: "sweeps/retention/preview",
      handler: h.previewRetentionHandler,
      doc: {
        summary: "What the retention and children's sweeps would notice and erase in an org now, by category; changes nothing",
        tags: ["sweeps"],
        query: OrgQuery,
        responses: { 200: { description: "Preview", body: PreviewView }, 400: problem("Invalid query"), 401: problem("No or bad credentials"), 403: problem("Role may not read sweeps"), 404: problem("Unknown org, or one the caller may not act on") },
      },
    },
    {
      kind: "http",
      name: "sweeps-list",
      methods: ["GET"],
      route: "sweeps",
      handler: h.listSweepsHandler,
      doc: {
        summary: "Recent sweep runs, newest first, with counts, durations and each org's checkpoint",
        tags: ["sweeps"],
        query: ListSweepsQuery,
        responses: { 200: { description: "Runs", body: z.object({ items: z.array(RunView) }) }, 400: problem("Invalid query"), 401: problem("No or bad credentials"), 403: problem("Role may not read sweeps") },
      },
    },
    {
      kind: "http",
      name: "sweeps-run",
      methods: ["POST"],
      route: "sweeps/{kind}",
      handler: h.sweepOrgHandler,
      doc: {
        summary: "Sweep one org now (children: erase its children's data without notice; retention: notice and erase as the daily run would)",
        tags: ["sweeps"],
        params: { kind: z.enum(SWEEP_KINDS) },
        query: OrgQuery,
        responses: { 202: { description: "Run started; it proceeds through the work queue", body: StartedView }, 400: problem("Invalid query"), 401: problem("No or bad credentials"), 403: problem("Role may not start sweeps"), 404: problem("Unknown org or kind") },
      },
    },
  ];
}

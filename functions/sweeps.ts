import { z } from "zod";
import { OrgId } from "../src/domain/request.js";
import { SWEEP_KINDS } from "../src/domain/sweep-run.js";
import { listSweeps, previewRetention, sweepOrgNow } from "../src/engine/sweeps.js";
import type { EngineDeps } from "../src/engine/deps.js";
import type { HttpFunctionDefinition } from "../src/hosting/definition.js";
import { endpoint, json } from "../src/http/endpoint.js";
import { ProblemSchema, SERVER_FAULTS } from "../src/http/problem.js";
import { RetentionPreviewView, SweepRunList, SweepStartedView, toRetentionPreviewView, toSweepRunList, toSweepStartedView } from "../src/http/sweep-view.js";

// The sweeps' visibility: the retention preview, recent runs, and a sweep of one org on demand.

const problem = (description: string) => ({ description, body: ProblemSchema });
const OrgQuery = z.strictObject({ orgId: OrgId });
const ListSweepsQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).optional(), kind: z.enum(SWEEP_KINDS).optional() });
const KindParams = z.object({ kind: z.enum(SWEEP_KINDS) });

export function sweepHandlers(deps: EngineDeps) {
  const previewRetentionHandler = endpoint(deps, {
    action: "sweep:read",
    query: OrgQuery,
    handle: async ({ caller, query, deps, log }) => json(200, toRetentionPreviewView(await previewRetention(deps, caller, query.orgId, log))),
  });

  const listSweepsHandler = endpoint(deps, {
    action: "sweep:read",
    query: ListSweepsQuery,
    handle: async ({ caller, query, deps }) => json(200, toSweepRunList(await listSweeps(deps, caller, query))),
  });

  const sweepOrgHandler = endpoint(deps, {
    action: "sweep:run",
    params: KindParams,
    query: OrgQuery,
    handle: async ({ caller, params, query, deps, log }) => {
      const run = await sweepOrgNow(deps, caller, params.kind, query.orgId, log);
      return json(202, toSweepStartedView(run));
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
        responses: { 200: { description: "Preview", body: RetentionPreviewView }, ...SERVER_FAULTS, 400: problem("Invalid query"), 401: problem("No or bad credentials"), 403: problem("Role may not read sweeps"), 404: problem("Unknown org, or one the caller may not act on") },
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
        responses: { 200: { description: "Runs", body: SweepRunList }, ...SERVER_FAULTS, 400: problem("Invalid query"), 401: problem("No or bad credentials"), 403: problem("Role may not read sweeps") },
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
        responses: { 202: { description: "Run started; it proceeds through the work queue", body: SweepStartedView }, ...SERVER_FAULTS, 400: problem("Invalid query"), 401: problem("No or bad credentials"), 403: problem("Role may not start sweeps"), 404: problem("Unknown org or kind") },
      },
    },
  ];
}

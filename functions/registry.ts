import { z } from "zod";
import { LegalHoldBody, LegalHoldsQuery, liftHold, listHolds, placeHold } from "../src/engine/legal-holds.js";
import type { HttpFunctionDefinition } from "../src/hosting/definition.js";
import { endpoint, json } from "../src/http/endpoint.js";
import { ProblemSchema } from "../src/http/problem.js";
import { OrgId } from "../src/domain/request.js";

/** Legal holds: the org registry entries that erasure must respect. */
const problem = (description: string) => ({ description, body: ProblemSchema });
const HoldView = z
  .object({
    id: z.string(),
    orgId: z.string(),
    subjectKeys: z.array(z.string()).optional(),
    category: z.string().optional(),
    reason: z.string(),
    until: z.string().optional(),
    createdAt: z.string().optional(),
    createdBy: z.string().optional(),
  })
  .meta({ id: "LegalHold" });
const HoldParams = z.object({ orgId: OrgId, holdId: z.uuid() });

export const placeHoldHandler = endpoint({
  action: "registry:write",
  body: LegalHoldBody,
  handle: async ({ caller, body, rt }) => json(201, await placeHold(rt, caller, body)),
});

export const listHoldsHandler = endpoint({
  action: "request:read",
  query: LegalHoldsQuery,
  handle: async ({ caller, query, rt }) => json(200, { items: await listHolds(rt, caller, query.orgId) }),
});

export const liftHoldHandler = endpoint({
  action: "registry:write",
  params: HoldParams,
  handle: async ({ caller, params, rt }) => {
    await liftHold(rt, caller, params.orgId, params.holdId);
    return { status: 204 };
  },
});

export const registryFunctions: readonly HttpFunctionDefinition[] = [
  {
    kind: "http",
    name: "legal-holds-place",
    methods: ["POST"],
    route: "legal-holds",
    handler: placeHoldHandler,
    doc: {
      summary: "Place a legal hold on a subject, a category, or both (privacy-admin)",
      tags: ["registry"],
      body: LegalHoldBody,
      responses: { 201: { description: "Placed", body: HoldView }, 400: problem("Invalid body"), 401: problem("No or bad credentials"), 403: problem("Not a privacy-admin"), 404: problem("Unknown org") },
    },
  },
  {
    kind: "http",
    name: "legal-holds-list",
    methods: ["GET"],
    route: "legal-holds",
    handler: listHoldsHandler,
    doc: {
      summary: "An org's legal holds",
      tags: ["registry"],
      query: LegalHoldsQuery,
      responses: { 200: { description: "Holds", body: z.object({ items: z.array(HoldView) }) }, 400: problem("Invalid query"), 401: problem("No or bad credentials"), 403: problem("Role may not read") },
    },
  },
  {
    kind: "http",
    name: "legal-holds-lift",
    methods: ["DELETE"],
    route: "legal-holds/{orgId}/{holdId}",
    handler: liftHoldHandler,
    doc: {
      summary: "Lift a legal hold (privacy-admin)",
      tags: ["registry"],
      params: { orgId: OrgId, holdId: z.uuid() },
      responses: { 204: { description: "Lifted" }, 401: problem("No or bad credentials"), 403: problem("Not a privacy-admin"), 404: problem("No such hold") },
    },
  },
];

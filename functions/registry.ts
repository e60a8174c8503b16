import { z } from "zod";
import { LegalHoldBody, LegalHoldsQuery, liftHold, listHolds, placeHold } from "../src/engine/legal-holds.js";
import { SubjectStatusQuery, subjectStatus } from "../src/engine/subject-status.js";
import type { EngineDeps } from "../src/engine/deps.js";
import type { HttpFunctionDefinition } from "../src/hosting/definition.js";
import { endpoint, json } from "../src/http/endpoint.js";
import { ProblemSchema, SERVER_FAULTS } from "../src/http/problem.js";
import { LegalHoldList, LegalHoldView, SubjectStatusView, toLegalHoldList, toLegalHoldView, toSubjectStatusView } from "../src/http/registry-view.js";
import { OrgId } from "../src/domain/request.js";

// Legal holds: the org registry entries that erasure must respect.

const problem = (description: string) => ({ description, body: ProblemSchema });
const HoldParams = z.object({ orgId: OrgId, holdId: z.uuid() });

export function registryHandlers(deps: EngineDeps) {
  const subjectStatusHandler = endpoint(deps, {
    action: "status:read",
    query: SubjectStatusQuery,
    handle: async ({ caller, query, deps }) => json(200, toSubjectStatusView(await subjectStatus(deps, caller, query)), { "cache-control": "no-store" }),
  });

  const placeHoldHandler = endpoint(deps, {
    action: "registry:write",
    body: LegalHoldBody,
    handle: async ({ caller, body, deps }) => json(201, toLegalHoldView(await placeHold(deps, caller, body))),
  });

  const listHoldsHandler = endpoint(deps, {
    action: "request:read",
    query: LegalHoldsQuery,
    handle: async ({ caller, query, deps }) => json(200, toLegalHoldList(await listHolds(deps, caller, query.orgId))),
  });

  const liftHoldHandler = endpoint(deps, {
    action: "registry:write",
    params: HoldParams,
    handle: async ({ caller, params, deps }) => {
      await liftHold(deps, caller, params.orgId, params.holdId);
      return { status: 204 };
    },
  });

  return { subjectStatusHandler, placeHoldHandler, listHoldsHandler, liftHoldHandler };
}

export type RegistryHandlers = ReturnType<typeof registryHandlers>;

export function registryFunctions(deps: EngineDeps, h: RegistryHandlers = registryHandlers(deps)): readonly HttpFunctionDefinition[] {
  return [
    {
      kind: "http",
      name: "subjects-status",
      methods: ["GET"],
      route: "subjects/status",
      handler: h.subjectStatusHandler,
      doc: {
        summary: "What other services may do with a subject's data: restriction, suppressed purposes, legal holds (one identifier, hashed for the lookup)",
        tags: ["registry"],
        query: SubjectStatusQuery,
        responses: {
          200: { description: "The subject's status (an unknown subject: nothing restricted or suppressed)", body: SubjectStatusView },
          ...SERVER_FAULTS,
          400: problem("Invalid query"),
          401: problem("No or bad credentials"),
          403: problem("Role may not read statuses"),
          404: problem("An unknown org, or one the caller may not act on"),
        },
      },
    },
    {
      kind: "http",
      name: "legal-holds-place",
      methods: ["POST"],
      route: "legal-holds",
      handler: h.placeHoldHandler,
      doc: {
        summary: "Place a legal hold on a subject, a category, or both (privacy-admin)",
        tags: ["registry"],
        body: LegalHoldBody,
        responses: { 201: { description: "Placed", body: LegalHoldView }, 400: problem("Invalid body"), 413: problem("Body over 64 KB"), 415: problem("Not application/json"), ...SERVER_FAULTS, 401: problem("No or bad credentials"), 403: problem("Not a privacy-admin"), 404: problem("Unknown org") },
      },
    },
    {
      kind: "http",
      name: "legal-holds-list",
      methods: ["GET"],
      route: "legal-holds",
      handler: h.listHoldsHandler,
      doc: {
        summary: "An org's legal holds",
        tags: ["registry"],
        query: LegalHoldsQuery,
        responses: { 200: { description: "Holds", body: LegalHoldList }, ...SERVER_FAULTS, 400: problem("Invalid query"), 401: problem("No or bad credentials"), 403: problem("Role may not read") },
      },
    },
    {
      kind: "http",
      name: "legal-holds-lift",
      methods: ["DELETE"],
      route: "legal-holds/{orgId}/{holdId}",
      handler: h.liftHoldHandler,
      doc: {
        summary: "Lift a legal hold (privacy-admin)",
        tags: ["registry"],
        params: { orgId: OrgId, holdId: z.uuid() },
        responses: { 204: { description: "Lifted" }, ...SERVER_FAULTS, 401: problem("No or bad credentials"), 403: problem("Not a privacy-admin"), 404: problem("No such hold") },
      },
    },
  ];
}

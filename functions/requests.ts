import { z } from "zod";
import {
  CancelBody,
  EmptyBody,
  ExtendBody,
  LiftBody,
  ListRequestsQuery,
  RejectBody,
  RequestIdParam,
  SubmitRequestBody,
  VerifyBody,
} from "../src/domain/request.js";
import { AttestBody, type PrivacyRequestRecord } from "../src/domain/privacy-request.js";
import { EngineError } from "../src/domain/errors.js";
import { CertificateSchema, parseCertificateBody } from "../src/domain/certificate.js";
import {
  auditTrail,
  certificateOf,
  checkCertificate,
  cancel,
  extend,
  getRequest,
  issueVerificationCode,
  listRequests,
  liftRestriction,
  reject,
  submitRequest,
  verifyRequest,
} from "../src/engine/requests.js";
import { attestRequest } from "../src/engine/attest.js";
import { issuePackageLink } from "../src/engine/package-link.js";
import type { EngineDeps } from "../src/engine/deps.js";
import type { HttpFunctionDefinition } from "../src/hosting/definition.js";
import { endpoint, json } from "../src/http/endpoint.js";
import { ProblemSchema, SERVER_FAULTS } from "../src/http/problem.js";
import {
  AuditTrailView,
  CertificateCheckView,
  PackageLinkView,
  RequestPage,
  RequestView,
  toAuditTrailView,
  toPackageLinkView,
  toRequestPage,
  toRequestView,
} from "../src/http/request-view.js";

// The request API: intake, verification (by code or by attestation), deadlines, closing and the audit trail.

const IdParams = z.object({ id: RequestIdParam });
const IdempotencyKey = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces");

const view = (deps: Pick<EngineDeps, "now" | "config">, record: PrivacyRequestRecord) => toRequestView(record, deps.now(), deps.config.PRIVACY_DUE_SOON_DAYS);
const problem = (description: string) => ({ description, body: ProblemSchema });
const common = {
  401: problem("No or bad credentials"),
  403: problem("The caller's role may not do this"),
  ...SERVER_FAULTS,
};
/** What reading a JSON body may answer (see `endpoint`). */
const bodyFaults = { 400: problem("Invalid body"), 413: problem("Body over 64 KB"), 415: problem("Not application/json") };
const onRequest = {
  ...common,
  404: problem("No such request, or it belongs to an org the caller may not act on"),
  409: problem("The request's state does not allow this (illegal transition)"),
};
const idParam = { id: RequestIdParam };

export function requestHandlers(deps: EngineDeps) {
  const submitRequestHandler = endpoint(deps, {
    action: "request:open",
    body: SubmitRequestBody,
    handle: async ({ caller, body, request, deps, log }) => {
      const header = request.headers.get("idempotency-key");
      const key = header === null ? undefined : IdempotencyKey.safeParse(header);
      if (key !== undefined && !key.success) {
        throw new EngineError("validation", "The Idempotency-Key header is not valid", {
          reason: "invalid-input",
          fields: [{ path: "header.idempotency-key", message: key.error.issues[0]?.message ?? "invalid" }],
        });
      }
      const outcome = await submitRequest(deps, caller, body, key?.data, log);
      const shown = view(deps, outcome.request);
      return json(outcome.created ? 201 : 200, shown, { location: shown.links.self ?? "" });
    },
  });

  const listRequestsHandler = endpoint(deps, {
    action: "request:read",
    query: ListRequestsQuery,
    handle: async ({ caller, query, deps }) => {
      const page = await listRequests(deps, caller, query);
      return json(200, toRequestPage(page.items.map((r) => view(deps, r)), page.continuationToken));
    },
  });

  const getRequestHandler = endpoint(deps, {
    action: "request:read",
    params: IdParams,
    handle: async ({ caller, params, deps }) => json(200, view(deps, await getRequest(deps, caller, params.id))),
  });

  const issueVerificationHandler = endpoint(deps, {
    action: "request:verify",
    params: IdParams,
    body: EmptyBody,
    handle: async ({ caller, params, deps, log }) => {
      const record = await issueVerificationCode(deps, caller, params.id, log);
      return json(202, view(deps, record));
    },
  });

  const verifyHandler = endpoint(deps, {
    action: "request:verify",
    params: IdParams,
    body: VerifyBody,
    handle: async ({ caller, params, body, deps, log }) => json(200, view(deps, await verifyRequest(deps, caller, params.id, body.code, log))),
  });

  const attestHandler = endpoint(deps, {
    action: "request:verify",
    params: IdParams,
    body: AttestBody,
    handle: async ({ caller, params, body, deps, log }) => json(200, view(deps, await attestRequest(deps, caller, params.id, body.by, log))),
  });

  const extendHandler = endpoint(deps, {
    action: "request:extend",
    params: IdParams,
    body: ExtendBody,
    handle: async ({ caller, params, body, deps, log }) => json(200, view(deps, await extend(deps, caller, params.id, body.reason, log))),
  });

  const rejectHandler = endpoint(deps, {
    action: "request:reject",
    params: IdParams,
    body: RejectBody,
    handle: async ({ caller, params, body, deps, log }) =>
      json(200, view(deps, await reject(deps, caller, params.id, body.reason, body.detail, log))),
  });

  const cancelHandler = endpoint(deps, {
    action: "request:cancel",
    params: IdParams,
    body: CancelBody,
    handle: async ({ caller, params, body, deps, log }) => json(200, view(deps, await cancel(deps, caller, params.id, body.reason, log))),
  });

  const liftHandler = endpoint(deps, {
    action: "request:lift",
    params: IdParams,
    body: LiftBody,
    handle: async ({ caller, params, body, deps, log }) => json(202, view(deps, await liftRestriction(deps, caller, params.id, body.reason, log))),
  });

  const auditHandler = endpoint(deps, {
    action: "audit:read",
    params: IdParams,
    handle: async ({ caller, params, deps }) => json(200, toAuditTrailView(await auditTrail(deps, caller, params.id))),
  });

  const packageLinkHandler = endpoint(deps, {
    action: "package:link",
    params: IdParams,
    handle: async ({ caller, params, deps, log }) =>
      // A bearer credential: not to be kept by caches or proxies on the way.
      json(200, toPackageLinkView(await issuePackageLink(deps, caller, params.id, log)), { "cache-control": "no-store" }),
  });

  const certificateHandler = endpoint(deps, {
    action: "request:read",
    params: IdParams,
    handle: async ({ caller, params, deps }) => json(200, await certificateOf(deps, caller, params.id)),
  });

  const verifyCertificateHandler = endpoint(deps, {
    action: "request:read",
    // Parsed here, not by the endpoint, so a 400 says what the body must be and which fields are missing.
    body: z.unknown(),
    handle: ({ caller, body, deps }) => {
      const check: CertificateCheckView = checkCertificate(deps, caller, parseCertificateBody(body));
      return Promise.resolve(json(200, check));
    },
  });

  return { submitRequestHandler, listRequestsHandler, getRequestHandler, issueVerificationHandler, verifyHandler, attestHandler, extendHandler, rejectHandler, cancelHandler, liftHandler, auditHandler, packageLinkHandler, certificateHandler, verifyCertificateHandler };
}

export type RequestHandlers = ReturnType<typeof requestHandlers>;

export function requestFunctions(deps: EngineDeps, h: RequestHandlers = requestHandlers(deps)): readonly HttpFunctionDefinition[] {
  return [
    {
      kind: "http",
      name: "requests-submit",
      methods: ["POST"],
      route: "requests",
      handler: h.submitRequestHandler,
      doc: {
        summary: "Open a data-subject request",
        tags: ["requests"],
        body: SubmitRequestBody,
        headers: { "Idempotency-Key": { description: "Same key and body return the same request (200); same key, other body is a 409" } },
        responses: {
          201: { description: "Opened", body: RequestView },
          200: { description: "Replayed by Idempotency-Key", body: RequestView },
          400: problem("Invalid body or identifier"),
          ...common,
          404: problem("Unknown org, or one the caller may not act on"),
          409: problem("Idempotency-Key reused with another body"),
          413: problem("Body over 64 KB"),
          415: problem("Not application/json"),
        },
      },
    },
    {
      kind: "http",
      name: "requests-list",
      methods: ["GET"],
      route: "requests",
      handler: h.listRequestsHandler,
      doc: {
        summary: "List requests, newest first, paged",
        tags: ["requests"],
        query: ListRequestsQuery,
        responses: { 200: { description: "A page of requests", body: RequestPage }, 400: problem("Invalid query"), ...common },
      },
    },
    {
      kind: "http",
      name: "requests-get",
      methods: ["GET"],
      route: "requests/{id}",
      handler: h.getRequestHandler,
      doc: { summary: "Read a request", tags: ["requests"], params: idParam, responses: { 200: { description: "The request", body: RequestView }, ...onRequest } },
    },
    {
      kind: "http",
      name: "requests-issue-verification",
      methods: ["POST"],
      route: "requests/{id}/verification",
      handler: h.issueVerificationHandler,
      doc: {
        summary: "Issue a verification code to the requester (sent by the messaging service; never in a response)",
        tags: ["verification"],
        params: idParam,
        body: EmptyBody,
        responses: { 202: { description: "Code issued", body: RequestView }, ...bodyFaults, ...onRequest },
      },
    },
    {
      kind: "http",
      name: "requests-verify",
      methods: ["POST"],
      route: "requests/{id}/verify",
      handler: h.verifyHandler,
      doc: {
        summary: "Check the requester's verification code",
        tags: ["verification"],
        params: idParam,
        body: VerifyBody,
        responses: { 200: { description: "Verified; the request is queued", body: RequestView }, ...bodyFaults, 400: problem("Wrong code"), ...onRequest },
      },
    },
    {
      kind: "http",
      name: "requests-attest",
      methods: ["POST"],
      route: "requests/{id}/attest",
      handler: h.attestHandler,
      doc: {
        summary:
          "Attest the requester's identity later (the roles of PRIVACY_ATTESTING_ROLES): the request is verified and queued as if it had been opened attested; the audit holds a keyed digest of `by`, never its words",
        tags: ["verification"],
        params: idParam,
        body: AttestBody,
        responses: {
          200: { description: "Verified by attestation; the request is queued", body: RequestView },
          ...bodyFaults,
          ...onRequest,
          403: problem("The caller's role may not do this, or may not attest a requester's identity (reason attestation-forbidden: PRIVACY_ATTESTING_ROLES)"),
          409: problem("The request is not awaiting verification (reason not-awaiting-verification), or its org requires requests of this type to be verified by code (reason code-verification-required)"),
        },
      },
    },
    {
      kind: "http",
      name: "requests-extend",
      methods: ["POST"],
      route: "requests/{id}/extend",
      handler: h.extendHandler,
      doc: {
        summary: "Extend the deadline once, before the original due date, within the jurisdiction's limit",
        tags: ["requests"],
        params: idParam,
        body: ExtendBody,
        responses: { 200: { description: "Extended", body: RequestView }, ...bodyFaults, ...onRequest },
      },
    },
    {
      kind: "http",
      name: "requests-reject",
      methods: ["POST"],
      route: "requests/{id}/reject",
      handler: h.rejectHandler,
      doc: {
        summary: "Reject a request with a reason",
        tags: ["requests"],
        params: idParam,
        body: RejectBody,
        responses: { 200: { description: "Rejected", body: RequestView }, ...bodyFaults, ...onRequest },
      },
    },
    {
      kind: "http",
      name: "requests-cancel",
      methods: ["POST"],
      route: "requests/{id}/cancel",
      handler: h.cancelHandler,
      doc: {
        summary: "Cancel a request",
        tags: ["requests"],
        params: idParam,
        body: CancelBody,
        responses: { 200: { description: "Cancelled", body: RequestView }, ...bodyFaults, ...onRequest },
      },
    },
    {
      kind: "http",
      name: "requests-lift",
      methods: ["POST"],
      route: "requests/{id}/lift",
      handler: h.liftHandler,
      doc: {
        summary: "Lift a restriction (Art. 18(3)): the subject is told first, then the markers come off",
        tags: ["requests"],
        params: idParam,
        body: LiftBody,
        responses: { 202: { description: "Lift notice sent; the markers come off in the background", body: RequestView }, ...bodyFaults, ...onRequest },
      },
    },
    {
      kind: "http",
      name: "requests-certificate",
      methods: ["GET"],
      route: "requests/{id}/certificate",
      handler: h.certificateHandler,
      doc: {
        summary: "The signed certificate of a completed erasure (no personal data)",
        tags: ["erasure"],
        params: idParam,
        responses: { 200: { description: "Certificate", body: CertificateSchema }, ...onRequest },
      },
    },
    {
      kind: "http",
      name: "certificates-verify",
      methods: ["POST"],
      route: "certificates/verify",
      handler: h.verifyCertificateHandler,
      doc: {
        summary: "Check a certificate's signature",
        tags: ["erasure"],
        body: CertificateSchema,
        responses: { 200: { description: "Whether the signature verifies", body: CertificateCheckView }, ...bodyFaults, 400: problem("Not a certificate: the body must be the certificate as GET /api/requests/{id}/certificate returns it; the detail lists the missing field paths (reason invalid-input)"), ...common },
      },
    },
    {
      kind: "http",
      name: "requests-package",
      methods: ["GET"],
      route: "requests/{id}/package",
      handler: h.packageLinkHandler,
      doc: {
        summary:
          "Hand over a read link to the access or portability package (privacy-admin, privacy-operator): freshly signed, expiring with the package; each issue is audited, never the link",
        tags: ["requests"],
        params: idParam,
        responses: {
          200: { description: "A read-only link to exactly this package", body: PackageLinkView },
          ...onRequest,
          403: problem("The caller's role may not be handed package links (auditor, service)"),
          409: problem("The request has no package yet (reason no-package), or it has expired or been deleted (reason package-expired)"),
        },
      },
    },
    {
      kind: "http",
      name: "requests-audit",
      methods: ["GET"],
      route: "requests/{id}/audit",
      handler: h.auditHandler,
      doc: {
        summary: "The request's audit trail and whether its hash chain verifies",
        tags: ["audit"],
        params: idParam,
        responses: { 200: { description: "Audit trail", body: AuditTrailView }, ...onRequest },
      },
    },
  ];
}

import type { HttpResponseInit } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { openRequest } from "../../src/domain/privacy-request.js";
import { SubmitRequestBody } from "../../src/domain/request.js";
import type { FunctionDefinition, HttpFunctionDefinition, HttpApiDoc } from "../../src/hosting/definition.js";
import { problemDoc } from "../../src/http/problem.js";
import { RequestView, toAuditTrailView, toRequestView } from "../../src/http/request-view.js";
import { AuditTrailView } from "../../src/http/request-view.js";
import { toLegalHoldView, LegalHoldView } from "../../src/http/registry-view.js";
import { checkDocumented, documentedLookup } from "../support/documented-response.js";

// The tests' response check: a status the route does not document, a property its schema does
// not name, a value of the wrong type, a problem that is not the documented Problem, a body where
// none is documented: each is an error that names the route and the place.

const JSON_TYPE = { "content-type": "application/json" };
const PROBLEM_TYPE = { "content-type": "application/problem+json" };

const Widget = z
  .object({
    id: z.string(),
    size: z.number().int(),
    state: z.enum(["on", "off"]),
    note: z.string().optional(),
    tags: z.array(z.object({ name: z.string() })),
    counts: z.record(z.string(), z.number()),
  })
  .meta({ id: "TestWidget" });

let handlers = 0;
function definition(name: string, responses: HttpApiDoc["responses"]): HttpFunctionDefinition {
  handlers += 1;
  const id = handlers;
  return {
    kind: "http",
    name,
    methods: ["GET"],
    route: `widgets/${name}`,
    doc: { summary: name, responses },
    handler: (): Promise<HttpResponseInit> => Promise.resolve({ status: 200 + id }),
  };
}

const widgets = definition("widgets-get", {
  200: { description: "A widget", body: Widget },
  204: { description: "Nothing" },
  404: problemDoc("No such widget"),
});
const widget = { id: "w-1", size: 3, state: "on", tags: [{ name: "a" }], counts: { x: 1, y: 2 } };

const failure = (run: () => void): string => {
  try {
    run();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error("expected the check to fail");
};

describe("checkDocumented", () => {
  it("passes a documented status with a body of exactly the documented shape", () => {
    expect(() => {
      checkDocumented(widgets, 200, JSON_TYPE, widget);
    }).not.toThrow();
    expect(() => {
      checkDocumented(widgets, 200, { "Content-Type": "application/json; charset=utf-8" }, { ...widget, note: "optional, and documented" });
    }).not.toThrow();
    expect(() => {
      checkDocumented(widgets, 204, {}, undefined);
    }).not.toThrow();
  });

  it("refuses a status the route does not document", () => {
    const message = failure(() => {
      checkDocumented(widgets, 409, PROBLEM_TYPE, { type: "t", title: "Conflict", status: 409, detail: "d", reason: "r" });
    });
    expect(message).toContain("widgets-get");
    expect(message).toContain("answered 409, a status it does not document (it documents 200, 204, 404)");
  });

  it("refuses a property the documented schema does not name, at any depth", () => {
    expect(failure(() => {
      checkDocumented(widgets, 200, JSON_TYPE, { ...widget, secret: "x" });
    })).toContain("body.secret is not documented");
    expect(failure(() => {
      checkDocumented(widgets, 200, JSON_TYPE, { ...widget, tags: [{ name: "a" }, { name: "b", colour: "red" }] });
    })).toContain("body.tags[1].colour is not documented");
  });

  it("refuses a value of the wrong type, a value outside an enum, a missing property", () => {
    expect(failure(() => {
      checkDocumented(widgets, 200, JSON_TYPE, { ...widget, size: "3" });
    })).toContain('body.size is string "3", documented as integer');
    expect(failure(() => {
      checkDocumented(widgets, 200, JSON_TYPE, { ...widget, size: 2.5 });
    })).toContain("body.size is number 2.5, documented as integer");
    expect(failure(() => {
      checkDocumented(widgets, 200, JSON_TYPE, { ...widget, counts: { x: "1" } });
    })).toContain('body.counts.x is string "1", documented as number');
    expect(failure(() => {
      checkDocumented(widgets, 200, JSON_TYPE, { ...widget, state: "broken" });
    })).toContain('body.state is "broken", documented as one of ["on","off"]');
    const { id: _id, ...withoutId } = widget;
    expect(failure(() => {
      checkDocumented(widgets, 200, JSON_TYPE, withoutId);
    })).toContain("body.id is required and missing");
  });

  it("checks a problem against the Problem schema, with the members the engine sends and no others", () => {
    const problem = {
      type: "urn:privacy-engine:problem:not-found",
      title: "Not Found",
      status: 404,
      detail: "No such widget",
      instance: "/api/widgets/w-9",
      reason: "not-found",
      errors: [{ path: "id", message: "unknown" }],
    };
    expect(() => {
      checkDocumented(widgets, 404, PROBLEM_TYPE, problem);
    }).not.toThrow();
    expect(failure(() => {
      checkDocumented(widgets, 404, PROBLEM_TYPE, { ...problem, stack: "at x" });
    })).toContain("body.stack is not documented");
    const { reason: _reason, ...withoutReason } = problem;
    expect(failure(() => {
      checkDocumented(widgets, 404, PROBLEM_TYPE, withoutReason);
    })).toContain("body.reason is required and missing");
    expect(failure(() => {
      checkDocumented(widgets, 404, JSON_TYPE, problem);
    })).toContain("as application/json, documented as application/problem+json");
  });

  it("refuses a body where none is documented, and no body where one is", () => {
    expect(failure(() => {
      checkDocumented(widgets, 204, JSON_TYPE, { done: true });
    })).toContain("with a body, but documents none for 204");
    expect(failure(() => {
      checkDocumented(widgets, 200, JSON_TYPE, undefined);
    })).toContain("without a body, but documents one for 200");
  });

  it("also parses with the zod schema, for what JSON Schema cannot show", () => {
    const even = definition("even", { 200: { description: "An even number", body: z.object({ n: z.number().refine((n) => n % 2 === 0, "must be even") }) } });
    expect(() => {
      checkDocumented(even, 200, JSON_TYPE, { n: 2 });
    }).not.toThrow();
    expect(failure(() => {
      checkDocumented(even, 200, JSON_TYPE, { n: 3 });
    })).toContain("body.n must be even (zod)");
  });

  it("checks the engine's views against their documented schemas, named components included", () => {
    const trail = definition("audit", { 200: { description: "Audit trail", body: AuditTrailView } });
    const entry = {
      id: "r-1:00000000",
      requestId: "r-1",
      orgId: "org-a",
      subjectKey: "sk",
      seq: 0,
      at: "2026-03-02T09:00:00.000Z",
      actor: { kind: "api-key" as const, id: "key-admin", role: "privacy-admin" },
      action: "request.opened",
      details: { type: "erasure" },
      prevHash: "0".repeat(64),
      hash: "a".repeat(64),
    };
    const view = toAuditTrailView({ requestId: "r-1", entries: [entry], chain: { valid: true, entries: 1, problems: [] } });
    expect(() => {
      checkDocumented(trail, 200, JSON_TYPE, view);
    }).not.toThrow();
    expect(failure(() => {
      checkDocumented(trail, 200, JSON_TYPE, { ...view, entries: [{ ...entry, actor: { ...entry.actor, email: "x@example.com" } }] });
    })).toContain("body.entries[0].actor.email is not documented");

    const hold = definition("hold", { 201: { description: "Placed", body: LegalHoldView } });
    // The view copies the documented fields only: a stored document's extra field does not go out.
    const stored = { id: "h-1", orgId: "org-a", reason: "litigation", createdAt: "2026-03-02T09:00:00.000Z", type: "legal-hold" };
    expect(() => {
      checkDocumented(hold, 201, JSON_TYPE, toLegalHoldView(stored));
    }).not.toThrow();
    expect(failure(() => {
      checkDocumented(hold, 201, JSON_TYPE, stored);
    })).toContain("body.type is not documented");

    const now = new Date("2026-03-02T09:00:00.000Z");
    const { record } = openRequest({
      id: "00000000-0000-4000-8000-0000000000aa",
      body: SubmitRequestBody.parse({ type: "erasure", orgId: "org-a", subject: { userId: "u-1", email: "ana@example.com" } }),
      subject: { userId: "u-1", email: "ana@example.com" },
      subjectKey: "sk_test",
      jurisdiction: "GDPR",
      actor: { kind: "api-key", id: "key-admin", role: "privacy-admin" },
      now,
      dueSoonDays: 3,
    });
    const request = definition("request", { 200: { description: "The request", body: RequestView } });
    const shown = toRequestView(record, now, 3);
    expect(() => {
      checkDocumented(request, 200, JSON_TYPE, shown);
    }).not.toThrow();
    expect(failure(() => {
      checkDocumented(request, 200, JSON_TYPE, { ...shown, dueAt: "2 April" });
    })).toContain('body.dueAt "2 April" does not match');
  });
});

describe("the document the check reads", () => {
  it("refuses two different schemas under one id, which it would show as one", () => {
    const clash = definition("clash", {
      200: { description: "One", body: z.object({ a: z.string() }).meta({ id: "TestClash" }) },
      201: { description: "Other", body: z.object({ b: z.string() }).meta({ id: "TestClash" }) },
    });
    expect(() => {
      checkDocumented(clash, 200, JSON_TYPE, { a: "x" });
    }).toThrow("Two different schemas carry the id TestClash");
  });
});

describe("documentedLookup", () => {
  it("finds a handler's definition by identity, and nothing for another function", () => {
    const other = definition("other", { 200: { description: "ok" } });
    const timer: FunctionDefinition = { kind: "timer", name: "tick", schedule: "0 0 * * * *", handler: () => Promise.resolve() };
    const lookup = documentedLookup([widgets, timer, other]);
    expect(lookup(widgets.handler)).toBe(widgets);
    expect(lookup(other.handler)).toBe(other);
    expect(lookup(() => Promise.resolve({ status: 200 }))).toBeUndefined();
  });

  it("refuses two definitions sharing one handler: a response could not be told apart", () => {
    expect(() => documentedLookup([widgets, { ...widgets, name: "widgets-alias" }])).toThrow("widgets-get and widgets-alias share one handler");
  });
});

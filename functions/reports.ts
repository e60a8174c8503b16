import { RequestReportQuery } from "../src/domain/report.js";
import type { EngineDeps } from "../src/engine/deps.js";
import { requestReport } from "../src/engine/reports.js";
import type { HttpFunctionDefinition } from "../src/hosting/definition.js";
import { endpoint, json } from "../src/http/endpoint.js";
import { problemDoc, SERVER_FAULTS } from "../src/http/problem.js";
import { RequestReportView, toReportView } from "../src/http/report-view.js";

// Reports for the console's dashboard: counts the database computes, never the requests themselves.

export function reportHandlers(deps: EngineDeps) {
  const requestReportHandler = endpoint(deps, {
    action: "request:read",
    query: RequestReportQuery,
    handle: async ({ caller, query, deps }) => {
      const shown: RequestReportView = toReportView(await requestReport(deps, caller, query));
      return json(200, shown);
    },
  });

  return { requestReportHandler };
}

export type ReportHandlers = ReturnType<typeof reportHandlers>;

export function reportFunctions(deps: EngineDeps, h: ReportHandlers = reportHandlers(deps)): readonly HttpFunctionDefinition[] {
  return [
    {
      kind: "http",
      name: "reports-requests",
      methods: ["GET"],
      route: "reports/requests",
      handler: h.requestReportHandler,
      doc: {
        summary:
          "Requests at a glance: open ones by status, due soon and overdue now; received per month by type and jurisdiction, and median and 90th percentile days to close, over a range of months (default the last 12)",
        tags: ["reports"],
        query: RequestReportQuery,
        responses: {
          200: { description: "The report", body: RequestReportView },
          400: problemDoc("Invalid query: a month that is not YYYY-MM, from after to, or a range over 36 months"),
          401: problemDoc("No or bad credentials"),
          403: problemDoc("The caller's role may not read requests"),
          404: problemDoc("Unknown org, or one the caller may not act on"),
          ...SERVER_FAULTS,
        },
      },
    },
  ];
}

import { engine } from "../api.js";
import { BarChart, ColumnChart } from "../components/charts.js";
import { Button, SelectField, TextField, textOf } from "../components/fields.js";
import { Link } from "../components/link.js";
import { Loading, PageHeader, Section } from "../components/page.js";
import { ProblemDetails } from "../components/problem-details.js";
import { useConsole } from "../context.js";
import { useLoad } from "../hooks.js";
import { formatDateTime, formatNumber, statusLabel, typeLabel } from "../format.js";
import type { RequestsReport } from "../report.js";
import { navigate, type Query } from "../router.js";
import { JURISDICTIONS, REQUEST_TYPES } from "../types.js";

// The dashboard: GET /api/reports/requests for an org (or every org the caller may act on) and
// a range of months; open requests now (by status, due soon, overdue), received per month by
// type and jurisdiction, and days to close. The filters live in the URL.

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

const month = (value: string | undefined) => (value !== undefined && MONTH.test(value) ? value : undefined);

export function DashboardPage(props: { readonly query: Query }) {
  const { knownOrgs } = useConsole();
  const orgId = props.query.orgId === "" ? undefined : props.query.orgId;
  const from = month(props.query.from);
  const to = month(props.query.to);
  const report = useLoad(
    (signal) => engine.requestsReport({ ...(orgId === undefined ? {} : { orgId }), ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) }, signal),
    [orgId, from, to],
  );
  const orgOptions = [...new Set([...knownOrgs, ...(orgId === undefined ? [] : [orgId])])].sort();
  return (
    <>
      <PageHeader title="Dashboard" lead="Requests at a glance: counts only." />
      <form
        key={JSON.stringify([orgId, from, to])}
        class="filters card"
        aria-label="Report range"
        onSubmit={(e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget);
          navigate("/dashboard", { orgId: textOf(data, "orgId"), from: textOf(data, "from"), to: textOf(data, "to") });
        }}
      >
        {orgOptions.length > 0 ? (
          <SelectField label="Organisation" name="orgId" defaultValue={orgId ?? ""} options={[{ value: "", label: "All organisations" }, ...orgOptions.map((o) => ({ value: o, label: o }))]} />
        ) : (
          <TextField label="Organisation" name="orgId" defaultValue={orgId ?? ""} spellcheck={false} />
        )}
        <TextField label="From month" name="from" type="month" defaultValue={from ?? ""} hint="YYYY-MM; default: 11 months before the last" problem={report.problem} errorPath="query.from" />
        <TextField label="To month" name="to" type="month" defaultValue={to ?? ""} hint="YYYY-MM; default: this month" problem={report.problem} errorPath="query.to" />
        <div class="form-actions">
          <Button type="submit" variant="primary">
            Show
          </Button>
        </div>
      </form>
      {report.loading ? <Loading label="Loading the report…" /> : null}
      <ProblemDetails problem={report.problem} heading="The report could not be loaded" />
      {report.data === undefined ? null : <ReportView report={report.data} />}
    </>
  );
}

function ReportView(props: { readonly report: RequestsReport }) {
  const r = props.report;
  const days = (n: number | null) => (n === null ? "—" : `${formatNumber(n)} d`);
  const kpis: readonly (readonly [string, string])[] = [
    ["Open now", formatNumber(r.open.total)],
    [`Due within ${r.open.dueSoonDays} days`, formatNumber(r.open.dueSoon)],
    ["Overdue", formatNumber(r.open.overdue)],
    ["Received", formatNumber(r.received.total)],
    ["Closed", formatNumber(r.closed.count)],
    ["Median days to close", days(r.closed.medianDays)],
    ["90th percentile days to close", days(r.closed.p90Days)],
  ];
  const byType = REQUEST_TYPES.map((t) => ({ label: typeLabel(t), value: r.received.byType[t] })).filter((b) => b.value > 0);
  const byJurisdiction = JURISDICTIONS.map((j) => ({ label: j, value: r.received.byJurisdiction[j] })).filter((b) => b.value > 0);
  return (
    <>
      <p class="muted">
        {r.orgId === undefined ? "Every organisation you may act on" : r.orgId}, {r.from} to {r.to}; made {formatDateTime(r.generatedAt)}.{" "}
        <Link to="/" query={{ ...(r.orgId === undefined ? {} : { orgId: r.orgId }) }}>
          Open the queue
        </Link>
      </p>
      <dl class="kpis">
        {kpis.map(([label, value]) => (
          <div class="kpi" key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <div class="grid-2">
        <Section title="Open now">
          <BarChart
            title="Open requests by status"
            bars={(["awaiting-verification", "queued", "in-progress"] as const).map((s) => ({ label: statusLabel(s), value: r.open.byStatus[s] }))}
          />
        </Section>
        <Section title="Received by type">
          {byType.length === 0 ? <p class="muted">None received in this range.</p> : <BarChart title="Requests received by type" bars={byType} />}
        </Section>
      </div>
      <Section title="Per month">
        <ColumnChart
          title="Requests received and closed per month"
          categories={r.months.map((m) => m.month)}
          series={[
            { name: "Received", values: r.months.map((m) => m.received.total) },
            { name: "Closed", values: r.months.map((m) => m.closed.count) },
          ]}
        />
        <ColumnChart
          title="Median days to close per month"
          categories={r.months.map((m) => m.month)}
          series={[{ name: "Median days", values: r.months.map((m) => m.closed.medianDays ?? 0) }]}
        />
      </Section>
      <Section title="Received by jurisdiction">
        {byJurisdiction.length === 0 ? <p class="muted">None received in this range.</p> : <BarChart title="Requests received by jurisdiction" bars={byJurisdiction} />}
      </Section>
    </>
  );
}

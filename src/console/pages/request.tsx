import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { engine, type ApiProblem } from "../api.js";
import { DeadlineBadge, StatusBadge } from "../components/badges.js";
import { Link } from "../components/link.js";
import { Facts, Loading, PageHeader, Section, TableWrap } from "../components/page.js";
import { ProblemDetails } from "../components/problem-details.js";
import { RequestActions } from "../components/request-actions.js";
import { CertificateResult, hasCertificate, PackageResult } from "../components/request-results.js";
import { useConsole } from "../context.js";
import { useInterval, useLoad } from "../hooks.js";
import { daysLeft, daysLeftText, formatDate, formatDateTime, formatNumber, humanize, isOpen, statusLabel, typeLabel } from "../format.js";
import type { AuditEntry, AuditTrail, RequestView } from "../types.js";

// One request: who it is about (as the engine shows it), its status and deadline (pauses and
// extension included), progress, results, the decisions the caller may take, and the audit trail
// as a timeline with the hash chain's verdict. Polls every 2 s while the request is queued or in
// progress.

const POLL_MS = 2000;

export function RequestPage(props: { readonly id: string }) {
  const { may } = useConsole();
  const request = useLoad((signal) => engine.getRequest(props.id, signal), [props.id]);
  const audit = useLoad(may("audit:read") ? (signal) => engine.audit(props.id, signal) : undefined, [props.id]);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const r = request.data;
  const running = r !== undefined && (r.status === "queued" || r.status === "in-progress");
  useInterval(
    () => {
      request.reload(true);
      audit.reload(true);
    },
    POLL_MS,
    running,
  );

  if (r === undefined) {
    return (
      <>
        <PageHeader title="Request" />
        {request.loading ? <Loading label="Loading the request…" /> : null}
        <ProblemDetails problem={request.problem} heading="The request could not be loaded" />
        <p>
          <Link to="/">Back to the queue</Link>
        </p>
      </>
    );
  }

  const changed = (what: string) => {
    setMessage(what);
    request.reload(true);
    audit.reload(true);
  };

  return (
    <>
      <PageHeader title={`${typeLabel(r.type)} request`} lead={`Request ${r.id}`}>
        <StatusBadge status={r.status} />
      </PageHeader>
      <div role="status" aria-live="polite">
        {message === undefined ? null : <p class="success-note">{message}</p>}
      </div>
      <ProblemDetails problem={request.problem} heading="The request could not be refreshed" />
      <RequestActions request={r} onChanged={changed} />
      <div class="grid-2">
        <Summary request={r} />
        <Deadline request={r} />
      </div>
      <Progress request={r} />
      {r.delivery === undefined ? null : <PackageResult
          request={r}
          onIssued={() => {
            audit.reload(true);
          }}
        />}
      {hasCertificate(r) ? <CertificateResult request={r} /> : null}
      {may("audit:read") ? <Timeline trail={audit.data} loading={audit.loading} problem={audit.problem} /> : null}
    </>
  );
}

function Summary(props: { readonly request: RequestView }) {
  const r = props.request;
  const s = r.subject;
  const v = r.verification;
  return (
    <Section title="Request">
      <Facts
        items={[
          ["Status", statusLabel(r.status) + (r.statusReason === undefined ? "" : `: ${r.statusReason}`)],
          ["Organisation", <span class="mono">{r.orgId}</span>],
          ["Jurisdiction", r.jurisdiction],
          ["Received", formatDateTime(r.receivedAt)],
          s.contactId === undefined ? undefined : ["Contact id", <span class="mono">{s.contactId}</span>],
          s.userId === undefined ? undefined : ["User id", <span class="mono">{s.userId}</span>],
          s.phone === undefined ? undefined : ["Phone", s.phone],
          s.email === undefined ? undefined : ["Email", s.email],
          ["Subject key", <code class="mono">{r.subjectKey.slice(0, 16)}…</code>],
          ["Verification", v.state === "verified" ? `Verified${v.method === undefined ? "" : ` (${v.method})`} ${formatDateTime(v.verifiedAt)}` : "Pending"],
          r.ground === undefined ? undefined : ["Ground", humanize(r.ground)],
          r.purposes === undefined ? undefined : ["Purposes", r.purposes.map(humanize).join(", ")],
          r.erase === undefined ? undefined : ["Also erase consented data", r.erase ? "Yes" : "No"],
          r.categories === undefined ? undefined : ["Categories", r.categories.join(", ")],
          r.destinationHost === undefined ? undefined : ["Destination", r.destinationHost],
          r.reason === undefined ? undefined : ["Reason", humanize(r.reason)],
          r.note === undefined ? undefined : ["Note", r.note],
          r.restriction === undefined ? undefined : ["Restriction", `${humanize(r.restriction.state)} since ${formatDateTime(r.restriction.since)}`],
          r.resolution === undefined
            ? undefined
            : ["Resolution", `${humanize(r.resolution.outcome)}${r.resolution.reason === undefined ? "" : `: ${humanize(r.resolution.reason)}`}${r.resolution.detail === undefined ? "" : ` (${r.resolution.detail})`}, ${formatDateTime(r.resolution.at)} by ${r.resolution.by}`],
          r.failure === undefined ? undefined : ["Failure", `${humanize(r.failure.step)}: ${r.failure.reason} (${r.failure.attempts} attempts, ${formatDateTime(r.failure.at)})`],
          r.followUp === undefined ? undefined : ["Follow-up", <Link to={`/requests/${r.followUp.requestId}`}>{typeLabel(r.followUp.type)} request</Link>],
        ]}
      />
      {r.changes === undefined ? null : (
        <>
          <h3>Changes asked for</h3>
          <ul>
            {r.changes.map((c) => (
              <li key={c.field}>
                <span class="mono">{c.field}</span> → {c.value === null ? <em>cleared</em> : String(c.value)}
              </li>
            ))}
          </ul>
        </>
      )}
    </Section>
  );
}

function Deadline(props: { readonly request: RequestView }) {
  const r = props.request;
  const open = isOpen(r.status);
  const days = daysLeft(r);
  return (
    <Section title="Deadline">
      <p>
        <DeadlineBadge state={r.deadlineState} {...(open ? { days } : { closed: true })} /> {open ? <span>{daysLeftText(days)}</span> : <span class="muted">Closed</span>}
      </p>
      <Facts
        items={[
          ["Due", formatDate(r.dueAt)],
          r.extendedDueAt === undefined ? undefined : ["Extended to", formatDate(r.extendedDueAt)],
          r.acknowledgeDueAt === undefined ? undefined : ["Acknowledge by", formatDate(r.acknowledgeDueAt)],
          ["Paused", r.pausedDays === 0 ? "Not paused" : `${r.pausedDays} ${r.pausedDays === 1 ? "day" : "days"}${r.status === "awaiting-verification" ? ", still paused" : ""}: the clock stops while the identity is unverified`],
          r.extension === undefined ? undefined : ["Extension", `${r.extension.reason} (${formatDateTime(r.extension.at)}, ${r.extension.by})`],
        ]}
      />
    </Section>
  );
}

function Progress(props: { readonly request: RequestView }) {
  const r = props.request;
  const p = r.progress;
  const counts = p === undefined ? [] : (["itemsFound", "blobsFound", "csvRowsFound", "itemsWritten", "blobsWritten"] as const).flatMap((k) => (p[k] === undefined ? [] : [[humanize(k), p[k]] as const]));
  const discovered = r.discovery === undefined ? [] : [...Object.entries(r.discovery.items), ...Object.entries(r.discovery.blobs), ...Object.entries(r.discovery.csvRows)];
  const applied = r.applied === undefined ? [] : Object.entries(r.applied.places);
  if (p === undefined && r.discovery === undefined && r.applied === undefined && r.status !== "in-progress") return null;
  return (
    <Section title="Progress">
      {r.status === "in-progress" ? (
        <p>
          <progress class="progress" aria-label="Request in progress" />
        </p>
      ) : null}
      <Facts items={[p?.step === undefined ? undefined : ["Step", humanize(p.step)], ...counts.map(([label, n]) => [label, formatNumber(n)] as const)]} />
      {discovered.length === 0 ? null : (
        <>
          <h3>Found by discovery{r.discovery === undefined ? "" : ` (${formatDateTime(r.discovery.completedAt)})`}</h3>
          <CountTable label="Found per place" rows={discovered} />
        </>
      )}
      {applied.length === 0 || r.applied === undefined ? null : (
        <>
          <h3>Applied</h3>
          <CountTable label="Changed per place" rows={applied} />
          <p class="muted">
            {formatNumber(r.applied.registryEntries)} registry entries written{r.applied.fields === undefined ? "" : `; fields ${r.applied.fields.join(", ")}`}.
          </p>
        </>
      )}
    </Section>
  );
}

function CountTable(props: { readonly label: string; readonly rows: readonly (readonly [string, number])[] }) {
  return (
    <TableWrap label={props.label}>
      <table>
        <thead>
          <tr>
            <th scope="col">Place</th>
            <th scope="col" class="num">
              Count
            </th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map(([place, n]) => (
            <tr key={place}>
              <th scope="row" class="mono">
                {place}
              </th>
              <td class="num">{formatNumber(n)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function detailText(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value.length > 80 ? `${value.slice(0, 80)}…` : value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 80)}…` : json;
}

function Entry(props: { readonly entry: AuditEntry }) {
  const e = props.entry;
  const details = Object.entries(e.details);
  return (
    <li>
      <strong>{humanize(e.action)}</strong>{" "}
      <span class="when">
        <time dateTime={e.at}>{formatDateTime(e.at)}</time> · {e.actor.kind === "system" ? "the engine" : `${e.actor.id}${e.actor.role === undefined ? "" : ` (${e.actor.role})`}`}
      </span>
      {details.length === 0 ? null : (
        <p class="details">
          {details.map(([k, v], i) => (
            <span key={k}>
              {i === 0 ? "" : "; "}
              {humanize(k)}: {detailText(v)}
            </span>
          ))}
        </p>
      )}
    </li>
  );
}

function Timeline(props: { readonly trail: AuditTrail | undefined; readonly loading: boolean; readonly problem: ApiProblem | undefined }) {
  const t = props.trail;
  let verdict: ComponentChildren = null;
  if (t !== undefined) {
    verdict = t.chain.valid ? (
      <p>
        <span class="badge tone-success">✓ Chain valid</span> <span class="muted">{t.chain.entries === 1 ? "1 entry" : `${formatNumber(t.chain.entries)} entries, each hash linked to the one before`}.</span>
      </p>
    ) : (
      <div class="problem" role="alert">
        <p>
          <strong>The audit chain does not verify.</strong>
        </p>
        <ul>
          {t.chain.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      </div>
    );
  }
  return (
    <Section title="Timeline">
      {props.loading && t === undefined ? <Loading label="Loading the audit trail…" /> : null}
      <ProblemDetails problem={props.problem} heading="The audit trail could not be loaded" />
      {verdict}
      {t === undefined ? null : (
        <ol class="timeline" aria-label="Audit trail, oldest first">
          {[...t.entries]
            .sort((a, b) => a.seq - b.seq)
            .map((e) => (
              <Entry key={e.id} entry={e} />
            ))}
        </ol>
      )}
    </Section>
  );
}

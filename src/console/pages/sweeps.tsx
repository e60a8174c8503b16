import { useState } from "preact/hooks";
import { engine } from "../api.js";
import { ActionForm } from "../components/action-form.js";
import { Button, SelectField } from "../components/fields.js";
import { Empty, Facts, Loading, PageHeader, Section, TableWrap } from "../components/page.js";
import { OrgRequired } from "../components/org-required.js";
import { ProblemDetails } from "../components/problem-details.js";
import { useConsole } from "../context.js";
import { useLoad, useSubmit } from "../hooks.js";
import { formatDateTime, formatDuration, formatNumber, humanize } from "../format.js";
import { SWEEP_KINDS, type Counts, type RetentionPreview, type SweepRun } from "../types.js";

// The sweeps: what the retention and children's sweeps would do in the header's org now (a
// preview that changes nothing), recent runs with their per-org steps, and a run on demand.

export function SweepsPage() {
  return (
    <>
      <PageHeader title="Sweeps" lead="Retention and children's-data sweeps: preview, runs, and a sweep on demand." />
      <OrgRequired>{(org) => <Sweeps key={org} org={org} />}</OrgRequired>
    </>
  );
}

const countsText = (counts: Counts) =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${humanize(k)} ${formatNumber(n)}`)
    .join(", ") || "nothing";

function Sweeps(props: { readonly org: string }) {
  const { may } = useConsole();
  const runs = useLoad((signal) => engine.sweeps({ limit: 20 }, signal), []);
  const preview = useSubmit();
  const [shown, setShown] = useState<RetentionPreview | undefined>(undefined);
  const [started, setStarted] = useState<string | undefined>(undefined);
  return (
    <>
      <Section title={`Retention preview for ${props.org}`}>
        <p class="muted">What the sweeps would notice and erase now, by category. Nothing changes.</p>
        <Button
          variant="primary"
          busy={preview.busy}
          onClick={() =>
            void preview.run(async () => {
              setShown(await engine.retentionPreview(props.org));
            })
          }
        >
          Preview retention
        </Button>
        <ProblemDetails problem={preview.problem} heading="The preview could not be made" />
        {shown === undefined ? null : <PreviewView preview={shown} />}
      </Section>
      {may("sweep:run") ? (
        <Section title="Sweep now">
          <ActionForm
            title={`Sweep ${props.org} now`}
            description={<p>Children: erase its children's data without notice. Retention: notice and erase as the daily run would.</p>}
            submitLabel="Start sweep"
            onSubmit={async (data) => {
              const kind = SWEEP_KINDS.find((k) => k === data.get("kind")) ?? "retention";
              const run = await engine.runSweep(kind, props.org);
              setStarted(`The ${run.kind} sweep started (run ${run.runId}, ${formatDateTime(run.startedAt)}).`);
            }}
            onDone={() => {
              runs.reload(true);
            }}
          >
            {(problem) => <SelectField label="Sweep" name="kind" required options={SWEEP_KINDS.map((k) => ({ value: k, label: humanize(k) }))} problem={problem} />}
          </ActionForm>
          <div role="status">{started === undefined ? null : <p class="success-note">{started}</p>}</div>
        </Section>
      ) : null}
      <Section
        title="Recent runs"
        actions={
          <Button
            variant="subtle"
            onClick={() => {
              runs.reload(true);
            }}
          >
            Refresh runs
          </Button>
        }
      >
        {runs.loading ? <Loading label="Loading runs…" /> : null}
        <ProblemDetails problem={runs.problem} heading="The runs could not be loaded" />
        {runs.data === undefined ? null : runs.data.items.length === 0 ? <Empty>No sweep has run yet.</Empty> : <RunsTable runs={runs.data.items} />}
      </Section>
    </>
  );
}

function PreviewView(props: { readonly preview: RetentionPreview }) {
  const p = props.preview;
  const rows = (record: Record<string, { category: string; cutoff?: string; counts: Counts }>) => Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
  return (
    <>
      <Facts
        items={[
          ["As of", formatDateTime(p.asOf)],
          ["Contacts inactive for", `${p.policy.contactInactivityMonths} months`],
          ["Accounts inactive for", `${p.policy.accountInactivityMonths} months`],
          ["Notice before erasure", `${p.policy.noticeHours} hours`],
          ["A child is under", `${p.childAge} years`],
          ["Packages kept", `${p.policy.packageExpiryDays} days`],
        ]}
      />
      <h3>Retention</h3>
      <TableWrap label="Retention preview">
        <table>
          <thead>
            <tr>
              <th scope="col">Phase or place</th>
              <th scope="col">Category</th>
              <th scope="col">Cut-off</th>
              <th scope="col">Counts</th>
            </tr>
          </thead>
          <tbody>
            {rows(p.retention).map(([phase, r]) => (
              <tr key={phase}>
                <th scope="row" class="mono">
                  {phase}
                </th>
                <td>{r.category}</td>
                <td>{r.cutoff === undefined ? "—" : formatDateTime(r.cutoff)}</td>
                <td>{countsText(r.counts)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      <h3>Children's data</h3>
      <TableWrap label="Children's data preview">
        <table>
          <thead>
            <tr>
              <th scope="col">Place</th>
              <th scope="col">Category</th>
              <th scope="col">Counts</th>
            </tr>
          </thead>
          <tbody>
            {rows(p.children).map(([place, r]) => (
              <tr key={place}>
                <th scope="row" class="mono">
                  {place}
                </th>
                <td>{r.category}</td>
                <td>{countsText(r.counts)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </>
  );
}

function RunsTable(props: { readonly runs: readonly SweepRun[] }) {
  return (
    <TableWrap label="Sweep runs">
      <table>
        <thead>
          <tr>
            <th scope="col">Sweep</th>
            <th scope="col">Started</th>
            <th scope="col">Status</th>
            <th scope="col">Duration</th>
            <th scope="col" class="num">
              Orgs
            </th>
            <th scope="col">Steps</th>
            <th scope="col">Counts</th>
          </tr>
        </thead>
        <tbody>
          {props.runs.map((run) => (
            <tr key={run.runId}>
              <td>
                {humanize(run.kind)} <span class="muted">({run.trigger})</span>
              </td>
              <td class="nowrap">{formatDateTime(run.startedAt)}</td>
              <td>
                <span class={`badge ${run.status === "done" ? "tone-success" : "tone-info"}`}>{humanize(run.status)}</span>
              </td>
              <td class="nowrap">{formatDuration(run.durationMs)}</td>
              <td class="num">{formatNumber(run.orgs)}</td>
              <td class="nowrap">
                {run.steps.done} done, {run.steps.running} running, {run.steps.pending} pending, {run.steps.skipped} skipped
              </td>
              <td>
                {countsText(run.counts)}
                {run.orgSteps.length === 0 ? null : (
                  <details>
                    <summary>Per org ({run.orgSteps.length})</summary>
                    <ul>
                      {run.orgSteps.map((s) => (
                        <li key={s.orgId}>
                          <span class="mono">{s.orgId}</span>: {humanize(s.status)}, {humanize(s.phase)}
                          {s.skippedReason === undefined ? "" : ` (${s.skippedReason})`}; {countsText(s.counts)}
                          {s.checkpointAt === undefined ? "" : `; checkpoint ${formatDateTime(s.checkpointAt)}`}
                        </li>
                      ))}
                    </ul>
                  </details>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

import { useState } from "preact/hooks";
import { engine } from "../api.js";
import { Button, SelectField, TextField, textOf } from "../components/fields.js";
import { Facts, PageHeader, Section, TableWrap } from "../components/page.js";
import { OrgRequired } from "../components/org-required.js";
import { ProblemDetails } from "../components/problem-details.js";
import { useSubmit } from "../hooks.js";
import { formatDate, formatDateTime, humanize } from "../format.js";
import type { SubjectIds, SubjectStatus } from "../types.js";

// What other services may do with one subject's data (GET /api/subjects/status): restriction,
// suppressed purposes, legal holds. The identifier stays in this page's memory, never in the URL.

const KINDS = ["email", "phone", "contactId", "userId"] as const;
type Kind = (typeof KINDS)[number];
const KIND_LABELS: Readonly<Record<Kind, string>> = { email: "Email", phone: "Phone", contactId: "Contact id", userId: "User id" };

export function StatusPage() {
  return (
    <>
      <PageHeader title="Subject status" lead="Whether a subject's data is restricted, suppressed for some purposes, or held." />
      <OrgRequired>{(org) => <Lookup key={org} org={org} />}</OrgRequired>
    </>
  );
}

function Lookup(props: { readonly org: string }) {
  const submit = useSubmit();
  const [status, setStatus] = useState<SubjectStatus | undefined>(undefined);
  const [kind, setKind] = useState<Kind>("email");
  return (
    <>
      <Section title={`Look up a subject in ${props.org}`}>
        <form
          class="inline-form"
          aria-label="Look up a subject"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            const data = new FormData(e.currentTarget);
            const identifier: SubjectIds = { [kind]: textOf(data, "value") ?? "" };
            setStatus(undefined);
            void submit.run(async () => {
              setStatus(await engine.subjectStatus(props.org, identifier));
            });
          }}
        >
          <SelectField
            label="Identifier"
            name="kind"
            required
            value={kind}
            onChange={(v) => {
              setKind(KINDS.find((k) => k === v) ?? "email");
            }}
            options={KINDS.map((k) => ({ value: k, label: KIND_LABELS[k] }))}
          />
          <TextField label="Value" name="value" required spellcheck={false} problem={submit.problem} errorPath={kind} />
          <Button type="submit" variant="primary" busy={submit.busy}>
            Look up
          </Button>
        </form>
        <ProblemDetails problem={submit.problem} heading="The status could not be looked up" />
      </Section>
      {status === undefined ? null : <StatusView status={status} />}
    </>
  );
}

function StatusView(props: { readonly status: SubjectStatus }) {
  const s = props.status;
  return (
    <Section title="Status">
      <p>
        {s.restricted ? <span class="badge tone-danger">■ Restricted</span> : <span class="badge tone-success">● Not restricted</span>}{" "}
        {s.restricted ? <span>Keep the data; use it only for storage, legal claims and the subject's own requests.</span> : null}
      </p>
      <Facts
        items={[
          ["Subject key", <code class="mono">{s.subjectKey.slice(0, 16)}…</code>],
          s.restriction === undefined ? undefined : ["Restriction", `${humanize(s.restriction.ground)} since ${formatDateTime(s.restriction.since)}`],
        ]}
      />
      <h3>Suppressed purposes</h3>
      {s.suppressions.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <TableWrap label="Suppressed purposes">
          <table>
            <thead>
              <tr>
                <th scope="col">Purpose</th>
                <th scope="col">Basis</th>
                <th scope="col">Since</th>
                <th scope="col">Absolute</th>
              </tr>
            </thead>
            <tbody>
              {s.suppressions.map((x) => (
                <tr key={x.purpose}>
                  <td>{humanize(x.purpose)}</td>
                  <td>{humanize(x.basis)}</td>
                  <td>{formatDateTime(x.since)}</td>
                  <td>{x.absolute ? "Yes" : "No"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <h3>Legal holds</h3>
      {s.legalHolds.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <ul>
          {s.legalHolds.map((h) => (
            <li key={h.id}>
              {h.category === undefined ? "Every category" : <span class="mono">{h.category}</span>}, {h.until === undefined ? "until lifted" : `until ${formatDate(h.until)}`}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

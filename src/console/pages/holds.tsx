import { useState } from "preact/hooks";
import { engine } from "../api.js";
import { ActionForm } from "../components/action-form.js";
import { Dialog } from "../components/dialog.js";
import { Button, Fieldset, SelectField, TextField, textOf } from "../components/fields.js";
import { Empty, Loading, PageHeader, Section, TableWrap } from "../components/page.js";
import { OrgRequired } from "../components/org-required.js";
import { ProblemDetails } from "../components/problem-details.js";
import { useConsole } from "../context.js";
import { useLoad, useSubmit } from "../hooks.js";
import { formatDate, formatDateTime } from "../format.js";
import type { LegalHold, LegalHoldBody, SubjectIds } from "../types.js";

// Legal holds of the header's organisation: the list (GET /api/legal-holds), placing one on a
// subject, a category or both (privacy-admin), and lifting one after a confirmation.

export function HoldsPage() {
  return (
    <>
      <PageHeader title="Legal holds" lead="What erasure must keep, and why." />
      <OrgRequired>{(org) => <Holds key={org} org={org} />}</OrgRequired>
    </>
  );
}

function Holds(props: { readonly org: string }) {
  const { may } = useConsole();
  const holds = useLoad((signal) => engine.holds(props.org, signal), [props.org]);
  const categories = useLoad((signal) => engine.dataMap(signal).then((m) => m.categories.map((c) => c.id)), []);
  const [lifting, setLifting] = useState<LegalHold | undefined>(undefined);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const lift = useSubmit();
  const items = holds.data?.items ?? [];

  return (
    <>
      <div role="status">{message === undefined ? null : <p class="success-note">{message}</p>}</div>
      <Section title={`Holds in ${props.org}`}>
        {holds.loading ? <Loading label="Loading holds…" /> : null}
        <ProblemDetails problem={holds.problem} heading="The holds could not be loaded" />
        {!holds.loading && holds.problem === undefined && items.length === 0 ? <Empty>No legal holds in this organisation.</Empty> : null}
        {items.length === 0 ? null : (
          <TableWrap label="Legal holds">
            <table>
              <thead>
                <tr>
                  <th scope="col">Covers</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Until</th>
                  <th scope="col">Placed</th>
                  {may("registry:write") ? <th scope="col">Action</th> : null}
                </tr>
              </thead>
              <tbody>
                {items.map((h) => (
                  <tr key={h.id}>
                    <td>
                      {h.subjectKeys === undefined ? "Every subject" : `A subject (${h.subjectKeys.length} ${h.subjectKeys.length === 1 ? "identifier" : "identifiers"})`}
                      {" · "}
                      {h.category === undefined ? "every category" : <span class="mono">{h.category}</span>}
                    </td>
                    <td>{h.reason}</td>
                    <td class="nowrap">{h.until === undefined ? "Until lifted" : formatDate(h.until)}</td>
                    <td>
                      {formatDateTime(h.createdAt)}
                      {h.createdBy === undefined ? null : <span class="muted"> by {h.createdBy}</span>}
                    </td>
                    {may("registry:write") ? (
                      <td>
                        <Button
                          variant="secondary"
                          aria-label={`Lift the hold “${h.reason}”`}
                          onClick={() => {
                            lift.clear();
                            setLifting(h);
                          }}
                        >
                          Lift
                        </Button>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </Section>
      {may("registry:write") ? (
        <Section title="Place a hold">
          <ActionForm
            title="New legal hold"
            submitLabel="Place hold"
            variant="primary"
            onSubmit={(data) => engine.placeHold(holdBody(props.org, data))}
            onDone={() => {
              setMessage("The hold was placed.");
              holds.reload(true);
            }}
          >
            {(problem) => (
              <>
                <Fieldset legend="Subject" hint="Leave empty to hold every subject of the category." problem={problem} errorPath="subject" exact>
                  <TextField label="Contact id" name="subject.contactId" optional spellcheck={false} problem={problem} />
                  <TextField label="User id" name="subject.userId" optional spellcheck={false} problem={problem} />
                  <TextField label="Phone" name="subject.phone" type="tel" optional problem={problem} />
                  <TextField label="Email" name="subject.email" type="email" optional problem={problem} />
                </Fieldset>
                <SelectField
                  label="Category"
                  name="category"
                  optional
                  options={[{ value: "", label: "Every category" }, ...(categories.data ?? []).map((c) => ({ value: c, label: c }))]}
                  problem={problem}
                />
                <TextField label="Reason" name="reason" required minLength={3} maxLength={200} hint="E.g. the case or matter; no personal data." problem={problem} />
                <TextField label="Until" name="until" type="date" optional hint="Last day of the hold; empty: until lifted." problem={problem} />
              </>
            )}
          </ActionForm>
        </Section>
      ) : null}
      {lifting === undefined ? null : (
        <Dialog
          title="Lift this hold?"
          onClose={() => {
            setLifting(undefined);
          }}
        >
          <p>
            Erasure will no longer keep what “{lifting.reason}” covers. This cannot be undone; place a new hold if needed.
          </p>
          <div class="form-actions">
            <Button
              variant="danger"
              busy={lift.busy}
              onClick={() =>
                void lift
                  .run(() => engine.liftHold(lifting.orgId, lifting.id))
                  .then((ok) => {
                    if (!ok) return;
                    setLifting(undefined);
                    setMessage("The hold was lifted.");
                    holds.reload(true);
                  })
              }
            >
              Lift hold
            </Button>
            <Button
              onClick={() => {
                setLifting(undefined);
              }}
            >
              Keep hold
            </Button>
          </div>
          <ProblemDetails problem={lift.problem} heading="The hold was not lifted" />
        </Dialog>
      )}
    </>
  );
}

function holdBody(orgId: string, data: FormData): LegalHoldBody {
  const subject: SubjectIds = {};
  for (const k of ["contactId", "userId", "phone", "email"] as const) {
    const v = textOf(data, `subject.${k}`);
    if (v !== undefined) subject[k] = v;
  }
  const category = textOf(data, "category");
  const until = textOf(data, "until");
  return {
    orgId,
    reason: textOf(data, "reason") ?? "",
    ...(Object.keys(subject).length === 0 ? {} : { subject }),
    ...(category === undefined ? {} : { category }),
    ...(until === undefined ? {} : { until }),
  };
}

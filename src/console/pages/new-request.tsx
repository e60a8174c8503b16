import { useMemo, useState } from "preact/hooks";
import { engine } from "../api.js";
import { Button, CheckboxField, Choice, Fieldset, SelectField, TextArea, TextField, textOf } from "../components/fields.js";
import { PageHeader } from "../components/page.js";
import { ProblemDetails } from "../components/problem-details.js";
import { useConsole } from "../context.js";
import { useLoad, useSubmit } from "../hooks.js";
import { humanize, typeLabel } from "../format.js";
import { navigate } from "../router.js";
import {
  JURISDICTIONS,
  OPENABLE,
  REQUEST_TYPES,
  RESTRICTION_GROUNDS,
  SUPPRESSION_PURPOSES,
  type FieldChange,
  type Jurisdiction,
  type RequestType,
  type RestrictionGround,
  type SubjectIds,
  type SubmitRequestBody,
  type SuppressionPurpose,
} from "../types.js";

// Opening a request: one form whose fields follow the type (src/domain/request.ts
// SubmitRequestBody). The form carries one Idempotency-Key from the moment it opens, so a double
// click or a retry after a lost answer opens one request; the engine replays it (200).

function uuid(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  // crypto.randomUUID needs a secure context; a v4 UUID from getRandomValues otherwise.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const pick = <T extends string>(values: readonly T[], value: string | undefined): T | undefined => values.find((v) => v === value);

interface ChangeRow {
  readonly key: number;
}

function buildBody(type: RequestType, data: FormData, changeRows: readonly ChangeRow[]): SubmitRequestBody {
  const orgId = textOf(data, "orgId") ?? "";
  const body: SubmitRequestBody = { type, orgId };
  if (type === "org-offboarding") {
    // The engine wants the org id typed back; the checkbox is that confirmation.
    if (data.get("confirmOffboarding") === "on") body.confirmation = orgId;
  } else {
    const subject: SubjectIds = {};
    for (const k of ["contactId", "userId", "phone", "email"] as const) {
      const value = textOf(data, `subject.${k}`);
      if (value !== undefined) subject[k] = value;
    }
    body.subject = subject;
  }
  const jurisdiction = pick<Jurisdiction>(JURISDICTIONS, textOf(data, "jurisdiction"));
  if (jurisdiction !== undefined) body.jurisdiction = jurisdiction;
  const reason = textOf(data, "reason");
  if (reason !== undefined) body.reason = reason;
  const note = textOf(data, "note");
  if (note !== undefined) body.note = note;
  const received = textOf(data, "receivedAt");
  if (received !== undefined) {
    const ms = Date.parse(received);
    // datetime-local is the reader's local time; the engine takes an instant with an offset.
    body.receivedAt = Number.isNaN(ms) ? received : new Date(ms).toISOString();
  }
  if (data.get("verificationMethod") === "attested") {
    body.verification = { method: "attested", by: textOf(data, "verification.by") ?? "" };
  }
  if (type === "restriction") {
    const ground = pick<RestrictionGround>(RESTRICTION_GROUNDS, textOf(data, "ground"));
    if (ground !== undefined) body.ground = ground;
  }
  if (type === "objection" || type === "consent-withdrawal") {
    const purposes = data.getAll("purposes").flatMap((p) => {
      const v = pick<SuppressionPurpose>(SUPPRESSION_PURPOSES, typeof p === "string" ? p : undefined);
      return v === undefined ? [] : [v];
    });
    if (purposes.length > 0) body.purposes = purposes;
  }
  if (type === "consent-withdrawal") body.erase = data.get("erase") === "on";
  if (type === "rectification") {
    const changes: FieldChange[] = changeRows.flatMap((row) => {
      const field = textOf(data, `change-${row.key}-field`);
      if (field === undefined) return [];
      const value = textOf(data, `change-${row.key}-value`);
      return [{ field, value: value ?? null }];
    });
    if (changes.length > 0) body.changes = changes;
  }
  if (type === "portability") {
    const destination = textOf(data, "destination");
    if (destination !== undefined) body.destination = destination;
  }
  if (type === "erasure") {
    const categories = data.getAll("categories").filter((c): c is string => typeof c === "string" && c !== "");
    if (categories.length > 0) body.categories = categories;
  }
  return body;
}

export function NewRequestPage() {
  const { session, knownOrgs, org, may } = useConsole();
  const allowed = OPENABLE[session.me.role] ?? REQUEST_TYPES;
  const [type, setType] = useState<RequestType>(allowed[0] ?? "access");
  const [verification, setVerification] = useState<"code" | "attested">("code");
  const [rows, setRows] = useState<readonly ChangeRow[]>([{ key: 0 }]);
  const [nextRow, setNextRow] = useState(1);
  // One key for the life of this form: a second click replays the first call.
  const [idempotencyKey] = useState(uuid);
  const submit = useSubmit();
  const dataMap = useLoad(type === "erasure" && may("request:read") ? (signal) => engine.dataMap(signal) : undefined, [type === "erasure"]);
  const problem = submit.problem;
  const orgOptions = useMemo(() => [...new Set([...knownOrgs, ...(org === "" ? [] : [org])])].sort(), [knownOrgs, org]);

  return (
    <>
      <PageHeader title="New request" lead="Open a data-subject request on someone's behalf." />
      <form
        class="card"
        aria-label="New request"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const body = buildBody(type, new FormData(e.currentTarget), rows);
          void submit.run(async () => {
            const created = await engine.submit(body, idempotencyKey);
            navigate(`/requests/${created.id}`);
          });
        }}
      >
        <SelectField
          label="Request type"
          name="type"
          required
          value={type}
          onChange={(v) => {
            const chosen = pick(allowed, v);
            if (chosen !== undefined) setType(chosen);
          }}
          options={allowed.map((t) => ({ value: t, label: typeLabel(t) }))}
          problem={problem}
        />
        {orgOptions.length > 0 ? (
          <SelectField label="Organisation" name="orgId" required defaultValue={org} options={orgOptions.map((o) => ({ value: o, label: o }))} problem={problem} />
        ) : (
          <TextField label="Organisation" name="orgId" required defaultValue={org} spellcheck={false} problem={problem} />
        )}
        <SelectField
          label="Jurisdiction"
          name="jurisdiction"
          optional
          defaultValue=""
          hint="Leave as the org's default unless the requester is under another law."
          options={[{ value: "", label: "The org's default" }, ...JURISDICTIONS.map((j) => ({ value: j, label: j }))]}
          problem={problem}
        />

        {type === "org-offboarding" ? (
          <Fieldset legend="Confirm offboarding" problem={problem} errorPath="confirmation">
            <CheckboxField
              label="I confirm: erase all of this organisation's data, as it leaves the platform"
              name="confirmOffboarding"
              required
              hint="This concerns the whole organisation, not one person."
            />
          </Fieldset>
        ) : (
          <Fieldset legend="Who the request is about" hint="At least one identifier." problem={problem} errorPath="subject" exact>
            <TextField label="Contact id" name="subject.contactId" optional spellcheck={false} problem={problem} />
            <TextField label="User id" name="subject.userId" optional spellcheck={false} problem={problem} />
            <TextField label="Phone" name="subject.phone" type="tel" optional autoComplete="off" hint="International (+44…) or the org's national format." problem={problem} />
            <TextField label="Email" name="subject.email" type="email" optional autoComplete="off" problem={problem} />
          </Fieldset>
        )}

        {type === "restriction" ? (
          <SelectField label="Ground for restriction" name="ground" required options={RESTRICTION_GROUNDS.map((g) => ({ value: g, label: humanize(g) }))} problem={problem} hint="Art. 18(1)" />
        ) : null}

        {type === "objection" || type === "consent-withdrawal" ? (
          <Fieldset legend="Purposes" hint="What the data may no longer be used for." problem={problem} errorPath="purposes">
            {SUPPRESSION_PURPOSES.map((p) => (
              <Choice key={p} type="checkbox" name="purposes" value={p} label={humanize(p)} />
            ))}
          </Fieldset>
        ) : null}
        {type === "consent-withdrawal" ? <CheckboxField label="Also erase the data processed on consent" name="erase" problem={problem} /> : null}

        {type === "rectification" ? (
          <Fieldset legend="Changes" hint="Each field to correct and its new value; leave the value empty to clear the field." problem={problem} errorPath="changes" exact>
            {rows.map((row, i) => (
              <div class="row-editor" key={row.key}>
                <TextField label={`Field ${i + 1}`} name={`change-${row.key}-field`} required spellcheck={false} problem={problem} errorPath={`changes.${i}.field`} />
                <TextField label={`New value ${i + 1}`} name={`change-${row.key}-value`} problem={problem} errorPath={`changes.${i}.value`} />
                <Button
                  variant="subtle"
                  disabled={rows.length === 1}
                  aria-label={`Remove change ${i + 1}`}
                  onClick={() => {
                    setRows((all) => all.filter((r) => r.key !== row.key));
                  }}
                >
                  Remove
                </Button>
              </div>
            ))}
            <Button
              onClick={() => {
                setRows((all) => [...all, { key: nextRow }]);
                setNextRow((n) => n + 1);
              }}
            >
              Add a change
            </Button>
          </Fieldset>
        ) : null}

        {type === "portability" ? (
          <TextField
            label="Destination"
            name="destination"
            type="url"
            optional
            spellcheck={false}
            hint="Another controller's storage URL with its SAS; without one the package is kept here for download."
            problem={problem}
          />
        ) : null}

        {type === "erasure" ? (
          <Fieldset legend="Categories" hint="Only these categories of the data map; none ticked: every category." problem={problem} errorPath="categories">
            {dataMap.data === undefined ? <p class="muted">{dataMap.loading ? "Loading the data map…" : "The data map could not be loaded; every category will be erased."}</p> : null}
            {dataMap.data?.categories.map((c) => <Choice key={c.id} type="checkbox" name="categories" value={c.id} label={`${c.id}: ${c.description}`} />)}
          </Fieldset>
        ) : null}

        <Fieldset legend="Verification" problem={problem} errorPath="verification" exact>
          <Choice
            type="radio"
            name="verificationMethod"
            value="code"
            label="Verify with a code sent to the requester"
            checked={verification === "code"}
            onChange={(on) => {
              if (on) setVerification("code");
            }}
          />
          <Choice
            type="radio"
            name="verificationMethod"
            value="attested"
            label="Identity already checked (attested)"
            checked={verification === "attested"}
            onChange={(on) => {
              if (on) setVerification("attested");
            }}
          />
          {verification === "attested" ? <TextField label="Checked by" name="verification.by" required hint="Who checked the identity, and how (no personal data)." problem={problem} /> : null}
        </Fieldset>

        <TextField label="Reason" name="reason" optional hint="Why, in words without personal data." maxLength={200} problem={problem} />
        <TextArea label="Note" name="note" optional maxLength={2000} problem={problem} />
        <TextField label="Received at" name="receivedAt" type="datetime-local" optional hint="When the requester asked, if not now." problem={problem} />

        <div class="form-actions">
          <Button type="submit" variant="primary" busy={submit.busy}>
            {submit.busy ? "Opening…" : "Open request"}
          </Button>
        </div>
        <ProblemDetails problem={problem} heading="The request was not opened" />
      </form>
    </>
  );
}

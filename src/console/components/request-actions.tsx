import { api, ApiProblem, engine } from "../api.js";
import { useConsole } from "../context.js";
import { formatDateTime, humanize } from "../format.js";
import { REJECTION_REASONS, type RejectionReason, type RequestView } from "../types.js";
import { ActionForm } from "./action-form.js";
import { SelectField, TextArea, TextField, textOf } from "./fields.js";
import { Section } from "./page.js";

// The decisions on a request, each shown only when the request's state allows it AND the
// caller's actions (GET /api/me) include it: send a code, verify with it, attest the identity,
// extend the deadline, reject, cancel, lift a restriction. The engine checks both again (and,
// for an attestation, whether the role may attest and the org allows it); its answer is shown as is.

const isRejection = (value: string | undefined): value is RejectionReason => REJECTION_REASONS.some((r) => r === value);

/** POST /api/requests/{id}/attest (not among api.ts's wrappers yet). */
const attest = (id: string, by: string) => api<RequestView>("POST", `requests/${encodeURIComponent(id)}/attest`, { body: { by } });

export function RequestActions(props: { readonly request: RequestView; readonly onChanged: (what: string) => void }) {
  const { may } = useConsole();
  const r = props.request;
  const awaiting = r.status === "awaiting-verification";
  const decidable = awaiting || r.status === "queued";
  const open = decidable || r.status === "in-progress";
  const code = r.verification.code;
  const codeUsable = code !== undefined && !code.locked && Date.parse(code.expiresAt) > Date.now();

  const forms = [
    awaiting && may("request:verify") ? (
      <ActionForm
        key="send"
        title="Send a code"
        description={
          code === undefined ? (
            <p>The messaging service sends a six-digit code to the requester; it never shows here.</p>
          ) : (
            <p>
              A code was sent {formatDateTime(code.issuedAt)}; it expires {formatDateTime(code.expiresAt)}
              {code.locked ? " and is locked after too many wrong tries" : `, ${code.attemptsUsed} tries used`}. Sending again replaces it.
            </p>
          )
        }
        submitLabel={code === undefined ? "Send code" : "Send a new code"}
        onSubmit={() => engine.sendCode(r.id)}
        onDone={() => {
          props.onChanged("A verification code was sent to the requester.");
        }}
      />
    ) : null,
    awaiting && may("request:verify") && codeUsable ? (
      <ActionForm
        key="verify"
        title="Verify with the code"
        description={<p>Enter the code the requester read back to you.</p>}
        submitLabel="Verify"
        variant="primary"
        onSubmit={(data) => engine.verify(r.id, textOf(data, "code") ?? "")}
        onDone={() => {
          props.onChanged("The requester is verified; the request is queued.");
        }}
      >
        {(problem) => <TextField label="Verification code" name="code" required inputMode="numeric" pattern="[0-9]{6}" maxLength={6} autoComplete="one-time-code" hint="Six digits" problem={problem} />}
      </ActionForm>
    ) : null,
    awaiting && may("request:verify") ? (
      <ActionForm
        key="attest"
        title="Attest identity"
        collapsed
        description={
          <p>
            If the requester's identity was checked another way (in person, on a call against the account), record who checked it: the request is queued at once. Only the roles the
            engine lets attest may do this, and an org may require a code for access and portability.
          </p>
        }
        submitLabel="Attest identity"
        onSubmit={(data) => attest(r.id, textOf(data, "by") ?? "")}
        onDone={() => {
          props.onChanged("The requester's identity is attested; the request is queued.");
        }}
      >
        {(problem) => <TextField label="Checked by" name="by" required maxLength={128} hint="Who checked the identity, and how (no personal data)." problem={problem} />}
      </ActionForm>
    ) : null,
    open && r.extension === undefined && may("request:extend") ? (
      <ActionForm
        key="extend"
        title="Extend the deadline"
        collapsed
        description={<p>Once, before the original due date, within the jurisdiction's limit. The requester must be told why.</p>}
        submitLabel="Extend"
        onSubmit={(data) => engine.extend(r.id, textOf(data, "reason") ?? "")}
        onDone={() => {
          props.onChanged("The deadline was extended.");
        }}
      >
        {(problem) => <TextArea label="Reason for the extension" name="reason" required minLength={3} maxLength={2000} problem={problem} hint="No personal data; at least 3 characters." />}
      </ActionForm>
    ) : null,
    decidable && may("request:reject") ? (
      <ActionForm
        key="reject"
        title="Reject the request"
        collapsed
        variant="danger"
        submitLabel="Reject"
        onSubmit={(data) => {
          const reason = textOf(data, "reason");
          if (!isRejection(reason)) {
            return Promise.reject(new ApiProblem({ status: 0, title: "Choose a reason", detail: "", reason: "missing-reason", errors: [{ path: "reason", message: "choose a reason" }] }));
          }
          return engine.reject(r.id, reason, textOf(data, "detail") ?? "");
        }}
        onDone={() => {
          props.onChanged("The request was rejected.");
        }}
      >
        {(problem) => (
          <>
            <SelectField label="Rejection reason" name="reason" required options={[{ value: "", label: "Choose a reason" }, ...REJECTION_REASONS.map((v) => ({ value: v, label: humanize(v) }))]} problem={problem} errorPath="reason" />
            <TextArea label="Detail" name="detail" required maxLength={2000} problem={problem} hint="What the requester is told, without personal data." />
          </>
        )}
      </ActionForm>
    ) : null,
    decidable && may("request:cancel") ? (
      <ActionForm
        key="cancel"
        title="Cancel the request"
        collapsed
        variant="danger"
        submitLabel="Cancel request"
        onSubmit={(data) => engine.cancel(r.id, textOf(data, "reason"))}
        onDone={() => {
          props.onChanged("The request was cancelled.");
        }}
      >
        {(problem) => <TextArea label="Reason for cancelling" name="reason" optional maxLength={2000} problem={problem} />}
      </ActionForm>
    ) : null,
    r.type === "restriction" && r.status === "completed" && r.restriction?.state === "in-force" && may("request:lift") ? (
      <ActionForm
        key="lift"
        title="Lift the restriction"
        collapsed
        description={<p>The requester is told first (Art. 18(3)); the markers come off after.</p>}
        submitLabel="Lift restriction"
        onSubmit={(data) => engine.lift(r.id, textOf(data, "reason") ?? "")}
        onDone={() => {
          props.onChanged("The lift notice is on its way; the restriction comes off after it.");
        }}
      >
        {(problem) => <TextArea label="Reason for lifting" name="reason" required minLength={3} maxLength={2000} problem={problem} />}
      </ActionForm>
    ) : null,
  ].filter((f) => f !== null);

  if (forms.length === 0) return null;
  return (
    <Section title="Actions">
      <div class="actions-grid">{forms}</div>
    </Section>
  );
}

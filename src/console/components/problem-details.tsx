import type { ApiProblem } from "../api.js";

// An ApiProblem field by field: what failed (title, status), why (detail, reason) and, for an
// invalid body, each field's message. Announced to screen readers as it appears.

export function ProblemDetails(props: { readonly problem: ApiProblem | undefined; readonly heading?: string }) {
  const { problem } = props;
  if (problem === undefined) return null;
  return (
    <div class="problem" role="alert">
      <p class="problem-title">
        <strong>{props.heading ?? problem.title}</strong>
        {problem.status > 0 ? <span class="problem-status"> (HTTP {problem.status})</span> : null}
      </p>
      {problem.detail !== "" && problem.detail !== problem.title ? <p>{problem.detail}</p> : null}
      <dl class="problem-fields">
        {props.heading !== undefined ? (
          <>
            <dt>Problem</dt>
            <dd>{problem.title}</dd>
          </>
        ) : null}
        <dt>Reason</dt>
        <dd>
          <code>{problem.reason}</code>
        </dd>
      </dl>
      {problem.errors.length > 0 ? (
        <ul class="problem-errors" aria-label="Field errors">
          {problem.errors.map((e) => (
            <li key={`${e.path}:${e.message}`}>
              <code>{e.path}</code>: {e.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

import type { ComponentChildren } from "preact";
import { useId, useRef } from "preact/hooks";
import { useSubmit } from "../hooks.js";
import type { ApiProblem } from "../api.js";
import { Button } from "./fields.js";
import { ProblemDetails } from "./problem-details.js";

// A small form for one call (verify, extend, reject, ...): its heading names the form, the
// fields get the failed call's messages, the problem shows in full under the button, and a
// second click while the call runs does nothing. `collapsed` puts it behind a disclosure.

export function ActionForm(props: {
  readonly title: string;
  readonly description?: ComponentChildren;
  readonly submitLabel: string;
  readonly variant?: "primary" | "secondary" | "danger";
  readonly collapsed?: boolean;
  readonly onSubmit: (data: FormData) => Promise<unknown>;
  readonly onDone: () => void;
  readonly children?: (problem: ApiProblem | undefined) => ComponentChildren;
}) {
  const submit = useSubmit();
  const headingId = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const body = (
    <form
      ref={formRef}
      aria-labelledby={headingId}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const data = new FormData(form);
        void submit
          .run(() => props.onSubmit(data))
          .then((ok) => {
            if (ok) {
              form.reset();
              props.onDone();
            }
          });
      }}
    >
      {props.description === undefined ? null : <div class="muted">{props.description}</div>}
      {props.children?.(submit.problem)}
      <div class="form-actions">
        <Button type="submit" variant={props.variant ?? "secondary"} busy={submit.busy}>
          {props.submitLabel}
        </Button>
      </div>
      <ProblemDetails problem={submit.problem} />
    </form>
  );
  if (props.collapsed === true) {
    return (
      <details class="action">
        <summary id={headingId}>{props.title}</summary>
        {body}
      </details>
    );
  }
  return (
    <div class="action">
      <h3 id={headingId}>{props.title}</h3>
      {body}
    </div>
  );
}

import type { ComponentChildren } from "preact";
import { useId } from "preact/hooks";
import type { ApiProblem } from "../api.js";

// Form fields, each with its <label>, an optional hint and the engine's messages for it (from a
// problem's `errors`, matched by path) tied to the control with aria-describedby.

interface Common {
  readonly label: string;
  readonly name: string;
  readonly hint?: string;
  readonly required?: boolean;
  /** Marks the label "(optional)" (filters are neither required nor marked). */
  readonly optional?: boolean;
  /** The failed call whose field errors to show; `errorPath` (default: name) picks them. */
  readonly problem?: ApiProblem | undefined;
  readonly errorPath?: string;
  readonly disabled?: boolean;
}

function useField(props: Common) {
  const id = useId();
  const errors = props.problem?.forField(props.errorPath ?? props.name) ?? [];
  const hintId = props.hint === undefined ? undefined : `${id}-hint`;
  const errorId = errors.length === 0 ? undefined : `${id}-error`;
  const describedBy = [hintId, errorId].filter((v) => v !== undefined).join(" ") || undefined;
  const below = (
    <>
      {props.hint === undefined ? null : (
        <p class="hint" id={hintId}>
          {props.hint}
        </p>
      )}
      {errors.length === 0 ? null : (
        <p class="field-error" id={errorId}>
          {errors.map((e) => e.message).join("; ")}
        </p>
      )}
    </>
  );
  return { id, describedBy, invalid: errors.length > 0 ? true : undefined, below };
}

function LabelText(props: { readonly label: string; readonly optional?: boolean | undefined }) {
  return (
    <>
      {props.label}
      {props.optional === true ? <span class="optional"> (optional)</span> : null}
    </>
  );
}

export function TextField(
  props: Common & {
    readonly type?: "text" | "email" | "tel" | "date" | "month" | "datetime-local" | "url" | "password" | "search" | "number";
    readonly defaultValue?: string;
    readonly value?: string;
    readonly onInput?: (value: string) => void;
    readonly autoComplete?: string;
    readonly inputMode?: "numeric" | "text" | "email" | "tel" | "url";
    readonly pattern?: string;
    readonly maxLength?: number;
    readonly minLength?: number;
    readonly placeholder?: string;
    readonly spellcheck?: boolean;
  },
) {
  const f = useField(props);
  // Preact types <input> as a union keyed by `type`; each of ours takes the attributes given here.
  const inputType = (props.type ?? "text") as "text";
  return (
    <div class="field">
      <label for={f.id}>
        <LabelText label={props.label} optional={props.optional} />
      </label>
      <input
        id={f.id}
        name={props.name}
        type={inputType}
        required={props.required}
        disabled={props.disabled}
        defaultValue={props.defaultValue}
        value={props.value}
        onInput={props.onInput === undefined ? undefined : (e) => props.onInput?.(e.currentTarget.value)}
        autoComplete={props.autoComplete ?? "off"}
        inputMode={props.inputMode}
        pattern={props.pattern}
        maxLength={props.maxLength}
        minLength={props.minLength}
        placeholder={props.placeholder}
        spellcheck={props.spellcheck}
        aria-describedby={f.describedBy}
        aria-invalid={f.invalid}
      />
      {f.below}
    </div>
  );
}

export function TextArea(props: Common & { readonly defaultValue?: string; readonly rows?: number; readonly maxLength?: number; readonly minLength?: number }) {
  const f = useField(props);
  return (
    <div class="field">
      <label for={f.id}>
        <LabelText label={props.label} optional={props.optional} />
      </label>
      <textarea
        id={f.id}
        name={props.name}
        rows={props.rows ?? 3}
        required={props.required}
        disabled={props.disabled}
        defaultValue={props.defaultValue}
        maxLength={props.maxLength}
        minLength={props.minLength}
        aria-describedby={f.describedBy}
        aria-invalid={f.invalid}
      />
      {f.below}
    </div>
  );
}

export interface Option {
  readonly value: string;
  readonly label: string;
}

export function SelectField(
  props: Common & {
    readonly options: readonly Option[];
    readonly defaultValue?: string;
    readonly value?: string;
    readonly onChange?: (value: string) => void;
  },
) {
  const f = useField(props);
  return (
    <div class="field">
      <label for={f.id}>
        <LabelText label={props.label} optional={props.optional} />
      </label>
      <select
        id={f.id}
        name={props.name}
        required={props.required}
        disabled={props.disabled}
        value={props.value}
        onChange={props.onChange === undefined ? undefined : (e) => props.onChange?.(e.currentTarget.value)}
        aria-describedby={f.describedBy}
        aria-invalid={f.invalid}
      >
        {props.options.map((o) => (
          // A <select> has no defaultValue property: the default is the option marked selected.
          <option key={o.value} value={o.value} selected={props.value === undefined && props.defaultValue !== undefined ? o.value === props.defaultValue : undefined}>
            {o.label}
          </option>
        ))}
      </select>
      {f.below}
    </div>
  );
}

export function CheckboxField(props: Common & { readonly defaultChecked?: boolean; readonly value?: string; readonly checked?: boolean; readonly onChange?: (checked: boolean) => void }) {
  const f = useField(props);
  return (
    <div class="field field-check">
      <input
        id={f.id}
        type="checkbox"
        name={props.name}
        value={props.value ?? "on"}
        required={props.required}
        disabled={props.disabled}
        defaultChecked={props.defaultChecked}
        checked={props.checked}
        onChange={props.onChange === undefined ? undefined : (e) => props.onChange?.(e.currentTarget.checked)}
        aria-describedby={f.describedBy}
        aria-invalid={f.invalid}
      />
      <label for={f.id}>{props.label}</label>
      {f.below}
    </div>
  );
}

/** A group of checkboxes or radios under one legend (purposes, verification method, ...). */
export function Fieldset(props: {
  readonly legend: string;
  readonly hint?: string;
  readonly problem?: ApiProblem | undefined;
  readonly errorPath?: string;
  /** Only messages about `errorPath` itself, not its sub-fields (those show at their own fields). */
  readonly exact?: boolean;
  readonly children: ComponentChildren;
}) {
  const id = useId();
  const path = props.errorPath;
  const all = path === undefined ? [] : (props.problem?.forField(path) ?? []);
  const errors = props.exact === true ? all.filter((e) => e.path === path) : all;
  return (
    <fieldset class="fieldset" aria-describedby={errors.length > 0 ? `${id}-error` : props.hint === undefined ? undefined : `${id}-hint`}>
      <legend>{props.legend}</legend>
      {props.hint === undefined ? null : (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      )}
      {props.children}
      {errors.length === 0 ? null : (
        <p class="field-error" id={`${id}-error`}>
          {errors.map((e) => e.message).join("; ")}
        </p>
      )}
    </fieldset>
  );
}

export function Choice(props: {
  readonly type: "checkbox" | "radio";
  readonly name: string;
  readonly value: string;
  readonly label: string;
  readonly checked?: boolean;
  readonly defaultChecked?: boolean;
  readonly onChange?: (checked: boolean) => void;
}) {
  const id = useId();
  return (
    <div class="choice">
      <input
        id={id}
        type={props.type}
        name={props.name}
        value={props.value}
        checked={props.checked}
        defaultChecked={props.defaultChecked}
        onChange={props.onChange === undefined ? undefined : (e) => props.onChange?.(e.currentTarget.checked)}
      />
      <label for={id}>{props.label}</label>
    </div>
  );
}

export function Button(props: {
  readonly children: ComponentChildren;
  readonly type?: "button" | "submit";
  readonly variant?: "primary" | "secondary" | "danger" | "subtle";
  readonly onClick?: () => void;
  readonly busy?: boolean;
  readonly disabled?: boolean;
  readonly "aria-label"?: string;
  readonly "aria-describedby"?: string;
}) {
  return (
    <button
      type={props.type ?? "button"}
      class={`button button-${props.variant ?? "secondary"}`}
      onClick={props.onClick}
      // Busy stays focusable (a disabled button drops the focus); the form ignores clicks meanwhile.
      disabled={props.disabled}
      aria-disabled={props.busy === true ? "true" : undefined}
      aria-busy={props.busy === true ? true : undefined}
      aria-label={props["aria-label"]}
      aria-describedby={props["aria-describedby"]}
    >
      {props.children}
    </button>
  );
}

/** FormData's text value, trimmed; undefined when empty. */
export function textOf(data: FormData, name: string): string | undefined {
  const value = data.get(name);
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

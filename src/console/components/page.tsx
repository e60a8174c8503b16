import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";

// A page's heading (the one <h1>, focusable so the shell can move focus to it after a
// navigation) and the document title; a loading note announced politely.

export function PageHeader(props: { readonly title: string; readonly children?: ComponentChildren; readonly lead?: string }) {
  useEffect(() => {
    document.title = `${props.title} · Privacy console`;
  }, [props.title]);
  return (
    <div class="page-header">
      <div>
        <h1 tabIndex={-1}>{props.title}</h1>
        {props.lead === undefined ? null : <p class="lead">{props.lead}</p>}
      </div>
      {props.children === undefined ? null : <div class="page-actions">{props.children}</div>}
    </div>
  );
}

export function Loading(props: { readonly label?: string }) {
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {props.label ?? "Loading…"}
    </p>
  );
}

export function Empty(props: { readonly children: ComponentChildren }) {
  return <p class="empty">{props.children}</p>;
}

export function Section(props: { readonly title: string; readonly children: ComponentChildren; readonly id?: string; readonly actions?: ComponentChildren }) {
  const headingId = `${props.id ?? props.title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-heading`;
  return (
    <section class="card" aria-labelledby={headingId}>
      <div class="card-header">
        <h2 id={headingId}>{props.title}</h2>
        {props.actions}
      </div>
      {props.children}
    </section>
  );
}

/** A definition list of label/value pairs. */
export function Facts(props: { readonly items: readonly (readonly [string, ComponentChildren] | undefined | false)[] }) {
  return (
    <dl class="facts">
      {props.items.map((item) =>
        item === undefined || item === false ? null : (
          <div class="fact" key={item[0]}>
            <dt>{item[0]}</dt>
            <dd>{item[1]}</dd>
          </div>
        ),
      )}
    </dl>
  );
}

/** A table's scrolling frame: focusable and named, so keyboard users can scroll it sideways. */
export function TableWrap(props: { readonly label: string; readonly children: ComponentChildren }) {
  return (
    <div class="table-wrap" role="region" aria-label={props.label} tabIndex={0}>
      {props.children}
    </div>
  );
}

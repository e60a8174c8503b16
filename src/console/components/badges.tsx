import { daysLeftText, statusLabel } from "../format.js";
import type { DeadlineState, RequestStatus } from "../types.js";

// Badges: deadline state and request status. Each says its state in words (and a glyph), so
// colour is never the only cue.

const DEADLINE: Readonly<Record<DeadlineState, { text: string; glyph: string }>> = {
  "on-track": { text: "On track", glyph: "●" },
  "due-soon": { text: "Due soon", glyph: "▲" },
  overdue: { text: "Overdue", glyph: "■" },
};

export function DeadlineBadge(props: { readonly state: DeadlineState; readonly days?: number; readonly closed?: boolean }) {
  const d = DEADLINE[props.state];
  const extra = props.closed === true ? " (closed)" : props.days === undefined ? "" : `, ${daysLeftText(props.days).toLowerCase()}`;
  return (
    <span class={`badge deadline-${props.state}`}>
      <span aria-hidden="true" class="badge-glyph">
        {d.glyph}
      </span>
      {d.text}
      <span class="visually-hidden">{extra}</span>
    </span>
  );
}

const STATUS_TONE: Readonly<Record<RequestStatus, string>> = {
  "awaiting-verification": "warning",
  queued: "info",
  "in-progress": "info",
  completed: "success",
  rejected: "neutral",
  cancelled: "neutral",
  failed: "danger",
};

export function StatusBadge(props: { readonly status: RequestStatus }) {
  return <span class={`badge tone-${STATUS_TONE[props.status]}`}>{statusLabel(props.status)}</span>;
}

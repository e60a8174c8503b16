import { useId } from "preact/hooks";
import { formatNumber } from "../format.js";

// Charts as inline SVG (no chart library). Each is a <figure>: the SVG is one image named by
// its caption and described in words, and the same numbers follow as a table for anyone who
// cannot see the picture. The SVGs take the width they are given and place marks in percent,
// so text keeps its size on a phone instead of shrinking with a viewBox. Colours meet 3:1
// against white; the legend names each series.

export interface Bar {
  readonly label: string;
  readonly value: number;
}

const COLOURS = ["#0f6cbd", "#5c5c5c"];
const pct = (n: number) => `${Math.round(n * 100) / 100}%`;

/** Horizontal bars, one per label. */
export function BarChart(props: { readonly title: string; readonly bars: readonly Bar[]; readonly unit?: string }) {
  const id = useId();
  const unit = props.unit ?? "requests";
  const rowH = 28;
  const height = Math.max(1, props.bars.length) * rowH + 4;
  const max = Math.max(1, ...props.bars.map((b) => b.value));
  // Labels end at 40%, bars run from 41% to at most 88%, the value follows the bar.
  const start = 41;
  const span = 47;
  return (
    <figure class="chart-figure">
      <figcaption id={`${id}-cap`}>
        <h3>{props.title}</h3>
      </figcaption>
      <svg class="chart" width="100%" height={height} role="img" aria-labelledby={`${id}-cap ${id}-desc`}>
        <desc id={`${id}-desc`}>{props.bars.map((b) => `${b.label}: ${formatNumber(b.value)} ${unit}`).join("; ")}</desc>
        <line class="axis" x1={pct(start - 0.5)} x2={pct(start - 0.5)} y1="0" y2={height} />
        {props.bars.map((b, i) => {
          const y = i * rowH + 2;
          const w = (b.value / max) * span;
          return (
            <g key={b.label}>
              <text x={pct(start - 2)} y={y + rowH / 2 + 4} text-anchor="end">
                {b.label}
              </text>
              {b.value > 0 ? <rect x={pct(start)} y={y + 5} width={pct(Math.max(w, 0.5))} height={rowH - 10} fill={COLOURS[0]} rx="2" /> : null}
              <text x={pct(start + w + 1.5)} y={y + rowH / 2 + 4}>
                {formatNumber(b.value)}
              </text>
            </g>
          );
        })}
      </svg>
      <DataTable title={props.title} head={["", unit]} rows={props.bars.map((b) => [b.label, formatNumber(b.value)])} />
    </figure>
  );
}

export interface Series {
  readonly name: string;
  readonly values: readonly number[];
}

/** Columns per category (months, YYYY-MM), the series side by side. */
export function ColumnChart(props: { readonly title: string; readonly categories: readonly string[]; readonly series: readonly Series[] }) {
  const id = useId();
  const n = Math.max(1, props.categories.length);
  const plotH = 160;
  const top = 10;
  const height = top + plotH + 40;
  // The plot runs from 9% (tick labels to its left) to 100%.
  const left = 9;
  const group = (100 - left) / n;
  const col = (group * 0.7) / Math.max(1, props.series.length);
  const max = Math.max(1, ...props.series.flatMap((s) => s.values));
  const ticks = [...new Set([0, Math.round(max / 2), max])];
  const description = props.categories.map((c, i) => `${c}: ${props.series.map((s) => `${s.name} ${formatNumber(s.values[i] ?? 0)}`).join(", ")}`).join("; ");
  return (
    <figure class="chart-figure">
      <figcaption id={`${id}-cap`}>
        <h3>{props.title}</h3>
      </figcaption>
      <svg class="chart" width="100%" height={height} role="img" aria-labelledby={`${id}-cap ${id}-desc`}>
        <desc id={`${id}-desc`}>{description}</desc>
        {ticks.map((t) => {
          const y = top + plotH - (t / max) * plotH;
          return (
            <g key={t}>
              <line class="axis" x1={pct(left - 1)} x2="100%" y1={y} y2={y} stroke-dasharray={t === 0 ? undefined : "2 3"} />
              <text x={pct(left - 2)} y={y + 4} text-anchor="end">
                {formatNumber(t)}
              </text>
            </g>
          );
        })}
        {props.categories.map((c, i) => {
          const x0 = left + i * group + group * 0.15;
          const mid = left + i * group + group / 2;
          return (
            <g key={c}>
              {props.series.map((s, j) => {
                const v = s.values[i] ?? 0;
                const h = Math.round((v / max) * plotH);
                return h === 0 ? null : <rect key={s.name} x={pct(x0 + j * col)} y={top + plotH - h} width={pct(col * 0.92)} height={h} fill={COLOURS[j % COLOURS.length]} />;
              })}
              <text x={pct(mid)} y={top + plotH + 16} text-anchor="middle">
                {c.slice(5)}
              </text>
              {i === 0 || c.endsWith("-01") ? (
                <text x={pct(mid)} y={top + plotH + 32} text-anchor="middle">
                  {c.slice(0, 4)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      {props.series.length > 1 ? (
        <ul class="chart-legend" aria-label="Legend">
          {props.series.map((s, j) => (
            <li key={s.name}>
              <span class={`swatch swatch-${j}`} aria-hidden="true" />
              {s.name}
            </li>
          ))}
        </ul>
      ) : null}
      <DataTable
        title={props.title}
        head={["Month", ...props.series.map((s) => s.name)]}
        rows={props.categories.map((c, i) => [c, ...props.series.map((s) => formatNumber(s.values[i] ?? 0))])}
      />
    </figure>
  );
}

function DataTable(props: { readonly title: string; readonly head: readonly string[]; readonly rows: readonly (readonly string[])[] }) {
  return (
    <details class="chart-data">
      <summary>{`Show the numbers: ${props.title.toLowerCase()}`}</summary>
      <table>
        <caption class="visually-hidden">{props.title}</caption>
        <thead>
          <tr>
            {props.head.map((h, i) => (
              <th key={i} scope="col" class={i === 0 ? undefined : "num"}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={r[0]}>
              {r.map((cell, i) =>
                i === 0 ? (
                  <th key={i} scope="row">
                    {cell}
                  </th>
                ) : (
                  <td key={i} class="num">
                    {cell}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

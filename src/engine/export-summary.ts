import type { Category } from "../domain/data-map.js";
import type { PrivacyRequestRecord } from "../domain/privacy-request.js";

// The readable summary in every package (GDPR Art. 15(1)-(2)): what categories of data, how many
// records, for which purposes, shared with whom, kept how long, from where, on what basis, and
// the person's other rights. Everything interpolated is escaped.

export interface SummaryInput {
  readonly request: PrivacyRequestRecord;
  readonly kind: "access" | "portability";
  readonly categories: readonly { category: Category; counts: { items: number; files: number; rows: number } }[];
  readonly generatedAt: string;
  /** The controller's name, from the platform's organizations item; absent: "the organisation". */
  readonly orgName?: string;
}

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

const list = (items: readonly string[]) => `<ul>${items.map((i) => `<li>${escape(i)}</li>`).join("")}</ul>`;

export function renderSummary(input: SummaryInput): string {
  const { request, kind } = input;
  const title = kind === "access" ? "Your personal data: a copy (right of access)" : "Your personal data in a portable format (right to data portability)";
  const rows = input.categories
    .map(({ category, counts }) => {
      const held = [
        counts.items > 0 ? `${counts.items} record${counts.items === 1 ? "" : "s"}` : "",
        counts.files > 0 ? `${counts.files} file${counts.files === 1 ? "" : "s"}` : "",
        counts.rows > 0 ? `${counts.rows} imported row${counts.rows === 1 ? "" : "s"}` : "",
      ].filter((s) => s !== "");
      return `<section>
<h2>${escape(category.description)}</h2>
<table>
<tr><th>What we hold</th><td>${escape(held.length === 0 ? "nothing" : held.join(", "))} (see <code>data/${escape(category.id)}*</code>${counts.files > 0 ? " and <code>files/</code>" : ""})</td></tr>
<tr><th>Purposes</th><td>${list(category.purposes)}</td></tr>
<tr><th>Legal basis</th><td>${escape(category.lawfulBasis)}</td></tr>
<tr><th>Recipients</th><td>${list(category.recipients)}</td></tr>
<tr><th>How long we keep it</th><td>${escape(category.retention)}</td></tr>
<tr><th>Where it came from</th><td>${escape(category.source)}</td></tr>
</table>
</section>`;
    })
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.45}th{text-align:left;vertical-align:top;padding-right:1rem;width:12rem}td ul{margin:0;padding-left:1.1rem}section{border-top:1px solid #ccc;margin-top:1.5rem}</style>
</head>
<body>
<h1>${escape(title)}</h1>
<p>Request ${escape(request.id)}, received ${escape(request.receivedAt.slice(0, 10))}, answered under ${escape(request.jurisdiction)}. Package made ${escape(input.generatedAt)}.</p>
<p>This package holds the personal data that ${input.orgName === undefined || input.orgName === "" ? "the organisation" : escape(input.orgName)} (the controller) keeps about you on its WhatsApp engagement platform${kind === "portability" ? ", limited to the data you provided, in structured, machine-readable formats (JSON and CSV; see README.txt and schema.json)" : ""}.</p>
${rows.length === 0 ? "<p>We found no personal data about you.</p>" : rows}
<section>
<h2>Your rights</h2>
<p>You may ask for your data to be corrected, erased or restricted, object to its use (always, for direct marketing), withdraw consent at any time, receive the data you provided in a portable format, and complain to a data protection authority.</p>
</section>
</body>
</html>
`;
}

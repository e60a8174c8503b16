import { engine } from "../api.js";
import { Loading, PageHeader, Section, TableWrap } from "../components/page.js";
import { ProblemDetails } from "../components/problem-details.js";
import { useLoad } from "../hooks.js";
import { humanize } from "../format.js";
import type { DataMap } from "../types.js";

// The active data map (GET /api/data-map): categories with purpose, lawful basis and retention,
// the containers and blob layouts holding them and what erasure does there, and the fields a
// subject may have corrected.

export function DataMapPage() {
  const map = useLoad((signal) => engine.dataMap(signal), []);
  return (
    <>
      <PageHeader title="Data map" lead="Where the platform keeps data about people, and what each category means for export and erasure." />
      {map.loading ? <Loading label="Loading the data map…" /> : null}
      <ProblemDetails problem={map.problem} heading="The data map could not be loaded" />
      {map.data === undefined ? null : <MapView map={map.data} />}
    </>
  );
}

function erasureText(erasure: DataMap["containers"][number]["erasure"]): string {
  switch (erasure.action) {
    case "delete":
      return "Delete";
    case "anonymise":
      return `Anonymise ${erasure.fields.map((f) => f.path).join(", ")} (${erasure.reason})`;
    case "keep":
      return `Keep (${erasure.reason})`;
  }
}

function MapView(props: { readonly map: DataMap }) {
  const m = props.map;
  return (
    <>
      <Section title={`Categories (${m.categories.length})`}>
        <TableWrap label="Categories">
          <table>
            <thead>
              <tr>
                <th scope="col">Category</th>
                <th scope="col">Description</th>
                <th scope="col">Purposes</th>
                <th scope="col">Lawful basis</th>
                <th scope="col">Retention</th>
                <th scope="col">Recipients</th>
                <th scope="col">Source</th>
              </tr>
            </thead>
            <tbody>
              {m.categories.map((c) => (
                <tr key={c.id}>
                  <th scope="row" class="mono">
                    {c.id}
                  </th>
                  <td>{c.description}</td>
                  <td>{c.purposes.join(", ")}</td>
                  <td>{humanize(c.lawfulBasis)}</td>
                  <td>{c.retention}</td>
                  <td>{c.recipients.length === 0 ? "—" : c.recipients.join(", ")}</td>
                  <td>{c.source}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      </Section>
      <Section title={`Containers (${m.containers.length})`}>
        <TableWrap label="Containers">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Where</th>
                <th scope="col">Category</th>
                <th scope="col">Found by</th>
                <th scope="col">Personal fields</th>
                <th scope="col">On erasure</th>
              </tr>
            </thead>
            <tbody>
              {m.containers.map((c) => (
                <tr key={c.name}>
                  <th scope="row" class="mono">
                    {c.name}
                  </th>
                  <td class="mono">
                    {c.database}/{c.container}
                  </td>
                  <td class="mono">{c.category}</td>
                  <td class="mono">{c.matches.map((k) => `${k.path} (${k.kind})`).join(", ")}</td>
                  <td class="mono">{c.personalFields.join(", ")}</td>
                  <td>{erasureText(c.erasure)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      </Section>
      <Section title={`Blob layouts (${m.blobs.length})`}>
        <TableWrap label="Blob layouts">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Container</th>
                <th scope="col">Path</th>
                <th scope="col">Category</th>
                <th scope="col">Content</th>
              </tr>
            </thead>
            <tbody>
              {m.blobs.map((b) => (
                <tr key={b.name}>
                  <th scope="row" class="mono">
                    {b.name}
                  </th>
                  <td class="mono">{b.container}</td>
                  <td class="mono">{b.pathTemplate}</td>
                  <td class="mono">{b.category}</td>
                  <td>{b.content.type === "file" ? "Files" : `CSV rows (${Object.keys(b.content.columns).join(", ")})`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      </Section>
      {m.rectification.length === 0 ? null : (
        <Section title="Fields a subject may correct">
          <TableWrap label="Rectifiable fields">
            <table>
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">Type</th>
                  <th scope="col">Places</th>
                </tr>
              </thead>
              <tbody>
                {m.rectification.map((f) => (
                  <tr key={f.field}>
                    <th scope="row" class="mono">
                      {f.field}
                    </th>
                    <td>{humanize(f.type)}</td>
                    <td class="mono">{f.places.map((p) => `${p.container}.${p.path}${p.copy ? " (copy)" : ""}`).join(", ")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        </Section>
      )}
    </>
  );
}

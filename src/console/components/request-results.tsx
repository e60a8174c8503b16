import { useState } from "preact/hooks";
import { ApiProblem, engine } from "../api.js";
import { useConsole } from "../context.js";
import { useLoad, useSubmit } from "../hooks.js";
import { formatBytes, formatDateTime, formatNumber, humanize } from "../format.js";
import type { Certificate, RequestView } from "../types.js";
import { Button } from "./fields.js";
import { Facts, Loading, Section, TableWrap } from "./page.js";
import { ProblemDetails } from "./problem-details.js";

// What a finished request produced: the access or portability package (size, digest, a fresh
// read link on demand, opened at once and never kept) and the erasure certificate, place by place,
// with a check of its signature by the engine.

export function PackageResult(props: { readonly request: RequestView; readonly onIssued?: () => void }) {
  const { may } = useConsole();
  const delivery = props.request.delivery;
  const submit = useSubmit();
  const [fallback, setFallback] = useState<string | undefined>(undefined);
  if (delivery === undefined) return null;
  const download = () =>
    submit.run(async () => {
      const link = await engine.packageLink(props.request.id);
      // The link is a bearer credential: opened straight away, shown only if the browser blocked that.
      const anchor = document.createElement("a");
      anchor.href = link.url;
      anchor.target = "_blank";
      anchor.rel = "noopener noreferrer";
      anchor.click();
      setFallback(link.url);
      props.onIssued?.();
      window.setTimeout(() => {
        setFallback(undefined);
      }, 60_000);
    });
  return (
    <Section title={props.request.type === "portability" ? "Portability package" : "Access package"}>
      <Facts
        items={[
          ["Size", formatBytes(delivery.bytes)],
          [
            "SHA-256",
            <code key="sha" class="mono">
              {delivery.sha256}
            </code>,
          ],
          [delivery.deletedAt === undefined ? "Expires" : "Deleted", formatDateTime(delivery.deletedAt ?? delivery.expiresAt)],
          delivery.sentTo === undefined ? undefined : ["Sent to", delivery.sentTo],
          ["Available", delivery.available ? "Yes" : "No"],
        ]}
      />
      {delivery.available && may("package:link") ? (
        <div class="form-actions">
          <Button variant="primary" busy={submit.busy} onClick={() => void download()}>
            Download package
          </Button>
        </div>
      ) : null}
      {!may("package:link") ? <p class="muted">Your role sees that the package exists, not its contents.</p> : null}
      {fallback === undefined ? null : (
        <p class="muted" role="status">
          The package opened in a new tab. If it did not,{" "}
          <a href={fallback} target="_blank" rel="noopener noreferrer">
            open the package
          </a>{" "}
          (this link is removed in a minute).
        </p>
      )}
      <ProblemDetails problem={submit.problem} heading="The package link could not be issued" />
    </Section>
  );
}

const CERTIFIED_TYPES: readonly RequestView["type"][] = ["erasure", "child-data", "org-offboarding"];

export function hasCertificate(request: RequestView): boolean {
  return request.status === "completed" && CERTIFIED_TYPES.includes(request.type);
}

export function CertificateResult(props: { readonly request: RequestView }) {
  const loaded = useLoad((signal) => engine.certificate(props.request.id, signal), [props.request.id]);
  return (
    <Section title="Erasure certificate">
      {loaded.loading ? <Loading label="Loading the certificate…" /> : null}
      {loaded.problem instanceof ApiProblem && loaded.problem.reason === "no-certificate" ? (
        <p class="muted">This request has no certificate.</p>
      ) : (
        <ProblemDetails problem={loaded.problem} heading="The certificate could not be loaded" />
      )}
      {loaded.data === undefined ? null : <CertificateView certificate={loaded.data} />}
    </Section>
  );
}

function CertificateView(props: { readonly certificate: Certificate }) {
  const c = props.certificate;
  const [check, setCheck] = useState<boolean | undefined>(undefined);
  const submit = useSubmit();
  const places = Object.entries(c.places).sort(([a], [b]) => a.localeCompare(b));
  const verify = () =>
    submit.run(async () => {
      setCheck(undefined);
      setCheck((await engine.verifyCertificate(c)).valid);
    });
  return (
    <>
      <Facts
        items={[
          ["Outcome", humanize(c.outcome)],
          ["Reason", humanize(c.reason)],
          ["Started", formatDateTime(c.startedAt)],
          ["Finished", formatDateTime(c.finishedAt)],
          ["Left after erasure", `${formatNumber(c.verification.remaining)} (checked ${formatDateTime(c.verification.checkedAt)})`],
          ["Engine version", c.engineVersion],
          c.categories === undefined ? undefined : ["Categories", c.categories.join(", ")],
        ]}
      />
      <h3>By place</h3>
      <TableWrap label="Erasure by place">
        <table>
          <thead>
            <tr>
              <th scope="col">Place</th>
              <th scope="col" class="num">
                Deleted
              </th>
              <th scope="col" class="num">
                Anonymised
              </th>
              <th scope="col" class="num">
                Kept
              </th>
              <th scope="col">Digest of ids</th>
            </tr>
          </thead>
          <tbody>
            {places.map(([place, o]) => (
              <tr key={place}>
                <th scope="row" class="mono">
                  {place}
                </th>
                <td class="num">{formatNumber(o.deleted)}</td>
                <td class="num">{formatNumber(o.anonymised)}</td>
                <td class="num">{formatNumber(o.kept)}</td>
                <td class="mono muted">{o.idsDigest.slice(0, 16)}…</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      <h3>Exceptions</h3>
      {c.exceptions.length === 0 ? (
        <p class="muted">None: nothing was kept back.</p>
      ) : (
        <ul>
          {c.exceptions.map((e, i) => (
            <li key={`${e.place}-${i}`}>
              <span class="mono">{e.place}</span>: {formatNumber(e.count)} kept, {e.reason}
            </li>
          ))}
        </ul>
      )}
      <div class="form-actions">
        <Button busy={submit.busy} onClick={() => void verify()}>
          Verify certificate
        </Button>
      </div>
      <div role="status">
        {check === undefined ? null : check ? (
          <p class="success-note">The signature verifies: this certificate was issued by this engine and is unchanged.</p>
        ) : (
          <p class="problem">The signature does not verify: this certificate was changed or signed with another key.</p>
        )}
      </div>
      <ProblemDetails problem={submit.problem} heading="The certificate could not be checked" />
    </>
  );
}

import { randomUUID } from "node:crypto";
import { parse } from "csv-parse";
import { addDays } from "date-fns";
import { categoryOf, type Category, type ContainerMapping, type DataMap } from "../domain/data-map.js";
import type { KeySet } from "../domain/discovery-query.js";
import { EngineError, toEngineError } from "../domain/errors.js";
import {
  completeExport,
  type Delivery,
  type PrivacyRequestRecord,
} from "../domain/privacy-request.js";
import { mutate } from "./commit.js";
import type { EngineDeps } from "./deps.js";
import { discoverIntoManifest, dropManifests, failRequest, recordDiscoveryOf, takeRequest, type ManifestDiscoveryDeps, type StepDeps } from "./work.js";
import { matchingPages } from "./discovery.js";
import { safeEntryName, writeZipPackage, type PackageBuilder } from "./package-writer.js";
import type { Logger, ManifestEntry } from "./ports.js";
import { renderSummary } from "./export-summary.js";
import { PORTABILITY_README, portabilitySchema } from "./portability-format.js";

// The access (Art. 15) and portability (Art. 20) executor: discovery → manifest → a ZIP streamed
// page by page to `{orgId}/exports/{requestId}/` → a read-only link (and, for portability, a copy
// to the destination controller). Every step may run again: a redelivered message repeats
// discovery and rewrites the same package name. A step that keeps failing fails the request.

export type ExportKind = "access" | "portability";

/** What the access and portability executor uses. */
export type ExportDeps = StepDeps & ManifestDiscoveryDeps & Pick<EngineDeps, "orgs" | "packages">;

export interface ExportContext {
  /** Which delivery of the work message this is (1 = first). */
  readonly attempt: number;
}

/** Strips engine and database metadata (fields starting with `_`): items "as stored" by the platform. */
function asStored(item: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).filter(([key]) => !key.startsWith("_")));
}

export async function runExport(deps: ExportDeps, requestId: string, context: ExportContext, log: Logger): Promise<void> {
  const request = await takeRequest(deps, requestId, executorOf, log);
  if (request.status !== "in-progress") return; // done, cancelled or not ours: nothing to do
  const kind = request.type as ExportKind;
  let step = "discovery";
  const blobName = safeEntryName(request.orgId, "exports", request.id, `${kind}-${request.id}.zip`);
  try {
    const org = await deps.orgs.get(request.orgId);
    const country = org?.defaultCountry;
    // This run's own manifest: a duplicate message running at the same time writes its own.
    const run = randomUUID();
    const { result } = await discoverIntoManifest(deps, request, run, country);
    await recordDiscoveryOf(deps, requestId, result, executorOf(request), log);
    const now = deps.now();
    log.info("discovery done", { requestId, subjectKey: request.subjectKey, rounds: result.rounds, queryPages: result.queryPages });

    step = "packaging";
    const keys: KeySet = new Map(Object.entries(result.keys));
    const written = { items: 0, blobs: 0 };
    const pkg = await writeZipPackage(
      (stream) => deps.packages.upload(blobName, stream, { requestid: request.id, kind }),
      (zip) => buildPackage(deps, request, run, kind, keys, result.items, country, zip, written, org?.name),
      { mtime: now },
    );

    await deps.packages.setMetadata(blobName, { requestid: request.id, kind, sha256: pkg.sha256 });

    step = "delivery";
    // The org's retention policy may keep links shorter (or up to the 7-day cap) than the default.
    const expiresAt = addDays(deps.now(), org?.retention?.packageExpiryDays ?? deps.config.PRIVACY_PACKAGE_EXPIRY_DAYS);
    if (kind === "portability" && request.destination !== undefined) await deps.packages.sendTo(blobName, request.destination);
    const delivery: Delivery = {
      blobName,
      url: await deps.packages.downloadLink(blobName, expiresAt),
      expiresAt: expiresAt.toISOString(),
      sha256: pkg.sha256,
      bytes: pkg.bytes,
      ...(kind === "portability" && request.destination !== undefined ? { sentTo: new URL(request.destination).host } : {}),
    };
    await mutate(deps, requestId, (c) =>
      c.value.status === "in-progress"
        ? completeExport(c.value, delivery, { ...written, entries: pkg.entries }, executorOf(c.value), deps.now(), deps.config.PRIVACY_DUE_SOON_DAYS)
        : undefined,
    log);
    // This run's manifest only: a duplicate still packaging from its own keeps reading it, and
    // removes it when it finishes (a later delivery of the finished request removes any left).
    await dropManifests(deps, requestId, run);
    log.info("export delivered", { requestId, items: written.items, blobs: written.blobs, bytes: pkg.bytes });
  } catch (thrown) {
    const error = toEngineError(thrown);
    log.warn("export step failed", { requestId, step, attempt: context.attempt, error: error.code });
    if (context.attempt >= deps.config.PRIVACY_MAX_ATTEMPTS || (error.isCallerFault && error.code !== "conflict")) {
      await failRequest(deps, requestId, { executor: executorOf(request), step, error, attempt: context.attempt }, log);
      // A failed request delivers nothing: a package already written must not linger.
      await deps.packages.delete(blobName).catch((deleting: unknown) => {
        log.warn("package of a failed export not deleted yet", { requestId, error: toEngineError(deleting).code });
      });
      // A caller's mistake (a refused destination) will not heal on retry: the request is failed, the message done.
      if (error.isCallerFault) return;
    }
    throw error;
  }
}

function executorOf(request: PrivacyRequestRecord): string {
  return `${request.type}-executor`;
}

/** What goes into the package: access takes every mapped category, portability what the subject provided. */
function inScope(kind: ExportKind, place: { providedBySubject: boolean }): boolean {
  return kind === "access" || place.providedBySubject;
}

async function buildPackage(
  deps: Pick<EngineDeps, "dataMap" | "platformItems" | "blobSource" | "resolve" | "config" | "manifests" | "now">,
  request: PrivacyRequestRecord,
  run: string,
  kind: ExportKind,
  keys: KeySet,
  found: Readonly<Record<string, number>>,
  country: string | undefined,
  zip: PackageBuilder,
  written: { items: number; blobs: number },
  orgName?: string,
): Promise<void> {
  const map: DataMap = deps.dataMap;
  const ports = { items: deps.platformItems, resolve: deps.resolve };
  const pageSize = deps.config.PRIVACY_DISCOVERY_PAGE_SIZE;
  const counts = new Map<string, { items: number; files: number; rows: number }>();
  const bump = (category: string, field: "items" | "files" | "rows", n: number) => {
    const entry = counts.get(category) ?? { items: 0, files: 0, rows: 0 };
    entry[field] += n;
    counts.set(category, entry);
  };
  const itemsOf = (mapping: ContainerMapping) =>
    matchingPages(ports, mapping, request.orgId, keys, new Map(), { pageSize, projection: "all", ...(country === undefined ? {} : { defaultCountry: country }) });

  for (const category of map.categories) {
    // Only places where discovery found something: no empty files.
    const mappings = map.containers.filter((m) => m.category === category.id && (found[m.name] ?? 0) > 0 && inScope(kind, m));
    if (mappings.length === 0) continue;
    // One JSON file per category: each record names the place it comes from and holds the item as stored.
    const count = await zip.addJsonArray(
      safeEntryName("data", `${category.id}.json`),
      (async function* () {
        for (const mapping of mappings) {
          for await (const page of itemsOf(mapping)) yield page.map((item) => ({ source: mapping.name, item: asStored(item) }));
        }
      })(),
    );
    written.items += count;
    bump(category.id, "items", count);
    for (const mapping of mappings.filter((m) => m.tabular)) {
      await zip.addCsv(
        safeEntryName("data", `${category.id}-${mapping.name}.csv`),
        (async function* () {
          for await (const page of itemsOf(mapping)) yield page.map(asStored);
        })(),
      );
    }
  }

  // Files and CSV rows, from the manifest that discovery wrote.
  const rowsByLayout = new Map<string, { blob: string; rows: readonly number[] }[]>();
  for await (const entry of deps.manifests.list(request.id, run)) {
    const layout = map.blobs.find((b) => b.name === entry.name);
    if (layout === undefined || !inScope(kind, layout)) continue;
    if (entry.source === "blobs") await addFiles(deps, zip, request.orgId, deps.resolve.container(layout.container), entry, (n) => {
      written.blobs += n;
      bump(layout.category, "files", n);
    });
    if (entry.source === "csv-rows" && entry.rows !== undefined) rowsByLayout.set(layout.name, [...(rowsByLayout.get(layout.name) ?? []), entry.rows]);
  }
  for (const [layoutName, blobs] of rowsByLayout) {
    const layout = map.blobs.find((b) => b.name === layoutName);
    if (layout === undefined) continue;
    const container = deps.resolve.container(layout.container);
    const rows = await zip.addCsv(
      safeEntryName("data", `${layout.category}-${layout.name}-rows.csv`),
      (async function* () {
        for (const { blob, rows: wanted } of blobs) yield await selectedRows(deps, container, blob, request.orgId, wanted);
      })(),
    );
    bump(layout.category, "rows", rows);
  }

  const categories: { category: Category; counts: { items: number; files: number; rows: number } }[] = [...counts].map(([id, c]) => ({ category: categoryOf(map, id), counts: c }));
  await zip.addText("summary.html", renderSummary({ request, kind, categories, generatedAt: deps.now().toISOString(), ...(orgName === undefined ? {} : { orgName }) }));
  if (kind === "portability") {
    await zip.addText("schema.json", JSON.stringify(portabilitySchema(map), null, 2));
    await zip.addText("README.txt", PORTABILITY_README);
  }
}

async function addFiles(
  deps: Pick<EngineDeps, "blobSource">,
  zip: PackageBuilder,
  orgId: string,
  container: string,
  entry: ManifestEntry,
  count: (n: number) => void,
): Promise<void> {
  for (const name of entry.blobs ?? []) {
    const relative = name.startsWith(`${orgId}/`) ? name.slice(orgId.length + 1) : name;
    // The path below the org keeps its asset type: files/chat-media/{contactId}/{messageId}.jpg.
    await zip.addStream(safeEntryName("files", ...relative.split("/")), await deps.blobSource.read(container, name));
    count(1);
  }
}

/** The subject's rows of one CSV import, with the file they came from. */
async function selectedRows(deps: Pick<EngineDeps, "blobSource">, container: string, blob: string, orgId: string, wanted: readonly number[]): Promise<Record<string, unknown>[]> {
  const want = new Set(wanted);
  const out: Record<string, unknown>[] = [];
  const parser = (await deps.blobSource.read(container, blob)).pipe(parse({ columns: true, bom: true, relax_column_count: true, skip_empty_lines: true, trim: true }));
  let index = 0;
  for await (const row of parser as AsyncIterable<Record<string, string>>) {
    index += 1;
    if (want.has(index)) out.push({ file: blob.startsWith(`${orgId}/`) ? blob.slice(orgId.length + 1) : blob, row: index, ...row });
  }
  if (out.length !== want.size) throw new EngineError("conflict", "an import file changed between discovery and export", { reason: "source-changed" });
  return out;
}

import { createHash } from "node:crypto";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { finished } from "node:stream/promises";
import yazl from "yazl";
import { EngineError, ensureError } from "../domain/errors.js";

// The streaming ZIP builder behind access and portability packages. Entries are written one at
// a time through yazl, page by page, so memory is bounded by one page (plus a few stream
// buffers), never by the package's size. No storage SDK here: the bytes go to a sink function.

/** Adds entries to a package, strictly one after the other (await each call before the next). */
export interface PackageBuilder {
  /** A JSON file holding one array, written page by page: `[` item, item, ... `]` with a newline per item. Resolves to the item count. */
  addJsonArray(name: string, pages: AsyncIterable<readonly object[]>): Promise<number>;
  /**
   * A CSV file (RFC 4180, CRLF, UTF-8 with BOM) from pages of rows, flattened by `flattenForCsv`.
   * The header is the union of the keys of the first non-empty page; keys first seen later go
   * into the trailing `_more` column as a JSON object. Cells that a spreadsheet would run as a
   * formula get a leading apostrophe. Resolves to the row count (an empty file when there are none).
   */
  addCsv(name: string, pages: AsyncIterable<readonly Record<string, unknown>[]>): Promise<number>;
  /**
   * A file streamed through from a readable (a media blob). Stored without compression unless
   * `compress` is set: media is almost always compressed already. With `size`, a stream that
   * delivers another number of bytes fails the package.
   */
  addStream(name: string, stream: NodeJS.ReadableStream, size?: number, options?: { compress?: boolean }): Promise<void>;
  addText(name: string, text: string): Promise<void>;
}

export interface PackageResult {
  /** Lowercase hex SHA-256 of the ZIP bytes handed to the sink. */
  readonly sha256: string;
  readonly bytes: number;
  readonly entries: number;
}

export interface PackageOptions {
  /** The modification time stamped on every entry; a fixed value makes the same content give the same bytes. */
  readonly mtime?: Date;
}

/** Entries carry this time unless the caller passes one, so packages are reproducible. */
export const DEFAULT_PACKAGE_MTIME = new Date(Date.UTC(2000, 0, 1));

/** How much serialised text is gathered before it is handed to the ZIP stream. */
const CHUNK_CHARS = 64 * 1024;
const BOM = "\uFEFF";

/**
 * Streams a ZIP (yazl; ZIP64 records where sizes or offsets need them) into `sink` while `build`
 * adds entries in order, and returns the SHA-256 and size of the bytes written. Backpressure runs
 * end to end: a slow sink slows the page producers.
 *
 * Failure: when `build` throws, an entry's source fails, or the sink rejects, every stream is
 * destroyed with the error (the sink sees an error, never a clean end of a truncated package)
 * and the promise rejects with the first error. A failed entry ends the package: the ZIP cannot
 * continue after a partly written entry, so the caller must not catch it and carry on.
 */
export async function writeZipPackage(
  sink: (zipBytes: NodeJS.ReadableStream) => Promise<void>,
  build: (zip: PackageBuilder) => Promise<void>,
  options: PackageOptions = {},
): Promise<PackageResult> {
  const mtime = options.mtime ?? DEFAULT_PACKAGE_MTIME;
  const zip = new yazl.ZipFile();
  const output = zip.outputStream;
  const hash = createHash("sha256");
  const progress = { bytes: 0, complete: false };
  const tap = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      hash.update(chunk);
      progress.bytes += chunk.length;
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      progress.complete = true;
      callback();
    },
  });

  let failure: Error | undefined;
  // Read through a function: the closures below assign it, which control-flow narrowing cannot see.
  const failed = (): Error | undefined => failure;
  let current: Readable | undefined;
  const fail = (thrown: unknown): void => {
    if (failure !== undefined) return;
    failure = ensureError(thrown);
    current?.destroy(failure);
    output.unpipe(tap);
    if (output instanceof Readable) output.destroy();
    // Always with an error: a stream destroyed without one looks like a clean close to some readers.
    tap.destroy(failure);
  };
  // The sink learns of a failure through its own listeners; this one keeps an error raised before
  // the sink attached them from becoming an uncaught exception.
  tap.on("error", () => undefined);
  output.on("error", () => undefined);
  zip.on("error", fail);
  output.pipe(tap);

  const sinkDone = (async () => {
    await sink(tap);
    if (!progress.complete) throw new EngineError("internal", "package sink finished before the package was complete", { reason: "sink-incomplete" });
  })();
  sinkDone.catch(fail);

  const names = new Set<string>();
  let entries = 0;
  const state: { busy: boolean; open: boolean } = { busy: false, open: true };

  const addEntry = async (name: string, source: Readable, compress: boolean, size?: number): Promise<void> => {
    if (!state.open) throw new EngineError("internal", "package builder used after the package was finished", { reason: "builder-closed" });
    const before = failed();
    if (before !== undefined) throw before;
    // Zip-slip and friends: only names that safeEntryName would produce go into a package.
    if (name === "" || safeEntryName(name) !== name) throw new EngineError("internal", "unsafe package entry name", { reason: "unsafe-entry-name" });
    if (state.busy) throw new EngineError("internal", "package entries must be added one at a time", { reason: "builder-busy" });
    // Case-insensitive: the package is unpacked on Windows and macOS too.
    const key = name.toLowerCase();
    if (names.has(key)) throw new EngineError("internal", "duplicate entry name in package", { reason: "duplicate-entry" });
    names.add(key);
    state.busy = true;
    current = source;
    try {
      zip.addReadStream(source, name, { mtime, compress, ...(size === undefined ? {} : { size }) });
      // The source ends when yazl has read all of it; yazl writes entries strictly in order, so
      // the next entry's source is not read before this one is done.
      await finished(source);
      const during = failed();
      if (during !== undefined) throw during;
      entries++;
    } catch (thrown) {
      fail(thrown);
      throw failed() ?? thrown;
    } finally {
      state.busy = false;
      current = undefined;
    }
  };

  const builder: PackageBuilder = {
    async addJsonArray(name, pages) {
      const counter = { items: 0 };
      await addEntry(name, chunkStream(jsonArrayChunks(pages, counter)), true);
      return counter.items;
    },
    async addCsv(name, pages) {
      const counter = { items: 0 };
      await addEntry(name, chunkStream(csvChunks(pages, counter)), true);
      return counter.items;
    },
    async addStream(name, stream, size, streamOptions) {
      const source = stream instanceof Readable ? stream : new Readable().wrap(stream);
      await addEntry(name, source, streamOptions?.compress ?? false, size);
    },
    async addText(name, text) {
      await addEntry(name, Readable.from([Buffer.from(text, "utf8")], { objectMode: false }), true);
    },
  };

  try {
    await build(builder);
    if (state.busy) throw new EngineError("internal", "package build returned while an entry was still being written", { reason: "builder-busy" });
  } catch (thrown) {
    fail(thrown);
  } finally {
    state.open = false;
  }
  if (failed() === undefined) zip.end();
  try {
    await sinkDone;
  } catch (thrown) {
    fail(thrown);
  }
  const outcome = failed();
  if (outcome !== undefined) throw outcome;
  return { sha256: hash.digest("hex"), bytes: progress.bytes, entries };
}

/** A byte stream over text chunks; pulls the next chunk only when the ZIP side wants more. */
function chunkStream(chunks: AsyncIterable<string>): Readable {
  return Readable.from(
    (async function* () {
      for await (const text of chunks) yield Buffer.from(text, "utf8");
    })(),
    { objectMode: false },
  );
}

async function* jsonArrayChunks(pages: AsyncIterable<readonly object[]>, counter: { items: number }): AsyncGenerator<string> {
  let pending = "[\n";
  for await (const page of pages) {
    for (const item of page) {
      // undefined for an item whose toJSON returns undefined, whatever the lib typing says
      const text = JSON.stringify(item) as unknown;
      if (typeof text !== "string") throw new EngineError("internal", "package item is not JSON-serialisable", { reason: "not-json" });
      pending += counter.items === 0 ? text : `,\n${text}`;
      counter.items++;
      if (pending.length >= CHUNK_CHARS) {
        yield pending;
        pending = "";
      }
    }
  }
  yield `${pending}${counter.items === 0 ? "" : "\n"}]\n`;
}

async function* csvChunks(pages: AsyncIterable<readonly Record<string, unknown>[]>, counter: { items: number }): AsyncGenerator<string> {
  let columns: readonly string[] | undefined;
  let known = new Set<string>();
  let pending = "";
  for await (const page of pages) {
    if (page.length === 0) continue;
    const rows = page.map(flattenForCsv);
    if (columns === undefined) {
      for (const row of rows) for (const key of Object.keys(row)) known.add(key);
      columns = [...known];
      let more = "_more";
      while (known.has(more)) more = `_${more}`;
      pending += BOM + csvLine([...columns, more]);
      known = new Set(columns);
    }
    for (const row of rows) {
      const cells = columns.map((column) => row[column] ?? "");
      const extra = Object.entries(row).filter(([key]) => !known.has(key));
      cells.push(extra.length === 0 ? "" : JSON.stringify(Object.fromEntries(extra)));
      pending += csvLine(cells);
      counter.items++;
      if (pending.length >= CHUNK_CHARS) {
        yield pending;
        pending = "";
      }
    }
  }
  if (pending !== "") yield pending;
}

/** One CSV record: RFC 4180 quoting, CRLF, formula-looking cells defused. */
function csvLine(cells: readonly string[]): string {
  return `${cells.map((cell) => quoteCsv(defuseFormula(cell))).join(",")}\r\n`;
}

function quoteCsv(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A spreadsheet runs a cell starting with = + - @ (or tab/CR before them) as a formula; an
 * apostrophe makes it text (OWASP "CSV injection"). Plain numbers such as -12.5 or an E.164 phone
 * +4915112345678 cannot be formulas and are left as they are.
 */
export function defuseFormula(cell: string): string {
  return FORMULA_START.test(cell) && !PLAIN_NUMBER.test(cell) ? `'${cell}` : cell;
}

/**
 * Flattens an item into CSV cells: nested objects become dot paths (`customer.phone`), arrays
 * are JSON-encoded, null becomes an empty cell, an empty object `{}`; undefined is left out.
 */
export function flattenForCsv(item: object): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (value: unknown, path: string): void => {
    if (value === undefined || typeof value === "function" || typeof value === "symbol") return;
    if (value === null) {
      out[path] = "";
    } else if (Array.isArray(value)) {
      out[path] = JSON.stringify(value);
    } else if (value instanceof Date) {
      out[path] = value.toISOString();
    } else if (typeof value === "object") {
      const entries = Object.entries(value);
      if (entries.length === 0 && path !== "") out[path] = "{}";
      for (const [key, nested] of entries) visit(nested, path === "" ? key : `${path}.${key}`);
    } else if (typeof value === "string") {
      out[path] = value;
    } else if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
      out[path] = String(value);
    }
  };
  visit(item, "");
  return out;
}

// Characters Windows refuses in file names, and the bidi controls that make a name read as another.
// eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069<>:"|?*]/g;
const WINDOWS_DEVICE = /^(?:con|prn|aux|nul|com\d|lpt\d)(?:\..*)?$/i;
const MAX_PART_CHARS = 120;

/**
 * A ZIP entry name from path segments that unpacks safely anywhere: segments may hold `/` (a
 * blob name) and become folders; no absolute paths, no `.` or `..` parts, no backslashes, no
 * control or bidi characters, none of Windows' reserved characters or device names, no trailing
 * dots or spaces; each part at most 120 characters. Readable characters, Unicode included, stay.
 */
export function safeEntryName(...segments: string[]): string {
  const parts: string[] = [];
  for (const segment of segments) {
    for (const raw of segment.normalize("NFC").split(/[/\\]+/)) {
      if (raw === "" || raw === ".") continue;
      let part = Array.from(raw.replace(UNSAFE_CHARS, "_").trimStart()).slice(0, MAX_PART_CHARS).join("");
      part = part.replace(/[. ]+$/, "");
      if (part === "") part = "_";
      if (WINDOWS_DEVICE.test(part)) part = `_${part}`;
      parts.push(part);
    }
  }
  if (parts.length === 0) throw new EngineError("internal", "package entry name is empty", { reason: "empty-entry-name" });
  return parts.join("/");
}

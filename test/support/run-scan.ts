import { createCosmosClient } from "../../src/stores/cosmos-client.js";
import { findLeaks, personalNeedles, readLogDir, type Leak } from "./pii.js";
import { readRecords } from "./run-records.js";
import { SECRET_VALUES } from "./secrets.js";

// The engine's own privacy, over everything the whole run produced: every captured log line,
// every problem response, and what the engine stored in each test file's database (audit
// entries, outbox events, certificates, registry entries). None may hold a seeded personal
// value (in any phone format), a key or secret of the engine, a SAS signature, or a
// verification code that was issued. Requests are left out: they are the DSAR record and
// hold the subject's identifiers by design until the request ends.

export interface RunScan {
  readonly logLines: number;
  readonly problems: number;
  readonly storedDocuments: number;
  readonly databases: number;
  readonly personalLeaks: readonly Leak[];
  readonly secretLeaks: readonly { file: string; line: number; what: string }[];
}

type Text = { file: string; text: string };

const STORED: readonly { container: string; query: string }[] = [
  { container: "audit", query: "SELECT * FROM c" },
  // The sealed code is ciphertext (and removed once dispatched); everything else of an event is scanned.
  { container: "outbox", query: "SELECT * FROM c" },
  { container: "requests", query: "SELECT c.id, c.certificate FROM c WHERE IS_DEFINED(c.certificate)" },
  { container: "registry", query: "SELECT * FROM c" },
];

async function storedTexts(dir: string, cosmos: { endpoint: string; key: string }): Promise<{ texts: Text[]; documents: number; databases: number }> {
  const client = createCosmosClient(cosmos);
  const databases = [...new Set(readRecords(dir, "namespaces").map((line) => (JSON.parse(line) as { privacyDatabase: string }).privacyDatabase))];
  const texts: Text[] = [];
  let documents = 0;
  for (const database of databases) {
    for (const { container, query } of STORED) {
      const { resources } = await client.database(database).container(container).items.query<unknown>(query).fetchAll();
      documents += resources.length;
      texts.push({ file: `${database}/${container}`, text: resources.map((r) => JSON.stringify(r)).join("\n") });
    }
  }
  client.dispose();
  return { texts, documents, databases: databases.length };
}

export function secretLeaks(texts: readonly Text[], codes: ReadonlySet<string>): RunScan["secretLeaks"] {
  const leaks: { file: string; line: number; what: string }[] = [];
  const secrets = SECRET_VALUES.map((s) => s.toLowerCase());
  for (const { file, text } of texts) {
    text.split("\n").forEach((line, index) => {
      const lower = line.toLowerCase();
      secrets.forEach((secret, n) => {
        if (lower.includes(secret)) leaks.push({ file, line: index + 1, what: `secret #${String(n)}` });
      });
      if (/[?&]sig=/.test(lower)) leaks.push({ file, line: index + 1, what: "SAS signature" });
      for (const token of line.match(/(?<![\w.:-])\d{6}(?![\w.:-])/g) ?? []) {
        if (codes.has(token)) leaks.push({ file, line: index + 1, what: "verification code" });
      }
    });
  }
  return leaks;
}

export async function scanRun(dir: string, cosmos: { endpoint: string; key: string }): Promise<RunScan> {
  const logs = readLogDir(dir);
  const problems = readRecords(dir, "problems");
  const stored = await storedTexts(dir, cosmos);
  const everything: Text[] = [...logs, { file: "problem responses", text: problems.join("\n") }, ...stored.texts];
  return {
    logLines: logs.reduce((n, l) => n + l.text.split("\n").length - 1, 0),
    problems: problems.length,
    storedDocuments: stored.documents,
    databases: stored.databases,
    personalLeaks: findLeaks(everything, personalNeedles()),
    secretLeaks: secretLeaks(everything, new Set(readRecords(dir, "codes"))),
  };
}

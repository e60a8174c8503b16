import { canonicalJson } from "./canonical-json.js";
import { sha256Hex } from "./subject-key.js";

// The audit trail of a request: an append-only hash chain. Each entry commits to the one before
// it, so a changed or removed entry breaks the chain; the request document keeps the head
// (seq and hash of the last entry), so a removed tail is detected too. Entries hold no personal
// data: the subject is named by its keyed hash, details are ids, counts and codes.

export type AuditDetailValue = string | number | boolean | null | readonly string[];

export interface AuditActor {
  readonly kind: "api-key" | "principal" | "system";
  readonly id: string;
  readonly role?: string;
}

export interface AuditDraft {
  readonly at: string;
  readonly actor: AuditActor;
  readonly action: string;
  readonly details?: Readonly<Record<string, AuditDetailValue>>;
}

export interface AuditEntry extends AuditDraft {
  readonly id: string;
  readonly requestId: string;
  readonly orgId: string;
  readonly subjectKey: string;
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
  readonly details: Readonly<Record<string, AuditDetailValue>>;
}

export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
}

export const GENESIS_HASH = "0".repeat(64);

export function auditEntryId(requestId: string, seq: number): string {
  return `${requestId}:${String(seq).padStart(8, "0")}`;
}

function entryHash(entry: Omit<AuditEntry, "hash" | "id">): string {
  return sha256Hex(
    canonicalJson({
      seq: entry.seq,
      requestId: entry.requestId,
      orgId: entry.orgId,
      subjectKey: entry.subjectKey,
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      details: entry.details,
      prevHash: entry.prevHash,
    }),
  );
}

/** Appends drafts after `head`, returning the chained entries and the new head. */
export function chainEntries(
  scope: { requestId: string; orgId: string; subjectKey: string },
  head: AuditHead | undefined,
  drafts: readonly AuditDraft[],
): { entries: AuditEntry[]; head: AuditHead | undefined } {
  const entries: AuditEntry[] = [];
  let seq = head === undefined ? -1 : head.seq;
  let prevHash = head === undefined ? GENESIS_HASH : head.hash;
  for (const draft of drafts) {
    seq += 1;
    const body = { ...scope, ...draft, details: draft.details ?? {}, seq, prevHash };
    const hash = entryHash(body);
    entries.push({ ...body, id: auditEntryId(scope.requestId, seq), hash });
    prevHash = hash;
  }
  return { entries, head: seq < 0 ? head : { seq, hash: prevHash } };
}

export interface ChainVerification {
  readonly valid: boolean;
  readonly entries: number;
  readonly problems: readonly string[];
}

/** Checks sequence, links and hashes of a request's entries (sorted by seq) against its head. */
export function verifyChain(entries: readonly AuditEntry[], head: AuditHead | undefined): ChainVerification {
  const problems: string[] = [];
  let prevHash = GENESIS_HASH;
  entries.forEach((entry, index) => {
    if (entry.seq !== index) problems.push(`entry ${index} is missing (found seq ${entry.seq} in its place)`);
    if (entry.prevHash !== prevHash) problems.push(`entry ${entry.seq} does not link to the entry before it`);
    const { hash, id: _id, ...rest } = entry;
    if (entryHash(rest) !== hash) problems.push(`entry ${entry.seq} was changed after it was written`);
    prevHash = hash;
  });
  const last = entries.at(-1);
  if (head === undefined) {
    if (last !== undefined) problems.push("the request records no audit head, yet entries exist");
  } else if (last === undefined || last.seq < head.seq) {
    problems.push(`entries after seq ${last?.seq ?? -1} up to ${head.seq} are missing`);
  } else {
    // The head is written before its entries are copied out, so no genuine entry lies past it.
    if (last.seq > head.seq) problems.push(`entries after the recorded head (seq ${head.seq}) were added`);
    const atHead = entries[head.seq];
    if (atHead?.hash !== head.hash) problems.push(`entry ${head.seq} does not match the request's recorded head`);
  }
  return { valid: problems.length === 0, entries: entries.length, problems };
}

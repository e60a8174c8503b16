// What a benchmark scenario is: the flags of a run it receives, the rows of the markdown table and
// the bench-results.json entry it returns.

import type { EmulatorHost } from "./services.js";

export interface BenchFlags {
  readonly messages: number;
  readonly media: number;
  readonly mediaKb: number;
  readonly rttMs: number;
  /** Erasure scenario: one run per size, the subject having `items` items and `blobs` blobs. */
  readonly erasureSizes: readonly { readonly items: number; readonly blobs: number }[];
  /** HTTP scenario: autocannon's connections and duration. */
  readonly httpConnections: number;
  readonly httpSeconds: number;
  /** Sweep scenario: org sizes N, each with K inactive contacts. */
  readonly sweepContacts: readonly number[];
  readonly sweepInactive: number;
}

export interface TableRow {
  readonly figure: string;
  readonly value: string;
  readonly target?: string;
  readonly met?: boolean;
}

export interface ScenarioOutcome {
  /** Rows of the markdown table. */
  readonly rows: readonly TableRow[];
  /** The scenario's entry in bench-results.json. */
  readonly result: Record<string, unknown> & { readonly met: boolean };
}

/** One benchmark scenario: it gets the running emulators and the flags, and measures one thing. */
export interface Scenario {
  /** The key in bench-results.json's `scenarios`. */
  readonly name: string;
  run(host: EmulatorHost, flags: BenchFlags): Promise<ScenarioOutcome>;
}

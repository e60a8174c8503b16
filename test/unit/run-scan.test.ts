import { describe, expect, it } from "vitest";
import { secretLeaks } from "../support/run-scan.js";
import { KEYS, TEST_CERTIFICATE_KEY } from "../support/secrets.js";

// The run's secret scan must see what it is there to see, and not cry wolf over ids and times.

describe("the run's secret scan", () => {
  const codes = new Set(["482913"]);
  const scan = (line: string) => secretLeaks([{ file: "f.log", text: line }], codes).map((l) => l.what);

  it("finds keys, secrets, SAS signatures and issued codes", () => {
    expect(scan(`authorization failed for Bearer ${KEYS.operator.toUpperCase()}`)).toEqual(["secret #1"]);
    expect(scan(`signing with ${TEST_CERTIFICATE_KEY}`)).toEqual(["secret #6"]);
    expect(scan("link https://x.blob.core.windows.net/c/p.zip?sv=2024&se=2026&sp=r&sig=abc%3D")).toEqual(["SAS signature"]);
    expect(scan("verification code=482913 sent")).toEqual(["verification code"]);
  });

  it("leaves ids, times and other numbers alone", () => {
    expect(scan("request 9b1c4829-1300-4a2b-8c1d-482913aa0000 at 2026-01-10T08:00:00.482913Z took 482913.5 ms")).toEqual([]);
    expect(scan("verification attempt outcome=wrong requestId=abc 123456")).toEqual([]);
  });
});

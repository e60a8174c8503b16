import { describe, expect, it } from "vitest";
import { loadDataMap } from "../../src/config/data-map-loader.js";
import { EngineError } from "../../src/domain/errors.js";
import { checkChanges } from "../../src/domain/rectification.js";

const map = loadDataMap();

function refusal(value: string, field: "phone" | "email"): EngineError | undefined {
  try {
    checkChanges(map, [{ field, value }], "DE", "2026-11-25");
    return undefined;
  } catch (error) {
    return error instanceof EngineError ? error : undefined;
  }
}

describe("rectification to a placeholder", () => {
  // A corrected phone or e-mail becomes the subject's key: a placeholder would join them to everyone sharing it.
  it.each(["0000000", "+49 0000000", "0049 000000"])("refuses the phone %j", (value) => {
    const error = refusal(value, "phone");
    expect(error?.code).toBe("validation");
    expect(error?.fields).toEqual([{ path: "changes[0].value", message: "is a placeholder, not an identifier" }]);
  });

  it.each(["null@null", "unknown@example.com", "n/a"])("refuses the e-mail %j", (value) => {
    const error = refusal(value, "email");
    expect(error?.code).toBe("validation");
    expect(error?.fields.map((f) => f.path)).toEqual(["changes[0].value"]);
  });

  it("accepts a real phone and e-mail", () => {
    expect(refusal("030 1234567", "phone")).toBeUndefined();
    expect(refusal("a@b.de", "email")).toBeUndefined();
  });
});

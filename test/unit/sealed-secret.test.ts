import { describe, expect, it } from "vitest";
import { EngineError } from "../../src/domain/errors.js";
import { openSecret, sealSecret } from "../../src/domain/sealed-secret.js";

const secret = "s".repeat(40);

describe("sealed secrets", () => {
  it("opens under the same key and context, and hides the plaintext", () => {
    const sealed = sealSecret(secret, "req-1", "123456");
    expect(sealed).not.toContain("123456");
    expect(sealed).not.toBe(sealSecret(secret, "req-1", "123456")); // fresh IV each time
    expect(openSecret(secret, "req-1", sealed)).toBe("123456");
  });

  it("refuses another context, another key and a changed ciphertext", () => {
    const sealed = sealSecret(secret, "req-1", "123456");
    expect(() => openSecret(secret, "req-2", sealed)).toThrow(EngineError);
    expect(() => openSecret("t".repeat(40), "req-1", sealed)).toThrow(EngineError);
    const [v, iv, body, tag] = sealed.split(".") as [string, string, string, string];
    const flipped = Buffer.from(body, "base64url");
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => openSecret(secret, "req-1", [v, iv, flipped.toString("base64url"), tag].join("."))).toThrow(EngineError);
  });

  it("refuses an authentication tag that is not 16 bytes, even one the right key would accept", () => {
    const sealed = sealSecret(secret, "req-1", "123456");
    const [v, iv, body, tag] = sealed.split(".") as [string, string, string, string];
    const full = Buffer.from(tag, "base64url");
    expect(full).toHaveLength(16);
    // Without a pinned tag length GCM checks only the bytes given: 4 of them are guessed in 2^32 tries.
    for (const length of [4, 8, 12, 15]) {
      const truncated = [v, iv, body, full.subarray(0, length).toString("base64url")].join(".");
      expect(() => openSecret(secret, "req-1", truncated), `${length}-byte tag`).toThrow(EngineError);
    }
    const longer = [v, iv, body, Buffer.concat([full, Buffer.from([0])]).toString("base64url")].join(".");
    expect(() => openSecret(secret, "req-1", longer)).toThrow(EngineError);
    expect(() => openSecret(secret, "req-1", [v, iv, body, ""].join("."))).toThrow(EngineError);
    expect(openSecret(secret, "req-1", sealed)).toBe("123456");
  });
});

import { describe, expect, it } from "vitest";
import { apiKeyHashesEqual, generateApiKey, hashApiKey, looksLikeApiKey } from "./api-keys.ts";

describe("API keys", () => {
  it("are random, prefixed, and recognised by their shape", () => {
    const keys = Array.from({ length: 100 }, () => generateApiKey().key);
    expect(new Set(keys).size).toBe(100);
    for (const key of keys) {
      expect(key.startsWith("sumo_")).toBe(true);
      expect(looksLikeApiKey(key)).toBe(true);
    }
    expect(looksLikeApiKey("sumo_short")).toBe(false);
    expect(looksLikeApiKey(`other_${"a".repeat(43)}`)).toBe(false);
  });

  it("are stored as a hash that matches only the same key", () => {
    const { key, keyHash, displayPrefix } = generateApiKey();
    expect(keyHash.equals(Buffer.from(key))).toBe(false);
    expect(apiKeyHashesEqual(hashApiKey(key), keyHash)).toBe(true);
    expect(apiKeyHashesEqual(hashApiKey(generateApiKey().key), keyHash)).toBe(false);
    expect(key.startsWith(displayPrefix)).toBe(true);
    expect(displayPrefix.length).toBeLessThan(key.length / 3);
  });
});

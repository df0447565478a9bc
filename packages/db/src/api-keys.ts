import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The PostgreSQL NOTIFY channel on which every change to a key (revoked, deleted) is announced,
 * with the key's hash in hex as payload (trigger in migration 0003).
 */
export const API_KEY_CHANGES_CHANNEL = "api_key_changes";

/** Every tenant API key starts with this, so a leaked key is recognisable (and scannable). */
export const API_KEY_PREFIX = "sumo_";

export interface GeneratedApiKey {
  /** The key itself: shown to the tenant once, never stored. */
  key: string;
  /** The first characters, stored so keys can be told apart in listings. */
  displayPrefix: string;
  keyHash: Buffer;
}

/** A new random key: the prefix and 32 random bytes (256 bits) in base64url. */
export function generateApiKey(): GeneratedApiKey {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  return { key, displayPrefix: key.slice(0, API_KEY_PREFIX.length + 6), keyHash: hashApiKey(key) };
}

/**
 * SHA-256 of the key. Keys carry 256 random bits, so a fast hash is enough: there is nothing to
 * brute-force, unlike a password.
 */
export function hashApiKey(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

/** Constant-time comparison of two key hashes. */
export function apiKeyHashesEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Cheap shape check before any database lookup. */
export function looksLikeApiKey(candidate: string): boolean {
  return /^sumo_[A-Za-z0-9_-]{43}$/.test(candidate);
}

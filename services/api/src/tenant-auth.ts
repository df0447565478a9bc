import { apiKeyHashesEqual, hashApiKey, looksLikeApiKey } from "@sumo/db/api-keys";
import type { Database } from "@sumo/db/client";
import { findTenantByApiKeyHash } from "@sumo/db/queries";
import { ApiError } from "@sumo/http";
import type { MiddlewareHandler } from "hono";
import type { ApiKeyCache, VerifiedApiKey } from "./api-key-cache.ts";

export interface TenantVariables {
  /** The tenant whose live API key authenticated the request. */
  tenantId: string;
}

const BEARER = /^Bearer +([^\s]+) *$/i;

/**
 * Authenticates `Authorization: Bearer <api key>` and puts the key's tenant on the context.
 * Missing, malformed, unknown and revoked keys are all 401, with nothing said about which.
 * With a cache, keys verified before are answered from memory (see ApiKeyCache).
 */
export function tenantAuth(deps: {
  db: Database;
  apiKeyCache?: ApiKeyCache | undefined;
}): MiddlewareHandler<{ Variables: TenantVariables }> {
  const loadKey = async (keyHash: Buffer): Promise<VerifiedApiKey | undefined> => {
    const found = await findTenantByApiKeyHash(deps.db, keyHash);
    if (!found || !apiKeyHashesEqual(found.keyHash, keyHash)) return undefined;
    return { tenantId: found.tenantId, apiKeyId: found.apiKeyId };
  };
  return async (c, next) => {
    const header = c.req.header("authorization");
    const key = header ? BEARER.exec(header)?.[1] : undefined;
    if (!key) {
      throw unauthorized("Send your API key as `Authorization: Bearer <key>`");
    }
    if (!looksLikeApiKey(key)) throw unauthorized("Invalid API key");
    const keyHash = hashApiKey(key);
    const verified = deps.apiKeyCache
      ? await deps.apiKeyCache.lookup(keyHash, () => loadKey(keyHash))
      : await loadKey(keyHash);
    if (!verified) throw unauthorized("Invalid API key");
    c.set("tenantId", verified.tenantId);
    await next();
  };
}

function unauthorized(message: string): ApiError {
  return new ApiError("unauthorized", message, { headers: { "WWW-Authenticate": "Bearer" } });
}

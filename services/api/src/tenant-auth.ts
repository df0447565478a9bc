import { apiKeyHashesEqual, hashApiKey, looksLikeApiKey } from "@sumo/db/api-keys";
import type { Database } from "@sumo/db/client";
import { findTenantByApiKeyHash } from "@sumo/db/queries";
import type { Tenant } from "@sumo/db/schema";
import { ApiError } from "@sumo/http";
import type { MiddlewareHandler } from "hono";

export interface TenantVariables {
  tenant: Tenant;
}

const BEARER = /^Bearer +([^\s]+) *$/i;

/**
 * Authenticates `Authorization: Bearer <api key>` and puts the key's tenant on the context.
 * Missing, malformed, unknown and revoked keys are all 401, with nothing said about which.
 */
export function tenantAuth(db: Database): MiddlewareHandler<{ Variables: TenantVariables }> {
  return async (c, next) => {
    const header = c.req.header("authorization");
    const key = header ? BEARER.exec(header)?.[1] : undefined;
    if (!key) {
      throw unauthorized("Send your API key as `Authorization: Bearer <key>`");
    }
    if (!looksLikeApiKey(key)) throw unauthorized("Invalid API key");
    const keyHash = hashApiKey(key);
    const found = await findTenantByApiKeyHash(db, keyHash);
    if (!found || !apiKeyHashesEqual(found.keyHash, keyHash)) {
      throw unauthorized("Invalid API key");
    }
    c.set("tenant", found.tenant);
    await next();
  };
}

function unauthorized(message: string): ApiError {
  return new ApiError("unauthorized", message, { headers: { "WWW-Authenticate": "Bearer" } });
}

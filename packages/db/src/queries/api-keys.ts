import { and, asc, eq, isNull } from "drizzle-orm";
import { generateApiKey } from "../api-keys.ts";
import type { DatabaseOrTransaction } from "../client.ts";
import { type ApiKey, apiKeys } from "../schema/api-keys.ts";

export async function insertApiKey(
  db: DatabaseOrTransaction,
  key: { tenantId: string; displayPrefix: string; keyHash: Buffer },
): Promise<ApiKey> {
  const [created] = await db.insert(apiKeys).values(key).returning();
  if (!created) throw new Error("INSERT ... RETURNING returned no api key");
  return created;
}

/** Creates a new live key for the tenant; the returned key is the only time it is visible. */
export async function issueApiKey(
  db: DatabaseOrTransaction,
  tenantId: string,
): Promise<{ apiKey: string; apiKeyId: string }> {
  const { key, displayPrefix, keyHash } = generateApiKey();
  const created = await insertApiKey(db, { tenantId, displayPrefix, keyHash });
  return { apiKey: key, apiKeyId: created.id };
}

/** Revokes a live key of the tenant; returns it, or undefined if it was not live or not theirs. */
export async function revokeApiKey(
  db: DatabaseOrTransaction,
  params: { tenantId: string; apiKeyId: string },
): Promise<Omit<ApiKey, "keyHash"> | undefined> {
  const [revoked] = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(
      and(
        eq(apiKeys.id, params.apiKeyId),
        eq(apiKeys.tenantId, params.tenantId),
        isNull(apiKeys.revokedAt),
      ),
    )
    .returning({
      id: apiKeys.id,
      tenantId: apiKeys.tenantId,
      displayPrefix: apiKeys.displayPrefix,
      createdAt: apiKeys.createdAt,
      revokedAt: apiKeys.revokedAt,
    });
  return revoked;
}

/** A tenant's keys, live and revoked, oldest first (no hashes). */
export async function listTenantApiKeys(
  db: DatabaseOrTransaction,
  tenantId: string,
): Promise<Omit<ApiKey, "keyHash">[]> {
  return db
    .select({
      id: apiKeys.id,
      tenantId: apiKeys.tenantId,
      displayPrefix: apiKeys.displayPrefix,
      createdAt: apiKeys.createdAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.tenantId, tenantId))
    .orderBy(asc(apiKeys.createdAt));
}

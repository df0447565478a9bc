import { and, eq } from "drizzle-orm";
import type { DatabaseOrTransaction } from "../client.ts";
import { idempotencyKeys } from "../schema/idempotency-keys.ts";

export type IdempotencyRecord = typeof idempotencyKeys.$inferSelect;

export async function findIdempotencyRecord(
  db: DatabaseOrTransaction,
  params: { tenantId: string; key: string },
): Promise<IdempotencyRecord | undefined> {
  const [record] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.tenantId, params.tenantId), eq(idempotencyKeys.key, params.key)));
  return record;
}

export async function insertIdempotencyRecord(
  db: DatabaseOrTransaction,
  record: typeof idempotencyKeys.$inferInsert,
): Promise<void> {
  await db.insert(idempotencyKeys).values(record);
}

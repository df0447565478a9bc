import { sql } from "drizzle-orm";
import type { DatabaseOrTransaction } from "../client.ts";
import { idempotencyKeys } from "../schema/idempotency-keys.ts";

export type IdempotencyRecord = typeof idempotencyKeys.$inferSelect;
export type NewIdempotencyRecord = typeof idempotencyKeys.$inferInsert;

/** The records of these (tenant, key) pairs that exist, keyed by `idempotencyRecordKey`. */
export async function findIdempotencyRecords(
  db: DatabaseOrTransaction,
  keys: { tenantId: string; key: string }[],
): Promise<Map<string, IdempotencyRecord>> {
  if (keys.length === 0) return new Map();
  const pairs = sql.join(
    keys.map(({ tenantId, key }) => sql`(${tenantId}::uuid, ${key})`),
    sql`, `,
  );
  const records = await db
    .select()
    .from(idempotencyKeys)
    .where(sql`(${idempotencyKeys.tenantId}, ${idempotencyKeys.key}) IN (${pairs})`);
  return new Map(records.map((record) => [idempotencyRecordKey(record), record]));
}

/** How findIdempotencyRecords keys its answer. */
export function idempotencyRecordKey(record: { tenantId: string; key: string }): string {
  return `${record.tenantId} ${record.key}`;
}

export async function insertIdempotencyRecords(
  db: DatabaseOrTransaction,
  records: NewIdempotencyRecord[],
): Promise<void> {
  if (records.length > 0) await db.insert(idempotencyKeys).values(records);
}

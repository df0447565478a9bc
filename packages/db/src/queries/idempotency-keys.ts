import { sql } from "drizzle-orm";
import type { DatabaseOrTransaction } from "../client.ts";
import { preparedPerDatabase, preparedStatement, type StatementRunner } from "../prepared.ts";
import { idempotencyKeys } from "../schema/idempotency-keys.ts";

export type IdempotencyRecord = typeof idempotencyKeys.$inferSelect;
export type NewIdempotencyRecord = typeof idempotencyKeys.$inferInsert;

/** The records of these (tenant, key) pairs that exist, keyed by `idempotencyRecordKey`. */
export async function findIdempotencyRecords(
  db: DatabaseOrTransaction,
  keys: { tenantId: string; key: string }[],
): Promise<Map<string, IdempotencyRecord>> {
  if (keys.length === 0) return new Map();
  const records = await recordsOfKeys(db).execute({
    tenantIds: keys.map((k) => k.tenantId),
    keys: keys.map((k) => k.key),
  });
  return new Map(records.map((record) => [idempotencyRecordKey(record), record]));
}

// The pairs travel as two arrays, so the statement's text, and its plan, fit every batch.
const recordsOfKeys = preparedPerDatabase((db) =>
  db
    .select()
    .from(idempotencyKeys)
    .where(
      sql`(${idempotencyKeys.tenantId}, ${idempotencyKeys.key}) IN (
        SELECT * FROM unnest(${sql.placeholder("tenantIds")}::uuid[], ${sql.placeholder("keys")}::text[]))`,
    )
    .prepare("find_idempotency_records"),
);

/** How findIdempotencyRecords keys its answer. */
export function idempotencyRecordKey(record: { tenantId: string; key: string }): string {
  return `${record.tenantId} ${record.key}`;
}

/** Stores records in one prepared statement whose text never changes (see insertSubmittedJobs). */
export async function insertIdempotencyRecords(
  db: StatementRunner,
  records: NewIdempotencyRecord[],
): Promise<void> {
  if (records.length === 0) return;
  const rows = JSON.stringify(
    records.map((record) => ({
      tenant_id: record.tenantId,
      key: record.key,
      request_fingerprint: record.requestFingerprint.toString("hex"),
      response_status: record.responseStatus,
      response_body: record.responseBody,
    })),
  );
  await insertRecords(db, { rows });
}

const insertRecords = preparedStatement(
  "insert_idempotency_records",
  sql`
    INSERT INTO ${idempotencyKeys} (tenant_id, key, request_fingerprint, response_status, response_body)
    SELECT tenant_id, key, decode(request_fingerprint, 'hex'), response_status, response_body
    FROM jsonb_to_recordset(${sql.placeholder("rows")}::jsonb) AS record(
      tenant_id uuid, key text, request_fingerprint text, response_status integer, response_body jsonb
    )`,
);

import {
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { bytea } from "./bytea.ts";
import { tenants } from "./tenants.ts";

/** How long an Idempotency-Key is remembered unless the api is told otherwise. */
export const DEFAULT_IDEMPOTENCY_KEY_TTL_HOURS = 24;

/**
 * The first response to each `Idempotency-Key` a tenant sent, replayed for retries of the same
 * request until `expires_at`. The fingerprint is a hash of the request body: the same key with
 * another body is refused rather than silently answered with the first response. An expired
 * record counts as absent (the key starts afresh) from the moment it expires; the scheduler's
 * retention sweep deletes it later.
 */
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    requestFingerprint: bytea("request_fingerprint").notNull(),
    responseStatus: integer("response_status").notNull(),
    responseBody: jsonb("response_body").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** From when the key is free again: set by the api when it stores the record. */
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.key] }),
    // The retention sweep's expired records, oldest first.
    index("idempotency_keys_expires_idx").on(t.expiresAt),
  ],
);

export type IdempotencyRecord = typeof idempotencyKeys.$inferSelect;
/** A record as admission makes it; when it was stored and when it expires are the database's. */
export type NewIdempotencyRecord = Omit<
  typeof idempotencyKeys.$inferInsert,
  "createdAt" | "expiresAt"
>;

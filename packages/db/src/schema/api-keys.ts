import { index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { bytea } from "./bytea.ts";
import { tenants } from "./tenants.ts";

/**
 * A tenant's API keys. Only the SHA-256 of a key is stored; the key itself is shown once.
 * A tenant may hold several live keys at once so that rotation needs no downtime.
 */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    /** The key's first characters, safe to show so a tenant can tell keys apart. */
    displayPrefix: text("display_prefix").notNull(),
    keyHash: bytea("key_hash").notNull().unique(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("api_keys_tenant_idx").on(t.tenantId)],
);

export type ApiKey = typeof apiKeys.$inferSelect;

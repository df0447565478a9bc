import { sql } from "drizzle-orm";
import {
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import { bytea } from "./bytea.ts";
import { tenants } from "./tenants.ts";

/**
 * A tenant's scenario bundles by content: the archive's bytes under their SHA-256, stored once
 * however many scenarios and jobs name them. Jobs point here, not at scenarios, so deleting or
 * replacing a scenario never changes what a job ran or will run; a bundle goes when nothing
 * names it any more (deleteScenario).
 */
export const scenarioBundles = pgTable(
  "scenario_bundles",
  {
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    sha256: text("sha256").notNull(),
    bytes: bytea("bytes").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.sha256] }),
    check("scenario_bundles_sha256_hex", sql`${t.sha256} ~ '^[0-9a-f]{64}$'`),
  ],
);

/** A scenario: a tenant's name for a validated bundle and the .sumocfg in it to run. */
export const scenarios = pgTable(
  "scenarios",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    bundleSha256: text("bundle_sha256").notNull(),
    /** The .sumocfg to run, a path inside the bundle. */
    config: text("config").notNull(),
    format: text("format").$type<"tar.gz" | "zip">().notNull(),
    sizeBytes: integer("size_bytes").notNull(),
    uncompressedBytes: integer("uncompressed_bytes").notNull(),
    /** The bundle's files, by path. */
    files: jsonb("files").$type<string[]>().notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    unique("scenarios_tenant_name_unique").on(t.tenantId, t.name),
    foreignKey({
      name: "scenarios_bundle_fk",
      columns: [t.tenantId, t.bundleSha256],
      foreignColumns: [scenarioBundles.tenantId, scenarioBundles.sha256],
    }),
    // A tenant's scenarios, newest first (keyset pagination on created_at, id).
    index("scenarios_tenant_recent_idx").on(t.tenantId, t.createdAt.desc(), t.id.desc()),
  ],
);

export type ScenarioBundleRow = typeof scenarioBundles.$inferSelect;
export type Scenario = typeof scenarios.$inferSelect;
export type NewScenario = typeof scenarios.$inferInsert;

import type { RunParameters } from "@sumo/scenario";
import { sql } from "drizzle-orm";
import {
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { scenarioBundles } from "./scenarios.ts";
import { tenants } from "./tenants.ts";

const eventTime = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/** The values one run parameter takes across a sweep: a list, or a range (`from` to `to`). */
export type SweepVary = Record<string, unknown[] | { from: number; to: number; step: number }>;

/**
 * A sweep: one scenario run with every combination of the values its `vary` gives (the
 * cartesian product), each a job of its own (jobs.sweep_id), over `parameters` that all share.
 * The scenario is fixed by content, as a job's is.
 */
export const sweeps = pgTable(
  "sweeps",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    scenarioId: text("scenario_id").notNull(),
    scenarioName: text("scenario_name"),
    scenarioSha256: text("scenario_sha256").notNull(),
    scenarioConfig: text("scenario_config").notNull(),
    /** The run parameters every member shares. */
    parameters: jsonb("parameters").$type<RunParameters>().notNull(),
    /** The parameters that vary, as the tenant gave them. */
    vary: jsonb("vary").$type<SweepVary>().notNull(),
    cpuRequest: numeric("cpu_request", { precision: 10, scale: 3, mode: "number" }).notNull(),
    memoryGi: numeric("memory_gi", { precision: 10, scale: 3, mode: "number" }).notNull(),
    memberCount: integer("member_count").notNull(),
    cancelledAt: eventTime("cancelled_at"),
    cancelledBy: text("cancelled_by").$type<"tenant" | "admin">(),
    createdAt: eventTime("created_at").notNull().defaultNow(),
  },
  (t) => [
    // A tenant's sweeps, newest first (keyset pagination on created_at, id).
    index("sweeps_tenant_recent_idx").on(t.tenantId, t.createdAt.desc(), t.id.desc()),
    // All sweeps, newest first (the admin API).
    index("sweeps_recent_idx").on(t.createdAt.desc(), t.id.desc()),
    foreignKey({
      name: "sweeps_scenario_bundle_fk",
      columns: [t.tenantId, t.scenarioSha256],
      foreignColumns: [scenarioBundles.tenantId, scenarioBundles.sha256],
    }),
    check("sweeps_member_count_positive", sql`${t.memberCount} > 0`),
    check(
      "sweeps_cancelled_by_known",
      sql`${t.cancelledBy} IS NULL OR ${t.cancelledBy} IN ('tenant', 'admin')`,
    ),
  ],
);

export type Sweep = typeof sweeps.$inferSelect;
export type NewSweep = typeof sweeps.$inferInsert;

import { sql } from "drizzle-orm";
import { check, integer, numeric, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/** Limits every new tenant gets unless the admin says otherwise. */
export const DEFAULT_TENANT_LIMITS = {
  cpuLimit: 4,
  memoryLimitGi: 16,
  maxConcurrentJobs: 2,
} as const;

/**
 * A tenant: one customer, one Kubernetes namespace, one ResourceQuota built from these limits.
 * CPU is in cores and memory in GiB (both exact decimals, as the API speaks them).
 */
export const tenants = pgTable(
  "tenants",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull().unique(),
    cpuLimit: numeric("cpu_limit", { precision: 10, scale: 3, mode: "number" })
      .notNull()
      .default(DEFAULT_TENANT_LIMITS.cpuLimit),
    memoryLimitGi: numeric("memory_limit_gi", { precision: 10, scale: 3, mode: "number" })
      .notNull()
      .default(DEFAULT_TENANT_LIMITS.memoryLimitGi),
    maxConcurrentJobs: integer("max_concurrent_jobs")
      .notNull()
      .default(DEFAULT_TENANT_LIMITS.maxConcurrentJobs),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check("tenants_cpu_limit_positive", sql`${t.cpuLimit} > 0`),
    check("tenants_memory_limit_positive", sql`${t.memoryLimitGi} > 0`),
    check("tenants_max_concurrent_jobs_positive", sql`${t.maxConcurrentJobs} > 0`),
  ],
);

export type Tenant = typeof tenants.$inferSelect;

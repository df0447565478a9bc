import { bigint, pgTable, primaryKey, uuid } from "drizzle-orm/pg-core";
import { jobStatus } from "./jobs.ts";
import { tenants } from "./tenants.ts";

/**
 * How many jobs each tenant has in each status. Kept exact by statement triggers on `jobs`
 * (migration 0002): every insert, status change and delete of a job adjusts these rows in
 * the same transaction. The concurrent-job limit and the dashboards read these few rows
 * instead of counting a tenant's (or every tenant's) jobs.
 */
export const tenantJobCounts = pgTable(
  "tenant_job_counts",
  {
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    status: jobStatus("status").notNull(),
    jobs: bigint("jobs", { mode: "number" }).notNull(),
  },
  // No CHECK (jobs >= 0): PostgreSQL checks an upsert's proposed row before it finds the
  // conflict, and the triggers upsert negative deltas.
  (t) => [primaryKey({ columns: [t.tenantId, t.status] })],
);

import { eq, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";

/**
 * The tenant id a tenant-scoped query runs for. A missing or empty one throws instead of
 * quietly matching every tenant's rows: a query of one tenant's data cannot run without its id.
 */
export function requireTenantId(tenantId: string | undefined): string {
  if (typeof tenantId !== "string" || tenantId.length === 0) {
    throw new TypeError("a tenant-scoped query needs a tenant id");
  }
  return tenantId;
}

/** The condition that keeps a query to one tenant's rows (see requireTenantId). */
export function ofTenant(column: PgColumn, tenantId: string): SQL {
  return eq(column, requireTenantId(tenantId));
}

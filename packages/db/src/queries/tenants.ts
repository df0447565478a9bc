import { and, asc, eq, exists, gt, inArray, isNotNull } from "drizzle-orm";
import { type Database, type DatabaseOrTransaction, transactionOnConnection } from "../client.ts";
import { jobs } from "../schema/jobs.ts";
import { type Tenant, tenants } from "../schema/tenants.ts";
import { issueApiKey } from "./api-keys.ts";

export interface NewTenant {
  name: string;
  cpuLimit?: number;
  memoryLimitGi?: number;
  maxConcurrentJobs?: number;
}

export async function createTenant(db: DatabaseOrTransaction, tenant: NewTenant): Promise<Tenant> {
  const [created] = await db.insert(tenants).values(tenant).returning();
  if (!created) throw new Error("INSERT ... RETURNING returned no tenant");
  return created;
}

export async function findTenantByName(
  db: DatabaseOrTransaction,
  name: string,
): Promise<Tenant | undefined> {
  const [tenant] = await db.select().from(tenants).where(eq(tenants.name, name));
  return tenant;
}

export async function getTenant(
  db: DatabaseOrTransaction,
  tenantId: string,
): Promise<Tenant | undefined> {
  const [tenant] = await db.select().from(tenants).where(eq(tenants.id, tenantId));
  return tenant;
}

/**
 * Creates a tenant and its first API key in one transaction. The returned `apiKey` is the only
 * time the key is visible: only its hash is stored.
 */
export async function createTenantWithApiKey(
  db: Database,
  tenant: NewTenant,
): Promise<{ tenant: Tenant; apiKey: string; apiKeyId: string }> {
  return transactionOnConnection(db, async (connection) => {
    const created = await createTenant(connection, tenant);
    const { apiKey, apiKeyId } = await issueApiKey(connection, created.id);
    return { tenant: created, apiKey, apiKeyId };
  });
}

/** Tenants by name, a page at a time (keyset on the unique name). */
export async function listTenants(
  db: DatabaseOrTransaction,
  params: { limit: number; afterName?: string },
): Promise<{ tenants: Tenant[]; nextName: string | undefined }> {
  const rows = await db
    .select()
    .from(tenants)
    .where(params.afterName === undefined ? undefined : gt(tenants.name, params.afterName))
    .orderBy(asc(tenants.name))
    .limit(params.limit + 1);
  const page = rows.slice(0, params.limit);
  return {
    tenants: page,
    nextName: rows.length > params.limit ? page.at(-1)?.name : undefined,
  };
}

export type TenantLimits = Partial<
  Pick<Tenant, "cpuLimit" | "memoryLimitGi" | "maxConcurrentJobs">
>;

/** Changes a tenant's limits; undefined when there is no such tenant. */
export async function updateTenantLimits(
  db: DatabaseOrTransaction,
  params: { tenantId: string; limits: TenantLimits },
): Promise<Tenant | undefined> {
  const [updated] = await db
    .update(tenants)
    .set({ ...params.limits, updatedAt: new Date() })
    .where(eq(tenants.id, params.tenantId))
    .returning();
  return updated;
}

/**
 * Tenants with a job that Kubernetes may be running now: scheduled (it has a Kubernetes Job)
 * and neither ended nor cancelled.
 */
export async function listTenantsWithScheduledJobs(db: DatabaseOrTransaction): Promise<Tenant[]> {
  return db
    .select()
    .from(tenants)
    .where(
      exists(
        db
          .select({ id: jobs.id })
          .from(jobs)
          .where(
            and(
              eq(jobs.tenantId, tenants.id),
              inArray(jobs.status, ["PENDING", "RUNNING"]),
              isNotNull(jobs.scheduledAt),
            ),
          ),
      ),
    );
}

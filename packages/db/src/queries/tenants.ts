import { eq } from "drizzle-orm";
import type { Database, DatabaseOrTransaction } from "../client.ts";
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
 * Reads a tenant and locks its row until the transaction ends. Submissions of one tenant take
 * turns on this lock, which is what makes the concurrent-job limit hold under parallel requests.
 */
export async function lockTenant(
  tx: DatabaseOrTransaction,
  tenantId: string,
): Promise<Tenant | undefined> {
  const [tenant] = await tx.select().from(tenants).where(eq(tenants.id, tenantId)).for("update");
  return tenant;
}

/**
 * Creates a tenant and its first API key in one transaction. The returned `apiKey` is the only
 * time the key is visible: only its hash is stored.
 */
export async function createTenantWithApiKey(
  db: Database,
  tenant: NewTenant,
): Promise<{ tenant: Tenant; apiKey: string }> {
  return db.transaction(async (tx) => {
    const created = await createTenant(tx, tenant);
    const { apiKey } = await issueApiKey(tx, created.id);
    return { tenant: created, apiKey };
  });
}

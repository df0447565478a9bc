import { hashApiKey } from "@sumo/db/api-keys";
import { createTenant, findTenantByApiKeyHash, insertJob } from "@sumo/db/queries";
import { makeJob, makeTenant } from "@sumo/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdminTestContext, startAdminTestContext } from "../test-harness.ts";

let ctx: AdminTestContext;
beforeAll(async () => {
  ctx = await startAdminTestContext();
});
afterAll(async () => {
  await ctx.close();
});

const liveTenantOf = async (apiKey: string) =>
  (await findTenantByApiKeyHash(ctx.database.db, hashApiKey(apiKey)))?.tenantId;

describe("tenants", () => {
  it("creates a tenant with default limits and a key that authenticates it", async () => {
    const created = await ctx.request("POST", "/admin/tenants", { body: { name: "acme" } });
    expect(created.status).toBe(201);
    expect(created.body.tenant).toMatchObject({
      name: "acme",
      cpu_limit: 4,
      memory_limit_gi: 16,
      max_concurrent_jobs: 2,
    });
    expect(created.body.api_key.api_key).toMatch(/^sumo_/);
    expect(await liveTenantOf(created.body.api_key.api_key)).toBe(created.body.tenant.tenant_id);

    const shown = await ctx.request("GET", `/admin/tenants/${created.body.tenant.tenant_id}`);
    expect(shown.body.api_keys).toEqual([
      expect.objectContaining({ key_id: created.body.api_key.key_id, revoked_at: null }),
    ]);
    expect(JSON.stringify(shown.body)).not.toContain(created.body.api_key.api_key);
  });

  it("refuses duplicate names (409) and bad input (422), creating nothing", async () => {
    await ctx.request("POST", "/admin/tenants", { body: { name: "twice" } });
    const again = await ctx.request("POST", "/admin/tenants", { body: { name: "twice" } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("conflict");
    for (const body of [
      {},
      { name: "Upper Case" },
      { name: "ok", cpu_limit: 0 },
      { name: "ok", memory_limit_gi: -1 },
      { name: "ok", max_concurrent_jobs: 1.5 },
      { name: "ok", surprise: true },
      // Passes multipleOf(0.001) as rounding error; the 3-decimal column would store 0.
      { name: "ok", cpu_limit: 5e-324 },
      { name: "ok", memory_limit_gi: 1e-7 },
    ]) {
      const response = await ctx.request("POST", "/admin/tenants", { body });
      expect(response.status, JSON.stringify(body)).toBe(422);
    }
    const list = await ctx.request("GET", "/admin/tenants?limit=500");
    expect(list.body.tenants.map((t: { name: string }) => t.name)).not.toContain("ok");
  });

  it("pages through tenants by name", async () => {
    for (const name of ["page-c", "page-a", "page-b"]) {
      await ctx.request("POST", "/admin/tenants", { body: { name } });
    }
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const page: any = await ctx.request("GET", `/admin/tenants${query}`);
      names.push(...page.body.tenants.map((t: { name: string }) => t.name));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(["page-a", "page-b", "page-c"]));
  });

  it("lists each tenant with its usage and queue, as its own queue endpoint says", async () => {
    const busy = await createTenant(
      ctx.database.db,
      makeTenant({ name: "usage-busy", maxConcurrentJobs: 2, cpuLimit: 8 }),
    );
    const quotaBound = await createTenant(
      ctx.database.db,
      makeTenant({ name: "usage-quota", maxConcurrentJobs: 5, cpuLimit: 2 }),
    );
    const idle = await createTenant(ctx.database.db, makeTenant({ name: "usage-idle" }));
    const job = (tenantId: string, status: "PENDING" | "RUNNING" | "QUEUED", cpu: number) =>
      insertJob(ctx.database.db, makeJob({ tenantId, status, cpuRequest: cpu, memoryGi: 0.5 }));
    await job(busy.id, "PENDING", 1);
    await job(busy.id, "RUNNING", 1.5);
    await job(busy.id, "QUEUED", 1);
    await job(busy.id, "QUEUED", 1);
    await job(quotaBound.id, "RUNNING", 1.5);
    await job(quotaBound.id, "QUEUED", 1);

    const listed = await ctx.request("GET", "/admin/tenants?limit=500");
    expect(listed.status).toBe(200);
    const usageOf = (id: string) =>
      listed.body.tenants.find((t: { tenant_id: string }) => t.tenant_id === id)?.usage;
    expect(usageOf(busy.id)).toEqual({
      active: { jobs: 2, cpu: 2.5, memory_gi: 1 },
      queued: 2,
      waiting_for: "concurrent_job_limit",
    });
    expect(usageOf(quotaBound.id)).toMatchObject({ queued: 1, waiting_for: "quota" });
    expect(usageOf(idle.id)).toEqual({
      active: { jobs: 0, cpu: 0, memory_gi: 0 },
      queued: 0,
      waiting_for: null,
    });
    for (const tenant of [busy, quotaBound, idle]) {
      const queue = (await ctx.request("GET", `/admin/tenants/${tenant.id}/queue`)).body;
      expect(usageOf(tenant.id)).toEqual({
        active: queue.active,
        queued: queue.queued,
        waiting_for: queue.waiting_for,
      });
    }
  });

  it("refuses cursors no page returned, NUL and invalid UTF-8 included", async () => {
    for (const cursor of ["AA", "_w", "%00"]) {
      const response = await ctx.request("GET", `/admin/tenants?cursor=${cursor}`);
      expect(response.status, cursor).toBe(422);
      expect(response.body.error.details).toEqual([
        { field: "cursor", message: "not a cursor returned by this API" },
      ]);
    }
  });

  it("changes limits and queues the quota update in the same transaction", async () => {
    const created = await ctx.request("POST", "/admin/tenants", { body: { name: "growing" } });
    const tenantId = created.body.tenant.tenant_id;
    const updated = await ctx.request("PATCH", `/admin/tenants/${tenantId}`, {
      body: { cpu_limit: 8.5, max_concurrent_jobs: 5 },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      cpu_limit: 8.5,
      memory_limit_gi: 16,
      max_concurrent_jobs: 5,
    });
    const queued = await ctx.database.pool.query(
      "SELECT data FROM pgboss.job WHERE name = 'tenant-limits-changed' AND data->>'tenantId' = $1",
      [tenantId],
    );
    expect(queued.rows).toEqual([{ data: { tenantId } }]);

    expect((await ctx.request("PATCH", `/admin/tenants/${tenantId}`, { body: {} })).status).toBe(
      422,
    );
    const missing = await ctx.request(
      "PATCH",
      "/admin/tenants/00000000-0000-4000-8000-000000000000",
      {
        body: { cpu_limit: 1 },
      },
    );
    expect(missing.status).toBe(404);
  });

  it("rotates keys: a new key works alongside the old until the old is revoked", async () => {
    const created = await ctx.request("POST", "/admin/tenants", { body: { name: "rotating" } });
    const tenantId = created.body.tenant.tenant_id;
    const oldKey = created.body.api_key;
    const issued = await ctx.request("POST", `/admin/tenants/${tenantId}/api-keys`);
    expect(issued.status).toBe(201);
    expect(await liveTenantOf(oldKey.api_key)).toBe(tenantId);
    expect(await liveTenantOf(issued.body.api_key)).toBe(tenantId);

    const revoked = await ctx.request(
      "DELETE",
      `/admin/tenants/${tenantId}/api-keys/${oldKey.key_id}`,
    );
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();
    expect(await liveTenantOf(oldKey.api_key)).toBeUndefined();
    expect(await liveTenantOf(issued.body.api_key)).toBe(tenantId);
    const twice = await ctx.request(
      "DELETE",
      `/admin/tenants/${tenantId}/api-keys/${oldKey.key_id}`,
    );
    expect(twice.status).toBe(404);

    const other = await ctx.request("POST", "/admin/tenants", { body: { name: "not-the-owner" } });
    const crossTenant = await ctx.request(
      "DELETE",
      `/admin/tenants/${other.body.tenant.tenant_id}/api-keys/${issued.body.key_id}`,
    );
    expect(crossTenant.status).toBe(404);
    expect(await liveTenantOf(issued.body.api_key)).toBe(tenantId);
  });
});

import { hashApiKey } from "@sumo/db/api-keys";
import { createTenantWithApiKey, findTenantByApiKeyHash, insertJob } from "@sumo/db/queries";
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

describe("admin authentication", () => {
  it("refuses requests without the admin token, including tenant API keys", async () => {
    const { apiKey } = await createTenantWithApiKey(ctx.database.db, { name: "auth-probe" });
    for (const token of [null, "wrong-token", apiKey, `${"x".repeat(64)}`]) {
      for (const [method, path] of [
        ["GET", "/admin/tenants"],
        ["POST", "/admin/tenants"],
        ["GET", "/admin/jobs"],
        ["GET", "/admin/nodes"],
        ["GET", "/admin/metrics"],
      ] as const) {
        const response = await ctx.request(method, path, {
          token,
          body: method === "POST" ? {} : undefined,
        });
        expect(response.status, `${method} ${path} with ${token?.slice(0, 8)}`).toBe(401);
        expect(response.body.error.code).toBe("unauthorized");
      }
    }
  });
});

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

describe("GET /admin/jobs", () => {
  it("lists every tenant's jobs newest first, filtered by status and tenant", async () => {
    const a = await createTenantWithApiKey(ctx.database.db, { name: "jobs-a" });
    const b = await createTenantWithApiKey(ctx.database.db, { name: "jobs-b" });
    const ids: string[] = [];
    for (const [i, tenant] of [a, b, a, b, a].entries()) {
      const job = await insertJob(ctx.database.db, {
        id: crypto.randomUUID(),
        tenantId: tenant.tenant.id,
        scenarioId: `s-${i}`,
        cpuRequest: 1,
        memoryGi: 1,
        status: i === 1 ? "FAILED" : "PENDING",
        submittedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      });
      ids.push(job.id);
    }
    const all = await ctx.request("GET", "/admin/jobs?limit=500");
    const mine = all.body.jobs.filter((j: { job_id: string }) => ids.includes(j.job_id));
    expect(mine.map((j: { job_id: string }) => j.job_id)).toEqual([...ids].reverse());

    const ofA = await ctx.request("GET", `/admin/jobs?tenant_id=${a.tenant.id}`);
    expect(ofA.body.jobs.map((j: { tenant_id: string }) => j.tenant_id)).toEqual(
      Array(3).fill(a.tenant.id),
    );
    const failed = await ctx.request("GET", `/admin/jobs?status=FAILED&tenant_id=${b.tenant.id}`);
    expect(failed.body.jobs.map((j: { job_id: string }) => j.job_id)).toEqual([ids[1]]);

    const page1 = await ctx.request("GET", `/admin/jobs?tenant_id=${a.tenant.id}&limit=2`);
    const page2 = await ctx.request(
      "GET",
      `/admin/jobs?tenant_id=${a.tenant.id}&limit=2&cursor=${page1.body.next_cursor}`,
    );
    expect(
      [...page1.body.jobs, ...page2.body.jobs].map((j: { job_id: string }) => j.job_id),
    ).toEqual([ids[4], ids[2], ids[0]]);
    expect((await ctx.request("GET", "/admin/jobs?tenant_id=nope")).status).toBe(422);
  });

  it("reports database counts in the platform snapshot even without Kubernetes", async () => {
    const snapshot = await ctx.request("GET", "/admin/metrics");
    expect(snapshot.status).toBe(200);
    expect(snapshot.body.kubernetes).toBeNull();
    expect(snapshot.body.database.jobs_by_status.PENDING).toBeGreaterThanOrEqual(4);
    expect(Date.parse(snapshot.body.snapshot_at)).not.toBeNaN();
    expect((await ctx.request("GET", "/admin/nodes")).status).toBe(503);
  });

  it("serves its OpenAPI document and docs without the token", async () => {
    const doc = await ctx.request("GET", "/openapi.json", { token: null });
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        "/admin/tenants",
        "/admin/tenants/{tenant_id}",
        "/admin/jobs",
        "/admin/nodes",
        "/admin/metrics",
      ]),
    );
    expect(doc.body.components.securitySchemes.adminToken).toEqual({
      type: "http",
      scheme: "bearer",
    });
  });
});

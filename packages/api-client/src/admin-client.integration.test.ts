import {
  type AdminTestContext,
  startAdminTestContext,
  TEST_ADMIN_TOKEN,
} from "@sumo/admin/test-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdminClient, createAdminClient } from "./index.ts";

let ctx: AdminTestContext;
let client: AdminClient;
beforeAll(async () => {
  ctx = await startAdminTestContext();
  client = createAdminClient({
    baseUrl: "http://admin.test",
    token: TEST_ADMIN_TOKEN,
    fetch: async (request) => ctx.app.request(request),
  });
});
afterAll(async () => {
  await ctx.close();
});

describe("the admin client", () => {
  it("creates a tenant, lists tenants and reads one, typed from the document", async () => {
    const created = await client.POST("/admin/tenants", {
      body: { name: "acme", max_concurrent_jobs: 3 },
    });
    expect(created.response.status).toBe(201);
    expect(created.data?.tenant).toMatchObject({ name: "acme", max_concurrent_jobs: 3 });
    expect(created.data?.api_key.api_key).toMatch(/^sumo_/);
    const tenantId = created.data?.tenant.tenant_id ?? "";

    const listed = await client.GET("/admin/tenants");
    expect(listed.data?.tenants.map((tenant) => tenant.name)).toContain("acme");

    const shown = await client.GET("/admin/tenants/{tenant_id}", {
      params: { path: { tenant_id: tenantId } },
    });
    expect(shown.data?.api_keys).toEqual([
      expect.objectContaining({ key_id: created.data?.api_key.key_id, revoked_at: null }),
    ]);
  });

  it("reads refusals as the typed error body", async () => {
    await client.POST("/admin/tenants", { body: { name: "twice" } });
    const again = await client.POST("/admin/tenants", { body: { name: "twice" } });
    expect(again.response.status).toBe(409);
    expect(again.error?.error.code).toBe("conflict");

    const tenantKey = createAdminClient({
      baseUrl: "http://admin.test",
      token: "sumo_a-tenant-api-key",
      fetch: async (request) => ctx.app.request(request),
    });
    const refused = await tenantKey.GET("/admin/metrics");
    expect(refused.response.status).toBe(401);
    expect(refused.error?.error.code).toBe("unauthorized");
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdminTestContext, startAdminTestContext } from "./test-harness.ts";

let ctx: AdminTestContext;
beforeAll(async () => {
  ctx = await startAdminTestContext();
});
afterAll(async () => {
  await ctx.close();
});

describe("service endpoints", () => {
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

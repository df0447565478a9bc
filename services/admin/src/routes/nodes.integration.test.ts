import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdminTestContext, startAdminTestContext } from "../test-harness.ts";

let ctx: AdminTestContext;
beforeAll(async () => {
  ctx = await startAdminTestContext();
});
afterAll(async () => {
  await ctx.close();
});

describe("GET /admin/nodes", () => {
  it("is 503 service_unavailable without Kubernetes", async () => {
    const nodes = await ctx.request("GET", "/admin/nodes");
    expect(nodes.status).toBe(503);
    expect(nodes.body.error.code).toBe("service_unavailable");
  });
});

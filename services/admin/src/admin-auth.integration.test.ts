import { createTenantWithApiKey } from "@sumo/db/queries";
import { makeTenant } from "@sumo/db/testing";
import { metricValue } from "@sumo/metrics/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdminTestContext, startAdminTestContext } from "./test-harness.ts";

let ctx: AdminTestContext;
beforeAll(async () => {
  ctx = await startAdminTestContext();
});
afterAll(async () => {
  await ctx.close();
});

describe("admin authentication", () => {
  it("refuses requests without the admin token, including tenant API keys", async () => {
    const { apiKey } = await createTenantWithApiKey(ctx.database.db, makeTenant());
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

describe("admin request metrics", () => {
  it("counts admin requests by route and status, refused ones included", async () => {
    expect((await ctx.request("GET", "/admin/tenants", { token: "guess-1" })).status).toBe(401);
    expect((await ctx.request("GET", "/admin/tenants", { token: "guess-2" })).status).toBe(401);
    expect((await ctx.request("GET", "/admin/tenants")).status).toBe(200);
    const requests = (status: string) =>
      metricValue(ctx.metricsRegistry, "sumo_http_requests_total", {
        method: "GET",
        route: "/admin/tenants",
        status,
      });
    expect(await requests("401")).toBeGreaterThanOrEqual(2);
    expect(await requests("200")).toBeGreaterThanOrEqual(1);
  });
});

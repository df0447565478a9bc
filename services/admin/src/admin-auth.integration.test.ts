import { createTenantWithApiKey } from "@sumo/db/queries";
import { makeTenant } from "@sumo/db/testing";
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

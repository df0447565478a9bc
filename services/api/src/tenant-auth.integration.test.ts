import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiTestContext, expectError, json, startApiTestContext } from "./test-harness.ts";

let ctx: ApiTestContext;
beforeAll(async () => {
  ctx = await startApiTestContext();
});
afterAll(async () => {
  await ctx.close();
});

describe("authentication", () => {
  it("rejects missing, malformed, unknown and revoked keys with 401", async () => {
    const { tenantId, apiKey } = await ctx.createTenant();
    await ctx.database.db.execute(
      sql`UPDATE api_keys SET revoked_at = now() WHERE tenant_id = ${tenantId}`,
    );
    const unknownKey = `sumo_${"A".repeat(43)}`;
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Basic dXNlcjpwYXNz" },
      { authorization: "Bearer" },
      { authorization: "Bearer not-a-key" },
      { authorization: `Bearer ${unknownKey}` },
      { authorization: `Bearer ${apiKey}` },
    ];
    for (const headers of attempts) {
      const response = await ctx.request("GET", "/v1/jobs", { headers });
      expect(response.status, JSON.stringify(headers)).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe("Bearer");
      expectError(await json(response), "unauthorized");
    }
  });

  it("accepts a live key and echoes the caller's request id", async () => {
    const { apiKey } = await ctx.createTenant();
    const response = await ctx.request("GET", "/v1/jobs", {
      apiKey,
      headers: { "x-request-id": "trace-me-123" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe("trace-me-123");
  });
});

import { createDatabaseClient } from "@sumo/db/client";
import { createMetricsRegistry } from "@sumo/metrics";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "./app.ts";
import { type ApiTestContext, expectError, json, startApiTestContext } from "./test-harness.ts";

let ctx: ApiTestContext;
beforeAll(async () => {
  ctx = await startApiTestContext();
});
afterAll(async () => {
  await ctx.close();
});

describe("service endpoints", () => {
  it("serves health, readiness, the OpenAPI document and JSON 404s", async () => {
    expect(await json(await ctx.request("GET", "/healthz"))).toEqual({ status: "ok" });
    expect(await json(await ctx.request("GET", "/readyz"))).toEqual({ status: "ok" });

    const doc = await json(await ctx.request("GET", "/openapi.json"));
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/v1/jobs", "/v1/jobs/{job_id}"]),
    );
    expect(doc.components.schemas.SubmitJobRequest.required).toEqual(
      expect.arrayContaining(["scenario_id", "cpu_request", "memory_gi"]),
    );

    const docsPage = await ctx.request("GET", "/docs");
    expect(docsPage.status).toBe(200);
    expect(await docsPage.text()).toContain("/openapi.json");

    // The page's script, kept in memory and revalidated by its ETag.
    const script = await ctx.request("GET", "/docs/scalar.js");
    expect(script.status).toBe(200);
    const etag = script.headers.get("etag") ?? "";
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect((await script.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    const again = await ctx.request("GET", "/docs/scalar.js", {
      headers: { "if-none-match": etag },
    });
    expect(again.status).toBe(304);
    // The document is the same from one request to the next.
    expect(await json(await ctx.request("GET", "/openapi.json"))).toEqual(doc);

    const unknown = await ctx.request("GET", "/v2/nothing");
    expect(unknown.status).toBe(404);
    expectError(await json(unknown), "not_found");
  });
});

describe("without its database", () => {
  it("answers 503 with Retry-After when its database refuses connections", async () => {
    const { apiKey } = await ctx.createTenant();
    // The same app over a pool whose server went away: connections refused.
    const gone = createDatabaseClient("postgres://nobody:nothing@127.0.0.1:1/none", {
      maxConnections: 2,
      acquireTimeoutMs: 2_000,
    });
    try {
      const app = createApp({
        db: gone.db,
        boss: ctx.boss,
        logger: pino({ level: "silent" }),
        metricsRegistry: createMetricsRegistry({ service: "api" }),
      });
      const headers = { authorization: `Bearer ${apiKey}` };
      for (const path of ["/v1/jobs", "/v1/dashboard", "/readyz"]) {
        const response = await app.request(path, { headers });
        expect(response.status, path).toBe(503);
      }
      const refused = await app.request("/v1/jobs", { headers });
      expect(refused.headers.get("retry-after")).toBe("2");
      expectError(await json(refused), "service_unavailable");
    } finally {
      await gone.close();
    }
  });
});

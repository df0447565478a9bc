import { OpenAPIHono } from "@hono/zod-openapi";
import { metricSamples, metricValue, parseExposition } from "@sumo/metrics/testing";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createHttpApp } from "./create-http-app.ts";
import { ApiError } from "./errors.ts";

function appWithMetrics(registry: Registry) {
  const app = createHttpApp({
    logger: pino({ level: "silent" }),
    bodyLimitBytes: 1024,
    metricsRegistry: registry,
  });
  app.use("/items/*", async (c, next) => {
    if (c.req.header("authorization") !== "let me in") {
      throw new ApiError("unauthorized", "no");
    }
    await next();
  });
  // Mounted like the services' route files: a sub-app per resource.
  const items = new OpenAPIHono()
    .get("/items/:item_id", (c) => c.json({ id: c.req.param("item_id") }))
    .get("/items/:item_id/parts", (c) => c.json([]));
  app.route("/", items);
  app.get("/busy", () => {
    throw new ApiError("concurrent_job_limit_reached", "slow down");
  });
  return app;
}

const authorized = { headers: { authorization: "let me in" } };

describe("httpMetrics", () => {
  it("labels requests by route pattern, never the concrete path", async () => {
    const registry = new Registry();
    const app = appWithMetrics(registry);
    for (const id of ["a1", "b2", "c3"]) await app.request(`/items/${id}`, authorized);
    await app.request("/items/a1/parts", authorized);

    expect(
      await metricValue(registry, "sumo_http_requests_total", {
        method: "GET",
        route: "/items/:item_id",
        status: "200",
      }),
    ).toBe(3);
    expect(
      await metricValue(registry, "sumo_http_requests_total", { route: "/items/:item_id/parts" }),
    ).toBe(1);
    const text = await registry.metrics();
    expect(text).not.toMatch(/a1|b2|c3/);
  });

  it("records errors with their status: refused by middleware, thrown, unmatched", async () => {
    const registry = new Registry();
    const app = appWithMetrics(registry);
    expect((await app.request("/items/x")).status).toBe(401);
    expect((await app.request("/busy")).status).toBe(429);
    expect((await app.request("/nothing/here/42")).status).toBe(404);
    expect((await app.request("/busy", { method: "PROPFIND" })).status).toBe(405);
    expect((await app.request("/nothing", { method: "PROPFIND" })).status).toBe(404);

    const samples = await metricSamples(registry, "sumo_http_requests_total");
    expect(samples.map((s) => s.labels)).toEqual(
      expect.arrayContaining([
        { method: "GET", route: "/items/:item_id", status: "401" },
        { method: "GET", route: "/busy", status: "429" },
        { method: "GET", route: "unmatched", status: "404" },
        { method: "other", route: "unmatched", status: "405" },
        { method: "other", route: "unmatched", status: "404" },
      ]),
    );
  });

  it("observes latencies in a histogram with buckets, per route and status", async () => {
    const registry = new Registry();
    const app = appWithMetrics(registry);
    await app.request("/items/1", authorized);
    await app.request("/items/2", authorized);
    const labels = { method: "GET", route: "/items/:item_id", status: "200" };
    const name = "sumo_http_request_duration_seconds";
    expect(await metricValue(registry, `${name}_count`, labels)).toBe(2);
    expect(await metricValue(registry, `${name}_bucket`, { ...labels, le: "+Inf" })).toBe(2);
    expect(await metricValue(registry, `${name}_sum`, labels)).toBeGreaterThan(0);
    const buckets = parseExposition(await registry.metrics()).filter(
      (sample) => sample.name === `${name}_bucket` && sample.labels.route === "/items/:item_id",
    );
    expect(buckets.map((sample) => sample.labels.le)).toEqual([
      ...["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10"],
      "+Inf",
    ]);
  });

  it("lets several apps share one registry (one app per test, one per service)", async () => {
    const registry = new Registry();
    await appWithMetrics(registry).request("/busy");
    await appWithMetrics(registry).request("/busy");
    expect(await metricValue(registry, "sumo_http_requests_total", { route: "/busy" })).toBe(2);
  });

  it("records nothing without a registry", async () => {
    const app = createHttpApp({ logger: pino({ level: "silent" }), bodyLimitBytes: 1024 });
    app.get("/ok", (c) => c.text("ok"));
    expect((await app.request("/ok")).status).toBe(200);
  });
});

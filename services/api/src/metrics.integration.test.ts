import { MetricsServer } from "@sumo/metrics";
import { metricValue, parseExposition } from "@sumo/metrics/testing";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiTestContext, startApiTestContext, TEST_SCENARIO } from "./test-harness.ts";

let ctx: ApiTestContext;
let metricsServer: MetricsServer;
beforeAll(async () => {
  ctx = await startApiTestContext();
  // What index.ts starts on METRICS_PORT, over the same registry as the app.
  metricsServer = new MetricsServer({
    registry: ctx.metricsRegistry,
    host: "127.0.0.1",
    port: 0,
    logger: pino({ level: "silent" }),
  });
  await metricsServer.start();
});
afterAll(async () => {
  await metricsServer.stop();
  await ctx.close();
});

const validJob = { scenario_id: TEST_SCENARIO, cpu_request: 0.5, memory_gi: 1 };

async function scrape(): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${metricsServer.port}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

describe("metrics", () => {
  it("counts requests by route pattern, never by job id, with latency buckets", async () => {
    const { apiKey } = await ctx.createTenant({ maxConcurrentJobs: 10 });
    const jobIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await ctx.request("POST", "/v1/jobs", { apiKey, body: validJob });
      expect(response.status).toBe(202);
      jobIds.push(((await response.json()) as { job_id: string }).job_id);
    }
    for (const jobId of jobIds) {
      expect((await ctx.request("GET", `/v1/jobs/${jobId}`, { apiKey })).status).toBe(200);
    }
    const missing = "00000000-0000-7000-8000-000000000000";
    expect((await ctx.request("GET", `/v1/jobs/${missing}`, { apiKey })).status).toBe(404);
    expect((await ctx.request("GET", `/v1/jobs/${jobIds[0]}`)).status).toBe(401);

    const text = await scrape();
    const samples = parseExposition(text);
    const value = (name: string, labels: Record<string, string>) => {
      const found = samples.filter(
        (sample) =>
          sample.name === name &&
          Object.entries({ service: "api", ...labels }).every(([k, v]) => sample.labels[k] === v),
      );
      expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
      return found[0]?.value;
    };
    const requests = "sumo_http_requests_total";
    const job = "/v1/jobs/:job_id";
    expect(value(requests, { method: "POST", route: "/v1/jobs", status: "202" })).toBe(3);
    expect(value(requests, { method: "GET", route: job, status: "200" })).toBe(3);
    expect(value(requests, { method: "GET", route: job, status: "404" })).toBe(1);
    expect(value(requests, { method: "GET", route: job, status: "401" })).toBe(1);
    const buckets = "sumo_http_request_duration_seconds_bucket";
    const ok = { method: "GET", route: job, status: "200" };
    expect(value(buckets, { ...ok, le: "+Inf" })).toBe(3);
    expect(value(buckets, { ...ok, le: "0.005" })).toBeLessThanOrEqual(3);
    expect(value("sumo_http_request_duration_seconds_count", ok)).toBe(3);
    expect(text).toContain(`route="${job}"`);
    for (const id of [...jobIds, missing]) expect(text).not.toContain(id);
    // prom-client's default process metrics come with every service's registry.
    expect(text).toMatch(/^process_resident_memory_bytes\{service="api"\} \d+/m);
  });

  it("serves no /metrics on the tenant port", async () => {
    const { apiKey } = await ctx.createTenant();
    for (const options of [{}, { apiKey }]) {
      const response = await ctx.request("GET", "/metrics", options);
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain("sumo_http_requests_total");
    }
    expect(
      await metricValue(ctx.metricsRegistry, "sumo_http_requests_total", {
        route: "unmatched",
        status: "404",
      }),
    ).toBeGreaterThanOrEqual(2);
  });
});

import type { AddressInfo } from "node:net";
import { type ApiTestContext, startApiTestContext, TEST_SCENARIO } from "@sumo/api/test-harness";
import { createHttpServer } from "@sumo/http";
import { makeTarGz } from "@sumo/scenario/testing";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenantClient, type TenantClient, type TenantSchemas, toFormData } from "./index.ts";

let ctx: ApiTestContext;
beforeAll(async () => {
  ctx = await startApiTestContext();
});
afterAll(async () => {
  await ctx.close();
});

/** A client of the api app in process, as a tenant with its own API key. */
async function tenantClient(): Promise<TenantClient> {
  const { apiKey } = await ctx.createTenant();
  return createTenantClient({
    baseUrl: "http://api.test",
    apiKey,
    fetch: async (request) => ctx.app.request(request),
  });
}

describe("the tenant client", () => {
  it("lists jobs, submits one and reads it back, typed from the document", async () => {
    const client = await tenantClient();
    const empty = await client.GET("/v1/jobs", { params: { query: { limit: 5 } } });
    expect(empty.response.status).toBe(200);
    expect(empty.data).toEqual({ jobs: [], next_cursor: null });

    const submitted = await client.POST("/v1/jobs", {
      body: { scenario_id: TEST_SCENARIO, cpu_request: 0.5, memory_gi: 1, scenario: { seed: 7 } },
      params: { header: { "idempotency-key": "first" } },
    });
    expect(submitted.response.status).toBe(202);
    const job: TenantSchemas["Job"] | undefined = submitted.data;
    expect(job).toMatchObject({ status: "PENDING", scenario_name: TEST_SCENARIO });

    const read = await client.GET("/v1/jobs/{job_id}", {
      params: { path: { job_id: job?.job_id ?? "" } },
    });
    expect(read.data).toMatchObject({ job_id: job?.job_id, scenario: { seed: 7 } });

    const logs = await client.GET("/v1/jobs/{job_id}/logs", {
      params: { path: { job_id: job?.job_id ?? "" }, query: { follow: false, tail: 10 } },
    });
    expect(logs.data).toEqual({ job_id: job?.job_id, source: "none", lines: [] });
  });

  it("reads a refusal as the typed error body", async () => {
    const client = await tenantClient();
    const refused = await client.POST("/v1/jobs", {
      body: { scenario_id: "no-such-scenario", cpu_request: 1, memory_gi: 1 },
    });
    expect(refused.response.status).toBe(422);
    expect(refused.data).toBeUndefined();
    const code: TenantSchemas["Error"]["error"]["code"] | undefined = refused.error?.error.code;
    expect(code).toBe("unknown_scenario");
    expect(refused.error?.error.request_id).toBe(refused.response.headers.get("x-request-id"));

    const stranger = createTenantClient({
      baseUrl: "http://api.test",
      apiKey: "sumo_not-a-key",
      fetch: async (request) => ctx.app.request(request),
    });
    const unauthorized = await stranger.GET("/v1/dashboard");
    expect(unauthorized.response.status).toBe(401);
    expect(unauthorized.error?.error.code).toBe("unauthorized");
  });

  it("reads the dashboard", async () => {
    const client = await tenantClient();
    await client.POST("/v1/jobs", {
      body: { scenario_id: TEST_SCENARIO, cpu_request: 1, memory_gi: 1 },
    });
    const { data } = await client.GET("/v1/dashboard");
    expect(data?.jobs_by_status.PENDING).toBe(1);
    expect(data?.recent_jobs).toHaveLength(1);
    expect(data?.quota.status).toBe("unavailable");
  });

  it("uploads a scenario as a form and lists it", async () => {
    const client = await tenantClient();
    const bundle = await makeTarGz({
      "grid.sumocfg": `<configuration><input><net-file value="grid.net.xml"/></input></configuration>`,
      "grid.net.xml": '<net version="1.20"/>',
    });
    const uploaded = await client.POST("/v1/scenarios", {
      body: { name: "grid", bundle: new Blob([bundle]) },
      bodySerializer: toFormData,
    });
    expect(uploaded.error).toBeUndefined();
    expect(uploaded.response.status).toBe(201);
    expect(uploaded.data).toMatchObject({ name: "grid", config: "grid.sumocfg", format: "tar.gz" });

    const { data } = await client.GET("/v1/scenarios");
    expect(data?.scenarios.map((scenario) => scenario.name)).toContain("grid");
  });

  it("speaks HTTP with the global fetch to a listening api", async () => {
    const server = createHttpServer(ctx.app, {
      host: "127.0.0.1",
      logger: pino({ level: "silent" }),
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { apiKey } = await ctx.createTenant();
      const { port } = server.address() as AddressInfo;
      const client = createTenantClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey });
      const { data, response } = await client.GET("/v1/scenarios");
      expect(response.status).toBe(200);
      expect(data?.scenarios.map((scenario) => scenario.name)).toEqual([TEST_SCENARIO]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("the tenant client's types", () => {
  it("refuse requests the document does not allow", () => {
    // Compiled, never sent: typecheck fails if the generated types stop catching these.
    const check = (client: TenantClient) => [
      // @ts-expect-error: cpu_request is a number
      client.POST("/v1/jobs", { body: { scenario_id: "x", cpu_request: "1", memory_gi: 1 } }),
      // @ts-expect-error: no such route
      client.GET("/v1/nothing"),
      client.GET("/v1/jobs/{job_id}/logs", {
        // @ts-expect-error: follow is a boolean
        params: { path: { job_id: "x" }, query: { follow: "yes" } },
      }),
    ];
    expect(check).toBeTypeOf("function");
  });
});

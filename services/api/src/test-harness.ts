import { createDatabaseClient, type DatabaseClient } from "@sumo/db/client";
import { createScenario, createTenantWithApiKey } from "@sumo/db/queries";
import { createQueueClient } from "@sumo/db/queue-client";
import type { Tenant } from "@sumo/db/schema";
import { createTestDatabase, makeScenario, makeTenant, type TestDatabase } from "@sumo/db/testing";
import { createMetricsRegistry } from "@sumo/metrics";
import type { PgBoss } from "pg-boss";
import { pino } from "pino";
import type { Registry } from "prom-client";
import { expect, inject } from "vitest";
import { type ApiDeps, createApp } from "./app.ts";

/** The scenario every tenant of createTenant has. */
export const TEST_SCENARIO = "berlin-rush-hour";

export interface ApiTestContext {
  /** The queue client the app sends with. */
  boss: PgBoss;
  app: ReturnType<typeof createApp>;
  database: DatabaseClient;
  /** The app's own metrics registry: what its metrics listener would serve. */
  metricsRegistry: Registry;
  /**
   * Creates a tenant with its API key (names are made unique per call) and a scenario named
   * TEST_SCENARIO to submit jobs of.
   */
  createTenant(tenant?: Partial<Tenant>): Promise<{ tenantId: string; apiKey: string }>;
  /** Sends a request to the app in process; a `body` object is sent as JSON. */
  request(
    method: string,
    path: string,
    options?: { apiKey?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  close(): Promise<void>;
}

/** The api on its own copy of the migrated test database (real PostgreSQL, real pg-boss). */
export async function startApiTestContext(
  options: Pick<
    ApiDeps,
    "bodyLimitBytes" | "submitOptions" | "scenarioLimits" | "idempotencyKeyTtlMs"
  > = {},
): Promise<ApiTestContext> {
  const testDatabase: TestDatabase = await createTestDatabase(inject("templateDatabaseUrl"));
  const database = createDatabaseClient(testDatabase.url, {
    maxConnections: 10,
    pipeline: true,
  });
  const boss = await createQueueClient(testDatabase.url, {
    role: "sender",
    instanceName: "test",
    registerInstance: false,
  });
  const metricsRegistry = createMetricsRegistry({ service: "api" });
  const app = createApp({
    db: database.db,
    boss,
    logger: pino({ level: "silent" }),
    metricsRegistry,
    ...options,
  });

  return {
    app,
    database,
    boss,
    metricsRegistry,
    async createTenant(tenant = {}) {
      const created = await createTenantWithApiKey(database.db, makeTenant(tenant));
      await createScenario(
        database.db,
        makeScenario({ tenantId: created.tenant.id, name: TEST_SCENARIO }),
      );
      return { tenantId: created.tenant.id, apiKey: created.apiKey };
    },
    request(method, path, { apiKey, body, headers = {} } = {}) {
      const init: RequestInit = { method, headers: { ...headers } };
      const requestHeaders = init.headers as Record<string, string>;
      if (apiKey) requestHeaders.authorization = `Bearer ${apiKey}`;
      if (body !== undefined) {
        init.body = typeof body === "string" ? body : JSON.stringify(body);
        requestHeaders["content-type"] ??= "application/json";
      }
      return Promise.resolve(app.request(path, init));
    },
    async close() {
      await boss.stop({ graceful: false, close: true });
      await database.close();
      await testDatabase.drop();
    },
  };
}

export async function json(response: Response): Promise<any> {
  return response.json();
}

/** The body is the one error shape, with this code, a message and the request id. */
export function expectError(body: any, code: string) {
  expect(body).toMatchObject({ error: { code, message: expect.any(String) } });
  expect(body.error.request_id).toMatch(/\S+/);
}

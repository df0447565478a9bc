import { createDatabaseClient, type DatabaseClient } from "@sumo/db/client";
import { createQueueClient } from "@sumo/db/queue-client";
import { createTestDatabase, type TestDatabase } from "@sumo/db/testing";
import type { ConsoleAssets } from "@sumo/http";
import { createMetricsRegistry } from "@sumo/metrics";
import { pino } from "pino";
import type { Registry } from "prom-client";
import { inject } from "vitest";
import { type AdminAuthThrottle, DEFAULT_ADMIN_AUTH_THROTTLE } from "./admin-auth.ts";
import { createApp } from "./app.ts";

export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789abcdef0123456789";

export interface AdminTestContext {
  app: ReturnType<typeof createApp>;
  database: DatabaseClient;
  /** The registry the app records its request metrics in. */
  metricsRegistry: Registry;
  /** Sends a request in process, with the admin token unless `token` says otherwise. */
  request(
    method: string,
    path: string,
    options?: { token?: string | null; body?: unknown },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/**
 * The admin API on its own copy of the migrated test database (no Kubernetes). Requests made in
 * process all come from one client ("unknown"), so unless a test gives its own, the throttle of
 * wrong tokens allows many more than the default.
 */
export async function startAdminTestContext(
  options: { authThrottle?: AdminAuthThrottle; console?: ConsoleAssets } = {},
): Promise<AdminTestContext> {
  const testDatabase: TestDatabase = await createTestDatabase(inject("templateDatabaseUrl"));
  const database = createDatabaseClient(testDatabase.url, { maxConnections: 5 });
  const boss = await createQueueClient(testDatabase.url, {
    role: "sender",
    instanceName: "test",
    registerInstance: false,
  });
  const metricsRegistry = createMetricsRegistry({ service: "admin" });
  const app = createApp({
    db: database.db,
    boss,
    logger: pino({ level: "silent" }),
    adminToken: TEST_ADMIN_TOKEN,
    metricsRegistry,
    authThrottle: options.authThrottle ?? { ...DEFAULT_ADMIN_AUTH_THROTTLE, maxFailures: 10_000 },
    ...(options.console && { console: options.console }),
  });
  return {
    app,
    database,
    metricsRegistry,
    async request(method, path, { token = TEST_ADMIN_TOKEN, body } = {}) {
      const headers: Record<string, string> = {};
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers["content-type"] = "application/json";
      const response = await app.request(path, {
        method,
        headers,
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return {
        status: response.status,
        body: text ? JSON.parse(text) : undefined,
        headers: response.headers,
      };
    },
    async close() {
      await boss.stop({ graceful: false, close: true });
      await database.close();
      await testDatabase.drop();
    },
  };
}

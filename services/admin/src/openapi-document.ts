import { randomBytes } from "node:crypto";
import { servedOpenApiDocument, unusedDependency } from "@sumo/http";
import { createMetricsRegistry } from "@sumo/metrics";
import { pino } from "pino";
import { createApp } from "./app.ts";

/**
 * The admin API's OpenAPI document, as its `/openapi.json` serves it, read from an app that has
 * no database or queue, and a token nobody knows: the document follows from the routes alone. The typed client
 * (@sumo/api-client) is generated from it.
 */
export function adminOpenApiDocument(): Promise<Record<string, unknown>> {
  const app = createApp({
    db: unusedDependency("db"),
    boss: unusedDependency("boss"),
    adminToken: randomBytes(32).toString("hex"),
    logger: pino({ level: "silent" }),
    metricsRegistry: createMetricsRegistry({ service: "admin" }),
  });
  return servedOpenApiDocument(app);
}

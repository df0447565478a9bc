import { servedOpenApiDocument, unusedDependency } from "@sumo/http";
import { createMetricsRegistry } from "@sumo/metrics";
import { pino } from "pino";
import { createApp } from "./app.ts";

/**
 * The tenant API's OpenAPI document, as its `/openapi.json` serves it, read from an app that has
 * no database or queue: the document follows from the routes alone. The typed client
 * (@sumo/api-client) is generated from it.
 */
export function tenantOpenApiDocument(): Promise<Record<string, unknown>> {
  const app = createApp({
    db: unusedDependency("db"),
    boss: unusedDependency("boss"),
    logger: pino({ level: "silent" }),
    metricsRegistry: createMetricsRegistry({ service: "api" }),
  });
  return servedOpenApiDocument(app);
}

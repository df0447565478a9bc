import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { HttpEnv } from "./create-http-app.ts";

const statusSchema = z.object({ status: z.enum(["ok", "unavailable"]) });

const livenessRoute = createRoute({
  method: "get",
  path: "/healthz",
  summary: "Liveness: the process serves requests",
  responses: {
    200: { description: "Alive", content: { "application/json": { schema: statusSchema } } },
  },
});

const readinessRoute = createRoute({
  method: "get",
  path: "/readyz",
  summary: "Readiness: the database answers and the service is not shutting down",
  responses: {
    200: { description: "Ready", content: { "application/json": { schema: statusSchema } } },
    503: { description: "Not ready", content: { "application/json": { schema: statusSchema } } },
  },
});

/** `/healthz` and `/readyz` for Kubernetes probes. */
export function healthRoutes(deps: { isReady: () => Promise<boolean> }) {
  return new OpenAPIHono<HttpEnv>()
    .openapi(livenessRoute, (c) => c.json({ status: "ok" as const }, 200))
    .openapi(readinessRoute, async (c) =>
      (await deps.isReady())
        ? c.json({ status: "ok" as const }, 200)
        : c.json({ status: "unavailable" as const }, 503),
    );
}

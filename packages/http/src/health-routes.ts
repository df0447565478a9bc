import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { HttpEnv } from "./create-http-app.ts";

const statusSchema = z.object({ status: z.enum(["ok", "unavailable"]) });

/** The tag of the probes, which every service's document has. */
export const HEALTH_TAG = {
  name: "Health",
  description: "Probes for Kubernetes and load balancers; no credentials needed.",
};

const livenessRoute = createRoute({
  method: "get",
  path: "/healthz",
  operationId: "checkLiveness",
  tags: [HEALTH_TAG.name],
  summary: "Liveness: the process serves requests",
  security: [],
  responses: {
    200: { description: "Alive", content: { "application/json": { schema: statusSchema } } },
  },
});

const readinessRoute = createRoute({
  method: "get",
  path: "/readyz",
  operationId: "checkReadiness",
  tags: [HEALTH_TAG.name],
  summary: "Readiness: the database answers and the service is not shutting down",
  security: [],
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

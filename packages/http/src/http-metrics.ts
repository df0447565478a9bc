import { perRegistry } from "@sumo/metrics";
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { METHOD_NAME_ALL } from "hono/router";
import { Counter, Histogram, type Registry } from "prom-client";

/** Labels of both HTTP metrics. */
type HttpLabel = "method" | "route" | "status";
const HTTP_LABELS: HttpLabel[] = ["method", "route", "status"];

/** The `route` of a request that matched no route (unknown paths, scanners): one series for all. */
export const UNMATCHED_ROUTE = "unmatched";

const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

const httpRequestMetrics = perRegistry((registry) => ({
  requests: new Counter<HttpLabel>({
    name: "sumo_http_requests_total",
    help: "HTTP requests answered, by method, route pattern (e.g. /v1/jobs/:job_id) and status.",
    labelNames: HTTP_LABELS,
    registers: [registry],
  }),
  duration: new Histogram<HttpLabel>({
    name: "sumo_http_request_duration_seconds",
    help: "Time from a request's arrival to its response headers (for a streamed body, until the stream starts), by method, route pattern and status.",
    labelNames: HTTP_LABELS,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  }),
}));

/**
 * Counts every request and times it, labelled by the route *pattern* it matched, never the raw
 * path: job ids in paths would make a series per job. Mount it before any other middleware, so
 * it sees every request and the final status, errors included.
 */
export function httpMetrics(registry: Registry): MiddlewareHandler {
  const { requests, duration } = httpRequestMetrics(registry);
  return async (c, next) => {
    const started = performance.now();
    await next();
    const labels = {
      method: KNOWN_METHODS.has(c.req.method) ? c.req.method : "other",
      route: routePattern(c),
      status: String(c.res.status),
    };
    requests.inc(labels);
    duration.observe(labels, (performance.now() - started) / 1000);
  };
}

/**
 * The pattern of the handler the request was routed to, also when a middleware answered first
 * (a 401 from auth, a 413 from the body limit). Middlewares are registered for every method;
 * handlers for theirs.
 */
function routePattern(c: Context): string {
  const handler = matchedRoutes(c).find((route) => route.method !== METHOD_NAME_ALL);
  return handler?.path ?? UNMATCHED_ROUTE;
}

import { createHash, timingSafeEqual } from "node:crypto";
import { ApiError, clientAddress } from "@sumo/http";
import { perRegistry } from "@sumo/metrics";
import type { MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import { Counter, type Registry } from "prom-client";
import { RateLimiterMemory } from "rate-limiter-flexible";

const BEARER = /^Bearer +([^\s]+) *$/i;
const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/** The error codes every admin route may answer for want of the admin token. */
export const ADMIN_AUTH_ERRORS = ["unauthorized", "too_many_auth_failures"] as const;

export interface AdminAuthThrottle {
  /** Wrong tokens one client may present within `windowSeconds`; one more blocks it. */
  maxFailures: number;
  windowSeconds: number;
  /** How long a blocked client gets 429 for every admin request, right token or not. */
  blockSeconds: number;
  /** Proxies in front of the service whose X-Forwarded-For is believed (clientAddress). */
  trustedProxyHops: number;
}

export const DEFAULT_ADMIN_AUTH_THROTTLE: AdminAuthThrottle = {
  maxFailures: 10,
  windowSeconds: 60,
  blockSeconds: 300,
  trustedProxyHops: 0,
};

const authMetrics = perRegistry((registry: Registry) => ({
  failures: new Counter({
    name: "sumo_admin_auth_failures_total",
    help: "Admin requests that presented a wrong token.",
    registers: [registry],
  }),
  blocked: new Counter({
    name: "sumo_admin_auth_blocked_clients_total",
    help: "Times a client was blocked for presenting too many wrong admin tokens.",
    registers: [registry],
  }),
}));

/**
 * Admin routes take the admin token only (`Authorization: Bearer <token>`); tenant API keys,
 * like anything else, are 401. Compared as digests, in constant time.
 *
 * Guessing is throttled: a client (by address) that presents more than `maxFailures` wrong
 * tokens within `windowSeconds` gets 429 `too_many_auth_failures` with Retry-After on every admin request
 * for `blockSeconds`, the right token included, since answering it would let guessing go on.
 * A request with no token at all is refused without counting. Counted per replica, in memory.
 */
export function adminAuth(options: {
  adminToken: string;
  logger: Logger;
  metricsRegistry: Registry;
  throttle?: AdminAuthThrottle;
}): MiddlewareHandler {
  const expected = digest(options.adminToken);
  const throttle = options.throttle ?? DEFAULT_ADMIN_AUTH_THROTTLE;
  const metrics = authMetrics(options.metricsRegistry);
  const failures = new RateLimiterMemory({
    points: throttle.maxFailures,
    duration: throttle.windowSeconds,
    blockDuration: throttle.blockSeconds,
  });
  const blocked = (msBeforeNext: number) =>
    new ApiError(
      "too_many_auth_failures",
      "Too many wrong admin tokens from this client; wait before trying again",
      { headers: { "Retry-After": String(Math.max(1, Math.ceil(msBeforeNext / 1000))) } },
    );
  return async (c, next) => {
    const client = clientAddress(c, throttle.trustedProxyHops);
    const record = await failures.get(client);
    if (record && record.consumedPoints > throttle.maxFailures) throw blocked(record.msBeforeNext);

    const header = c.req.header("authorization");
    const token = header ? BEARER.exec(header)?.[1] : undefined;
    if (!token || !timingSafeEqual(digest(token), expected)) {
      if (token) {
        metrics.failures.inc();
        try {
          await failures.consume(client);
        } catch {
          // That failure was one too many: the client is blocked from now on.
          metrics.blocked.inc();
          options.logger.warn(
            { client, blockSeconds: throttle.blockSeconds },
            "blocking a client that presented too many wrong admin tokens",
          );
        }
      }
      throw new ApiError("unauthorized", "Admin routes need the admin token as a Bearer token", {
        headers: { "WWW-Authenticate": "Bearer" },
      });
    }
    await next();
  };
}

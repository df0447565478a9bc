import { createHash, timingSafeEqual } from "node:crypto";
import { ApiError } from "@sumo/http";
import type { MiddlewareHandler } from "hono";

const BEARER = /^Bearer +([^\s]+) *$/i;
const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/**
 * Admin routes take the admin token only (`Authorization: Bearer <token>`); tenant API keys,
 * like anything else, are 401. Compared as digests, in constant time.
 */
export function adminAuth(adminToken: string): MiddlewareHandler {
  const expected = digest(adminToken);
  return async (c, next) => {
    const header = c.req.header("authorization");
    const token = header ? BEARER.exec(header)?.[1] : undefined;
    if (!token || !timingSafeEqual(digest(token), expected)) {
      throw new ApiError("unauthorized", "Admin routes need the admin token as a Bearer token", {
        headers: { "WWW-Authenticate": "Bearer" },
      });
    }
    await next();
  };
}

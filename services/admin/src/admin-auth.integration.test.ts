import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { createTenantWithApiKey } from "@sumo/db/queries";
import { makeTenant } from "@sumo/db/testing";
import { createHttpServer } from "@sumo/http";
import { metricValue } from "@sumo/metrics/testing";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { AdminAuthThrottle } from "./admin-auth.ts";
import { type AdminTestContext, startAdminTestContext, TEST_ADMIN_TOKEN } from "./test-harness.ts";

let ctx: AdminTestContext;
beforeAll(async () => {
  ctx = await startAdminTestContext();
});
afterAll(async () => {
  await ctx.close();
});

describe("admin authentication", () => {
  it("refuses requests without the admin token, including tenant API keys", async () => {
    const { apiKey } = await createTenantWithApiKey(ctx.database.db, makeTenant());
    for (const token of [null, "wrong-token", apiKey, `${"x".repeat(64)}`]) {
      for (const [method, path] of [
        ["GET", "/admin/tenants"],
        ["POST", "/admin/tenants"],
        ["GET", "/admin/jobs"],
        ["GET", "/admin/nodes"],
        ["GET", "/admin/metrics"],
      ] as const) {
        const response = await ctx.request(method, path, {
          token,
          body: method === "POST" ? {} : undefined,
        });
        expect(response.status, `${method} ${path} with ${token?.slice(0, 8)}`).toBe(401);
        expect(response.body.error.code).toBe("unauthorized");
      }
    }
  });
});

describe("admin request metrics", () => {
  it("counts admin requests by route and status, refused ones included", async () => {
    expect((await ctx.request("GET", "/admin/tenants", { token: "guess-1" })).status).toBe(401);
    expect((await ctx.request("GET", "/admin/tenants", { token: "guess-2" })).status).toBe(401);
    expect((await ctx.request("GET", "/admin/tenants")).status).toBe(200);
    const requests = (status: string) =>
      metricValue(ctx.metricsRegistry, "sumo_http_requests_total", {
        method: "GET",
        route: "/admin/tenants",
        status,
      });
    expect(await requests("401")).toBeGreaterThanOrEqual(2);
    expect(await requests("200")).toBeGreaterThanOrEqual(1);
  });
});

/** The admin app behind a real HTTP server, so each request has a client address. */
async function serveWithThrottle(throttle: AdminAuthThrottle) {
  const served = await startAdminTestContext({ authThrottle: throttle });
  const server = createHttpServer(served.app, {
    host: "127.0.0.1",
    logger: pino({ level: "silent" }),
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  /** GET /admin/tenants from `from` (a loopback address), with `token` (if any) and headers. */
  const get = (token: string | null, from = "127.0.0.1", headers: Record<string, string> = {}) =>
    new Promise<{ status: number; retryAfter: string | undefined; code: string | undefined }>(
      (resolve, reject) => {
        const req = httpRequest(
          {
            host: "127.0.0.1",
            port,
            path: "/admin/tenants",
            localAddress: from,
            headers: { ...(token !== null && { authorization: `Bearer ${token}` }), ...headers },
          },
          (res) => {
            let text = "";
            res.on("data", (chunk) => {
              text += chunk;
            });
            res.on("end", () =>
              resolve({
                status: res.statusCode ?? 0,
                retryAfter: res.headers["retry-after"] as string | undefined,
                code: res.statusCode === 200 ? undefined : JSON.parse(text).error.code,
              }),
            );
          },
        );
        req.on("error", reject);
        req.end();
      },
    );
  return {
    ctx: served,
    get,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await served.close();
    },
  };
}

describe("throttling wrong admin tokens", () => {
  it("blocks a client after too many wrong tokens, the right one included, and no other client", async () => {
    const served = await serveWithThrottle({
      maxFailures: 3,
      windowSeconds: 60,
      blockSeconds: 60,
      trustedProxyHops: 0,
    });
    try {
      for (let i = 0; i < 3; i++) expect((await served.get(`guess-${i}`)).status).toBe(401);
      expect((await served.get(TEST_ADMIN_TOKEN)).status).toBe(200);
      // One more wrong token: blocked, whatever it sends next.
      expect((await served.get("guess-3")).status).toBe(401);
      const refused = await served.get(TEST_ADMIN_TOKEN);
      expect(refused).toMatchObject({ status: 429, code: "too_many_auth_failures" });
      expect(Number(refused.retryAfter)).toBeGreaterThan(50);
      expect(Number(refused.retryAfter)).toBeLessThanOrEqual(60);
      expect((await served.get("guess-4")).status).toBe(429);
      // Another client is not affected.
      expect((await served.get(TEST_ADMIN_TOKEN, "127.0.0.2")).status).toBe(200);
      expect(
        await metricValue(served.ctx.metricsRegistry, "sumo_admin_auth_failures_total", {}),
      ).toBe(4);
      expect(
        await metricValue(served.ctx.metricsRegistry, "sumo_admin_auth_blocked_clients_total", {}),
      ).toBe(1);
    } finally {
      await served.close();
    }
  });

  it("does not count requests without a token, and lets a client in again once its block ends", async () => {
    const served = await serveWithThrottle({
      maxFailures: 1,
      windowSeconds: 60,
      blockSeconds: 1,
      trustedProxyHops: 0,
    });
    try {
      for (let i = 0; i < 5; i++) expect((await served.get(null)).status).toBe(401);
      expect((await served.get(TEST_ADMIN_TOKEN)).status).toBe(200);
      expect((await served.get("guess-0")).status).toBe(401);
      expect((await served.get("guess-1")).status).toBe(401);
      expect((await served.get(TEST_ADMIN_TOKEN)).status).toBe(429);
      await vi.waitFor(async () => expect((await served.get(TEST_ADMIN_TOKEN)).status).toBe(200), {
        timeout: 5_000,
        interval: 200,
      });
    } finally {
      await served.close();
    }
  });

  it("behind a trusted proxy, tells clients apart by X-Forwarded-For and ignores what they claim", async () => {
    const served = await serveWithThrottle({
      maxFailures: 1,
      windowSeconds: 60,
      blockSeconds: 60,
      trustedProxyHops: 1,
    });
    try {
      // The proxy appends the address it heard from; what the client wrote before it is a claim.
      const viaProxy = (client: string, claimed?: string) => ({
        "x-forwarded-for": claimed ? `${claimed}, ${client}` : client,
      });
      expect((await served.get("guess-0", "127.0.0.1", viaProxy("203.0.113.7"))).status).toBe(401);
      expect((await served.get("guess-1", "127.0.0.1", viaProxy("203.0.113.7"))).status).toBe(401);
      expect(
        (await served.get(TEST_ADMIN_TOKEN, "127.0.0.1", viaProxy("203.0.113.7"))).status,
      ).toBe(429);
      // Claiming another address changes nothing for the blocked client...
      expect(
        (await served.get(TEST_ADMIN_TOKEN, "127.0.0.1", viaProxy("203.0.113.7", "198.51.100.1")))
          .status,
      ).toBe(429);
      // ...and another client behind the same proxy is let in.
      expect(
        (await served.get(TEST_ADMIN_TOKEN, "127.0.0.1", viaProxy("203.0.113.8"))).status,
      ).toBe(200);
    } finally {
      await served.close();
    }
  });
});

import { createRoute, z } from "@hono/zod-openapi";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createHttpApp } from "./create-http-app.ts";
import { ApiError } from "./errors.ts";

function appUnderTest() {
  const app = createHttpApp({ logger: pino({ level: "silent" }), bodyLimitBytes: 1024 });
  app.get("/crash", () => {
    throw new Error("connection string postgres://secret@db leaked?");
  });
  app.get("/database-gone", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), {
      code: "ECONNREFUSED",
    });
    throw new Error("Failed query: select 1", { cause: refused });
  });
  app.get("/limited", () => {
    throw new ApiError("concurrent_job_limit_reached", "slow down", {
      headers: { "Retry-After": "7" },
    });
  });
  app.openapi(
    createRoute({
      method: "post",
      path: "/echo",
      request: {
        body: {
          required: true,
          content: { "application/json": { schema: z.object({ n: z.number() }) } },
        },
      },
      responses: { 200: { description: "echo" } },
    }),
    (c) => c.json(c.req.valid("json"), 200),
  );
  return app;
}

describe("createHttpApp", () => {
  it("answers an unexpected crash with a 500 that reveals nothing internal", async () => {
    const response = await appUnderTest().request("/crash");
    expect(response.status).toBe(500);
    const body: any = await response.json();
    expect(body).toEqual({
      error: { code: "internal_error", message: "Internal error", request_id: expect.any(String) },
    });
    expect(response.headers.get("x-request-id")).toBe(body.error.request_id);
  });

  it("answers an unreachable database with a 503 to retry, not a 500", async () => {
    const response = await appUnderTest().request("/database-gone");
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("2");
    const body: any = await response.json();
    expect(body.error.code).toBe("service_unavailable");
    expect(body.error.message).not.toContain("127.0.0.1");
  });

  it("renders ApiError with its status, code and headers", async () => {
    const response = await appUnderTest().request("/limited");
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("7");
    expect(((await response.json()) as any).error.code).toBe("concurrent_job_limit_reached");
  });

  it("accepts JSON media types with parameters and refuses others", async () => {
    const app = appUnderTest();
    const ok = await app.request("/echo", {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: '{"n":1}',
    });
    expect(await ok.json()).toEqual({ n: 1 });
    for (const contentType of ['application/json;charset="UTF-8"', "application/problem+json"]) {
      const accepted = await app.request("/echo", {
        method: "POST",
        headers: { "content-type": contentType },
        body: '{"n":2}',
      });
      expect(accepted.status, contentType).toBe(200);
    }
    for (const contentType of [
      "text/plain",
      "application/jsonx",
      "multipart/form-data",
      "application/json; charset=utf-16",
      "application/json; charset=iso-8859-1",
    ]) {
      const refused = await app.request("/echo", {
        method: "POST",
        headers: { "content-type": contentType },
        body: '{"n":1}',
      });
      expect(refused.status, contentType).toBe(415);
    }
  });

  it("refuses bodies over the limit, also when the length is not declared", async () => {
    const response = await appUnderTest().request("/echo", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new Blob([`{"n":1,"pad":"${"x".repeat(4096)}"}`]).stream(),
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(((await response.json()) as any).error.code).toBe("payload_too_large");
  });
});

describe("methods", () => {
  it("answers a served path asked with another method with 405 and the methods it takes", async () => {
    const app = appUnderTest();
    const response = await app.request("/echo", { method: "DELETE" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    const body: any = await response.json();
    expect(body.error).toMatchObject({ code: "method_not_allowed" });
    expect(body.error.request_id).toBe(response.headers.get("x-request-id"));

    const crash = await app.request("/crash", { method: "PUT" });
    expect(crash.status).toBe(405);
    expect(crash.headers.get("allow")).toBe("GET, HEAD");
  });

  it("answers a path nothing serves with 404, whatever the method", async () => {
    for (const method of ["GET", "DELETE", "PROPFIND"]) {
      const response = await appUnderTest().request("/nowhere", { method });
      expect(response.status, method).toBe(404);
      expect(((await response.json()) as any).error.code).toBe("not_found");
    }
  });
});

describe("requests without a body", () => {
  it("need no content type", async () => {
    const app = appUnderTest();
    app.post("/ping", (c) => c.json({ pong: true }));
    const response = await app.request("/ping", { method: "POST" });
    expect(response.status).toBe(200);
  });
});

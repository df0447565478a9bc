import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CONSOLE_CONTENT_SECURITY_POLICY,
  CONSOLE_PATH,
  consoleRoutes,
  readConsoleAssets,
} from "./console-routes.ts";
import { createHttpApp } from "./create-http-app.ts";

const INDEX = `<!doctype html><html><head><script type="module" src="/console/assets/main-ABCDEFGH.js"></script></head><body><div id="app"></div></body></html>`;
const SCRIPT = `console.log(${JSON.stringify("x".repeat(4000))});`;

async function appServing(dir: string | undefined) {
  const app = createHttpApp({ logger: pino({ level: "silent" }), bodyLimitBytes: 1024 });
  app.route(CONSOLE_PATH, consoleRoutes(dir ? await readConsoleAssets(dir) : undefined));
  app.get("/v1/other", (c) => c.json({ ok: true }));
  return app;
}

describe("consoleRoutes", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "console-routes-"));
    await mkdir(path.join(dir, "assets"));
    await writeFile(path.join(dir, "index.html"), INDEX);
    await writeFile(path.join(dir, "assets", "main-ABCDEFGH.js"), SCRIPT);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("serves index.html for the console's own paths, never cached, under the strict policy", async () => {
    const app = await appServing(dir);
    for (const url of ["/console/", "/console/jobs", "/console/jobs/0a1b/"]) {
      const response = await app.request(url);
      expect(response.status, url).toBe(200);
      expect(await response.text()).toBe(INDEX);
      expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(response.headers.get("cache-control")).toBe("no-cache");
      expect(response.headers.get("content-security-policy")).toBe(CONSOLE_CONTENT_SECURITY_POLICY);
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    }
    expect(CONSOLE_CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(CONSOLE_CONTENT_SECURITY_POLICY).toContain("script-src 'self';");
    expect(CONSOLE_CONTENT_SECURITY_POLICY).not.toContain("unsafe");
  });

  it("redirects /console to /console/", async () => {
    const response = await (await appServing(dir)).request("/console");
    expect(response.status).toBe(308);
    expect(response.headers.get("location")).toBe("/console/");
  });

  it("serves hashed assets cached for good, gzipped when asked, and 304 for a known ETag", async () => {
    const app = await appServing(dir);
    const plain = await app.request("/console/assets/main-ABCDEFGH.js");
    expect(plain.status).toBe(200);
    expect(await plain.text()).toBe(SCRIPT);
    expect(plain.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(plain.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");

    const gzipped = await app.request("/console/assets/main-ABCDEFGH.js", {
      headers: { "accept-encoding": "br, gzip" },
    });
    expect(gzipped.headers.get("content-encoding")).toBe("gzip");
    const bytes = Buffer.from(await gzipped.arrayBuffer());
    expect(bytes.length).toBeLessThan(SCRIPT.length);
    expect(gunzipSync(bytes).toString()).toBe(SCRIPT);

    const again = await app.request("/console/assets/main-ABCDEFGH.js", {
      headers: { "if-none-match": plain.headers.get("etag") ?? "" },
    });
    expect(again.status).toBe(304);
  });

  it("answers an unknown asset 404 in the one error shape, and leaves other paths alone", async () => {
    const app = await appServing(dir);
    const missing = await app.request("/console/assets/main-ZZZZZZZZ.js");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).error.code).toBe("not_found");
    expect((await app.request("/v1/other")).status).toBe(200);
    expect((await app.request("/consoles")).status).toBe(404);
  });

  it("answers 503 saying how to build it when there is no built console", async () => {
    const response = await (await appServing(undefined)).request("/console/");
    expect(response.status).toBe(503);
    const body = (await response.json()) as any;
    expect(body.error.code).toBe("service_unavailable");
    expect(body.error.message).toContain("pnpm --filter @sumo/console build");
  });

  it("refuses to read a folder without a built console", async () => {
    await expect(readConsoleAssets(path.join(dir, "assets"))).rejects.toThrow(/index\.html/);
  });
});

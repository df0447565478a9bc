// The admin service serves the admin console at /console/ on its own origin, without the token
// (the page holds no data; its calls to /admin/* carry the token), under the consoles' policy.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { CONSOLE_CONTENT_SECURITY_POLICY, readConsoleAssets } from "@sumo/http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdminTestContext, startAdminTestContext } from "./test-harness.ts";

let built: string;
let withConsole: AdminTestContext;
let withoutConsole: AdminTestContext;

beforeAll(async () => {
  built = await mkdtemp(path.join(tmpdir(), "admin-console-"));
  await mkdir(path.join(built, "assets"));
  await writeFile(path.join(built, "index.html"), "<!doctype html><title>admin console</title>");
  await writeFile(path.join(built, "assets", "main-ABCD1234.js"), "export {};\n");
  withConsole = await startAdminTestContext({ console: await readConsoleAssets(built) });
  withoutConsole = await startAdminTestContext();
});
afterAll(async () => {
  await withConsole?.close();
  await withoutConsole?.close();
  await rm(built, { recursive: true, force: true });
});

describe("the admin console", () => {
  it("is served at /console/ and its pages' paths without the token, under the policy", async () => {
    for (const pathname of ["/console/", "/console/tenants/some-id"]) {
      const response = await withConsole.app.request(pathname);
      expect(response.status, pathname).toBe(200);
      expect(await response.text()).toContain("<title>admin console</title>");
      expect(response.headers.get("content-security-policy")).toBe(CONSOLE_CONTENT_SECURITY_POLICY);
    }
    const asset = await withConsole.app.request("/console/assets/main-ABCD1234.js");
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toContain("immutable");
  });

  it("leaves the admin API to the token", async () => {
    expect((await withConsole.request("GET", "/admin/tenants", { token: null })).status).toBe(401);
    expect((await withConsole.request("GET", "/admin/tenants")).status).toBe(200);
  });

  it("answers 503 saying how to build it when it is not built", async () => {
    const response = await withoutConsole.request("GET", "/console/", { token: null });
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe("service_unavailable");
    expect(response.body.error.message).toContain("pnpm --filter @sumo/console build");
  });
});

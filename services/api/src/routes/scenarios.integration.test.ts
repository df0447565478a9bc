import { createHash, randomBytes } from "node:crypto";
import { jobs, scenarioBundles } from "@sumo/db/schema";
import { DEFAULT_BUNDLE_LIMITS } from "@sumo/scenario";
import { makeTarGz, makeZip } from "@sumo/scenario/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiTestContext, expectError, json, startApiTestContext } from "../test-harness.ts";

// Limits small enough to cross in a test; the defaults are what the docs state.
const LIMITS = {
  ...DEFAULT_BUNDLE_LIMITS,
  maxBundleBytes: 64 * 1024,
  maxFiles: 20,
  maxUncompressedBytes: 1024 * 1024,
};

let ctx: ApiTestContext;
beforeAll(async () => {
  ctx = await startApiTestContext({ scenarioLimits: LIMITS });
});
afterAll(async () => {
  await ctx.close();
});

const CONFIG = `<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <input>
    <net-file value="grid.net.xml"/>
    <route-files value="grid.rou.xml"/>
  </input>
  <time><begin value="0"/><end value="600"/></time>
</configuration>`;

/** The files of a small scenario: its names are what the config references. */
const SCENARIO_FILES = {
  "grid/grid.sumocfg": CONFIG,
  "grid/grid.net.xml": '<net version="1.20"/>',
  "grid/grid.rou.xml": "<routes/>",
};

function upload(
  apiKey: string,
  fields: { name?: string; bundle?: Uint8Array; config?: string; filename?: string },
): Promise<Response> {
  const form = new FormData();
  if (fields.name !== undefined) form.set("name", fields.name);
  if (fields.config !== undefined) form.set("config", fields.config);
  if (fields.bundle) {
    form.set("bundle", new Blob([fields.bundle]), fields.filename ?? "bundle.tar.gz");
  }
  return Promise.resolve(
    ctx.app.request("/v1/scenarios", {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}` },
      body: form,
    }),
  );
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const uniqueName = () => `grid-${randomBytes(3).toString("hex")}`;

describe("POST /v1/scenarios", () => {
  it("stores a .tar.gz and a .zip, validated, by content, and hands them back as uploaded", async () => {
    const { apiKey } = await ctx.createTenant();
    for (const [format, bundle] of [
      ["tar.gz", await makeTarGz(SCENARIO_FILES)],
      ["zip", await makeZip(SCENARIO_FILES)],
    ] as const) {
      const name = uniqueName();
      const response = await upload(apiKey, { name, bundle });
      expect(response.status, format).toBe(201);
      const created = await json(response);
      expect(created).toMatchObject({
        scenario_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name,
        config: "grid/grid.sumocfg",
        format,
        sha256: sha256(bundle),
        size_bytes: bundle.byteLength,
        file_count: 3,
      });
      expect([...created.files].sort()).toEqual(Object.keys(SCENARIO_FILES).sort());
      expect(response.headers.get("location")).toBe(`/v1/scenarios/${created.scenario_id}`);

      for (const ref of [created.scenario_id, name]) {
        const fetched = await ctx.request("GET", `/v1/scenarios/${ref}`, { apiKey });
        expect(await json(fetched)).toEqual(created);
      }
      const download = await ctx.request("GET", `/v1/scenarios/${name}/bundle`, { apiKey });
      expect(download.status).toBe(200);
      expect(download.headers.get("content-type")).toBe(
        format === "zip" ? "application/zip" : "application/gzip",
      );
      expect(download.headers.get("etag")).toBe(`"${sha256(bundle)}"`);
      expect(new Uint8Array(await download.arrayBuffer())).toEqual(bundle);
    }
  });

  it("stores the same bundle once, however many scenarios name it", async () => {
    const { apiKey, tenantId } = await ctx.createTenant();
    const bundle = await makeTarGz(SCENARIO_FILES);
    expect((await upload(apiKey, { name: "first", bundle })).status).toBe(201);
    expect((await upload(apiKey, { name: "second", bundle })).status).toBe(201);
    const stored = await ctx.database.db
      .select({ sha256: scenarioBundles.sha256 })
      .from(scenarioBundles)
      .where(eq(scenarioBundles.tenantId, tenantId));
    // The one TEST_SCENARIO of createTenant, and this bundle once.
    expect(stored.filter((row) => row.sha256 === sha256(bundle))).toHaveLength(1);
  });

  it("picks the config the request names when the bundle holds several", async () => {
    const { apiKey } = await ctx.createTenant();
    const bundle = await makeTarGz({
      ...SCENARIO_FILES,
      "grid/rush-hour.sumocfg": CONFIG.replace('value="600"', 'value="3600"'),
    });
    const refused = await upload(apiKey, { name: uniqueName(), bundle });
    expect(refused.status).toBe(422);
    expectError(await json(refused), "several_sumocfg");
    const chosen = await upload(apiKey, {
      name: uniqueName(),
      bundle,
      config: "grid/rush-hour.sumocfg",
    });
    expect(chosen.status).toBe(201);
    expect(await json(chosen)).toMatchObject({ config: "grid/rush-hour.sumocfg" });
  });

  it("refuses a name the tenant already uses, naming the scenario that has it", async () => {
    const { apiKey } = await ctx.createTenant();
    const name = uniqueName();
    const first = await json(
      await upload(apiKey, { name, bundle: await makeTarGz(SCENARIO_FILES) }),
    );
    const again = await upload(apiKey, { name, bundle: await makeZip(SCENARIO_FILES) });
    expect(again.status).toBe(409);
    const error = await json(again);
    expectError(error, "scenario_name_taken");
    expect(error.error.message).toContain(first.scenario_id);
  });

  const hostile: [string, () => Promise<Uint8Array>, string, { config?: string }?][] = [
    ["random bytes", async () => randomBytes(4096), "not_an_archive"],
    ["an empty body", async () => new Uint8Array(0), "not_an_archive"],
    [
      "a truncated archive",
      async () => (await makeTarGz(SCENARIO_FILES)).subarray(0, 40),
      "not_an_archive",
    ],
    ["no .sumocfg", () => makeTarGz({ "grid.net.xml": "<net/>" }), "no_sumocfg"],
    [
      "a config that is not in the bundle",
      () => makeTarGz(SCENARIO_FILES),
      "unknown_sumocfg",
      { config: "other.sumocfg" },
    ],
    [
      "malformed XML in the config",
      () => makeTarGz({ ...SCENARIO_FILES, "grid/grid.sumocfg": "<configuration><input>" }),
      "malformed_sumocfg",
    ],
    [
      "a referenced file missing",
      () => makeTarGz({ "grid/grid.sumocfg": CONFIG, "grid/grid.net.xml": "<net/>" }),
      "missing_referenced_file",
    ],
    [
      "a path escaping the bundle",
      () => makeTarGz([...entries(SCENARIO_FILES), { path: "../../etc/cron.d/x", content: "x" }]),
      "unsafe_path",
    ],
    [
      "an absolute path",
      () => makeTarGz([...entries(SCENARIO_FILES), { path: "/etc/passwd", content: "x" }]),
      "unsafe_path",
    ],
    [
      "a symbolic link",
      () =>
        makeTarGz([
          ...entries(SCENARIO_FILES),
          { path: "grid/link", type: "symlink", linkTarget: "/etc/shadow" },
        ]),
      "unsupported_entry",
    ],
    [
      "a device",
      () => makeTarGz([...entries(SCENARIO_FILES), { path: "grid/null", type: "device" }]),
      "unsupported_entry",
    ],
    [
      "too many files",
      () =>
        makeTarGz({
          ...SCENARIO_FILES,
          ...Object.fromEntries(
            Array.from({ length: 20 }, (_, i) => [`grid/extra-${i}.xml`, "<a/>"]),
          ),
        }),
      "too_many_files",
    ],
    [
      "a decompression bomb",
      () => makeTarGz({ ...SCENARIO_FILES, "grid/zeros.xml": new Uint8Array(8 * 1024 * 1024) }),
      "uncompressed_too_large",
    ],
  ];
  it.each(hostile)(
    "refuses %s with 422 and its own code, storing nothing",
    async (_, make, code, extra) => {
      const { apiKey, tenantId } = await ctx.createTenant();
      const bundle = await make();
      const response = await upload(apiKey, { name: uniqueName(), bundle, ...extra });
      expect(response.status).toBe(422);
      expectError(await json(response), code);
      const stored = await ctx.database.db
        .select({ sha256: scenarioBundles.sha256 })
        .from(scenarioBundles)
        .where(eq(scenarioBundles.tenantId, tenantId));
      expect(stored.map((row) => row.sha256)).not.toContain(sha256(bundle));
    },
  );

  it("refuses a bundle over the size limit with 413 naming the limit", async () => {
    const { apiKey } = await ctx.createTenant();
    // Random bytes do not compress: the archive itself is over the limit.
    const bundle = await makeTarGz({ ...SCENARIO_FILES, "grid/noise.bin": randomBytes(80 * 1024) });
    const response = await upload(apiKey, { name: uniqueName(), bundle });
    expect(response.status).toBe(413);
    const error = await json(response);
    expectError(error, "bundle_too_large");
    expect(error.error.message).toContain(String(LIMITS.maxBundleBytes));
  });

  it("refuses a form without a name or bundle (422), a uuid-shaped name (422), and JSON (415)", async () => {
    const { apiKey } = await ctx.createTenant();
    const bundle = await makeTarGz(SCENARIO_FILES);
    for (const fields of [
      { bundle },
      { name: uniqueName() },
      { name: "8f0e7a4c-2b1d-4c3e-9f5a-6b7c8d9e0f1a", bundle },
      { name: "../x", bundle },
    ]) {
      const response = await upload(apiKey, fields);
      expect(response.status, JSON.stringify(Object.keys(fields))).toBe(422);
      expectError(await json(response), "validation_failed");
    }
    const asJson = await ctx.request("POST", "/v1/scenarios", { apiKey, body: { name: "x" } });
    expect(asJson.status).toBe(415);
    expectError(await json(asJson), "unsupported_media_type");
  });
});

describe("GET /v1/scenarios", () => {
  it("lists the tenant's scenarios newest first, a page at a time", async () => {
    const { apiKey } = await ctx.createTenant();
    const bundle = await makeTarGz(SCENARIO_FILES);
    const names = ["one", "two", "three"];
    for (const name of names) expect((await upload(apiKey, { name, bundle })).status).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const page = await json(await ctx.request("GET", `/v1/scenarios${query}`, { apiKey }));
      expect(page.scenarios.length).toBeLessThanOrEqual(2);
      seen.push(...page.scenarios.map((s: { name: string }) => s.name));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(["three", "two", "one", "berlin-rush-hour"]);
  });
});

describe("a tenant's scenarios", () => {
  it("are another tenant's 404, never listed for them", async () => {
    const owner = await ctx.createTenant();
    const stranger = await ctx.createTenant();
    const created = await json(
      await upload(owner.apiKey, { name: "private", bundle: await makeTarGz(SCENARIO_FILES) }),
    );
    for (const [method, path] of [
      ["GET", `/v1/scenarios/${created.scenario_id}`],
      ["GET", `/v1/scenarios/${created.scenario_id}/bundle`],
      ["DELETE", `/v1/scenarios/${created.scenario_id}`],
      ["GET", "/v1/scenarios/private"],
    ] as const) {
      const response = await ctx.request(method, path, { apiKey: stranger.apiKey });
      expect(response.status, `${method} ${path}`).toBe(404);
      expectError(await json(response), "not_found");
    }
    const listed = await json(
      await ctx.request("GET", "/v1/scenarios", { apiKey: stranger.apiKey }),
    );
    expect(listed.scenarios.map((s: { name: string }) => s.name)).toEqual(["berlin-rush-hour"]);
    expect(
      (await ctx.request("GET", "/v1/scenarios/private", { apiKey: owner.apiKey })).status,
    ).toBe(200);
  });
});

describe("DELETE /v1/scenarios/{scenario_id}", () => {
  it("deletes the scenario; its bundle stays while a job names it, and goes with the last name", async () => {
    const { apiKey, tenantId } = await ctx.createTenant();
    const bundle = await makeTarGz(SCENARIO_FILES);
    const used = await json(await upload(apiKey, { name: "used", bundle }));
    const submitted = await json(
      await ctx.request("POST", "/v1/jobs", {
        apiKey,
        body: { scenario_id: "used", cpu_request: 0.5, memory_gi: 0.5 },
      }),
    );
    const bundles = async () =>
      (
        await ctx.database.db
          .select({ sha256: scenarioBundles.sha256 })
          .from(scenarioBundles)
          .where(eq(scenarioBundles.tenantId, tenantId))
      ).map((row) => row.sha256);

    expect((await ctx.request("DELETE", "/v1/scenarios/used", { apiKey })).status).toBe(204);
    expect((await ctx.request("GET", `/v1/scenarios/${used.scenario_id}`, { apiKey })).status).toBe(
      404,
    );
    expect((await ctx.request("DELETE", "/v1/scenarios/used", { apiKey })).status).toBe(404);
    // The job still runs what it was submitted with.
    expect(await bundles()).toContain(used.sha256);
    const [job] = await ctx.database.db.select().from(jobs).where(eq(jobs.id, submitted.job_id));
    expect(job?.scenarioSha256).toBe(used.sha256);

    // An unused bundle goes with its scenario.
    const unused = await json(
      await upload(apiKey, { name: "unused", bundle: await makeZip(SCENARIO_FILES) }),
    );
    expect(
      (await ctx.request("DELETE", `/v1/scenarios/${unused.scenario_id}`, { apiKey })).status,
    ).toBe(204);
    expect(await bundles()).not.toContain(unused.sha256);
  });
});

/** A record of files as the builders' entries, to add hostile ones to. */
function entries(files: Record<string, string>) {
  return Object.entries(files).map(([path, content]) => ({ path, content }));
}

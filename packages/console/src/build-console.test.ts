import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BuiltConsole, buildConsoles } from "./build-console.ts";

describe("the console build", () => {
  let outDir: string;
  let tenant: BuiltConsole;
  let admin: BuiltConsole;

  beforeAll(async () => {
    outDir = await mkdtemp(path.join(tmpdir(), "console-build-"));
    const built = await buildConsoles(outDir);
    tenant = built.find((c) => c.name === "tenant") as BuiltConsole;
    admin = built.find((c) => c.name === "admin") as BuiltConsole;
  });
  afterAll(() => rm(outDir, { recursive: true, force: true }));

  it.each(["tenant", "admin"])(
    "writes the %s console's index.html without inline script or style, loading hashed assets that exist",
    async (name) => {
      const built = name === "tenant" ? tenant : admin;
      expect(built.dir).toBe(path.join(outDir, name));
      const html = await readFile(path.join(built.dir, "index.html"), "utf8");
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
      const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? "");
      expect(urls).toHaveLength(3); // icon, stylesheet, script
      for (const url of urls) {
        expect(url).toMatch(/^\/console\/assets\/[a-z-]+-[A-Z0-9]{8}\.(js|css|svg)$/);
        await readFile(path.join(built.dir, url.replace("/console/", "")));
      }
    },
  );

  it("measures every page; the sweep page needs the chart library, the dashboard loads it once drawn", async () => {
    expect(tenant.pages.map((p) => p.page)).toEqual([
      "(entry)",
      "dashboard",
      "job",
      "jobs",
      "new-sweep",
      "scenarios",
      "submit",
      "sweep",
      "sweeps",
    ]);
    const loadsUplot = async (page: string, when: "files" | "laterFiles" = "files") => {
      const files = tenant.pages.find((p) => p.page === page)?.[when] ?? [];
      const texts = await Promise.all(
        files
          .filter((file) => file.endsWith(".js"))
          .map((file) => readFile(path.join(tenant.dir, "assets", path.basename(file)), "utf8")),
      );
      return texts.some((text) => text.includes("u-over"));
    };
    expect(await loadsUplot("sweep")).toBe(true);
    for (const page of ["(entry)", "dashboard", "jobs", "job", "submit"]) {
      expect(await loadsUplot(page), page).toBe(false);
    }
    expect(await loadsUplot("dashboard", "laterFiles")).toBe(true);
    expect(tenant.pages.find((p) => p.page === "dashboard")?.laterJsGzipBytes).toBeGreaterThan(0);
    for (const page of tenant.pages) {
      expect(page.jsGzipBytes, page.page).toBeGreaterThan(0);
      expect(page.cssGzipBytes, page.page).toBeGreaterThan(0);
    }
  });

  it("builds the admin console's pages, none needing the chart library to be drawn", async () => {
    expect(admin.pages.map((p) => p.page)).toEqual([
      "(entry)",
      "jobs",
      "nodes",
      "overview",
      "sweeps",
      "tenant",
      "tenants",
    ]);
    const html = await readFile(path.join(admin.dir, "index.html"), "utf8");
    expect(html).toContain("<title>sumo-k8 admin console</title>");
    for (const page of admin.pages) {
      const texts = await Promise.all(
        page.files
          .filter((file) => file.endsWith(".js"))
          .map((file) => readFile(path.join(admin.dir, "assets", path.basename(file)), "utf8")),
      );
      expect(
        texts.some((text) => text.includes("u-over")),
        page.page,
      ).toBe(false);
      expect(page.jsGzipBytes, page.page).toBeGreaterThan(0);
      // The overview's activity charts come after it is drawn.
      expect(page.laterFiles.length > 0, page.page).toBe(page.page === "overview");
    }
  });
});

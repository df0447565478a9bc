import { readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { describe, expect, it } from "vitest";
import { BUNDLE_EXTERNALS, buildServiceBundles, SERVICE_NAMES } from "./service-bundle.ts";

describe("buildServiceBundles", () => {
  it("bundles every service whole: at run time it imports only Node.js built-ins and the named externals", async () => {
    const built = await buildServiceBundles();
    expect(built.map((bundle) => bundle.name)).toEqual([...SERVICE_NAMES]);
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    for (const bundle of built) {
      const outside = bundle.runtimeImports.filter(
        (name) => !builtins.has(name) && !BUNDLE_EXTERNALS.includes(name),
      );
      expect({ service: bundle.name, outside }).toEqual({ service: bundle.name, outside: [] });
      // Workspace packages and npm packages alike went in.
      expect(bundle.inputs).toBeGreaterThan(100);
    }
  }, 120_000);

  it("writes ASCII only, so V8 holds each bundle's source one byte a character", async () => {
    for (const bundle of await buildServiceBundles()) {
      const source = await readFile(bundle.file, "latin1");
      const nonAscii = /[\u0080-\uffff]/.exec(source);
      expect({
        service: bundle.name,
        nonAscii: nonAscii && source.slice(nonAscii.index - 40, nonAscii.index + 20),
      }).toEqual({ service: bundle.name, nonAscii: null });
    }
  }, 120_000);
});

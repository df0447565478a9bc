import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { generateClientTypes } from "./generate.ts";

describe("the generated client types", () => {
  it("are what the services' OpenAPI documents give now", async () => {
    const modules = await generateClientTypes();
    for (const [file, generated] of Object.entries(modules)) {
      const committed = await readFile(new URL(`./generated/${file}`, import.meta.url), "utf8");
      expect(
        committed === generated,
        `src/generated/${file} is stale: run pnpm --filter @sumo/api-client generate`,
      ).toBe(true);
    }
  });
});

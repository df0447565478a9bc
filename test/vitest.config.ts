import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "cluster/**/*.test.ts",
      "helm/**/*.test.ts",
      "e2e/**/*.test.ts",
      "bad-input/**/*.test.ts",
    ],
    globalSetup: [
      "../packages/db/src/vitest-global-setup.ts",
      "./cluster-global-setup.ts",
      "./e2e/chart-identities-global-setup.ts",
    ],
    // One cluster and two cores: files take turns.
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 600_000,
  },
});

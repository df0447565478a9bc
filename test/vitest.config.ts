import { defineConfig } from "vitest/config";
import { unitProject } from "../vitest.tiers.ts";

// test/ holds the end-to-end tier: the real services as processes against real PostgreSQL and
// the local cluster (brought up for the run). Its few unit tests (the benchmarks' statistics,
// the generated documents) need neither.
const E2E_TESTS = [
  "cluster/**/*.test.ts",
  "helm/**/*.test.ts",
  "e2e/**/*.test.ts",
  "bad-input/**/*.test.ts",
  "browser/**/*.test.ts",
];

export default defineConfig({
  test: {
    projects: [
      unitProject(["**/*.test.ts"], [...E2E_TESTS, "**/node_modules/**"]),
      {
        extends: true,
        test: {
          name: "e2e",
          include: E2E_TESTS,
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
      },
    ],
  },
});

// The test tiers every package's vitest.config.ts follows, by file name:
//   *.test.ts              unit: no database, no cluster, no network; `pnpm test:unit` runs these alone
//   *.integration.test.ts  integration: real PostgreSQL (one copy of the migrated template per file)
// The end-to-end tier (test/: the real services against the local cluster) has a config of its own.
// Plain objects, for each package's own vitest to check (the root has no vitest of its own).
import { fileURLToPath } from "node:url";

const DATABASE_SETUP = fileURLToPath(
  new URL("./packages/db/src/vitest-global-setup.ts", import.meta.url),
);

export const UNIT_TESTS = "src/**/*.test.ts";
export const INTEGRATION_TESTS = "src/**/*.integration.test.ts";

/** The unit tier: files matching `include` that are not integration tests. */
export function unitProject(include = [UNIT_TESTS], exclude = [INTEGRATION_TESTS]) {
  return { extends: true, test: { name: "unit", include, exclude } };
}

/** A package's two tiers: unit tests, and integration tests on real PostgreSQL. */
export function packageTestConfig() {
  return {
    test: {
      testTimeout: 30_000,
      hookTimeout: 60_000,
      projects: [
        unitProject(),
        {
          extends: true,
          test: {
            name: "integration",
            include: [INTEGRATION_TESTS],
            globalSetup: [DATABASE_SETUP],
          },
        },
      ],
    },
  };
}

// The test tiers every package's vitest.config.ts follows, by file name:
//   *.test.ts              unit: no database, no cluster, no network; `pnpm test:unit` runs these alone
//   *.integration.test.ts  integration: real PostgreSQL (one copy of the migrated template per file)
//   *.sumo.test.ts         sumo: the real, pinned SUMO (images/simulation/install-sumo.sh installs
//                          it into the cache on first use)
// The end-to-end tier (test/: the real services against the local cluster) has a config of its own.
// Plain objects, for each package's own vitest to check (the root has no vitest of its own).
import { fileURLToPath } from "node:url";

const DATABASE_SETUP = fileURLToPath(
  new URL("./packages/db/src/vitest-global-setup.ts", import.meta.url),
);

export const UNIT_TESTS = "src/**/*.test.ts";
export const INTEGRATION_TESTS = "src/**/*.integration.test.ts";
export const SUMO_TESTS = "src/**/*.sumo.test.ts";

/** The unit tier: files matching `include` that are neither integration nor SUMO tests. */
export function unitProject(include = [UNIT_TESTS], exclude = [INTEGRATION_TESTS, SUMO_TESTS]) {
  return { extends: true, test: { name: "unit", include, exclude } };
}

/** The SUMO tier: tests that run the real simulator (installing it takes ~15 s the first time). */
export function sumoProject(include = [SUMO_TESTS]) {
  return { extends: true, test: { name: "sumo", include, testTimeout: 120_000 } };
}

/** A package's two tiers: unit tests, and integration tests on real PostgreSQL. */
export function packageTestConfig() {
  return {
    test: {
      testTimeout: 30_000,
      hookTimeout: 60_000,
      projects: [
        unitProject(),
        sumoProject(),
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

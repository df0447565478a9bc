import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { hashApiKey } from "@sumo/db/api-keys";
import { createDatabaseClient } from "@sumo/db/client";
import { findTenantByApiKeyHash, getTenant } from "@sumo/db/queries";
import { createTestDatabase, type TestDatabase } from "@sumo/db/testing";
import { afterAll, beforeAll, expect, inject, it } from "vitest";

const CLI = fileURLToPath(new URL("./create-tenant.ts", import.meta.url));
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase(inject("templateDatabaseUrl"));
});
afterAll(async () => {
  await database.drop();
});

function runCli(...args: string[]) {
  return promisify(execFile)(process.execPath, [CLI, ...args], {
    env: { ...process.env, DATABASE_URL: database.url },
  }).then(
    ({ stdout }) => ({ code: 0, stdout, stderr: "" }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

it("creates a tenant with its limits and prints a working API key once", async () => {
  const result = await runCli(
    "acme",
    "--cpu",
    "2.5",
    "--memory-gi",
    "8",
    "--max-concurrent-jobs",
    "3",
  );
  expect(result.code).toBe(0);
  const printed = JSON.parse(result.stdout);
  expect(printed.api_key).toMatch(/^sumo_/);

  const client = createDatabaseClient(database.url, { maxConnections: 1 });
  try {
    const found = await findTenantByApiKeyHash(client.db, hashApiKey(printed.api_key));
    expect(found?.tenantId).toBe(printed.tenant_id);
    expect(await getTenant(client.db, printed.tenant_id)).toMatchObject({
      id: printed.tenant_id,
      name: "acme",
      cpuLimit: 2.5,
      memoryLimitGi: 8,
      maxConcurrentJobs: 3,
    });
  } finally {
    await client.close();
  }
});

it("refuses a duplicate name and bad limits with a clear message", async () => {
  await runCli("twice");
  const duplicate = await runCli("twice");
  expect(duplicate.code).toBe(1);
  expect(duplicate.stderr).toContain('a tenant named "twice" already exists');

  for (const args of [
    ["negative", "--cpu=-1"],
    ["dashed", "--cpu", "-1"],
    ["--cpu", "2"],
  ]) {
    const bad = await runCli(...args);
    expect(bad.code, args.join(" ")).toBe(2);
    expect(bad.stderr).toContain("usage: tenant:create");
  }
});

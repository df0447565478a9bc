import { createHash, randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { v7 as uuidv7 } from "uuid";
import { migrate } from "./migrate.ts";
import type { Job } from "./schema/jobs.ts";
import type { NewScenario } from "./schema/scenarios.ts";
import type { Sweep } from "./schema/sweeps.ts";
import { DEFAULT_TENANT_LIMITS, type Tenant } from "./schema/tenants.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The migrated template database of this test run (see vitest-global-setup.ts). */
    templateDatabaseUrl: string;
  }
}

/**
 * Test databases on a real PostgreSQL server. A vitest globalSetup migrates one template
 * database per run; every test file then gets its own copy (CREATE DATABASE ... TEMPLATE is a
 * file copy, far faster than migrating again), so files run in parallel without sharing rows.
 */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * The role tests run the services as, as the Helm chart does: it may read and write rows but not
 * change the schema (the template's migration grants it, and every copy keeps the grants).
 */
export const TEST_SERVICE_ROLE = "sumo_service";

/** `url` (a superuser's, as tests get) as the services' role: what the services connect with. */
export function asServiceRole(url: string): string {
  const service = new URL(url);
  service.username = TEST_SERVICE_ROLE;
  service.password = TEST_SERVICE_ROLE;
  return service.toString();
}

/** Creates TEST_SERVICE_ROLE on the server unless it exists (roles belong to the whole server). */
export async function ensureServiceRole(serverUrl: string): Promise<void> {
  await admin(
    serverUrl,
    `DO $$ BEGIN CREATE ROLE ${TEST_SERVICE_ROLE} LOGIN PASSWORD '${TEST_SERVICE_ROLE}'; EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
  );
}

export async function createMigratedTemplate(serverUrl: string): Promise<TestDatabase> {
  const name = `sumo_template_${randomBytes(4).toString("hex")}`;
  await admin(serverUrl, `CREATE DATABASE ${name}`);
  await ensureServiceRole(serverUrl);
  const url = withDatabase(serverUrl, name);
  await migrate(url, { serviceRole: TEST_SERVICE_ROLE });
  return { url, drop: () => admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export async function createTestDatabase(templateUrl: string): Promise<TestDatabase> {
  const template = new URL(templateUrl).pathname.slice(1);
  const name = `sumo_test_${randomBytes(6).toString("hex")}`;
  await admin(templateUrl, `CREATE DATABASE ${name} TEMPLATE ${template}`);
  return {
    url: withDatabase(templateUrl, name),
    drop: () => admin(templateUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(serverUrl, "postgres") });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

// Builders: a row with every field set to something valid, overridden where the test cares.
// They build values only; the test inserts them with the queries it means to exercise.

let tenantSequence = 0;

/**
 * A tenant row with the default limits and a name unique to this run: a whole `Tenant` for code
 * that reads one (admission), and a valid createTenant value as it is.
 */
export function makeTenant(overrides: Partial<Tenant> = {}): Tenant {
  tenantSequence += 1;
  const createdAt = new Date();
  return {
    id: randomUUID(),
    name: `tenant-${process.pid}-${tenantSequence}`,
    ...DEFAULT_TENANT_LIMITS,
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  };
}

/**
 * A job row, PENDING and not yet scheduled unless overridden: a whole `Job` for code that reads
 * one (views, the reconciler's decisions), and a valid insertJob value as it is.
 */
export function makeJob(overrides: Partial<Job> = {}): Job {
  const submittedAt = overrides.submittedAt ?? new Date();
  return {
    id: uuidv7(),
    tenantId: randomUUID(),
    scenarioId: randomUUID(),
    scenarioName: "grid-3x3",
    scenarioSha256: null,
    scenarioConfig: null,
    scenario: null,
    cpuRequest: 1,
    memoryGi: 1,
    status: "PENDING",
    failureReason: null,
    exitCode: null,
    result: null,
    progress: null,
    progressCheckedAt: null,
    namespace: null,
    kubernetesJobName: null,
    podName: null,
    cancelledAt: null,
    cancelledBy: null,
    rerunOfJobId: null,
    sweepId: null,
    submittedAt,
    scheduledAt: null,
    startedAt: null,
    finishedAt: null,
    updatedAt: submittedAt,
    ...overrides,
  };
}

/**
 * A scenario with its bundle, as createScenario stores it: a valid insert as it is. The bytes
 * are not an archive unless a test gives one; only what reads the bundle (the runner) cares.
 */
export function makeScenario(
  overrides: Partial<NewScenario> & { tenantId: string; bytes?: Buffer },
): NewScenario & { bytes: Buffer } {
  const bytes = overrides.bytes ?? Buffer.from(`bundle ${randomUUID()}`);
  return {
    id: uuidv7(),
    name: `scenario-${randomBytes(4).toString("hex")}`,
    bundleSha256: createHash("sha256").update(bytes).digest("hex"),
    config: "grid.sumocfg",
    format: "tar.gz",
    sizeBytes: bytes.byteLength,
    uncompressedBytes: bytes.byteLength,
    files: ["grid.sumocfg", "grid.net.xml", "grid.rou.xml"],
    ...overrides,
    bytes,
  };
}

/**
 * A sweep row of one member unless overridden (memberCount must match the members a test
 * inserts with it), over the bundle `scenarioSha256` names: a valid insert as it is.
 */
export function makeSweep(
  overrides: Partial<Sweep> & { tenantId: string; scenarioSha256: string },
): Sweep {
  return {
    id: uuidv7(),
    scenarioId: randomUUID(),
    scenarioName: "grid-3x3",
    scenarioConfig: "grid.sumocfg",
    parameters: {},
    vary: { seed: [1] },
    cpuRequest: 1,
    memoryGi: 1,
    memberCount: 1,
    cancelledAt: null,
    cancelledBy: null,
    createdAt: new Date(),
    ...overrides,
  };
}

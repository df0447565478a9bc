import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrate } from "./migrate.ts";

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

export async function createMigratedTemplate(serverUrl: string): Promise<TestDatabase> {
  const name = `sumo_template_${randomBytes(4).toString("hex")}`;
  await admin(serverUrl, `CREATE DATABASE ${name}`);
  const url = withDatabase(serverUrl, name);
  await migrate(url);
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

import pg from "pg";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { migrate } from "./migrate.ts";
import { QUEUE_DEFINITIONS } from "./queues.ts";
import { createTestDatabase, type TestDatabase } from "./testing.ts";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(inject("templateDatabaseUrl"));
});
afterAll(async () => {
  await database.drop();
});

async function schemaState(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query(
      "SELECT table_schema || '.' || table_name AS name FROM information_schema.tables WHERE table_schema IN ('public', 'pgboss') ORDER BY 1",
    );
    const migrations = await client.query(
      "SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations",
    );
    const queues = await client.query("SELECT name FROM pgboss.queue ORDER BY name");
    return {
      tables: tables.rows.map((r) => r.name as string),
      migrations: migrations.rows[0].n as number,
      queues: queues.rows.map((r) => r.name as string),
    };
  } finally {
    await client.end();
  }
}

it("is idempotent, also when several processes migrate at once", async () => {
  const before = await schemaState(database.url);
  expect(before.tables).toEqual(
    expect.arrayContaining(["public.tenants", "public.jobs", "public.api_keys", "pgboss.job"]),
  );
  expect(before.queues).toEqual(QUEUE_DEFINITIONS.map((q) => q.name).sort());

  await Promise.all([migrate(database.url), migrate(database.url), migrate(database.url)]);
  expect(await schemaState(database.url)).toEqual(before);
});

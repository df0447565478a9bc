import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabaseClient } from "./client.ts";
import { migrate, serviceRoleOf } from "./migrate.ts";
import { createTenantWithApiKey } from "./queries/index.ts";
import { createQueueClient } from "./queue-client.ts";
import { QUEUE_DEFINITIONS } from "./queues.ts";
import { createTestDatabase, makeTenant, type TestDatabase } from "./testing.ts";

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

describe("separate roles for migrating and for the services", () => {
  it("leaves the services' role able to read, write and queue, but not to change the schema", async () => {
    const suffix = randomBytes(4).toString("hex");
    const owner = `sumo_owner_${suffix}`;
    const service = `sumo_service_${suffix}`;
    const name = `roles_${suffix}`;
    const superuser = new pg.Client({ connectionString: database.url });
    await superuser.connect();
    const urlAs = (role: string) => {
      const url = new URL(database.url);
      url.username = role;
      url.password = "secret";
      url.pathname = `/${name}`;
      return url.toString();
    };
    const errors: Error[] = [];
    let boss: Awaited<ReturnType<typeof createQueueClient>> | undefined;
    let asService: pg.Client | undefined;
    try {
      // Neither is a superuser: the owner owns the database, the service role only logs in.
      await superuser.query(`CREATE ROLE ${owner} LOGIN PASSWORD 'secret'`);
      await superuser.query(`CREATE ROLE ${service} LOGIN PASSWORD 'secret'`);
      await superuser.query(`CREATE DATABASE ${name} OWNER ${owner}`);
      expect(serviceRoleOf(urlAs(service), urlAs(owner))).toBe(service);
      expect(serviceRoleOf(urlAs(owner), urlAs(owner))).toBeUndefined();
      await migrate(urlAs(owner), { serviceRole: service });

      // What the services do works: tenants and jobs written and read, queue messages sent,
      // fetched and completed by a worker running pg-boss's maintenance.
      const services = createDatabaseClient(urlAs(service), { maxConnections: 2 });
      try {
        const { tenant } = await createTenantWithApiKey(services.db, makeTenant());
        expect((await services.pool.query("SELECT id FROM tenants")).rows).toEqual([
          { id: tenant.id },
        ]);
      } finally {
        await services.close();
      }
      boss = await createQueueClient(urlAs(service), {
        role: "worker",
        instanceName: "roles-test",
        registerInstance: false,
        onError: (error) => errors.push(error),
      });
      const queue = QUEUE_DEFINITIONS[0]?.name ?? "";
      const sent = await boss.send(queue, { hello: "world" });
      const [fetched] = await boss.fetch(queue);
      expect(fetched?.id).toBe(sent);
      await boss.complete(queue, fetched?.id ?? "");

      // Changing the schema does not.
      asService = new pg.Client({ connectionString: urlAs(service) });
      await asService.connect();
      for (const ddl of [
        "CREATE TABLE public.planted (id int)",
        "CREATE TABLE pgboss.planted (id int)",
        "ALTER TABLE jobs ADD COLUMN planted int",
        "DROP TABLE tenants",
        "CREATE SCHEMA planted",
        "CREATE OR REPLACE FUNCTION public.planted() RETURNS int LANGUAGE sql AS 'SELECT 1'",
      ]) {
        await expect(asService.query(ddl), ddl).rejects.toMatchObject({ code: "42501" });
      }
      expect(errors).toEqual([]);
    } finally {
      await asService?.end();
      await boss?.stop({ graceful: false, close: true });
      await superuser.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await superuser.query(`DROP ROLE IF EXISTS ${service}`);
      await superuser.query(`DROP ROLE IF EXISTS ${owner}`);
      await superuser.end();
    }
  });
});

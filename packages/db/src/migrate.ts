import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate as applyDrizzleMigrations } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { PgBoss } from "pg-boss";
import { QUEUE_DEFINITIONS, QUEUE_SCHEMA } from "./queues.ts";

const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../../migrations", import.meta.url));

/** Any constant shared by every migrating process: they take turns on this advisory lock. */
const MIGRATION_LOCK_ID = 7_240_113;

/**
 * Brings a database to the current schema: the drizzle migrations in migrations/, then pg-boss's
 * own schema and the platform's queues. Idempotent, and safe when several services start at
 * once (they serialise on an advisory lock).
 */
export async function migrate(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "sumo-migrate" });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_ID]);
    await applyDrizzleMigrations(drizzle({ client }), { migrationsFolder: MIGRATIONS_FOLDER });
    await installQueues(databaseUrl);
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]).catch(() => {});
    await client.end();
  }
}

async function installQueues(databaseUrl: string): Promise<void> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: QUEUE_SCHEMA,
    migrate: true,
    supervise: false,
    schedule: false,
    registerInstance: false,
    max: 2,
    application_name: "sumo-migrate",
  });
  boss.on("error", () => {});
  await boss.start();
  try {
    for (const { name, ...options } of QUEUE_DEFINITIONS) {
      if (await boss.getQueue(name)) {
        const { policy: _policy, partition: _partition, deadLetter, ...updatable } = options;
        await boss.updateQueue(name, { ...updatable, deadLetter: deadLetter ?? null });
      } else {
        await boss.createQueue(name, options);
      }
    }
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
}

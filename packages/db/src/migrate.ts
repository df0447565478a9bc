import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate as applyDrizzleMigrations } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { PgBoss } from "pg-boss";
import { QUEUE_DEFINITIONS, QUEUE_SCHEMA } from "./queues.ts";

const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../../migrations", import.meta.url));

/** Any constant shared by every migrating process: they take turns on this advisory lock. */
const MIGRATION_LOCK_ID = 7_240_113;

export interface MigrateOptions {
  /**
   * The role the services connect as, when it is not the migrating role: it is granted what
   * the services do (read and write every table, use sequences and functions, in the
   * platform's schemas) and nothing more, so it cannot change the schema.
   */
  serviceRole?: string;
}

/**
 * The services' role, when the URL the services connect with names a role other than the
 * migrating URL's (one role for both gets no grants: it owns everything already).
 */
export function serviceRoleOf(
  serviceUrl: string | undefined,
  migrationUrl: string,
): string | undefined {
  if (!serviceUrl) return undefined;
  const role = decodeURIComponent(new URL(serviceUrl).username);
  const migrating = decodeURIComponent(new URL(migrationUrl).username);
  return role && role !== migrating ? role : undefined;
}

/** The schemas whose objects the services use: the platform's tables, and pg-boss's. */
const SERVICE_SCHEMAS = ["public", QUEUE_SCHEMA];

/**
 * Brings a database to the current schema: the drizzle migrations in migrations/, then pg-boss's
 * own schema and the platform's queues, then the service role's grants. Idempotent, and safe
 * when several services start at once (they serialise on an advisory lock).
 */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "sumo-migrate" });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_ID]);
    await applyDrizzleMigrations(drizzle({ client }), { migrationsFolder: MIGRATIONS_FOLDER });
    await installQueues(databaseUrl);
    if (options.serviceRole) await grantServiceRole(client, options.serviceRole);
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]).catch(() => {});
    await client.end();
  }
}

/**
 * Grants the services' role what they use, again on every migration (so tables added since are
 * covered), and takes from everyone the right to create objects in the public schema (which
 * PostgreSQL before 15 gives to all).
 */
async function grantServiceRole(client: pg.Client, role: string): Promise<void> {
  const grantee = pg.escapeIdentifier(role);
  const schemas = SERVICE_SCHEMAS.map((schema) => pg.escapeIdentifier(schema)).join(", ");
  await client.query("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
  await client.query(`GRANT USAGE ON SCHEMA ${schemas} TO ${grantee}`);
  await client.query(
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schemas} TO ${grantee}`,
  );
  await client.query(
    `GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${schemas} TO ${grantee}`,
  );
  await client.query(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${schemas} TO ${grantee}`);
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

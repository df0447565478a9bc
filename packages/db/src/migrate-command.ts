// `pnpm db:migrate`: applies every migration to DATABASE_URL, or to the embedded PostgreSQL in
// the data folder when DATABASE_URL is unset (the services run the same migrate() at boot).
// With DATABASE_SERVICE_URL set (the URL the services connect with) and naming another role,
// that role is granted what the services use and nothing that changes the schema.
import { startEmbeddedPostgres } from "./embedded-postgres.ts";
import { migrate, serviceRoleOf } from "./migrate.ts";

const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres();
const databaseUrl = process.env.DATABASE_URL ?? embedded?.url ?? "";
const serviceRole = serviceRoleOf(process.env.DATABASE_SERVICE_URL, databaseUrl);
try {
  await migrate(databaseUrl, serviceRole ? { serviceRole } : {});
  if (serviceRole) process.stdout.write(`granted the services' role ${serviceRole}\n`);
  process.stdout.write("migrations applied\n");
} finally {
  await embedded?.stop();
}

// `pnpm db:migrate`: applies every migration to DATABASE_URL, or to the embedded PostgreSQL in
// the data folder when DATABASE_URL is unset (the services run the same migrate() at boot).
import { startEmbeddedPostgres } from "./embedded-postgres.ts";
import { migrate } from "./migrate.ts";

const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres();
const databaseUrl = process.env.DATABASE_URL ?? embedded?.url ?? "";
try {
  await migrate(databaseUrl);
  process.stdout.write("migrations applied\n");
} finally {
  await embedded?.stop();
}

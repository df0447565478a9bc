// The database a benchmark runs on: DATABASE_URL's server or the embedded PostgreSQL, with a
// freshly migrated database of its own, dropped (and the embedded server stopped) by close().
import { startEmbeddedPostgres } from "@sumo/db/embedded";
import { createMigratedTemplate, createTestDatabase } from "@sumo/db/testing";

export async function startBenchDatabase(): Promise<{ url: string; close(): Promise<void> }> {
  const postgres = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres();
  const serverUrl = process.env.DATABASE_URL ?? postgres?.url ?? "";
  const template = await createMigratedTemplate(serverUrl);
  const database = await createTestDatabase(template.url);
  return {
    url: database.url,
    async close() {
      await database.drop();
      await template.drop();
      await postgres?.stop();
    },
  };
}

import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "./embedded-postgres.ts";
import { createMigratedTemplate } from "./testing.ts";

/**
 * vitest globalSetup for tests on real PostgreSQL: DATABASE_URL's server, or the embedded one
 * in the data folder when DATABASE_URL is unset. Migrates one template database for the run.
 */
export default async function setup(project: TestProject) {
  const server = process.env.DATABASE_URL
    ? { url: process.env.DATABASE_URL, stop: async () => {} }
    : await startEmbeddedPostgres();
  const template = await createMigratedTemplate(server.url);
  project.provide("templateDatabaseUrl", template.url);
  return async () => {
    await template.drop();
    await server.stop();
  };
}

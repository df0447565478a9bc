import { defineConfig } from "drizzle-kit";

// `pnpm db:generate --name <what_changed>` writes a new migration from the schema diff.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/schema/index.ts",
  out: "../../migrations",
  casing: "snake_case",
});

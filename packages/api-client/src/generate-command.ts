// Writes src/generated/*.ts from the services' OpenAPI documents:
//   pnpm --filter @sumo/api-client generate
import { writeFile } from "node:fs/promises";
import { generateClientTypes } from "./generate.ts";

const modules = await generateClientTypes();
for (const [file, source] of Object.entries(modules)) {
  await writeFile(new URL(`./generated/${file}`, import.meta.url), source);
}

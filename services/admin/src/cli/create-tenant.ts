// `pnpm tenant:create <name> [--cpu 4] [--memory-gi 16] [--max-concurrent-jobs 2]`
// Creates a tenant and prints its API key (shown once). Uses DATABASE_URL, or the embedded
// PostgreSQL in the data folder when it is unset.
import { parseArgs } from "node:util";
import { createDatabaseClient } from "@sumo/db/client";
import { startEmbeddedPostgres } from "@sumo/db/embedded";
import { migrate } from "@sumo/db/migrate";
import { createTenantWithApiKey } from "@sumo/db/queries";
import { z } from "zod";

const USAGE = "usage: tenant:create <name> [--cpu N] [--memory-gi N] [--max-concurrent-jobs N]";

function usageError(problem: string): never {
  process.stderr.write(`${USAGE}\n${problem}\n`);
  process.exit(2);
}

function parseCommandLine() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        cpu: { type: "string" },
        "memory-gi": { type: "string" },
        "max-concurrent-jobs": { type: "string" },
      },
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
}

const { values, positionals } = parseCommandLine();
const args = z
  .object({
    name: z.string().min(1).max(100),
    cpuLimit: z.coerce.number().positive().optional(),
    memoryLimitGi: z.coerce.number().positive().optional(),
    maxConcurrentJobs: z.coerce.number().int().positive().optional(),
  })
  .safeParse({
    name: positionals[0],
    cpuLimit: values.cpu,
    memoryLimitGi: values["memory-gi"],
    maxConcurrentJobs: values["max-concurrent-jobs"],
  });
if (!args.success) usageError(z.prettifyError(args.error));

const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres();
const databaseUrl = process.env.DATABASE_URL ?? embedded?.url ?? "";
await migrate(databaseUrl);
const database = createDatabaseClient(databaseUrl, { maxConnections: 1 });
let exitCode = 0;
try {
  const { tenant, apiKey } = await createTenantWithApiKey(database.db, {
    name: args.data.name,
    ...(args.data.cpuLimit !== undefined && { cpuLimit: args.data.cpuLimit }),
    ...(args.data.memoryLimitGi !== undefined && { memoryLimitGi: args.data.memoryLimitGi }),
    ...(args.data.maxConcurrentJobs !== undefined && {
      maxConcurrentJobs: args.data.maxConcurrentJobs,
    }),
  });
  process.stdout.write(
    `${JSON.stringify({ tenant_id: tenant.id, name: tenant.name, api_key: apiKey }, null, 2)}\n`,
  );
} catch (error) {
  if (!isUniqueViolation(error)) throw error;
  process.stderr.write(`a tenant named "${args.data.name}" already exists\n`);
  exitCode = 1;
} finally {
  await database.close();
  await embedded?.stop();
}
process.exit(exitCode);

function isUniqueViolation(error: unknown): boolean {
  const cause = error instanceof Error && "cause" in error ? error.cause : error;
  return (cause as { code?: string } | undefined)?.code === "23505";
}

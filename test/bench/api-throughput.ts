// Benchmark: the tenant API under load against a bare hono + pg baseline, side by side.
//   pnpm bench:api [--seconds 10] [--connections 50] [--tenants 100] [--rounds 3] [--from-source]
// Servers run as processes of their own on loopback; this process is the load generator
// (autocannon). For each of POST /v1/jobs and GET /v1/jobs/{id}: throughput and p50/p99 at a
// fixed number of connections, for the api and for the baseline (one INSERT / one SELECT),
// then the latency of both at a steady 1,000 requests/s (an open-loop generator: steady-load.ts).
import { spawn } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import { createDatabaseClient } from "@sumo/db/client";
import { DATA_DIR } from "@sumo/db/embedded";
import { createScenario, createTenantWithApiKey } from "@sumo/db/queries";
import { makeScenario } from "@sumo/db/testing";
import autocannon from "autocannon";
import { PlatformProcesses, REPO_ROOT } from "../platform.ts";
import { startBenchDatabase } from "./bench-database.ts";
import { embeddedPostgresPid, treeCpuSeconds } from "./process-stats.ts";
import { quantile } from "./stats.ts";
import { type SteadyRequest, steadyLoad } from "./steady-load.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "50" },
    tenants: { type: "string", default: "100" },
    rounds: { type: "string", default: "3" },
    // Run the api from its TypeScript sources instead of its bundle (what ships).
    "from-source": { type: "boolean", default: false },
  },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const TENANTS = Number(values.tenants);
const ROUNDS = Number(values.rounds);
const STEADY_RATE = 1000;
const STEADY_WARMUP_SECONDS = 3;
const say = (line: string) => process.stdout.write(`${line}\n`);

const database = await startBenchDatabase();
const db = createDatabaseClient(database.url, { maxConnections: 2 });

// Many tenants, as in production: one tenant's submissions take turns on its row lock.
const keys: string[] = [];
for (let i = 0; i < TENANTS; i++) {
  const { apiKey, tenant } = await createTenantWithApiKey(db.db, {
    name: `bench-${i}`,
    cpuLimit: 100_000,
    memoryLimitGi: 100_000,
    maxConcurrentJobs: 100_000,
  });
  // The scenario each submission names; the api never reads its bundle.
  await createScenario(db.db, makeScenario({ tenantId: tenant.id, name: "bench" }));
  keys.push(apiKey);
}

const platform = new PlatformProcesses({
  databaseUrl: database.url,
  logDir: path.join(DATA_DIR, "bench-logs"),
  env: { api: { LOG_LEVEL: "warn", KUBECONFIG: "/nonexistent" } },
  fromSource: values["from-source"],
});
// The api alone: without a scheduler the queue only fills, which is what the api's cost is.
await platform.start("api");

const baselinePort = 18_999;
const baseline = spawn(
  process.execPath,
  [path.join(REPO_ROOT, "test/bench/baseline-server.ts"), database.url, String(baselinePort)],
  { stdio: ["ignore", "pipe", "inherit"] },
);
await new Promise<void>((resolve) => baseline.stdout?.once("data", () => resolve()));
const baselineUrl = `http://127.0.0.1:${baselinePort}`;
const baselinePid = baseline.pid ?? 0;
const apiPid = platform.pids("api")[0] ?? 0;

const jobBody = JSON.stringify({
  scenario_id: "bench",
  cpu_request: 0.5,
  memory_gi: 1,
  scenario: { end: 3600 },
});
let next = 0;
const nextKey = () => keys[next++ % keys.length] ?? "";

/** POST /v1/jobs, each request as the next tenant. */
const submissions: autocannon.Request[] = [
  {
    method: "POST",
    setupRequest: (request) => ({
      ...request,
      headers: { "content-type": "application/json", authorization: `Bearer ${nextKey()}` },
      body: jobBody,
    }),
  },
];

async function load(options: autocannon.Options): Promise<autocannon.Result> {
  return autocannon({ duration: SECONDS, connections: CONNECTIONS, ...options });
}

// Seed ids to read.
const seeded = await load({
  url: `${platform.apiUrl}/v1/jobs`,
  duration: 2,
  requests: submissions,
});
const readable = await db.pool.query<{ id: string; api_key: string }>(
  "SELECT j.id::text AS id FROM jobs j LIMIT 1",
);
const readId = readable.rows[0]?.id ?? "";
const readKey = (
  await db.pool.query<{ tenant_id: string }>("SELECT tenant_id::text FROM jobs WHERE id = $1", [
    readId,
  ])
).rows[0]?.tenant_id;
const readTenantIndex =
  (await db.pool.query<{ name: string }>("SELECT name FROM tenants WHERE id = $1", [readKey]))
    .rows[0]?.name ?? "bench-0";
const readApiKey = keys[Number(readTenantIndex.split("-")[1])] ?? "";
await autocannon({
  url: `${baselineUrl}/items`,
  method: "POST",
  body: jobBody,
  headers: { "content-type": "application/json" },
  duration: 1,
  connections: 5,
});
const baselineId =
  (await db.pool.query<{ id: string }>("SELECT id::text FROM baseline_items LIMIT 1")).rows[0]
    ?.id ?? "";
say(
  `seeded ${seeded.requests.total} jobs; ${TENANTS} tenants; ${CONNECTIONS} connections, ${SECONDS} s each`,
);

// The machine is shared and noisy: api and baseline take turns, round after round, and the
// table reports each figure's median over the rounds.
type Figures = { rps: number; p50: number; p99: number; errors: number };
const runs = new Map<string, Figures[]>();
function record(name: string, figures: Figures, cpu: string) {
  runs.set(name, [...(runs.get(name) ?? []), figures]);
  say(
    `  ${name.padEnd(38)}${figures.rps.toFixed(0).padStart(7)} req/s  p50 ${figures.p50.toFixed(1)} ms  p99 ${figures.p99.toFixed(1)} ms  ${cpu}`,
  );
}

/**
 * Where a run's CPU went, per request: the server under load (api or baseline), PostgreSQL (all
 * its processes) and this process (the load generator). On two shared cores, a server that
 * costs more CPU per request (itself and in PostgreSQL) serves fewer of them.
 */
async function withCpu<T>(
  serverPid: number,
  run: () => Promise<T>,
  requests: (result: T) => number,
): Promise<{ result: T; cpu: string }> {
  const postgresPid = embeddedPostgresPid();
  const read = () => {
    const generator = process.cpuUsage();
    return {
      server: treeCpuSeconds(serverPid),
      postgres: postgresPid === undefined ? Number.NaN : treeCpuSeconds(postgresPid),
      generator: (generator.user + generator.system) / 1e6,
    };
  };
  const before = read();
  const result = await run();
  const after = read();
  const count = Math.max(requests(result), 1);
  const perRequest = (key: keyof typeof before) =>
    (((after[key] - before[key]) * 1000) / count).toFixed(2);
  return {
    result,
    cpu: `CPU ms/request: server ${perRequest("server")}, PostgreSQL ${perRequest("postgres")}, generator ${perRequest("generator")}`,
  };
}
async function measure(
  name: string,
  serverPid: number,
  options: autocannon.Options,
): Promise<void> {
  const { result, cpu } = await withCpu(
    serverPid,
    () => load(options),
    (result) => result.requests.total,
  );
  record(
    name,
    {
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.errors + result.non2xx,
    },
    cpu,
  );
}
/**
 * A server at a steady STEADY_RATE requests/s, open loop (see steady-load.ts), in a steady state:
 * not in the wake of the runs at full load. So first PostgreSQL is given the work they left it
 * (vacuuming and analysing the rows they wrote, a checkpoint), which would otherwise run, on the
 * same two cores, during this run; then the server gets STEADY_WARMUP_SECONDS at the rate, not
 * counted, in which its garbage collector clears the heap they left.
 */
async function measureSteady(
  name: string,
  serverPid: number,
  origin: string,
  next: () => SteadyRequest,
): Promise<void> {
  await db.pool.query("VACUUM (ANALYZE)");
  await db.pool.query("CHECKPOINT").catch(() => {
    // Only a superuser may checkpoint: with another DATABASE_URL, the server's own schedule.
  });
  await steadyLoad({ origin, rate: STEADY_RATE, seconds: STEADY_WARMUP_SECONDS, next });
  const { result, cpu } = await withCpu(
    serverPid,
    () => steadyLoad({ origin, rate: STEADY_RATE, seconds: SECONDS, next }),
    (result) => result.rps * SECONDS,
  );
  record(name, { rps: result.rps, p50: result.p50, p99: result.p99, errors: result.errors }, cpu);
}
const median = (values: number[]) => quantile(values, 0.5);
const med = (name: string, figure: keyof Figures) =>
  median((runs.get(name) ?? []).map((run) => run[figure]));

const API_POST = "api POST /v1/jobs";
const BASE_POST = "baseline POST (one INSERT)";
const API_GET = "api GET /v1/jobs/{id}";
const BASE_GET = "baseline GET (one SELECT)";
const STEADY_GET = "api GET at a steady 1,000 req/s";
const STEADY_POST = "api POST at a steady 1,000 req/s";
const STEADY_BASE_GET = "baseline GET at a steady 1,000 req/s";
const STEADY_BASE_POST = "baseline POST at a steady 1,000 req/s";
const apiGet = {
  url: `${platform.apiUrl}/v1/jobs/${readId}`,
  headers: { authorization: `Bearer ${readApiKey}` },
};
for (let round = 1; round <= ROUNDS; round++) {
  say(`round ${round}/${ROUNDS}`);
  await measure(API_POST, apiPid, { url: `${platform.apiUrl}/v1/jobs`, requests: submissions });
  await measure(BASE_POST, baselinePid, {
    url: `${baselineUrl}/items`,
    method: "POST",
    body: jobBody,
    headers: { "content-type": "application/json" },
  });
  await measure(API_GET, apiPid, apiGet);
  await measure(BASE_GET, baselinePid, { url: `${baselineUrl}/items/${baselineId}` });
  await measureSteady(STEADY_GET, apiPid, platform.apiUrl, () => ({
    method: "GET",
    path: `/v1/jobs/${readId}`,
    headers: { authorization: `Bearer ${readApiKey}` },
  }));
  await measureSteady(STEADY_BASE_GET, baselinePid, baselineUrl, () => ({
    method: "GET",
    path: `/items/${baselineId}`,
  }));
  await measureSteady(STEADY_POST, apiPid, platform.apiUrl, () => ({
    method: "POST",
    path: "/v1/jobs",
    headers: { "content-type": "application/json", authorization: `Bearer ${nextKey()}` },
    body: jobBody,
  }));
  await measureSteady(STEADY_BASE_POST, baselinePid, baselineUrl, () => ({
    method: "POST",
    path: "/items",
    headers: { "content-type": "application/json" },
    body: jobBody,
  }));
}

say("");
say(`medians of ${ROUNDS} rounds`);
say(
  ["what", "req/s", "p50 ms", "p99 ms", "errors"]
    .map((h, i) => (i === 0 ? h.padEnd(36) : h.padStart(8)))
    .join(""),
);
for (const name of runs.keys()) {
  const errors = (runs.get(name) ?? []).reduce((sum, run) => sum + run.errors, 0);
  const cells = [
    name,
    med(name, "rps").toFixed(0),
    med(name, "p50").toFixed(1),
    med(name, "p99").toFixed(1),
    String(errors),
  ];
  say(cells.map((cell, i) => (i === 0 ? cell.padEnd(36) : cell.padStart(8))).join(""));
}
/** Median over the rounds of api/baseline, each round's pair measured back to back. */
const ratio = (api: string, base: string, figure: keyof Figures) => {
  const a = runs.get(api) ?? [];
  const b = runs.get(base) ?? [];
  return median(a.map((run, i) => run[figure] / (b[i]?.[figure] ?? Number.NaN))).toFixed(2);
};
say("");
say(
  `POST: api/baseline throughput ${ratio(API_POST, BASE_POST, "rps")} (target >= 0.5), p99 ${ratio(API_POST, BASE_POST, "p99")}x (target <= 2)`,
);
say(
  `GET:  api/baseline throughput ${ratio(API_GET, BASE_GET, "rps")} (target >= 0.5), p99 ${ratio(API_GET, BASE_GET, "p99")}x (target <= 2)`,
);
say(
  `steady 1,000 req/s: GET p50 ${med(STEADY_GET, "p50").toFixed(1)} ms, p99 ${med(STEADY_GET, "p99").toFixed(1)} ms (baseline ${med(STEADY_BASE_GET, "p99").toFixed(1)}); POST p50 ${med(STEADY_POST, "p50").toFixed(1)} ms, p99 ${med(STEADY_POST, "p99").toFixed(1)} ms (baseline ${med(STEADY_BASE_POST, "p99").toFixed(1)}) (target p99 < 10 ms)`,
);

baseline.kill("SIGTERM");
await platform.stopAll();
await db.close();
await database.close();
process.exit(0);

// Benchmark: the dashboard and admin read endpoints with 1,000,000 job rows in the database.
//   pnpm bench:queries [--rows 1000000] [--baseline-rows 1000] [--tenants 500] [--seconds 6]
//                      [--connections 4] [--keep-databases]
// Two databases, each seeded with set-based SQL (skewed tenants: a few with 100k+ jobs, a long
// tail of small ones; mostly ended jobs, the newest of active tenants PENDING or RUNNING;
// submissions spread over 180 days), then vacuumed and analyzed. Each gets its own api and admin
// process; for every endpoint, `--connections` loops request it for `--seconds` on each
// database, in one-second slices taking turns, so both see the same machine noise (the machine
// is shared: compare the two columns, not figures of different runs). Latency is the client's:
// request sent -> body read. Then, for every endpoint over the 20 ms p99 target, EXPLAIN
// (ANALYZE, BUFFERS) of each statement its route runs, captured from the same query functions.
//
// The services run without Kubernetes (KUBECONFIG points at no file): the dashboard's quota is
// "unavailable" and the snapshot's `kubernetes` is null, so the figures are the database's cost
// alone. GET /admin/nodes reads only Kubernetes and is not measured here.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { createDatabaseClient, type Database } from "@sumo/db/client";
import { DATA_DIR, startEmbeddedPostgres } from "@sumo/db/embedded";
import {
  countAllJobsByStatus,
  countTenantJobsByStatus,
  getTenant,
  getTenantJob,
  issueApiKey,
  type JobCursor,
  listAllJobs,
  listTenantApiKeys,
  listTenantJobs,
  listTenants,
  listTenantWaitingJobs,
  sumTenantRunningResources,
} from "@sumo/db/queries";
import { createMigratedTemplate, createTestDatabase, type TestDatabase } from "@sumo/db/testing";
import pg from "pg";
import { PlatformProcesses } from "../platform.ts";
import { summary } from "./stats.ts";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    "baseline-rows": { type: "string", default: "1000" },
    tenants: { type: "string", default: "500" },
    seconds: { type: "string", default: "6" },
    connections: { type: "string", default: "4" },
    "keep-databases": { type: "boolean", default: false },
  },
});
const ROWS = Number(values.rows);
const BASELINE_ROWS = Number(values["baseline-rows"]);
const TENANTS = Number(values.tenants);
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const TARGET_P99_MS = 20;
/** Statements of a slow endpoint whose plan is printed (all go to the plans file). */
const PLAN_SHOWN_OVER_MS = 5;
const say = (line: string) => process.stdout.write(`${line}\n`);

/** The biggest tenants' shares of all jobs; the other tenants share the rest by 1/rank. */
const BIG_TENANT_SHARES = [0.2, 0.15, 0.1];
/** How far back submissions go. */
const HISTORY_DAYS = 180;

if (TENANTS <= BIG_TENANT_SHARES.length)
  throw new Error(`--tenants must be over ${BIG_TENANT_SHARES.length}`);

/** Jobs per tenant, by rank (index 0 is the biggest); sums to `rows` exactly. */
function jobsPerTenant(rows: number): number[] {
  const rest = 1 - BIG_TENANT_SHARES.reduce((a, b) => a + b, 0);
  const tail = TENANTS - BIG_TENANT_SHARES.length;
  let harmonic = 0;
  for (let rank = 1; rank <= tail; rank++) harmonic += 1 / rank;
  const counts = [
    ...BIG_TENANT_SHARES.map((share) => Math.floor(rows * share)),
    ...Array.from({ length: tail }, (_, i) => Math.floor((rows * rest) / (harmonic * (i + 1)))),
  ];
  counts[0] = (counts[0] ?? 0) + rows - counts.reduce((a, b) => a + b, 0);
  return counts;
}

interface SeededTenant {
  id: string;
  apiKey: string;
  jobs: number;
  /** A job of the tenant, for GET /v1/jobs/{id}. */
  someJobId: string;
  /** Where the page starting halfway through the tenant's jobs begins. */
  deepCursor: JobCursor | undefined;
}

interface SeededDatabase {
  label: string;
  database: TestDatabase;
  rows: number;
  seedSeconds: number;
  big: SeededTenant;
  small: SeededTenant;
  /** Where the page starting halfway through all jobs begins (admin). */
  deepCursor: JobCursor | undefined;
  platform: PlatformProcesses;
}

/** As `next_cursor` encodes it (packages/http/src/job-view.ts). */
function encodeJobCursor(cursor: JobCursor | undefined): string {
  if (!cursor) return "";
  return Buffer.from(JSON.stringify([cursor.submittedAt.toISOString(), cursor.id])).toString(
    "base64url",
  );
}

/**
 * Fills a fresh database: tenants, then every job in one INSERT ... SELECT. The jobs table's
 * secondary indexes are dropped for the load and rebuilt from their own definitions after (a
 * sorted build is far faster than a million random inserts); triggers and foreign keys stay on.
 */
async function seed(url: string, rows: number): Promise<number> {
  const started = performance.now();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SET maintenance_work_mem = '256MB'");
    await client.query(
      `INSERT INTO tenants (name, cpu_limit, memory_limit_gi, max_concurrent_jobs, created_at, updated_at)
       SELECT format('bench-%s', lpad(rank::text, 4, '0')), 64, 256, 100,
              now() - make_interval(days => $2) - rank * interval '1 hour',
              now() - make_interval(days => $2) - rank * interval '1 hour'
       FROM generate_series(1, $1::int) AS rank`,
      [TENANTS, HISTORY_DAYS],
    );
    // Every tenant has a live key, as in production (the ones the bench calls with come later).
    await client.query(
      `INSERT INTO api_keys (tenant_id, display_prefix, key_hash, created_at)
       SELECT id, 'sumo_' || left(md5(id::text), 6), sha256(convert_to(id::text, 'UTF8')), created_at
       FROM tenants`,
    );
    // Active tenants (the big ones and every third) have their newest jobs RUNNING, then
    // PENDING (half of those not yet scheduled); everything older ended, about 1 in 8 FAILED.
    await client.query(
      `CREATE TEMP TABLE bench_tenant_jobs AS
       SELECT t.id AS tenant_id, c.jobs::int AS jobs,
              CASE WHEN c.rank <= $2 OR c.rank % 3 = 0 THEN least(c.jobs, 1 + c.jobs / 10000) ELSE 0 END AS running,
              CASE WHEN c.rank <= $2 OR c.rank % 6 = 0 THEN least(c.jobs, 1 + c.jobs / 10000) ELSE 0 END AS pending
       FROM unnest($1::int[]) WITH ORDINALITY AS c(jobs, rank)
       JOIN tenants t ON t.name = format('bench-%s', lpad(c.rank::text, 4, '0'))`,
      [jobsPerTenant(rows), BIG_TENANT_SHARES.length],
    );
    const indexes = await client.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes
       WHERE schemaname = 'public' AND tablename = 'jobs' AND indexname <> 'jobs_pkey'`,
    );
    for (const index of indexes.rows) await client.query(`DROP INDEX "${index.indexname}"`);
    await client.query(
      `INSERT INTO jobs (id, tenant_id, scenario_id, scenario, cpu_request, memory_gi, status,
                         failure_reason, exit_code, namespace, kubernetes_job_name, pod_name,
                         submitted_at, scheduled_at, started_at, finished_at, updated_at)
       SELECT j.id, j.tenant_id, j.scenario_id, j.scenario, j.cpu_request, j.memory_gi, j.status,
              CASE WHEN j.status = 'FAILED' THEN 'Error: exit code 1' END,
              CASE j.status WHEN 'SUCCEEDED' THEN 0 WHEN 'FAILED' THEN 1 END,
              CASE WHEN j.scheduled_at IS NOT NULL THEN 'sumo-tenant-' || j.tenant_id END,
              CASE WHEN j.scheduled_at IS NOT NULL THEN 'sim-' || j.id END,
              CASE WHEN j.started_at IS NOT NULL THEN 'sim-' || j.id || '-x7k2p' END,
              j.submitted_at, j.scheduled_at, j.started_at, j.finished_at,
              coalesce(j.finished_at, j.started_at, j.scheduled_at, j.submitted_at)
       FROM (
         SELECT s.*,
                uuidv7(s.submitted_at - now()) AS id,
                CASE WHEN s.status <> 'PENDING' OR s.n % 2 = 0
                     THEN s.submitted_at + interval '200 milliseconds' END AS scheduled_at,
                CASE WHEN s.status <> 'PENDING'
                     THEN s.submitted_at + interval '2 seconds' END AS started_at,
                CASE WHEN s.status IN ('SUCCEEDED', 'FAILED')
                     THEN date_trunc('milliseconds', s.submitted_at + interval '2 seconds'
                          + (30 + 3600 * random()) * interval '1 second') END AS finished_at
         FROM (
           SELECT c.tenant_id, g.n,
                  'city-' || (g.n % 40) AS scenario_id,
                  jsonb_build_object('net', 'city-' || (g.n % 40) || '.net.xml',
                                     'end', 3600, 'step_length', 0.5, 'seed', g.n) AS scenario,
                  0.5 * (1 + g.n % 4) AS cpu_request,
                  (1 + g.n % 4)::numeric AS memory_gi,
                  -- Job n of a tenant (1 is the newest) sits (n - 1 + jitter) / jobs of the
                  -- way back through the history: newest first in n, spread over months.
                  date_trunc('milliseconds',
                    now() - ((g.n - 1 + random()) / c.jobs) * make_interval(days => $1)) AS submitted_at,
                  (CASE WHEN g.n <= c.running THEN 'RUNNING'
                        WHEN g.n <= c.running + c.pending THEN 'PENDING'
                        WHEN random() < 0.125 THEN 'FAILED'
                        ELSE 'SUCCEEDED' END)::job_status AS status
           FROM bench_tenant_jobs c
           CROSS JOIN LATERAL generate_series(1, c.jobs) AS g(n)
         ) s
       ) j`,
      [HISTORY_DAYS],
    );
    for (const index of indexes.rows) await client.query(index.indexdef);
    await client.query("VACUUM (ANALYZE) jobs");
    await client.query("VACUUM (ANALYZE) tenants, api_keys");
  } finally {
    await client.end();
  }
  return (performance.now() - started) / 1000;
}

/** The tenant of this rank (1 is the biggest) with a fresh API key, a job and a deep cursor. */
async function tenantOfRank(db: Database, pool: pg.Pool, rank: number): Promise<SeededTenant> {
  const name = `bench-${String(rank).padStart(4, "0")}`;
  const tenant = await pool.query<{ id: string; jobs: number }>(
    `SELECT t.id::text, (SELECT count(*)::int FROM jobs WHERE tenant_id = t.id) AS jobs
     FROM tenants t WHERE t.name = $1`,
    [name],
  );
  const row = tenant.rows[0];
  if (!row) throw new Error(`no tenant ${name}`);
  const { apiKey } = await issueApiKey(db, row.id);
  const middle = await pool.query<{ id: string; submitted_at: Date }>(
    `SELECT id::text, submitted_at FROM jobs WHERE tenant_id = $1
     ORDER BY submitted_at DESC, id DESC OFFSET $2 LIMIT 1`,
    [row.id, Math.floor(row.jobs / 2)],
  );
  const job = middle.rows[0];
  return {
    id: row.id,
    apiKey,
    jobs: row.jobs,
    someJobId: job?.id ?? "00000000-0000-7000-8000-000000000000",
    deepCursor: job && { submittedAt: job.submitted_at, id: job.id },
  };
}

async function prepareDatabase(
  label: string,
  templateUrl: string,
  rows: number,
): Promise<SeededDatabase> {
  const database = await createTestDatabase(templateUrl);
  const seedSeconds = await seed(database.url, rows);
  const client = createDatabaseClient(database.url, { maxConnections: 2 });
  try {
    const big = await tenantOfRank(client.db, client.pool, 1);
    const small = await tenantOfRank(client.db, client.pool, TENANTS);
    const middle = await client.pool.query<{ id: string; submitted_at: Date }>(
      `SELECT id::text, submitted_at FROM jobs ORDER BY submitted_at DESC, id DESC
       OFFSET $1 LIMIT 1`,
      [Math.floor(rows / 2)],
    );
    const job = middle.rows[0];
    const deepCursor = job && { submittedAt: job.submitted_at, id: job.id };
    const platform = new PlatformProcesses({
      databaseUrl: database.url,
      kubeconfig: "/nonexistent/kubeconfig",
      logDir: path.join(DATA_DIR, "bench-logs", `queries-${label}`),
      env: { api: { LOG_LEVEL: "warn" }, admin: { LOG_LEVEL: "warn" } },
    });
    await platform.start("api", "admin");
    return { label, database, rows, seedSeconds, big, small, deepCursor, platform };
  } finally {
    await client.close();
  }
}

interface Endpoint {
  name: string;
  url: (seeded: SeededDatabase) => string;
  /** Tenant API key or admin token. */
  authorization: (seeded: SeededDatabase) => string;
  /** The query functions its route calls, as it calls them (for EXPLAIN). */
  queries: (db: Database, seeded: SeededDatabase) => Promise<unknown>;
}

const tenantKey = (pick: "big" | "small") => (s: SeededDatabase) => s[pick].apiKey;
const adminToken = (s: SeededDatabase) => s.platform.adminToken;

async function dashboardQueries(db: Database, tenantId: string) {
  await countTenantJobsByStatus(db, tenantId);
  await sumTenantRunningResources(db, tenantId);
  await listTenantJobs(db, { tenantId, limit: 20 });
  await listTenantWaitingJobs(db, { tenantId, limit: 100 });
}

const ENDPOINTS: Endpoint[] = [
  {
    name: "GET /v1/dashboard (big tenant)",
    url: (s) => `${s.platform.apiUrl}/v1/dashboard`,
    authorization: tenantKey("big"),
    queries: (db, s) => dashboardQueries(db, s.big.id),
  },
  {
    name: "GET /v1/dashboard (small tenant)",
    url: (s) => `${s.platform.apiUrl}/v1/dashboard`,
    authorization: tenantKey("small"),
    queries: (db, s) => dashboardQueries(db, s.small.id),
  },
  {
    name: "GET /v1/jobs (big, first page)",
    url: (s) => `${s.platform.apiUrl}/v1/jobs`,
    authorization: tenantKey("big"),
    queries: (db, s) => listTenantJobs(db, { tenantId: s.big.id, limit: 20 }),
  },
  {
    name: "GET /v1/jobs (big, page at 50%)",
    url: (s) => `${s.platform.apiUrl}/v1/jobs?cursor=${encodeJobCursor(s.big.deepCursor)}`,
    authorization: tenantKey("big"),
    queries: (db, s) =>
      listTenantJobs(db, {
        tenantId: s.big.id,
        limit: 20,
        ...(s.big.deepCursor && { after: s.big.deepCursor }),
      }),
  },
  {
    name: "GET /v1/jobs?status=FAILED (big)",
    url: (s) => `${s.platform.apiUrl}/v1/jobs?status=FAILED`,
    authorization: tenantKey("big"),
    queries: (db, s) => listTenantJobs(db, { tenantId: s.big.id, status: "FAILED", limit: 20 }),
  },
  {
    name: "GET /v1/jobs?status=RUNNING (big)",
    url: (s) => `${s.platform.apiUrl}/v1/jobs?status=RUNNING`,
    authorization: tenantKey("big"),
    queries: (db, s) => listTenantJobs(db, { tenantId: s.big.id, status: "RUNNING", limit: 20 }),
  },
  {
    name: "GET /v1/jobs (small tenant)",
    url: (s) => `${s.platform.apiUrl}/v1/jobs`,
    authorization: tenantKey("small"),
    queries: (db, s) => listTenantJobs(db, { tenantId: s.small.id, limit: 20 }),
  },
  {
    name: "GET /v1/jobs/{id} (big)",
    url: (s) => `${s.platform.apiUrl}/v1/jobs/${s.big.someJobId}`,
    authorization: tenantKey("big"),
    queries: (db, s) => getTenantJob(db, { tenantId: s.big.id, jobId: s.big.someJobId }),
  },
  {
    name: "GET /admin/jobs",
    url: (s) => `${s.platform.adminUrl}/admin/jobs`,
    authorization: adminToken,
    queries: (db) => listAllJobs(db, { limit: 50 }),
  },
  {
    name: "GET /admin/jobs (page at 50%)",
    url: (s) => `${s.platform.adminUrl}/admin/jobs?cursor=${encodeJobCursor(s.deepCursor)}`,
    authorization: adminToken,
    queries: (db, s) =>
      listAllJobs(db, { limit: 50, ...(s.deepCursor && { after: s.deepCursor }) }),
  },
  {
    name: "GET /admin/jobs?status=RUNNING",
    url: (s) => `${s.platform.adminUrl}/admin/jobs?status=RUNNING`,
    authorization: adminToken,
    queries: (db) => listAllJobs(db, { status: "RUNNING", limit: 50 }),
  },
  {
    name: "GET /admin/jobs?status=FAILED",
    url: (s) => `${s.platform.adminUrl}/admin/jobs?status=FAILED`,
    authorization: adminToken,
    queries: (db) => listAllJobs(db, { status: "FAILED", limit: 50 }),
  },
  {
    name: "GET /admin/jobs?tenant_id= (big)",
    url: (s) => `${s.platform.adminUrl}/admin/jobs?tenant_id=${s.big.id}`,
    authorization: adminToken,
    queries: (db, s) => listAllJobs(db, { tenantId: s.big.id, limit: 50 }),
  },
  {
    name: "GET /admin/jobs?tenant_id=&status=FAILED",
    url: (s) => `${s.platform.adminUrl}/admin/jobs?tenant_id=${s.big.id}&status=FAILED`,
    authorization: adminToken,
    queries: (db, s) => listAllJobs(db, { tenantId: s.big.id, status: "FAILED", limit: 50 }),
  },
  {
    name: "GET /admin/tenants",
    url: (s) => `${s.platform.adminUrl}/admin/tenants`,
    authorization: adminToken,
    queries: (db) => listTenants(db, { limit: 100 }),
  },
  {
    name: "GET /admin/tenants/{id} (big)",
    url: (s) => `${s.platform.adminUrl}/admin/tenants/${s.big.id}`,
    authorization: adminToken,
    queries: async (db, s) => {
      await getTenant(db, s.big.id);
      await listTenantApiKeys(db, s.big.id);
    },
  },
  {
    name: "GET /admin/metrics (snapshot)",
    url: (s) => `${s.platform.adminUrl}/admin/metrics`,
    authorization: adminToken,
    queries: (db) => countAllJobsByStatus(db),
  },
];
interface Measurement {
  p50: number;
  p99: number;
  requests: number;
  perSecond: number;
  errors: number;
  firstError: string | undefined;
}

/** Latencies (ms) of one endpoint on one database, gathered over several slices of time. */
class LatencySamples {
  readonly samples: number[] = [];
  errors = 0;
  firstError: string | undefined;
  #seconds = 0;

  /** `CONNECTIONS` loops, each sending one request after the other, for `seconds`. */
  async add(url: string, authorization: string, seconds: number): Promise<void> {
    const headers = { authorization: `Bearer ${authorization}` };
    const started = performance.now();
    const deadline = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (performance.now() < deadline) {
          const sent = performance.now();
          const response = await fetch(url, { headers });
          const body = await response.text();
          this.samples.push(performance.now() - sent);
          if (!response.ok) {
            this.errors++;
            this.firstError ??= `${response.status} ${body.slice(0, 200)}`;
          }
        }
      }),
    );
    this.#seconds += (performance.now() - started) / 1000;
  }

  measurement(): Measurement {
    const { p50, p99, n } = summary(this.samples);
    const { errors, firstError } = this;
    return { p50, p99, requests: n, perSecond: n / this.#seconds, errors, firstError };
  }
}

/**
 * Runs `queries` against a pool that records every statement, then EXPLAIN (ANALYZE, BUFFERS)
 * of each: the exact SQL and parameters the query functions send.
 */
interface Plan {
  sql: string;
  params: unknown[];
  executionMs: number;
  plan: string;
}

async function explain(url: string, queries: (db: Database) => Promise<unknown>): Promise<Plan[]> {
  const client = createDatabaseClient(url, { maxConnections: 1 });
  const recorded: { sql: string; params: unknown[] }[] = [];
  const { pool } = client;
  const query = pool.query;
  // drizzle sends every statement as pool.query(config, params).
  pool.query = ((config: { text: string } | string, params?: unknown[]) => {
    recorded.push({ sql: typeof config === "string" ? config : config.text, params: params ?? [] });
    return (query as (...args: unknown[]) => unknown).call(pool, config, params);
  }) as typeof pool.query;
  try {
    await queries(client.db);
    pool.query = query;
    const plans: Plan[] = [];
    for (const statement of recorded) {
      // As a plain statement, parameters bound: the plan a prepared statement also gets while
      // PostgreSQL still makes custom plans (its first five executions).
      const result = await pool.query<{ "QUERY PLAN": string }>(
        `EXPLAIN (ANALYZE, BUFFERS) ${statement.sql}`,
        statement.params,
      );
      const plan = result.rows.map((row) => row["QUERY PLAN"]).join("\n");
      const executionMs = Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? Number.NaN);
      plans.push({ ...statement, executionMs, plan });
    }
    return plans;
  } finally {
    await client.close();
  }
}

const postgres = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres();
const serverUrl = process.env.DATABASE_URL ?? postgres?.url ?? "";
const template = await createMigratedTemplate(serverUrl);

const prepared: SeededDatabase[] = [];
try {
  say(`seeding ${BASELINE_ROWS.toLocaleString("en")} and ${ROWS.toLocaleString("en")} jobs...`);
  const baseline = await prepareDatabase("baseline", template.url, BASELINE_ROWS);
  prepared.push(baseline);
  const large = await prepareDatabase("large", template.url, ROWS);
  prepared.push(large);
  for (const seeded of [baseline, large]) {
    say(
      `${seeded.label}: ${seeded.rows.toLocaleString("en")} jobs, ${TENANTS} tenants, seeded in ${seeded.seedSeconds.toFixed(1)} s; big tenant ${seeded.big.jobs.toLocaleString("en")} jobs, small tenant ${seeded.small.jobs.toLocaleString("en")}`,
    );
  }
  say(`${CONNECTIONS} connections, ${SECONDS} s per endpoint and database`);

  const results: { endpoint: Endpoint; baseline: Measurement; large: Measurement }[] = [];
  for (const endpoint of ENDPOINTS) {
    const url = (seeded: SeededDatabase) => endpoint.url(seeded);
    const auth = (seeded: SeededDatabase) => endpoint.authorization(seeded);
    // Warm up (prepared statements, the route's code, the index pages), not counted.
    await new LatencySamples().add(url(baseline), auth(baseline), 0.5);
    await new LatencySamples().add(url(large), auth(large), 0.5);
    // One-second slices, taking turns: both databases see the same noise from the machine.
    const onBaseline = new LatencySamples();
    const onLarge = new LatencySamples();
    for (let slice = 0; slice < SECONDS; slice++) {
      await onBaseline.add(url(baseline), auth(baseline), 1);
      await onLarge.add(url(large), auth(large), 1);
    }
    const result = {
      endpoint,
      baseline: onBaseline.measurement(),
      large: onLarge.measurement(),
    };
    results.push(result);
    say(
      `  ${endpoint.name}: p99 ${result.baseline.p99.toFixed(1)} -> ${result.large.p99.toFixed(1)} ms`,
    );
  }

  // Each route's statements once more under EXPLAIN ANALYZE: the database's share of the time,
  // free of the client's and the machine's noise.
  const plans = new Map<Endpoint, { baseline: Plan[]; large: Plan[] }>();
  for (const { endpoint } of results) {
    plans.set(endpoint, {
      baseline: await explain(baseline.database.url, (db) => endpoint.queries(db, baseline)),
      large: await explain(large.database.url, (db) => endpoint.queries(db, large)),
    });
  }
  const sqlMs = (list: Plan[] | undefined) =>
    (list ?? []).reduce((sum, plan) => sum + plan.executionMs, 0).toFixed(2);

  const columns = [
    ["endpoint", 42],
    ["base p50", 9],
    ["base p99", 9],
    ["large p50", 10],
    ["large p99", 10],
    ["p99 x", 7],
    ["large req/s", 12],
    ["base SQL", 9],
    ["large SQL", 10],
    ["errors", 7],
    ["", 6],
  ] as const;
  const line = (cells: string[]) =>
    cells
      .map((cell, i) =>
        i === 0 ? cell.padEnd(columns[i]?.[1] ?? 0) : cell.padStart(columns[i]?.[1] ?? 0),
      )
      .join("");
  say("");
  say(
    `ms; base: ${BASELINE_ROWS.toLocaleString("en")} jobs, large: ${ROWS.toLocaleString("en")}; p50/p99 client side (${CONNECTIONS} connections); SQL: EXPLAIN ANALYZE execution time of the route's statements, summed`,
  );
  say(line(columns.map(([name]) => name)));
  for (const { endpoint, baseline: base, large: big } of results) {
    say(
      line([
        endpoint.name,
        base.p50.toFixed(1),
        base.p99.toFixed(1),
        big.p50.toFixed(1),
        big.p99.toFixed(1),
        (big.p99 / base.p99).toFixed(1),
        big.perSecond.toFixed(0),
        sqlMs(plans.get(endpoint)?.baseline),
        sqlMs(plans.get(endpoint)?.large),
        String(base.errors + big.errors),
        big.p99 > TARGET_P99_MS ? "OVER" : "ok",
      ]),
    );
  }
  for (const { endpoint, baseline: base, large: big } of results) {
    const firstError = base.firstError ?? big.firstError;
    if (firstError) say(`errors on ${endpoint.name}: ${firstError}`);
  }

  const slow = results.filter((result) => result.large.p99 > TARGET_P99_MS);
  say("");
  if (slow.length === 0) say(`every endpoint under the ${TARGET_P99_MS} ms p99 target`);
  else {
    say(
      `over the ${TARGET_P99_MS} ms p99 target at ${ROWS.toLocaleString("en")} jobs, each statement of the route (EXPLAIN ANALYZE; plans of those over ${PLAN_SHOWN_OVER_MS} ms):`,
    );
    const report: string[] = [];
    for (const { endpoint } of slow) {
      say(`=== ${endpoint.name}`);
      report.push(`=== ${endpoint.name}`);
      for (const plan of plans.get(endpoint)?.large ?? []) {
        const heading = `--- ${plan.executionMs.toFixed(2)} ms: ${plan.sql}`;
        say(heading.length > 160 ? `${heading.slice(0, 157)}...` : heading);
        if (plan.executionMs > PLAN_SHOWN_OVER_MS) say(plan.plan);
        report.push(heading, `    params: ${JSON.stringify(plan.params)}`, plan.plan, "");
      }
    }
    const plansPath = path.join(DATA_DIR, "bench-logs", "query-plans.txt");
    await writeFile(plansPath, `${report.join("\n")}\n`);
    say(`(every plan, with its parameters: ${plansPath})`);
  }
} finally {
  for (const seeded of prepared) {
    await seeded.platform.stopAll();
    if (values["keep-databases"]) say(`kept ${seeded.label}: ${seeded.database.url}`);
    else await seeded.database.drop();
  }
  if (!values["keep-databases"]) {
    await template.drop();
    await postgres?.stop();
  }
}
process.exit(0);

// Benchmark: the tenant console's dashboard in Chromium for a tenant with many jobs, against one
// with few (the baseline), in the same run.
//   pnpm bench:console [--jobs 200000] [--loads 15]
// Seeds one tenant with `jobs` ended jobs (and a few running) and another with 10, starts the
// api (no Kubernetes: the dashboard's quota reads "unavailable"), builds the console, and loads
// /console/ in headless Chromium `loads` times per tenant, alternating, each in a fresh
// context: from navigation start to the dashboard drawn (gauges, and the recent jobs' rows), and
// to its activity charts drawn (they load after). Then GET /v1/activity over 30 days (every
// seeded job: one each 10 s, so 200,000 span 23 days) for each tenant, alternating. Also prints
// the pages' JavaScript and CSS, gzipped, as the build measured them.
import path from "node:path";
import { parseArgs } from "node:util";
import { buildConsoles } from "@sumo/console/build";
import { createDatabaseClient } from "@sumo/db/client";
import { DATA_DIR } from "@sumo/db/embedded";
import { createTenantWithApiKey } from "@sumo/db/queries";
import { asServiceRole } from "@sumo/db/testing";
import pg from "pg";
import { launchChromium } from "../browser/chromium.ts";
import { PlatformProcesses } from "../platform.ts";
import { startBenchDatabase } from "./bench-database.ts";
import { quantile } from "./stats.ts";

const { values } = parseArgs({
  options: {
    jobs: { type: "string", default: "200000" },
    loads: { type: "string", default: "15" },
  },
});
const JOBS = Number(values.jobs);
const LOADS = Number(values.loads);
const say = (line: string) => process.stdout.write(`${line}\n`);

const built = await buildConsoles();
const database = await startBenchDatabase();
const db = createDatabaseClient(database.url, { maxConnections: 2 });
const big = await createTenantWithApiKey(db.db, { name: "bench-big", maxConcurrentJobs: 100 });
const small = await createTenantWithApiKey(db.db, { name: "bench-small" });
say(`seeding ${JOBS.toLocaleString("en")} jobs and 10...`);
const seeded = performance.now();
await seedJobs(database.url, big.tenant.id, JOBS);
await seedJobs(database.url, small.tenant.id, 10);
say(`seeded in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);

const platform = new PlatformProcesses({
  databaseUrl: asServiceRole(database.url),
  kubeconfig: path.join(DATA_DIR, "no-such-kubeconfig"),
  logDir: path.join(DATA_DIR, "bench-logs"),
});
await platform.start("api");
const browser = await launchChromium();

interface DashboardLoad {
  drawnMs: number;
  apiMs: number;
  chartsMs: number;
  activityApiMs: number;
}

/** One load of the dashboard: ms from navigation start until it is drawn, and its API call. */
async function loadDashboard(apiKey: string): Promise<DashboardLoad> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    // Signed in already, as a tab that signed in earlier is; and the moment the dashboard is
    // drawn noted in the page as it happens (init scripts run before the page's, outside its CSP).
    await context.addInitScript(`
      sessionStorage.setItem("sumo-k8.tenant.api-key", ${JSON.stringify(apiKey)});
      new MutationObserver((_, observer) => {
        if (window.__drawnAt === undefined && document.querySelectorAll("meter").length === 3 &&
            document.querySelectorAll("main tbody tr td a").length > 0) {
          window.__drawnAt = performance.now();
        }
        if (document.querySelectorAll("figure.chart canvas").length === 3) {
          window.__chartsAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { subtree: true, childList: true });
    `);
    const page = await context.newPage();
    await page.goto(`${platform.apiUrl}/console/`);
    await page.locator("main tbody tr td a").first().waitFor({ timeout: 30_000 });
    await page.locator("meter").nth(2).waitFor({ state: "attached", timeout: 30_000 });
    await page.locator("figure.chart canvas").nth(2).waitFor({ timeout: 30_000 });
    return (await page.evaluate(`(() => {
      const took = (suffix) => {
        const call = performance.getEntriesByType("resource").find((e) => e.name.endsWith(suffix));
        return call ? call.responseEnd - call.requestStart : NaN;
      };
      return {
        drawnMs: window.__drawnAt,
        apiMs: took("/v1/dashboard"),
        chartsMs: window.__chartsAt,
        activityApiMs: took("/v1/activity?period=48h"),
      };
    })()`)) as DashboardLoad;
  } finally {
    await context.close();
  }
}

try {
  const samples = { big: [] as number[], small: [] as number[] };
  const api = { big: [] as number[], small: [] as number[] };
  const charts = { big: [] as number[], small: [] as number[] };
  const activityApi = { big: [] as number[], small: [] as number[] };
  // Warm-up: the first loads compile the api's queries and fill Chromium's caches.
  for (const key of [big.apiKey, small.apiKey, big.apiKey, small.apiKey]) await loadDashboard(key);
  for (let i = 0; i < LOADS; i++) {
    for (const [name, key] of [
      ["big", big.apiKey],
      ["small", small.apiKey],
    ] as const) {
      const load = await loadDashboard(key);
      samples[name].push(load.drawnMs);
      api[name].push(load.apiMs);
      charts[name].push(load.chartsMs);
      activityApi[name].push(load.activityApiMs);
    }
  }
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  say(`\ndashboard drawn in Chromium, ${LOADS} loads each (navigation start → gauges and rows):`);
  say(`  tenant              p50       p95       max     GET /v1/dashboard p50`);
  for (const [name, jobs] of [
    ["big", JOBS],
    ["small", 10],
  ] as const) {
    say(
      `  ${`${jobs.toLocaleString("en")} jobs`.padEnd(16)} ${ms(quantile(samples[name], 0.5)).padStart(7)} ${ms(quantile(samples[name], 0.95)).padStart(9)} ${ms(quantile(samples[name], 1)).padStart(9)} ${ms(quantile(api[name], 0.5)).padStart(12)}`,
    );
  }
  say(`\nactivity charts drawn (navigation start → three charts), and their API call:`);
  say(`  tenant              p50       p95       max     GET /v1/activity?period=48h p50`);
  for (const [name, jobs] of [
    ["big", JOBS],
    ["small", 10],
  ] as const) {
    say(
      `  ${`${jobs.toLocaleString("en")} jobs`.padEnd(16)} ${ms(quantile(charts[name], 0.5)).padStart(7)} ${ms(quantile(charts[name], 0.95)).padStart(9)} ${ms(quantile(charts[name], 1)).padStart(9)} ${ms(quantile(activityApi[name], 0.5)).padStart(12)}`,
    );
  }
  const month = { big: [] as number[], small: [] as number[] };
  for (let i = 0; i < LOADS; i++) {
    for (const [name, key] of [
      ["big", big.apiKey],
      ["small", small.apiKey],
    ] as const) {
      const started = performance.now();
      const response = await fetch(`${platform.apiUrl}/v1/activity?period=30d`, {
        headers: { authorization: `Bearer ${key}` },
      });
      if (response.status !== 200) throw new Error(`GET /v1/activity: ${response.status}`);
      await response.json();
      month[name].push(performance.now() - started);
    }
  }
  say(
    `\nGET /v1/activity?period=30d, ${LOADS} each: ${JOBS.toLocaleString("en")} jobs p50 ${ms(quantile(month.big, 0.5))}, 10 jobs p50 ${ms(quantile(month.small, 0.5))} (ratio ${(quantile(month.big, 0.5) / quantile(month.small, 0.5)).toFixed(1)}x)`,
  );

  say("\nJavaScript and CSS per page, gzipped:");
  for (const { name, pages } of built) {
    for (const page of pages) {
      say(
        `  ${name} ${page.page.padEnd(10)} JS ${(page.jsGzipBytes / 1024).toFixed(1)} KiB, CSS ${(page.cssGzipBytes / 1024).toFixed(1)} KiB${page.laterJsGzipBytes ? `, then charts ${(page.laterJsGzipBytes / 1024).toFixed(1)} KiB` : ""}`,
      );
    }
  }
} finally {
  await browser.close();
  await platform.stopAll();
  await db.close();
  await database.close();
}

/** The tenant's jobs in one INSERT ... SELECT: the newest 5 RUNNING, the rest ended. */
async function seedJobs(url: string, tenantId: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO jobs (id, tenant_id, scenario_id, scenario_name, cpu_request, memory_gi, status,
                         submitted_at, scheduled_at, started_at, finished_at, updated_at)
       SELECT uuidv7(s.submitted_at - now()), $1, 'bench', 'bench', 0.5, 1, s.status,
              s.submitted_at, s.submitted_at + interval '1 second', s.submitted_at + interval '2 seconds',
              CASE WHEN s.status <> 'RUNNING' THEN s.submitted_at + interval '60 seconds' END,
              s.submitted_at + interval '60 seconds'
       FROM (
         SELECT now() - g.n * interval '10 seconds' AS submitted_at,
                (CASE WHEN g.n <= 5 THEN 'RUNNING' WHEN g.n % 8 = 0 THEN 'FAILED'
                      ELSE 'SUCCEEDED' END)::job_status AS status
         FROM generate_series(1, $2::int) AS g(n)
       ) s`,
      [tenantId, count],
    );
    await client.query("VACUUM (ANALYZE) jobs");
  } finally {
    await client.end();
  }
}

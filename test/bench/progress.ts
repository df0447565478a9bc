// Benchmark: what a running job's progress costs Kubernetes, and how fresh it is.
//   pnpm bench:progress [--jobs 1000] [--seconds 30] [--watchers 20]
// Submits `jobs` long runs through the real api, scheduler and reconciler on the local cluster
// and waits until all are RUNNING. Then, side by side in the same run:
//   1. nobody reads the jobs: the apiserver's pods/log requests per second (the baseline: what
//      the platform costs while no one watches);
//   2. `watchers` clients read every running job's GET /v1/jobs/{id} round after round, as fast
//      as the api answers: pods/log requests per second against the bound of one per job per
//      PROGRESS_REFRESH_SECONDS, and each answer's staleness (when it was served minus
//      progress.read_at).
import { execFile } from "node:child_process";
import path from "node:path";
import { parseArgs, promisify } from "node:util";
import { createDatabaseClient } from "@sumo/db/client";
import { DATA_DIR } from "@sumo/db/embedded";
import { createTenantWithApiKey } from "@sumo/db/queries";
import { kubectlBinary } from "../helm/helm-cli.ts";
import { ensureLocalCluster } from "../local-cluster.ts";
import { PlatformProcesses } from "../platform.ts";
import { gridBundle, uploadScenario } from "../scenario-bundle.ts";
import { startBenchDatabase } from "./bench-database.ts";
import { summary } from "./stats.ts";

const { values } = parseArgs({
  options: {
    jobs: { type: "string", default: "1000" },
    seconds: { type: "string", default: "30" },
    watchers: { type: "string", default: "20" },
  },
});
const JOBS = Number(values.jobs);
const SECONDS = Number(values.seconds);
const WATCHERS = Number(values.watchers);
const REFRESH_SECONDS = 10;
const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const database = await startBenchDatabase();
const cluster = process.env.KUBECONFIG ? undefined : await ensureLocalCluster();
const kubeconfigPath = process.env.KUBECONFIG ?? cluster?.kubeconfig ?? "";

const platform = new PlatformProcesses({
  databaseUrl: database.url,
  kubeconfig: kubeconfigPath,
  logDir: path.join(DATA_DIR, "bench-logs"),
  // The workers keep their info logs: their ready lines are how PlatformProcesses knows they
  // started.
  env: { api: { PROGRESS_REFRESH_SECONDS: String(REFRESH_SECONDS), LOG_LEVEL: "warn" } },
});
await platform.start();

const db = createDatabaseClient(database.url, { maxConnections: 2 });
const { apiKey } = await createTenantWithApiKey(db.db, {
  name: "bench-progress",
  cpuLimit: 100_000,
  memoryLimitGi: 100_000,
  maxConcurrentJobs: 100_000,
});
await uploadScenario(platform.apiUrl, apiKey, "bench", await gridBundle());
const headers = { authorization: `Bearer ${apiKey}` };

// Long enough to stay RUNNING through both phases (100 simulated seconds per second on the
// local cluster's simulated pods), whatever the wait for all of them to start.
const endTime = 100 * (2 * SECONDS + 600);
say(`submitting ${JOBS} jobs of ${endTime / 100} s each`);
const ids: string[] = [];
for (let i = 0; i < JOBS; i += 50) {
  const batch = await Promise.all(
    Array.from({ length: Math.min(50, JOBS - i) }, async (_, j) => {
      const response = await fetch(`${platform.apiUrl}/v1/jobs`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify({
          scenario_id: "bench",
          cpu_request: 0.01,
          memory_gi: 0.01,
          scenario: { end: endTime, seed: i + j },
        }),
      });
      const body = (await response.json()) as { job_id: string };
      if (response.status !== 202) throw new Error(`submit answered ${response.status}`);
      return body.job_id;
    }),
  );
  ids.push(...batch);
}

const waitStarted = Date.now();
for (;;) {
  const { rows } = await db.pool.query<{ n: string }>(
    "SELECT count(*) AS n FROM jobs WHERE status = 'RUNNING'",
  );
  const running = Number(rows[0]?.n ?? 0);
  if (running >= JOBS) break;
  if (Date.now() - waitStarted > 15 * 60_000) throw new Error(`only ${running} jobs RUNNING`);
  await sleep(1000);
}
say(`all ${JOBS} jobs RUNNING after ${((Date.now() - waitStarted) / 1000).toFixed(0)} s`);

const kubectl = await kubectlBinary();
const run = promisify(execFile);
/** The apiserver's count of GET pods/log requests so far (its own metrics). */
async function podLogRequests(): Promise<number> {
  const { stdout } = await run(
    kubectl,
    ["--kubeconfig", kubeconfigPath, "get", "--raw", "/metrics"],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  let total = 0;
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    if (!line.includes('resource="pods"') || !line.includes('subresource="log"')) continue;
    total += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return total;
}

async function phase(name: string, watch: boolean) {
  const before = await podLogRequests();
  const started = Date.now();
  const staleness: number[] = [];
  let reads = 0;
  let withProgress = 0;
  const deadline = started + SECONDS * 1000;
  if (watch) {
    await Promise.all(
      Array.from({ length: WATCHERS }, async (_, w) => {
        for (let i = w; Date.now() < deadline; i = (i + WATCHERS) % ids.length) {
          const response = await fetch(`${platform.apiUrl}/v1/jobs/${ids[i]}`, { headers });
          const job = (await response.json()) as { progress: { read_at: string } | null };
          const servedAt = Date.now();
          reads++;
          if (job.progress) {
            withProgress++;
            staleness.push(servedAt - new Date(job.progress.read_at).getTime());
          }
        }
      }),
    );
  } else {
    await sleep(SECONDS * 1000);
  }
  const seconds = (Date.now() - started) / 1000;
  const requests = (await podLogRequests()) - before;
  return { name, seconds, requests, perSecond: requests / seconds, reads, withProgress, staleness };
}

say(`phase 1: ${SECONDS} s with nobody reading the jobs`);
const idle = await phase("nobody reads", false);
say(`phase 2: ${SECONDS} s with ${WATCHERS} clients reading every job, round after round`);
const watched = await phase("every job read", true);

const bound = JOBS / REFRESH_SECONDS;
const s = summary(watched.staleness);
say("");
say(`progress at ${JOBS} RUNNING jobs, PROGRESS_REFRESH_SECONDS=${REFRESH_SECONDS}`);
for (const p of [idle, watched]) {
  say(
    `  ${p.name.padEnd(16)} pods/log requests ${String(p.requests).padStart(6)} in ${p.seconds.toFixed(1)} s = ${p.perSecond.toFixed(1).padStart(6)}/s` +
      (p.reads ? `   (${p.reads} job reads, ${(p.reads / p.seconds).toFixed(0)}/s)` : ""),
  );
}
say(
  `  bound: one read per job per interval = ${bound.toFixed(1)}/s; watched/bound = ${(watched.perSecond / bound).toFixed(2)}`,
);
say(
  `  staleness of progress as served: n=${s.n} p50=${(s.p50 / 1000).toFixed(2)} s p99=${(s.p99 / 1000).toFixed(2)} s max=${(s.max / 1000).toFixed(2)} s (reads with progress: ${watched.withProgress}/${watched.reads})`,
);

await platform.stopAll();
await db.close();
await database.close();
await cluster?.stop();
process.exit(0);

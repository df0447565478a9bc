// Benchmark: what one tenant's log follows cost the others.
//   pnpm bench:follows [--rounds 3] [--seconds 15] [--readers 4]
// Tenant A has a long job RUNNING on the local cluster; tenant B has ended jobs to list. In
// each round, side by side:
//   1. baseline: B's readers list its jobs (GET /v1/jobs) as fast as the api answers;
//   2. A holds its maximum of follows (LOG_FOLLOW_MAX_PER_TENANT, each streaming the pod's log)
//      and keeps asking for more as fast as the api refuses them (429), while B reads as in 1.
// Prints B's read latency (p50, p99) per round and condition, and the medians' ratios.
import path from "node:path";
import { parseArgs } from "node:util";
import { createDatabaseClient } from "@sumo/db/client";
import { DATA_DIR } from "@sumo/db/embedded";
import { createTenantWithApiKey } from "@sumo/db/queries";
import { ensureLocalCluster } from "../local-cluster.ts";
import { PlatformProcesses } from "../platform.ts";
import { gridBundle, uploadScenario } from "../scenario-bundle.ts";
import { startBenchDatabase } from "./bench-database.ts";
import { quantile, summary } from "./stats.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "15" },
    readers: { type: "string", default: "4" },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const READERS = Number(values.readers);
const MAX_FOLLOWS = 4;
const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const database = await startBenchDatabase();
const cluster = process.env.KUBECONFIG ? undefined : await ensureLocalCluster();
const platform = new PlatformProcesses({
  databaseUrl: database.url,
  kubeconfig: process.env.KUBECONFIG ?? cluster?.kubeconfig ?? "",
  logDir: path.join(DATA_DIR, "bench-logs"),
  env: { api: { LOG_LEVEL: "warn", LOG_FOLLOW_MAX_PER_TENANT: String(MAX_FOLLOWS) } },
});
await platform.start();

const db = createDatabaseClient(database.url, { maxConnections: 2 });
const limits = { cpuLimit: 100, memoryLimitGi: 100, maxConcurrentJobs: 100 };
const follower = await createTenantWithApiKey(db.db, { name: "bench-follower", ...limits });
const reader = await createTenantWithApiKey(db.db, { name: "bench-reader", ...limits });
const bundle = await gridBundle();
const as = (apiKey: string) => ({ authorization: `Bearer ${apiKey}` });

async function submit(apiKey: string, runSeconds: number): Promise<string> {
  const response = await fetch(`${platform.apiUrl}/v1/jobs`, {
    method: "POST",
    headers: { ...as(apiKey), "content-type": "application/json" },
    body: JSON.stringify({
      scenario_id: "bench",
      cpu_request: 0.05,
      memory_gi: 0.05,
      scenario: { end: runSeconds * 100 },
    }),
  });
  if (response.status !== 202) throw new Error(`submit answered ${response.status}`);
  return ((await response.json()) as { job_id: string }).job_id;
}

async function waitFor(apiKey: string, jobId: string, done: (status: string) => boolean) {
  for (const started = Date.now(); Date.now() - started < 10 * 60_000; await sleep(500)) {
    const job = (await (
      await fetch(`${platform.apiUrl}/v1/jobs/${jobId}`, { headers: as(apiKey) })
    ).json()) as { status: string };
    if (done(job.status)) return;
  }
  throw new Error(`job ${jobId} did not get there`);
}

for (const tenant of [follower, reader]) {
  await uploadScenario(platform.apiUrl, tenant.apiKey, "bench", bundle);
}
// B's history: jobs that ended, to list.
const history = await Promise.all(Array.from({ length: 20 }, () => submit(reader.apiKey, 1)));
const longRun = await submit(follower.apiKey, 2 * ROUNDS * SECONDS + 600);
await Promise.all(history.map((id) => waitFor(reader.apiKey, id, (s) => s === "SUCCEEDED")));
await waitFor(follower.apiKey, longRun, (s) => s === "RUNNING");
say(`tenant A's job RUNNING; tenant B has ${history.length} ended jobs`);

/** B's readers, for SECONDS: each GET /v1/jobs's latency in ms. */
async function readAsB(): Promise<number[]> {
  const latencies: number[] = [];
  const deadline = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: READERS }, async () => {
      while (Date.now() < deadline) {
        const started = performance.now();
        const response = await fetch(`${platform.apiUrl}/v1/jobs?limit=20`, {
          headers: as(reader.apiKey),
        });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`B's read answered ${response.status}`);
        latencies.push(performance.now() - started);
      }
    }),
  );
  return latencies;
}

/** A at its maximum of follows, asking for more all along; what it got, until `stop`. */
function followAsA() {
  const controller = new AbortController();
  const statuses = new Map<number, number>();
  const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
  const url = `${platform.apiUrl}/v1/jobs/${longRun}/logs?follow=true&tail=10`;
  const held = Array.from({ length: MAX_FOLLOWS }, async () => {
    const response = await fetch(url, { headers: as(follower.apiKey), signal: controller.signal });
    count(response.status);
    await response.arrayBuffer().catch(() => undefined);
  });
  const pressing = (async () => {
    await sleep(500);
    while (!controller.signal.aborted) {
      const response = await fetch(url, {
        headers: as(follower.apiKey),
        signal: controller.signal,
      }).catch(() => undefined);
      if (!response) break;
      count(response.status);
      await response.arrayBuffer().catch(() => undefined);
    }
  })();
  return {
    async stop() {
      controller.abort();
      await Promise.allSettled([...held, pressing]);
      return statuses;
    },
  };
}

const results: { baseline: number[]; following: number[] }[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const baseline = await readAsB();
  const a = followAsA();
  await sleep(1000);
  const following = await readAsB();
  const statuses = await a.stop();
  results.push({ baseline, following });
  const b = summary(baseline);
  const f = summary(following);
  say(
    `round ${round}: B's GET /v1/jobs baseline n=${b.n} p50=${b.p50.toFixed(1)} ms p99=${b.p99.toFixed(1)} ms | ` +
      `A following n=${f.n} p50=${f.p50.toFixed(1)} ms p99=${f.p99.toFixed(1)} ms | ` +
      `A's follows answered ${JSON.stringify(Object.fromEntries(statuses))}`,
  );
  await sleep(2000);
}

const median = (xs: number[]) => quantile(xs, 0.5);
const p50s = (key: "baseline" | "following") => results.map((r) => quantile(r[key], 0.5));
const p99s = (key: "baseline" | "following") => results.map((r) => quantile(r[key], 0.99));
say("");
say(`B's GET /v1/jobs with ${READERS} readers, ${SECONDS} s per condition, ${ROUNDS} rounds`);
say(
  `  median of rounds: baseline p50 ${median(p50s("baseline")).toFixed(1)} ms p99 ${median(p99s("baseline")).toFixed(1)} ms; ` +
    `A at ${MAX_FOLLOWS} follows and pressing p50 ${median(p50s("following")).toFixed(1)} ms p99 ${median(p99s("following")).toFixed(1)} ms`,
);
say(
  `  ratio following/baseline: p50 ${(median(p50s("following")) / median(p50s("baseline"))).toFixed(2)}x, p99 ${(median(p99s("following")) / median(p99s("baseline"))).toFixed(2)}x`,
);

await fetch(`${platform.apiUrl}/v1/jobs/${longRun}/cancel`, {
  method: "POST",
  headers: as(follower.apiKey),
});
await platform.stopAll();
await db.close();
await database.close();
await cluster?.stop();
process.exit(0);

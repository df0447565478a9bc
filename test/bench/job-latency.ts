// Benchmark: how fast the platform moves a job between the api and Kubernetes.
//   pnpm bench:latency [--jobs 200] [--rate 5]
// A steady stream of submissions (rate per second) through the real api, scheduler and
// reconciler on the local cluster, measuring:
//   1. submission answered -> its Kubernetes Job seen by a watch in this process;
//   2. pod status change seen by a watch (Running, then Succeeded) -> the api answers it.
// Baseline, interleaved in the same run: a Job created directly through the Kubernetes API ->
// seen by the same watch. The ratio is the platform's cost over the bare apiserver.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  BatchV1Api,
  CoreV1Api,
  makeInformer,
  type V1Job,
  type V1Pod,
} from "@kubernetes/client-node";
import { createDatabaseClient } from "@sumo/db/client";
import { DATA_DIR } from "@sumo/db/embedded";
import { createTenantWithApiKey } from "@sumo/db/queries";
import { JOB_ID_LABEL, loadKubeConfig, MANAGED_SELECTOR } from "@sumo/kubernetes";
import { ensureLocalCluster } from "../local-cluster.ts";
import { PlatformProcesses } from "../platform.ts";
import { gridBundle, uploadScenario } from "../scenario-bundle.ts";
import { startBenchDatabase } from "./bench-database.ts";
import { summary } from "./stats.ts";

const { values } = parseArgs({
  options: { jobs: { type: "string", default: "200" }, rate: { type: "string", default: "5" } },
});
const JOBS = Number(values.jobs);
const RATE = Number(values.rate);
const say = (line: string) => process.stdout.write(`${line}\n`);

const database = await startBenchDatabase();
const cluster = process.env.KUBECONFIG ? undefined : await ensureLocalCluster();
const kubeconfigPath = process.env.KUBECONFIG ?? cluster?.kubeconfig;
const kubeConfig = loadKubeConfig({ kubeconfigPath });
const batch = kubeConfig.makeApiClient(BatchV1Api);
const core = kubeConfig.makeApiClient(CoreV1Api);

const platform = new PlatformProcesses({
  databaseUrl: database.url,
  kubeconfig: kubeconfigPath,
  logDir: path.join(DATA_DIR, "bench-logs"),
  env: { scheduler: { JOB_TTL_SECONDS_AFTER_FINISHED: "30" } },
});
await platform.start();

const db = createDatabaseClient(database.url, { maxConnections: 2 });
const { apiKey } = await createTenantWithApiKey(db.db, {
  name: "bench",
  cpuLimit: 1000,
  memoryLimitGi: 4000,
  maxConcurrentJobs: 10_000,
});
await uploadScenario(platform.apiUrl, apiKey, "bench", await gridBundle());

// What the watches in this process saw, and when (performance.now()).
const jobSeen = new Map<string, number>();
const podRunningSeen = new Map<string, number>();
const podEndedSeen = new Map<string, number>();
const BASELINE_LABEL = "bench.sumo-k8.dev/baseline";
const jobs = makeInformer<V1Job>(kubeConfig, "/apis/batch/v1/jobs", () =>
  batch.listJobForAllNamespaces(),
);
const onJob = (job: V1Job) => {
  const id = job.metadata?.labels?.[JOB_ID_LABEL] ?? job.metadata?.labels?.[BASELINE_LABEL];
  if (id && !jobSeen.has(id)) jobSeen.set(id, performance.now());
};
jobs.on("add", onJob);
jobs.on("update", onJob);
const pods = makeInformer<V1Pod>(
  kubeConfig,
  "/api/v1/pods",
  () => core.listPodForAllNamespaces({ labelSelector: MANAGED_SELECTOR }),
  MANAGED_SELECTOR,
);
const onPod = (pod: V1Pod) => {
  const id = pod.metadata?.labels?.[JOB_ID_LABEL];
  if (!id) return;
  const phase = pod.status?.phase;
  if (phase === "Running" && !podRunningSeen.has(id)) podRunningSeen.set(id, performance.now());
  if ((phase === "Succeeded" || phase === "Failed") && !podEndedSeen.has(id)) {
    podEndedSeen.set(id, performance.now());
  }
};
pods.on("add", onPod);
pods.on("update", onPod);
await Promise.all([jobs.start(), pods.start()]);

const baselineNamespace = `bench-baseline-${randomBytes(3).toString("hex")}`;
await core.createNamespace({ body: { metadata: { name: baselineNamespace } } });

const submitted = new Map<string, number>();
const baselineCreated = new Map<string, number>();
const apiRunningSeen = new Map<string, number>();
const apiEndedSeen = new Map<string, number>();

async function submit(i: number): Promise<void> {
  const response = await fetch(`${platform.apiUrl}/v1/jobs`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({
      scenario_id: "bench",
      cpu_request: 0.1,
      memory_gi: 0.1,
      // 2 s on the local cluster's simulated pods (100 simulated seconds per second).
      scenario: { end: 200, seed: i },
    }),
  });
  const body = (await response.json()) as { job_id: string };
  if (response.status !== 202) throw new Error(`submit answered ${response.status}`);
  submitted.set(body.job_id, performance.now());
}

async function createBaselineJob(i: number): Promise<void> {
  const id = `baseline-${i}`;
  const started = performance.now();
  await batch.createNamespacedJob({
    namespace: baselineNamespace,
    body: {
      metadata: { name: id, labels: { [BASELINE_LABEL]: id } },
      spec: {
        suspend: true,
        template: {
          spec: { restartPolicy: "Never", containers: [{ name: "c", image: "none" }] },
        },
      },
    },
  });
  baselineCreated.set(id, started);
}

// The api as tenants see it, polled every 50 ms: when each job first shows RUNNING and ended.
let polling = true;
const poller = (async () => {
  while (polling) {
    for (const status of ["RUNNING", "SUCCEEDED"] as const) {
      let cursor: string | null = null;
      do {
        const query: string = `status=${status}&limit=100${cursor ? `&cursor=${cursor}` : ""}`;
        const response = await fetch(`${platform.apiUrl}/v1/jobs?${query}`, {
          headers: { authorization: `Bearer ${apiKey}` },
        });
        const page = (await response.json()) as {
          jobs: { job_id: string }[];
          next_cursor: string | null;
        };
        const seen = status === "RUNNING" ? apiRunningSeen : apiEndedSeen;
        const now = performance.now();
        for (const job of page.jobs) {
          if (!seen.has(job.job_id)) seen.set(job.job_id, now);
          if (status === "SUCCEEDED" && !apiRunningSeen.has(job.job_id))
            apiRunningSeen.set(job.job_id, now);
        }
        cursor = page.next_cursor;
      } while (cursor);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
})();

say(`submitting ${JOBS} jobs at ${RATE}/s (and as many baseline Jobs straight to the apiserver)`);
const interval = 1000 / RATE;
const started = performance.now();
const inFlight: Promise<void>[] = [];
for (let i = 0; i < JOBS; i++) {
  const due = started + i * interval;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  inFlight.push(submit(i), createBaselineJob(i));
}
await Promise.all(inFlight);

const deadline = Date.now() + 180_000;
while (apiEndedSeen.size < JOBS && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 200));
}
polling = false;
await poller;

const deltas = (from: Map<string, number>, to: Map<string, number>) =>
  [...from].flatMap(([id, t]) => {
    const seen = to.get(id);
    return seen === undefined ? [] : [seen - t];
  });
const format = (name: string, samples: number[]) => {
  const s = summary(samples);
  return `${name.padEnd(52)} n=${String(s.n).padStart(4)}  p50=${s.p50.toFixed(1).padStart(7)} ms  p99=${s.p99.toFixed(1).padStart(7)} ms  max=${s.max.toFixed(1).padStart(7)} ms`;
};
const submitToJob = deltas(submitted, jobSeen);
const baseline = deltas(baselineCreated, jobSeen);
const toRunning = deltas(podRunningSeen, apiRunningSeen);
const toEnded = deltas(podEndedSeen, apiEndedSeen);
say("");
say(format("baseline: create Job directly -> watch sees it", baseline));
say(format("submission answered -> Kubernetes Job seen", submitToJob));
say(format("pod Running seen -> api shows RUNNING (50 ms polls)", toRunning));
say(format("pod ended seen -> api shows SUCCEEDED (50 ms polls)", toEnded));
say(
  `ratio submission->Job / baseline: p50 ${(summary(submitToJob).p50 / summary(baseline).p50).toFixed(1)}x, p99 ${(summary(submitToJob).p99 / summary(baseline).p99).toFixed(1)}x`,
);
say(`jobs ended within the deadline: ${apiEndedSeen.size}/${JOBS}`);

await Promise.all([jobs.stop(), pods.stop()]);
await core.deleteNamespace({ name: baselineNamespace });
await platform.stopAll();
await db.close();
await database.close();
await cluster?.stop();
process.exit(0);

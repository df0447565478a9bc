// Benchmark: the platform at scale on the local cluster.
//   pnpm bench:scale [--tenants 500] [--jobs 5000] [--concurrency 50] [--run-seconds 5]
//                    [--cpu 0.1] [--memory-gi 0.25] [--skip-baseline]
// Many tenants submit a burst of short jobs through the real api (concurrency requests in
// flight); the real scheduler and reconciler run them on the local cluster, where Karpenter adds
// the nodes they need. It measures submission throughput, Kubernetes Jobs created per second,
// pods scheduled, Karpenter's nodes, time until every job is terminal in the database, the
// reconciler's lag (a pod's change seen by a watch here -> its row's updated_at), each service's
// peak memory, PostgreSQL's size per job, and the CPU each process used: the component that
// used the most CPU per job, or sat at a full core, is what limits throughput.
//
// Baseline, in the same run and before the platform's turn: the same number of Jobs, with the
// same namespace objects (namespace, ResourceQuota, LimitRange, NetworkPolicy applied on each
// namespace's first Job) and the same pod spec, created by this process straight through the
// apiserver, so the figures show what Kubernetes alone does on this machine.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { makeInformer, type V1Job, type V1Node, type V1Pod } from "@kubernetes/client-node";
import { createDatabaseClient } from "@sumo/db/client";
import { DATA_DIR, startEmbeddedPostgres } from "@sumo/db/embedded";
import { createTenantWithApiKey } from "@sumo/db/queries";
import { createMigratedTemplate, createTestDatabase } from "@sumo/db/testing";
import { loadKubeConfig } from "@sumo/kubernetes";
import { ensureLocalCluster } from "../local-cluster.ts";
import { PlatformProcesses, SERVICES } from "../platform.ts";
import { gridBundle, uploadScenario } from "../scenario-bundle.ts";
import {
  applyBaselineNamespace,
  BASELINE_LABEL,
  baselineClients,
  benchJobId,
  createBaselineJob,
  inParallel,
  removeBaselineWorkloads,
} from "./baseline-jobs.ts";
import {
  type ApiserverWork,
  apiserverWork,
  bucketQuantile,
  type ClientThrottle,
  clientThrottle,
  embeddedPostgresPid,
  histogramByLabel,
  localClusterPids,
  type MemoryBreakdown,
  memoryBreakdown,
  treeCpuSeconds,
  treePeakRssBytes,
  workQueueDepth,
} from "./process-stats.ts";
import { summary } from "./stats.ts";

const { values } = parseArgs({
  options: {
    tenants: { type: "string", default: "500" },
    jobs: { type: "string", default: "5000" },
    concurrency: { type: "string", default: "50" },
    "run-seconds": { type: "string", default: "5" },
    cpu: { type: "string", default: "0.1" },
    "memory-gi": { type: "string", default: "0.25" },
    "skip-baseline": { type: "boolean", default: false },
    // The NodePool's limits and how soon empty nodes go (passed to the cluster's up.sh).
    "nodepool-cpu": { type: "string", default: "1000" },
    "nodepool-memory": { type: "string", default: "4000Gi" },
    "consolidate-after": { type: "string", default: "10" },
    "timeout-minutes": { type: "string", default: "60" },
    "scheduler-concurrency": { type: "string" },
    "reconciler-concurrency": { type: "string" },
    // Node.js flags for every service (NODE_OPTIONS), e.g. --node-options=--max-semi-space-size=8.
    "node-options": { type: "string" },
  },
});
const TENANTS = Number(values.tenants);
const JOBS = Number(values.jobs);
const CONCURRENCY = Number(values.concurrency);
const RUN_SECONDS = Number(values["run-seconds"]);
const CPU = Number(values.cpu);
const MEMORY_GI = Number(values["memory-gi"]);
const TIMEOUT_MS = Number(values["timeout-minutes"]) * 60_000;
const JOBS_PER_TENANT = Math.ceil(JOBS / TENANTS);
const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// --- the stack ------------------------------------------------------------------------

const postgres = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres();
const serverUrl = process.env.DATABASE_URL ?? postgres?.url ?? "";
const template = await createMigratedTemplate(serverUrl);
const database = await createTestDatabase(template.url);
const cluster = process.env.KUBECONFIG
  ? undefined
  : await ensureLocalCluster({
      CLUSTER_NODEPOOL_CPU_LIMIT: values["nodepool-cpu"],
      CLUSTER_NODEPOOL_MEMORY_LIMIT: values["nodepool-memory"],
      CLUSTER_CONSOLIDATE_AFTER: values["consolidate-after"],
    });
const kubeconfigPath = process.env.KUBECONFIG ?? cluster?.kubeconfig;
// The local cluster's components; one that died (say Karpenter, whose port an outgoing
// connection took) would leave pods pending forever, so the phases watch for it.
const LOCAL_CLUSTER_COMPONENTS = cluster
  ? ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "karpenter"]
  : [];
const deadComponents = () => {
  const running = localClusterPids();
  return LOCAL_CLUSTER_COMPONENTS.filter((name) => !running.has(name));
};
const kubeConfig = loadKubeConfig({ kubeconfigPath });
const clients = baselineClients(kubeConfig);
const { batch, core } = clients;
const db = createDatabaseClient(database.url, { maxConnections: 4 });

// --- what the watches here see, by job id (platform: its job id label; baseline: ours) --

const jobSeen = new Map<string, number>();
const jobEnded = new Map<string, number>();
const podScheduled = new Map<string, number>();
const podRunning = new Map<string, number>();
const podEnded = new Map<string, number>();
const firstSet = (map: Map<string, number>, id: string) => {
  if (!map.has(id)) map.set(id, Date.now());
};

const jobInformer = makeInformer<V1Job>(kubeConfig, "/apis/batch/v1/jobs", () =>
  batch.listJobForAllNamespaces(),
);
const onJob = (job: V1Job) => {
  const id = benchJobId(job.metadata?.labels);
  if (!id) return;
  firstSet(jobSeen, id);
  const ended = job.status?.conditions?.some(
    (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
  );
  if (ended) firstSet(jobEnded, id);
};
jobInformer.on("add", onJob);
jobInformer.on("update", onJob);

const podInformer = makeInformer<V1Pod>(kubeConfig, "/api/v1/pods", () =>
  core.listPodForAllNamespaces(),
);
const onPod = (pod: V1Pod) => {
  const id = benchJobId(pod.metadata?.labels);
  if (!id) return;
  if (pod.spec?.nodeName) firstSet(podScheduled, id);
  const phase = pod.status?.phase;
  if (phase === "Running") firstSet(podRunning, id);
  if (phase === "Succeeded" || phase === "Failed") firstSet(podEnded, id);
};
podInformer.on("add", onPod);
podInformer.on("update", onPod);

// Karpenter's nodes: how many at once, and when.
const NODEPOOL_LABEL = "karpenter.sh/nodepool";
const nodes = new Set<string>();
const nodeAdded: number[] = [];
let peakNodes = { count: 0, at: 0 };
const nodeInformer = makeInformer<V1Node>(kubeConfig, "/api/v1/nodes", () => core.listNode());
nodeInformer.on("add", (node) => {
  if (!node.metadata?.labels?.[NODEPOOL_LABEL]) return;
  nodes.add(node.metadata.name ?? "");
  nodeAdded.push(Date.now());
  if (nodes.size > peakNodes.count) peakNodes = { count: nodes.size, at: Date.now() };
});
nodeInformer.on("delete", (node) => nodes.delete(node.metadata?.name ?? ""));
await Promise.all([jobInformer.start(), podInformer.start(), nodeInformer.start()]);

// --- measuring a phase -------------------------------------------------------------------

/** CPU seconds of every process that does the work, keyed by what it is. */
function cpuSnapshot(platform?: PlatformProcesses): Map<string, number> {
  const cpu = new Map<string, number>();
  for (const [name, pid] of localClusterPids()) cpu.set(name, treeCpuSeconds(pid));
  const pg = embeddedPostgresPid();
  if (pg !== undefined) cpu.set("postgres", treeCpuSeconds(pg));
  for (const name of SERVICES) {
    const pids = platform?.pids(name) ?? [];
    if (pids.length > 0)
      cpu.set(
        name,
        pids.reduce((sum, pid) => sum + treeCpuSeconds(pid), 0),
      );
  }
  const own = process.cpuUsage();
  cpu.set("bench (this process)", (own.user + own.system) / 1e6);
  cpu.set("machine, all processes", machineBusySeconds());
  return cpu;
}

/** Busy CPU seconds of the whole machine (every process, also other checkouts' test runs). */
function machineBusySeconds(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return (
    ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100
  );
}

/** The control-plane components whose client-side rate limiting the report shows. */
const THROTTLED_COMPONENTS = {
  "kube-controller-manager": Number(process.env.CLUSTER_KCM_PORT ?? 30257),
  "kube-scheduler": Number(process.env.CLUSTER_SCHEDULER_PORT ?? 30259),
};

async function throttleSnapshot(): Promise<Map<string, ClientThrottle | undefined>> {
  const snapshot = new Map<string, ClientThrottle | undefined>();
  for (const [name, port] of Object.entries(THROTTLED_COMPONENTS)) {
    snapshot.set(name, await clientThrottle(port));
  }
  return snapshot;
}

function throttleDelta(
  before: Map<string, ClientThrottle | undefined>,
  after: Map<string, ClientThrottle | undefined>,
): Map<string, ClientThrottle> {
  const delta = new Map<string, ClientThrottle>();
  for (const [name, end] of after) {
    const start = before.get(name);
    if (!end || !start) continue;
    delta.set(name, {
      requests: end.requests - start.requests,
      waitedSeconds: end.waitedSeconds - start.waitedSeconds,
    });
  }
  return delta;
}

const APISERVER_PORT = Number(process.env.CLUSTER_APISERVER_PORT ?? 26443);

/** What the apiserver served during a phase, by kind of request (apiserverWork, before and after). */
function apiserverDelta(
  before: Map<string, ApiserverWork> | undefined,
  after: Map<string, ApiserverWork> | undefined,
): Map<string, ApiserverWork> {
  const delta = new Map<string, ApiserverWork>();
  for (const [key, end] of after ?? []) {
    const start = before?.get(key) ?? { requests: 0, bytes: 0 };
    const requests = end.requests - start.requests;
    const bytes = end.bytes - start.bytes;
    if (requests > 0 || bytes > 0) delta.set(key, { requests, bytes });
  }
  return delta;
}

interface PhaseResult {
  name: string;
  jobs: number;
  startedAt: number;
  /** All creations answered (api 202s, or apiserver 201s for the baseline). */
  submittedAt: number;
  /** Every job terminal where the phase looks: the database (platform), pod phase or Job condition (baseline). */
  terminalAt: number | undefined;
  terminal: number;
  cpu: Map<string, number>;
  throttle: Map<string, ClientThrottle>;
  /** Requests the apiserver answered, and their bytes, by kind. */
  apiserver: Map<string, ApiserverWork>;
  wallSeconds: number;
  ids: string[];
  peakNodes: number;
  peakNodesAt: number;
  firstNodeAt: number | undefined;
  rejected: number;
  /** Peak of kube-controller-manager's Job controller work queue during the phase. */
  peakJobQueue: number;
}

function cpuDelta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [name, seconds] of after) delta.set(name, seconds - (before.get(name) ?? seconds));
  return delta;
}

/** The most Jobs kube-controller-manager's Job controller had waiting, sampled every 5 s. */
let peakJobQueue = 0;

function progress(phase: string, ids: string[], terminal: () => number, startedAt: number) {
  const count = (map: Map<string, number>) => ids.filter((id) => map.has(id)).length;
  peakJobQueue = 0;
  let jobQueue: number | undefined;
  const sampler = setInterval(async () => {
    jobQueue = await workQueueDepth(THROTTLED_COMPONENTS["kube-controller-manager"], "job");
    peakJobQueue = Math.max(peakJobQueue, jobQueue ?? 0);
  }, 5000);
  const timer = setInterval(() => {
    say(
      `  [${phase} +${((Date.now() - startedAt) / 1000).toFixed(0)}s] Jobs ${count(jobSeen)}, pods scheduled ${count(podScheduled)}, running ${count(podRunning)}, ended ${count(podEnded)}, terminal ${terminal()}/${ids.length}, nodes ${nodes.size}, Job controller queue ${jobQueue ?? "?"}`,
    );
  }, 15_000);
  return () => {
    clearInterval(sampler);
    clearInterval(timer);
  };
}

async function waitFor(what: string, done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    const dead = deadComponents();
    if (dead.length > 0) {
      throw new Error(
        `cluster component(s) stopped: ${dead.join(", ")}; see ${path.join(DATA_DIR, "cluster", "logs")}`,
      );
    }
    if (Date.now() > deadline) {
      say(`  gave up waiting for ${what} after ${Math.round(timeoutMs / 1000)} s`);
      return false;
    }
    await sleep(100);
  }
  return true;
}

// --- baseline: the same Jobs straight through the apiserver -------------------------------

const runId = randomBytes(3).toString("hex");

/** The limits each bench tenant gets, so the baseline's quotas match the platform's. */
const TENANT_LIMITS = {
  cpuLimit: Math.max(1, JOBS_PER_TENANT * CPU),
  memoryLimitGi: Math.max(1, JOBS_PER_TENANT * MEMORY_GI),
  // Exactly the burst: every job of a tenant may be PENDING at once.
  maxConcurrentJobs: JOBS_PER_TENANT,
};

const SHAPE = { runSeconds: RUN_SECONDS, cpu: CPU, memoryGi: MEMORY_GI };

async function runBaseline(): Promise<PhaseResult> {
  say(`baseline: ${JOBS} Jobs in ${TENANTS} namespaces straight through the apiserver`);
  const ids = Array.from({ length: JOBS }, (_, i) => `base-${runId}-${i}`);
  const namespaceOf = (i: number) => `bench-${runId}-${i % TENANTS}`;
  const namespaces = new Map<string, Promise<void>>();
  const ensureNamespace = (namespace: string) => {
    let applied = namespaces.get(namespace);
    if (!applied) {
      applied = applyBaselineNamespace(clients, namespace, TENANT_LIMITS, runId);
      namespaces.set(namespace, applied);
    }
    return applied;
  };
  const before = cpuSnapshot();
  const throttleBefore = await throttleSnapshot();
  const apiserverBefore = await apiserverWork(APISERVER_PORT);
  peakNodes = { count: nodes.size, at: 0 };
  const startedAt = Date.now();
  const firstNodeIndex = nodeAdded.length;
  const stopProgress = progress(
    "baseline",
    ids,
    () => ids.filter((id) => jobEnded.has(id)).length,
    startedAt,
  );
  let rejected = 0;
  await inParallel(JOBS, CONCURRENCY, async (i) => {
    const namespace = namespaceOf(i);
    try {
      await ensureNamespace(namespace);
      await createBaselineJob(clients, ids[i] ?? "", namespace, SHAPE);
    } catch (error) {
      rejected++;
      if (rejected <= 3) say(`  baseline create failed: ${String(error).slice(0, 300)}`);
    }
  });
  const submittedAt = Date.now();
  // Ended as a watcher of Kubernetes learns it first: the pod's phase (what the reconciler
  // goes by), or the Job's condition.
  const endedAt = (id: string) => {
    const times = [podEnded.get(id), jobEnded.get(id)].filter((t) => t !== undefined);
    return times.length > 0 ? Math.min(...times) : undefined;
  };
  const ended = () => ids.filter((id) => endedAt(id) !== undefined).length;
  await waitFor("baseline pods to end", () => ended() >= JOBS - rejected, TIMEOUT_MS);
  const terminalAt =
    ended() >= JOBS - rejected ? Math.max(...ids.map((id) => endedAt(id) ?? 0)) : undefined;
  stopProgress();
  const result: PhaseResult = {
    name: "baseline",
    jobs: JOBS,
    startedAt,
    submittedAt,
    terminalAt,
    terminal: ended(),
    cpu: cpuDelta(before, cpuSnapshot()),
    throttle: throttleDelta(throttleBefore, await throttleSnapshot()),
    apiserver: apiserverDelta(apiserverBefore, await apiserverWork(APISERVER_PORT)),
    wallSeconds: (Date.now() - startedAt) / 1000,
    ids,
    peakNodes: peakNodes.count,
    peakNodesAt: peakNodes.at,
    firstNodeAt: nodeAdded[firstNodeIndex],
    rejected,
    peakJobQueue,
  };

  // Out of the platform's way: its Jobs and pods go now (not by TTL during the next phase),
  // then Karpenter removes the emptied nodes, so the platform starts from none as well.
  say("baseline: deleting its Jobs and pods, waiting for Karpenter to remove the nodes");
  const baselinePods = () =>
    podInformer.list().filter((pod) => pod.metadata?.labels?.[BASELINE_LABEL] !== undefined);
  await removeBaselineWorkloads(clients, [...namespaces.keys()], baselinePods, CONCURRENCY);
  await waitFor("the baseline's pods to be gone", () => baselinePods().length === 0, 5 * 60_000);
  await waitFor("Karpenter to remove the baseline's nodes", () => nodes.size === 0, 5 * 60_000);
  return result;
}

// --- the platform: tenants submit through the api ----------------------------------------

async function runPlatform(platform: PlatformProcesses): Promise<PhaseResult & { db: DbFigures }> {
  say(
    `platform: ${TENANTS} tenants, ${JOBS} jobs through the api, ${CONCURRENCY} requests in flight`,
  );
  const keys: string[] = [];
  await inParallel(TENANTS, 10, async (i) => {
    const { apiKey } = await createTenantWithApiKey(db.db, {
      name: `scale-${runId}-${i}`,
      ...TENANT_LIMITS,
    });
    await uploadScenario(platform.apiUrl, apiKey, "bench", await gridBundle());
    keys[i] = apiKey;
  });
  const sizeBefore = await databaseSize();

  // The database as the api sees it: each row's status and when it was last written.
  const dbRunning = new Map<string, number>();
  const dbTerminal = new Map<string, number>();
  let polling = true;
  let sinceMs = 0;
  const poller = (async () => {
    while (polling) {
      const { rows } = await db.pool.query<{ id: string; status: string; updated_ms: string }>(
        `SELECT id, status, (extract(epoch FROM updated_at) * 1000)::bigint AS updated_ms
           FROM jobs WHERE updated_at >= to_timestamp($1::double precision / 1000)`,
        [sinceMs - 2000],
      );
      for (const row of rows) {
        const at = Number(row.updated_ms);
        sinceMs = Math.max(sinceMs, at);
        if (row.status === "RUNNING" && !dbRunning.has(row.id)) dbRunning.set(row.id, at);
        if ((row.status === "SUCCEEDED" || row.status === "FAILED") && !dbTerminal.has(row.id)) {
          dbTerminal.set(row.id, at);
        }
      }
      await sleep(250);
    }
  })();

  // Each service's memory, every 2 s: what it was made of at its highest resident set.
  const memoryAtPeak = new Map<string, MemoryBreakdown>();
  const memorySampler = (async () => {
    while (polling) {
      for (const name of SERVICES) {
        const [pid] = platform.pids(name);
        const sample =
          pid === undefined ? undefined : await memoryBreakdown(pid, platform.metricsUrl(name));
        if (sample && sample.rssBytes > (memoryAtPeak.get(name)?.rssBytes ?? 0)) {
          memoryAtPeak.set(name, sample);
        }
      }
      await sleep(2000);
    }
  })();

  const ids: string[] = [];
  const submitted = new Map<string, number>();
  const before = cpuSnapshot(platform);
  const throttleBefore = await throttleSnapshot();
  const apiserverBefore = await apiserverWork(APISERVER_PORT);
  peakNodes = { count: nodes.size, at: 0 };
  const firstNodeIndex = nodeAdded.length;
  const startedAt = Date.now();
  const stopProgress = progress("platform", ids, () => dbTerminal.size, startedAt);
  let rejected = 0;
  await inParallel(JOBS, CONCURRENCY, async (i) => {
    const response = await fetch(`${platform.apiUrl}/v1/jobs`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${keys[i % TENANTS]}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        scenario_id: "bench",
        cpu_request: CPU,
        memory_gi: MEMORY_GI,
        // RUN_SECONDS on the local cluster's simulated pods (100 simulated seconds per second).
        scenario: { end: RUN_SECONDS * 100 },
      }),
    });
    const body = (await response.json()) as { job_id: string };
    if (response.status !== 202) {
      rejected++;
      if (rejected <= 3) say(`  submission answered ${response.status}: ${JSON.stringify(body)}`);
      return;
    }
    submitted.set(body.job_id, Date.now());
    ids.push(body.job_id);
  });
  const submittedAt = Date.now();
  await waitFor(
    "every job terminal in the database",
    () => dbTerminal.size >= ids.length,
    TIMEOUT_MS,
  );
  const terminalAt = dbTerminal.size >= ids.length ? Math.max(...dbTerminal.values()) : undefined;
  stopProgress();
  polling = false;
  await poller;
  await memorySampler;
  const cpu = cpuDelta(before, cpuSnapshot(platform));
  const throttle = throttleDelta(throttleBefore, await throttleSnapshot());
  const apiserver = apiserverDelta(apiserverBefore, await apiserverWork(APISERVER_PORT));
  const wallSeconds = (Date.now() - startedAt) / 1000;

  const peakRss = new Map<string, number>();
  for (const name of SERVICES) {
    peakRss.set(
      name,
      platform.pids(name).reduce((sum, pid) => sum + treePeakRssBytes(pid), 0),
    );
  }
  for (const [name, pid] of localClusterPids()) peakRss.set(name, treePeakRssBytes(pid));

  const lag = (from: Map<string, number>, to: Map<string, number>) =>
    ids.flatMap((id) => {
      const a = from.get(id);
      const b = to.get(id);
      return a === undefined || b === undefined ? [] : [b - a];
    });
  return {
    name: "platform",
    jobs: JOBS,
    startedAt,
    submittedAt,
    terminalAt,
    terminal: dbTerminal.size,
    cpu,
    throttle,
    apiserver,
    wallSeconds,
    ids,
    peakNodes: peakNodes.count,
    peakNodesAt: peakNodes.at,
    firstNodeAt: nodeAdded[firstNodeIndex],
    rejected,
    peakJobQueue,
    db: {
      sizeBefore,
      sizeAfter: await databaseSize(),
      tables: await tableSizes(),
      submitToJob: lag(submitted, jobSeen),
      runningLag: lag(podRunning, dbRunning),
      terminalLag: lag(podEnded, dbTerminal),
      peakRss,
      memoryAtPeak,
    },
  };
}

interface DbFigures {
  sizeBefore: number;
  sizeAfter: number;
  tables: { name: string; rows: number; bytes: number }[];
  submitToJob: number[];
  runningLag: number[];
  terminalLag: number[];
  peakRss: Map<string, number>;
  /** Each service's memory when its resident set was highest (sampled every 2 s). */
  memoryAtPeak?: Map<string, MemoryBreakdown>;
}

async function databaseSize(): Promise<number> {
  const { rows } = await db.pool.query<{ size: string }>(
    "SELECT pg_database_size(current_database()) AS size",
  );
  return Number(rows[0]?.size ?? 0);
}

async function tableSizes(): Promise<{ name: string; rows: number; bytes: number }[]> {
  await db.pool.query("ANALYZE");
  const { rows } = await db.pool.query<{ name: string; rows: string; bytes: string }>(
    `SELECT n.nspname || '.' || c.relname AS name, c.reltuples::bigint AS rows,
            pg_total_relation_size(c.oid) AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 8`,
  );
  return rows.map((row) => ({
    name: row.name,
    rows: Math.max(0, Number(row.rows)),
    bytes: Number(row.bytes),
  }));
}

// --- report ----------------------------------------------------------------------------

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
const rate = (count: number, ms: number) => (ms > 0 ? count / (ms / 1000) : Number.NaN);

/** Count per second over the span the events cover, and the busiest 5 s window. */
function eventRate(ids: string[], events: Map<string, number>, from: number) {
  const times = ids.flatMap((id) => {
    const t = events.get(id);
    return t === undefined ? [] : [t];
  });
  times.sort((a, b) => a - b);
  const last = times.at(-1) ?? from;
  let peak = 0;
  for (let lo = 0, hi = 0; hi < times.length; hi++) {
    while ((times[hi] ?? 0) - (times[lo] ?? 0) > 5000) lo++;
    peak = Math.max(peak, hi - lo + 1);
  }
  return { n: times.length, perSecond: rate(times.length, last - from), peak5s: peak / 5, last };
}

function phaseRows(result: PhaseResult): [string, string][] {
  const created = eventRate(result.ids, jobSeen, result.startedAt);
  const scheduled = eventRate(result.ids, podScheduled, result.startedAt);
  const ended = eventRate(result.ids, podEnded, result.startedAt);
  const firstScheduled = Math.min(...result.ids.flatMap((id) => podScheduled.get(id) ?? []));
  const accepted = result.jobs - result.rejected;
  return [
    [
      "creations answered",
      `${accepted}/${result.jobs} in ${seconds(result.submittedAt - result.startedAt)} (${rate(accepted, result.submittedAt - result.startedAt).toFixed(1)}/s)`,
    ],
    [
      "Kubernetes Jobs created (watch)",
      `${created.n} by ${seconds(created.last - result.startedAt)}: ${created.perSecond.toFixed(1)}/s, busiest 5 s ${created.peak5s.toFixed(1)}/s`,
    ],
    [
      "pods scheduled on a node",
      `${scheduled.n} by ${seconds(scheduled.last - result.startedAt)}: ${scheduled.perSecond.toFixed(1)}/s, busiest 5 s ${scheduled.peak5s.toFixed(1)}/s`,
    ],
    [
      "first pod scheduled after",
      Number.isFinite(firstScheduled) ? seconds(firstScheduled - result.startedAt) : "-",
    ],
    ["Job controller queue (kcm), peak", String(result.peakJobQueue)],
    [
      "pods ended",
      `${ended.n} by ${seconds(ended.last - result.startedAt)}: ${ended.perSecond.toFixed(1)}/s`,
    ],
    [
      "Karpenter nodes",
      `peak ${result.peakNodes}, first after ${result.firstNodeAt ? seconds(result.firstNodeAt - result.startedAt) : "-"}, peak reached after ${result.peakNodesAt ? seconds(result.peakNodesAt - result.startedAt) : "-"}`,
    ],
    [
      result.name === "baseline" ? "all ended (pod phase or Job)" : "all jobs terminal (database)",
      result.terminalAt
        ? `${seconds(result.terminalAt - result.startedAt)} (${rate(result.terminal, result.terminalAt - result.startedAt).toFixed(1)} jobs/s)`
        : `not within the timeout: ${result.terminal}/${accepted}`,
    ],
  ];
}

function printCpu(result: PhaseResult) {
  const machine = result.cpu.get("machine, all processes") ?? 0;
  const ours = [...result.cpu].filter(([name]) => name !== "machine, all processes");
  const oursTotal = ours.reduce((sum, [, s]) => sum + s, 0);
  say(
    `  CPU in the ${result.name} phase (${result.wallSeconds.toFixed(0)} s wall; 2 cores = ${(2 * result.wallSeconds).toFixed(0)} CPU-s):`,
  );
  for (const [name, cpuSeconds] of ours.sort((a, b) => b[1] - a[1])) {
    say(
      `    ${name.padEnd(26)} ${cpuSeconds.toFixed(1).padStart(7)} CPU-s  ${((100 * cpuSeconds) / oursTotal).toFixed(0).padStart(3)}%  ${(cpuSeconds / result.wallSeconds).toFixed(2)} cores avg  ${((1000 * cpuSeconds) / result.jobs).toFixed(1).padStart(6)} CPU-ms/job`,
    );
  }
  say(
    `    ${"machine, all processes".padEnd(26)} ${machine.toFixed(1).padStart(7)} CPU-s (not ours, e.g. other checkouts' runs: ${Math.max(0, machine - oursTotal).toFixed(1)}; the two counts differ by a few CPU-s)`,
  );
}

function printThrottle(result: PhaseResult) {
  for (const [name, throttle] of result.throttle) {
    say(
      `  ${name} in the ${result.name} phase: ${throttle.requests} requests to the apiserver, ${throttle.waitedSeconds.toFixed(0)} s waited in its client-side rate limiter (${((1000 * throttle.waitedSeconds) / Math.max(1, throttle.requests)).toFixed(0)} ms per request)`,
    );
  }
}

/** Kinds of apiserver request shown: the most bytes in either phase. */
const APISERVER_KINDS_SHOWN = 14;

/**
 * The apiserver's work per job by kind of request, the platform's beside the baseline's: the
 * kinds that sent the most bytes (encoding responses and watch events is most of its CPU).
 */
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

function printApiserverWork(result: PhaseResult, base: PhaseResult | undefined) {
  const perJob = (phase: PhaseResult | undefined, key: string) => {
    const work = phase?.apiserver.get(key);
    if (!phase || !work) return "".padStart(22);
    const jobs = Math.max(1, phase.jobs);
    return `${(work.requests / jobs).toFixed(2).padStart(8)} ${kib(work.bytes / jobs).padStart(13)}`;
  };
  const bytesOf = (key: string) =>
    Math.max(result.apiserver.get(key)?.bytes ?? 0, base?.apiserver.get(key)?.bytes ?? 0);
  const keys = [...new Set([...result.apiserver.keys(), ...(base?.apiserver.keys() ?? [])])]
    .sort((a, b) => bytesOf(b) - bytesOf(a))
    .slice(0, APISERVER_KINDS_SHOWN);
  if (keys.length === 0) return;
  const total = (phase: PhaseResult | undefined) => {
    if (!phase) return "";
    const bytes = [...phase.apiserver.values()].reduce((sum, w) => sum + w.bytes, 0);
    return kib(bytes / Math.max(1, phase.jobs)).padStart(22);
  };
  say("  apiserver work per job, by kind (requests or events, bytes sent):");
  say(`    ${"kind".padEnd(34)} ${"platform".padStart(22)} ${base ? "baseline".padStart(22) : ""}`);
  for (const key of keys) say(`    ${key.padEnd(34)} ${perJob(result, key)} ${perJob(base, key)}`);
  say(`    ${"all kinds, bytes".padEnd(34)} ${total(result)} ${total(base)}`);
}

const nodeOptions: Record<string, string> = values["node-options"]
  ? { NODE_OPTIONS: values["node-options"] }
  : {};
const platform = new PlatformProcesses({
  databaseUrl: database.url,
  kubeconfig: kubeconfigPath,
  logDir: path.join(DATA_DIR, "bench-logs"),
  env: {
    api: nodeOptions,
    admin: nodeOptions,
    scheduler: {
      ...nodeOptions,
      ...(values["scheduler-concurrency"] && {
        WORKER_CONCURRENCY: values["scheduler-concurrency"],
      }),
    },
    reconciler: {
      ...nodeOptions,
      ...(values["reconciler-concurrency"] && {
        SYNC_CONCURRENCY: values["reconciler-concurrency"],
      }),
    },
  },
});

say(
  `scale: ${TENANTS} tenants, ${JOBS} jobs (${JOBS_PER_TENANT} per tenant), ${CONCURRENCY} in flight, each ${CPU} CPU / ${MEMORY_GI} GiB for ${RUN_SECONDS} s; NodePool limits ${values["nodepool-cpu"]} CPU / ${values["nodepool-memory"]}`,
);
try {
  const baseline = values["skip-baseline"] ? undefined : await runBaseline();
  await platform.start();
  const result = await runPlatform(platform);

  say("");
  say(
    `scale benchmark: ${TENANTS} tenants, ${JOBS} jobs, ${CONCURRENCY} in flight, ${RUN_SECONDS} s runs`,
  );
  const rows = phaseRows(result);
  const baseRows = baseline ? phaseRows(baseline) : undefined;
  say(`${"figure".padEnd(34)} ${"platform".padEnd(64)} baseline (apiserver direct)`);
  rows.forEach(([name, value], i) => {
    say(`${name.padEnd(34)} ${value.padEnd(64)} ${baseRows?.[i]?.[1] ?? ""}`);
  });
  if (baseline?.terminalAt && result.terminalAt) {
    const platformSpan = result.terminalAt - result.startedAt;
    const baselineSpan = baseline.terminalAt - baseline.startedAt;
    const platformJobs = eventRate(result.ids, jobSeen, result.startedAt);
    const baselineJobs = eventRate(baseline.ids, jobSeen, baseline.startedAt);
    say(
      `ratios platform/baseline: time to all terminal ${(platformSpan / baselineSpan).toFixed(2)}x, Jobs created/s ${(platformJobs.perSecond / baselineJobs.perSecond).toFixed(2)}x`,
    );
  }
  const f = (name: string, samples: number[]) => {
    const s = summary(samples);
    say(
      `${name.padEnd(52)} n=${String(s.n).padStart(5)}  p50=${s.p50.toFixed(0).padStart(6)} ms  p99=${s.p99.toFixed(0).padStart(6)} ms  max=${s.max.toFixed(0).padStart(6)} ms`,
    );
  };
  f("submission answered -> Kubernetes Job seen", result.db.submitToJob);
  f("reconciler lag: pod Running seen -> row RUNNING", result.db.runningLag);
  f("reconciler lag: pod ended seen -> row terminal", result.db.terminalLag);
  say(
    `peak RSS (VmHWM): ${[...result.db.peakRss].map(([name, bytes]) => `${name} ${mib(bytes)}`).join(", ")}`,
  );
  for (const [name, memory] of result.db.memoryAtPeak ?? []) {
    say(
      `  ${name} at its highest sampled RSS, ${mib(memory.rssBytes)}: V8 heap ${mib(memory.heapTotalBytes)} (${mib(memory.heapUsedBytes)} in use), external ${mib(memory.externalBytes)}, malloc's main heap ${mib(memory.mallocHeapBytes)} resident`,
    );
  }
  // How long jobs waited in the reconciler's queue (what it adds to the lag above), by what named
  // them: a watch event or a resync (every job it lists).
  const queueWait = await histogramByLabel(
    platform.metricsUrl("reconciler"),
    "sumo_reconciler_queue_wait_seconds",
    "source",
  );
  for (const [source, series] of queueWait ?? []) {
    const over = (seconds: number) =>
      series.count - (series.buckets.find(([le]) => le === seconds)?.[1] ?? series.count);
    say(
      `  reconciler queue wait, named by ${source.padEnd(6)} n=${String(series.count).padStart(6)}  p50 <= ${bucketQuantile(series, 0.5)} s  p99 <= ${bucketQuantile(series, 0.99)} s  over 0.5 s: ${over(0.5)}  over 1 s: ${over(1)}`,
    );
  }
  const grown = result.db.sizeAfter - result.db.sizeBefore;
  say(
    `PostgreSQL: database ${mib(result.db.sizeBefore)} -> ${mib(result.db.sizeAfter)} (+${mib(grown)}, ${(grown / Math.max(1, result.ids.length) / 1024).toFixed(1)} KiB per job)`,
  );
  for (const table of result.db.tables) {
    say(
      `  ${table.name.padEnd(34)} ${String(table.rows).padStart(7)} rows ${mib(table.bytes).padStart(8)}  ${(table.bytes / Math.max(1, result.ids.length)).toFixed(0).padStart(6)} B/job`,
    );
  }
  printCpu(result);
  if (baseline) printCpu(baseline);
  printThrottle(result);
  if (baseline) printThrottle(baseline);
  printApiserverWork(result, baseline);
} catch (error) {
  say(
    `scale benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exitCode = 1;
} finally {
  await Promise.all([jobInformer.stop(), podInformer.stop(), nodeInformer.stop()]);
  await platform.stopAll();
  await db.close();
  await database.drop();
  await template.drop();
  await cluster?.stop();
  await postgres?.stop();
  process.exit(process.exitCode ?? 0);
}

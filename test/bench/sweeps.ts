// Benchmark: sweeps and the tenants' queues, through the real services on the local cluster.
//   pnpm bench:sweeps [--parts accept,slots,fleet]
//                     [--rounds 20] [--members 10000] [--singles 10]        (accept)
//                     [--queued 100]                                       (slots)
//                     [--tenants 500] [--sweep-members 20]                 (fleet)
//                     [--limit 2] [--run-seconds 2] [--cpu 0.1] [--memory-gi 0.25]
// Each part beside a baseline in the same run. The baselines send the same Jobs straight to
// Kubernetes, into namespaces with the quota the platform gives the tenant, from a client that
// keeps --limit of each namespace's Jobs running: it creates the next Job the moment its watch
// sees a pod end (the best a tenant's own script could do; Jobs refused by the quota instead
// wait out the Job controller's growing backoff, minutes apart).
//   accept: a sweep of --members members accepted (POST /v1/sweeps answered), round after round,
//           between --singles single submissions (POST /v1/jobs) to the same api: p50 / p99 of
//           each and their ratio. Each round's sweep is cancelled before the next.
//   slots:  one tenant at --limit concurrent jobs with a sweep of --queued members: the time from
//           a slot freeing (a member's row terminal) to the next member PENDING (its row leaves
//           QUEUED), and from a pod ending to the next member's pod created, against the
//           baseline's pod ending -> next pod created.
//   fleet:  --tenants tenants, each with a sweep of --sweep-members at --limit: the time until
//           every member is terminal, against the baseline's time until every pod ended.
// Slot-freeing and PENDING times are when a 10 ms poll of the database first saw them.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { parseArgs } from "node:util";
import { makeInformer, type V1Node, type V1Pod } from "@kubernetes/client-node";
import { createDatabaseClient } from "@sumo/db/client";
import { DATA_DIR } from "@sumo/db/embedded";
import { createTenantWithApiKey } from "@sumo/db/queries";
import { loadKubeConfig } from "@sumo/kubernetes";
import pLimit from "p-limit";
import { ensureLocalCluster } from "../local-cluster.ts";
import { PlatformProcesses } from "../platform.ts";
import { gridBundle, uploadScenario } from "../scenario-bundle.ts";
import {
  applyBaselineNamespace,
  BASELINE_LABEL,
  baselineClients,
  benchJobId,
  createBaselineJob,
  inParallel,
  removeBaselineWorkloads,
  type TenantLimits,
} from "./baseline-jobs.ts";
import { startBenchDatabase } from "./bench-database.ts";
import { summary } from "./stats.ts";

const { values } = parseArgs({
  options: {
    parts: { type: "string", default: "accept,slots,fleet" },
    rounds: { type: "string", default: "20" },
    members: { type: "string", default: "10000" },
    singles: { type: "string", default: "10" },
    queued: { type: "string", default: "100" },
    tenants: { type: "string", default: "500" },
    "sweep-members": { type: "string", default: "20" },
    limit: { type: "string", default: "2" },
    "run-seconds": { type: "string", default: "2" },
    cpu: { type: "string", default: "0.1" },
    "memory-gi": { type: "string", default: "0.25" },
    "timeout-minutes": { type: "string", default: "60" },
  },
});
const PARTS = new Set(values.parts.split(","));
const ROUNDS = Number(values.rounds);
const MEMBERS = Number(values.members);
const SINGLES = Number(values.singles);
const QUEUED = Number(values.queued);
const TENANTS = Number(values.tenants);
const SWEEP_MEMBERS = Number(values["sweep-members"]);
const LIMIT = Number(values.limit);
const SHAPE = {
  runSeconds: Number(values["run-seconds"]),
  cpu: Number(values.cpu),
  memoryGi: Number(values["memory-gi"]),
};
const TIMEOUT_MS = Number(values["timeout-minutes"]) * 60_000;
/** The limits of a tenant at --limit, and the quota of its baseline namespace. */
const LIMITED: TenantLimits = {
  cpuLimit: Math.max(1, LIMIT * SHAPE.cpu),
  memoryLimitGi: Math.max(1, LIMIT * SHAPE.memoryGi),
  maxConcurrentJobs: LIMIT,
};
const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const TERMINAL = ["SUCCEEDED", "FAILED", "CANCELLED"];

// --- the stack ------------------------------------------------------------------------------

const database = await startBenchDatabase();
const cluster = process.env.KUBECONFIG
  ? undefined
  : await ensureLocalCluster({
      CLUSTER_NODEPOOL_CPU_LIMIT: "1000",
      CLUSTER_NODEPOOL_MEMORY_LIMIT: "4000Gi",
      CLUSTER_CONSOLIDATE_AFTER: "10",
    });
const kubeconfigPath = process.env.KUBECONFIG ?? cluster?.kubeconfig;
const kubeConfig = loadKubeConfig({ kubeconfigPath });
const clients = baselineClients(kubeConfig);
const { core } = clients;
const db = createDatabaseClient(database.url, { maxConnections: 4 });
const runId = randomBytes(3).toString("hex");

// What the watches here saw, by job id (the platform's label or the baseline's), and when.
const podCreated = new Map<string, number>();
const podEnded = new Map<string, number>();
/** Who waits for a pod to end (podEnd), by job id. */
const podEndWaiters = new Map<string, () => void>();
const firstSet = (map: Map<string, number>, id: string) => {
  if (!map.has(id)) map.set(id, performance.now());
};
const podInformer = makeInformer<V1Pod>(kubeConfig, "/api/v1/pods", () =>
  core.listPodForAllNamespaces(),
);
const onPod = (pod: V1Pod) => {
  const id = benchJobId(pod.metadata?.labels);
  if (!id) return;
  firstSet(podCreated, id);
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") {
    firstSet(podEnded, id);
    podEndWaiters.get(id)?.();
    podEndWaiters.delete(id);
  }
};
podInformer.on("add", onPod);
podInformer.on("update", onPod);
const nodes = new Set<string>();
const nodeInformer = makeInformer<V1Node>(kubeConfig, "/api/v1/nodes", () => core.listNode());
nodeInformer.on("add", (node) => {
  if (node.metadata?.labels?.["karpenter.sh/nodepool"]) nodes.add(node.metadata.name ?? "");
});
nodeInformer.on("delete", (node) => nodes.delete(node.metadata?.name ?? ""));
await Promise.all([podInformer.start(), nodeInformer.start()]);

const platform = new PlatformProcesses({
  databaseUrl: database.url,
  kubeconfig: kubeconfigPath,
  logDir: path.join(DATA_DIR, "bench-logs"),
});

// --- helpers ---------------------------------------------------------------------------------

async function waitFor(what: string, done: () => boolean, timeoutMs = TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(100);
  }
}

async function tenant(name: string, limits: TenantLimits): Promise<string> {
  const { apiKey } = await createTenantWithApiKey(db.db, { name: `${name}-${runId}`, ...limits });
  await uploadScenario(platform.apiUrl, apiKey, "bench", await gridBundle());
  return apiKey;
}

async function call(
  apiKey: string,
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${platform.apiUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function sweepRequest(members: number, seedFrom = 1) {
  return {
    scenario_id: "bench",
    cpu_request: SHAPE.cpu,
    memory_gi: SHAPE.memoryGi,
    parameters: { end: SHAPE.runSeconds * 100 },
    vary: { seed: { from: seedFrom, to: seedFrom + members - 1 } },
  };
}

async function createSweep(apiKey: string, members: number): Promise<string> {
  const { status, body } = await call(apiKey, "POST", "/v1/sweeps", sweepRequest(members));
  if (status !== 201)
    throw new Error(`POST /v1/sweeps answered ${status}: ${JSON.stringify(body)}`);
  return String(body.sweep_id);
}

const ms = (value: number) => `${value.toFixed(value < 100 ? 1 : 0)} ms`;
function line(name: string, samples: number[]) {
  const s = summary(samples);
  say(
    `  ${name.padEnd(58)} n=${String(s.n).padStart(5)}  p50=${ms(s.p50).padStart(9)}  p99=${ms(s.p99).padStart(9)}  max=${ms(s.max).padStart(9)}`,
  );
  return s;
}

/**
 * Pairs the i-th slot freed with the (limit + i)-th job started (first in, first out: each
 * freed slot lets one waiting job start) and returns the gaps; the first `limit` jobs started
 * without waiting.
 */
function slotGaps(freed: number[], started: number[]): number[] {
  const f = [...freed].sort((a, b) => a - b);
  const s = [...started].sort((a, b) => a - b);
  return s.slice(LIMIT).flatMap((at, i) => {
    const from = f[i];
    return from === undefined ? [] : [at - from];
  });
}
const timesOf = (ids: string[], map: Map<string, number>) => ids.flatMap((id) => map.get(id) ?? []);

/** Polls a set of jobs' rows every 10 ms: when each first left QUEUED and when it was terminal. */
function watchRows(where: string, params: unknown[]) {
  const leftQueue = new Map<string, number>();
  const terminal = new Map<string, number>();
  let polling = true;
  const done = (async () => {
    while (polling) {
      const { rows } = await db.pool.query<{ id: string; status: string }>(
        `SELECT id, status FROM jobs WHERE ${where}`,
        params,
      );
      const now = performance.now();
      for (const row of rows) {
        if (row.status !== "QUEUED" && !leftQueue.has(row.id)) leftQueue.set(row.id, now);
        if (TERMINAL.includes(row.status) && !terminal.has(row.id)) terminal.set(row.id, now);
      }
      await sleep(10);
    }
  })();
  return {
    leftQueue,
    terminal,
    async stop() {
      polling = false;
      await done;
    },
  };
}

async function emptyCluster(): Promise<void> {
  await waitFor("Karpenter to remove the empty nodes", () => nodes.size === 0, 5 * 60_000).catch(
    (error) => say(`  (${error.message}: ${nodes.size} left; going on)`),
  );
}

// --- accept: a 10,000-member sweep against a single submission --------------------------------

async function acceptPart() {
  say(
    `accept: ${ROUNDS} rounds of ${SINGLES} single submissions, then a ${MEMBERS}-member sweep (cancelled after)`,
  );
  const singlesKey = await tenant("singles", {
    cpuLimit: 1000,
    memoryLimitGi: 4000,
    maxConcurrentJobs: 10_000,
  });
  const sweeperKey = await tenant("sweeper", LIMITED);
  const single: number[] = [];
  const sweep: number[] = [];
  for (let round = -1; round < ROUNDS; round++) {
    // Round -1 warms up the api (its JIT, its connections) and is not counted.
    const counted = round >= 0;
    for (let i = 0; i < SINGLES; i++) {
      const started = performance.now();
      const { status, body } = await call(singlesKey, "POST", "/v1/jobs", {
        scenario_id: "bench",
        cpu_request: SHAPE.cpu,
        memory_gi: SHAPE.memoryGi,
        scenario: { end: 100, seed: (round + 1) * SINGLES + i },
      });
      if (status !== 202)
        throw new Error(`POST /v1/jobs answered ${status}: ${JSON.stringify(body)}`);
      if (counted) single.push(performance.now() - started);
    }
    const started = performance.now();
    const sweepId = await createSweep(sweeperKey, counted ? MEMBERS : 100);
    if (counted) sweep.push(performance.now() - started);
    const cancelled = await call(sweeperKey, "POST", `/v1/sweeps/${sweepId}/cancel`);
    if (cancelled.status !== 200) throw new Error(`cancel answered ${cancelled.status}`);
  }
  say("");
  say("accept:");
  const a = line("POST /v1/jobs, one job", single);
  const b = line(`POST /v1/sweeps, ${MEMBERS} members`, sweep);
  say(
    `  sweep against one job: p50 ${(b.p50 / a.p50).toFixed(1)}x, p99 ${(b.p99 / a.p99).toFixed(1)}x; per member at p50: ${((1000 * b.p50) / MEMBERS).toFixed(1)} µs (${((a.p50 * MEMBERS) / b.p50).toFixed(0)}x cheaper than one job at a time)`,
  );
}

// --- slots: a slot freeing -> the next member PENDING ------------------------------------------

/** Resolves when the watch sees a baseline Job's pod end, by the Job's id. */
function podEnd(id: string): Promise<void> {
  if (podEnded.has(id)) return Promise.resolve();
  return new Promise((resolve) => podEndWaiters.set(id, resolve));
}

/**
 * The baselines' client: the same Jobs straight to Kubernetes, each namespace's `ids` in order,
 * keeping --limit of them running per namespace (a Job created the moment its watch sees a pod
 * end). Resolves when every pod has ended; the namespaces are ready before it starts.
 */
async function runBaselineQueues(queues: { namespace: string; ids: string[] }[]): Promise<void> {
  const create = pLimit(20);
  await Promise.all(
    queues.map(async ({ namespace, ids }) => {
      let next = 0;
      const runLane = async (): Promise<void> => {
        while (next < ids.length) {
          const id = ids[next++] ?? "";
          await create(() => createBaselineJob(clients, id, namespace, SHAPE));
          await podEnd(id);
        }
      };
      await Promise.all(Array.from({ length: LIMIT }, runLane));
    }),
  );
}

async function slotsBaseline() {
  const namespace = `bench-slots-${runId}`;
  const ids = Array.from({ length: QUEUED }, (_, i) => `slots-${runId}-${i}`);
  await applyBaselineNamespace(clients, namespace, LIMITED, runId);
  await runBaselineQueues([{ namespace, ids }]);
  const gaps = slotGaps(timesOf(ids, podEnded), timesOf(ids, podCreated));
  const pods = () => podInformer.list().filter((pod) => pod.metadata?.namespace === namespace);
  await removeBaselineWorkloads(clients, [namespace], pods, 20);
  await core.deleteNamespace({ name: namespace });
  return gaps;
}

async function slotsPart() {
  say(`slots: ${QUEUED} jobs of ${SHAPE.runSeconds} s at ${LIMIT} at once`);
  say(`  baseline: the Jobs straight to Kubernetes, ${LIMIT} at a time`);
  const baseline = await slotsBaseline();
  say("  platform: one sweep");
  const apiKey = await tenant("slots", LIMITED);
  const sweepId = await createSweep(apiKey, QUEUED);
  const rows = watchRows("sweep_id = $1", [sweepId]);
  await waitFor("the sweep's members to end", () => rows.terminal.size >= QUEUED);
  await rows.stop();
  const ids = [...rows.terminal.keys()];
  say("");
  say(`slots (${QUEUED} jobs at ${LIMIT} at once):`);
  line("slot freed (row terminal) -> next member PENDING", [
    ...slotGaps([...rows.terminal.values()], [...rows.leftQueue.values()]),
  ]);
  const platformPods = line(
    "pod ended -> next member's pod created",
    slotGaps(timesOf(ids, podEnded), timesOf(ids, podCreated)),
  );
  const baselinePods = line("baseline: pod ended -> next pod created", baseline);
  say(
    `  platform against the baseline, pod ended -> next pod: p50 ${(platformPods.p50 / baselinePods.p50).toFixed(2)}x, p99 ${(platformPods.p99 / baselinePods.p99).toFixed(2)}x`,
  );
}

// --- fleet: many tenants' sweeps at the limit --------------------------------------------------

async function fleetBaseline(): Promise<number> {
  const queues = Array.from({ length: TENANTS }, (_, t) => ({
    namespace: `bench-fleet-${runId}-${t}`,
    ids: Array.from({ length: SWEEP_MEMBERS }, (_, m) => `fleet-${runId}-${t}-${m}`),
  }));
  const namespaces = queues.map((queue) => queue.namespace);
  const ids = queues.flatMap((queue) => queue.ids);
  await inParallel(TENANTS, 20, (t) =>
    applyBaselineNamespace(clients, namespaces[t] ?? "", LIMITED, runId),
  );
  const started = performance.now();
  const ended = () => ids.filter((id) => podEnded.has(id)).length;
  const progress = setInterval(
    () =>
      say(
        `    baseline +${((performance.now() - started) / 1000).toFixed(0)} s: ${ended()}/${ids.length} ended, nodes ${nodes.size}`,
      ),
    30_000,
  );
  try {
    await runBaselineQueues(queues);
  } finally {
    clearInterval(progress);
  }
  const span = Math.max(...timesOf(ids, podEnded)) - started;
  const pods = () =>
    podInformer.list().filter((pod) => pod.metadata?.labels?.[BASELINE_LABEL] !== undefined);
  await removeBaselineWorkloads(clients, namespaces, pods, 50);
  await inParallel(TENANTS, 20, async (t) => {
    await core.deleteNamespace({ name: namespaces[t] ?? "" });
  });
  return span;
}

async function fleetPart() {
  const jobs = TENANTS * SWEEP_MEMBERS;
  say(
    `fleet: ${TENANTS} tenants, each a ${SWEEP_MEMBERS}-member sweep at ${LIMIT} at once (${jobs} jobs of ${SHAPE.runSeconds} s)`,
  );
  await emptyCluster();
  say(`  baseline: the same Jobs straight to Kubernetes, ${LIMIT} at a time per namespace`);
  const baseline = await fleetBaseline();
  say(`  baseline: all ended after ${(baseline / 1000).toFixed(1)} s`);
  await emptyCluster();
  const keys: string[] = [];
  await inParallel(TENANTS, 10, async (t) => {
    keys[t] = await tenant(`fleet-${t}`, LIMITED);
  });
  say("  platform: a sweep per tenant");
  const started = performance.now();
  const sweepIds: string[] = [];
  await inParallel(TENANTS, 20, async (t) => {
    sweepIds[t] = await createSweep(keys[t] ?? "", SWEEP_MEMBERS);
  });
  const accepted = performance.now() - started;
  let terminal = 0;
  let lastTerminalAt = started;
  const progress = setInterval(
    () =>
      say(
        `    platform +${((performance.now() - started) / 1000).toFixed(0)} s: ${terminal}/${jobs} terminal, nodes ${nodes.size}`,
      ),
    30_000,
  );
  try {
    const deadline = Date.now() + TIMEOUT_MS;
    while (terminal < jobs) {
      if (Date.now() > deadline) throw new Error("gave up waiting for the sweeps to end");
      const { rows } = await db.pool.query<{ terminal: string }>(
        "SELECT count(*) AS terminal FROM jobs WHERE sweep_id = ANY($1::uuid[]) AND status = ANY($2::job_status[])",
        [sweepIds, TERMINAL],
      );
      terminal = Number(rows[0]?.terminal ?? 0);
      lastTerminalAt = performance.now();
      await sleep(250);
    }
  } finally {
    clearInterval(progress);
  }
  const span = lastTerminalAt - started;
  const { rows } = await db.pool.query<{ status: string; jobs: string }>(
    "SELECT status, count(*) AS jobs FROM jobs WHERE sweep_id = ANY($1::uuid[]) GROUP BY status",
    [sweepIds],
  );
  say("");
  say(`fleet (${TENANTS} tenants x ${SWEEP_MEMBERS} members at ${LIMIT} at once, ${jobs} jobs):`);
  say(
    `  platform: every sweep accepted after ${(accepted / 1000).toFixed(1)} s; all terminal after ${(span / 1000).toFixed(1)} s (${rows.map((r) => `${r.status} ${r.jobs}`).join(", ")})`,
  );
  say(`  baseline: all ended after ${(baseline / 1000).toFixed(1)} s`);
  say(`  platform against the baseline: ${(span / baseline).toFixed(2)}x the time`);
}

try {
  await platform.start();
  if (PARTS.has("accept")) await acceptPart();
  if (PARTS.has("slots")) await slotsPart();
  if (PARTS.has("fleet")) await fleetPart();
} catch (error) {
  say(
    `sweeps benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exitCode = 1;
} finally {
  await Promise.all([podInformer.stop(), nodeInformer.stop()]);
  await platform.stopAll();
  await db.close();
  await database.close();
  await cluster?.stop();
  process.exit(process.exitCode ?? 0);
}

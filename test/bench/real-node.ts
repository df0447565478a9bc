// Benchmark: the local cluster's real node (test/cluster/real-node.sh) against its KWOK nodes.
//   pnpm bench:node [--rounds 10]
// Prints:
//   1. the real node's restart: `real-node.sh stop` then `start` (build and images cached)
//      until the node is Ready again;
//   2. pod start latency, in the same run, rounds interleaved: a pod created -> seen Running by
//      a watch in this process, on the real node (the simulation image, a real container under
//      containerd and runc) and on a KWOK node that is already up (a simulated kubelet);
//   3. the cold build of the real node's parts, as recorded when this machine built them
//      (test/cluster/measure.sh --cold builds them again into empty caches).
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs, promisify } from "node:util";
import { CoreV1Api, makeInformer, type V1Pod } from "@kubernetes/client-node";
import { loadKubeConfig } from "@sumo/kubernetes";
import {
  ensureLocalCluster,
  REAL_NODE_PLACEMENT_LABEL,
  realNode,
  simulationImagePod,
} from "../local-cluster.ts";
import { REPO_ROOT } from "../platform.ts";
import { summary } from "./stats.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "10" } } });
const ROUNDS = Number(values.rounds);
const say = (line: string) => process.stdout.write(`${line}\n`);
const execFileAsync = promisify(execFile);

if (process.env.KUBECONFIG) {
  say("bench:node measures the local cluster's real node: unset KUBECONFIG");
  process.exit(2);
}
const node = await realNode();
if (!node.expected) {
  say("the real node is off (CLUSTER_REAL_NODE=off, or this machine cannot run it)");
  process.exit(2);
}
const cluster = await ensureLocalCluster();
const kubeConfig = loadKubeConfig({ kubeconfigPath: cluster.kubeconfig });
const core = kubeConfig.makeApiClient(CoreV1Api);

// --- 1. restart -------------------------------------------------------------------------
const realNodeScript = path.join(REPO_ROOT, "test/cluster/real-node.sh");
await execFileAsync("bash", [realNodeScript, "stop"]);
await core.deleteNode({ name: node.name });
const restartStarted = performance.now();
const { stderr: startLog } = await execFileAsync("bash", [realNodeScript, "start"], {
  maxBuffer: 16 * 1024 * 1024,
});
const restartSeconds = (performance.now() - restartStarted) / 1000;
// real-node.sh's own account of the start, step by step.
const startSteps = startLog.split("\n").filter((line) => line.includes("] real node: "));

// --- 2. pod start latency ---------------------------------------------------------------
const suffix = randomBytes(3).toString("hex");
const onReal = `bench-real-node-${suffix}`;
const onKwok = `bench-kwok-node-${suffix}`;
await core.createNamespace({
  body: { metadata: { name: onReal, labels: { ...REAL_NODE_PLACEMENT_LABEL } } },
});
await core.createNamespace({ body: { metadata: { name: onKwok } } });

const BENCH_LABEL = "bench.sumo-k8.dev/pod";
const runningSeen = new Map<string, number>();
const pods = makeInformer<V1Pod>(
  kubeConfig,
  "/api/v1/pods",
  () => core.listPodForAllNamespaces({ labelSelector: BENCH_LABEL }),
  BENCH_LABEL,
);
const onPod = (pod: V1Pod) => {
  const id = pod.metadata?.labels?.[BENCH_LABEL];
  if (id && pod.status?.phase === "Running" && !runningSeen.has(id)) {
    runningSeen.set(id, performance.now());
  }
};
pods.on("add", onPod);
pods.on("update", onPod);
await pods.start();

/** A pod as the platform's, sleeping: what is measured is its start. */
const pod = (id: string) => simulationImagePod(id, ["sleep", "600"], { [BENCH_LABEL]: id });

async function startPod(namespace: string, id: string): Promise<number> {
  const created = performance.now();
  await core.createNamespacedPod({ namespace, body: pod(id) });
  const deadline = Date.now() + 120_000;
  while (!runningSeen.has(id)) {
    if (Date.now() > deadline) throw new Error(`pod ${namespace}/${id} not Running within 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await core.deleteNamespacedPod({ name: id, namespace, gracePeriodSeconds: 0 });
  return (runningSeen.get(id) ?? created) - created;
}

// A KWOK node up before the first measured pod: a pod that stays, so Karpenter keeps its node.
await core.createNamespacedPod({ namespace: onKwok, body: pod("keeps-the-kwok-node") });
while (!runningSeen.has("keeps-the-kwok-node")) {
  await new Promise((resolve) => setTimeout(resolve, 100));
}
// And one unmeasured pod on the real node, so neither side's first round pays a cold start.
await startPod(onReal, "warm-up");

const real: number[] = [];
const kwok: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  real.push(await startPod(onReal, `real-${round}`));
  kwok.push(await startPod(onKwok, `kwok-${round}`));
}

await pods.stop();
await core.deleteNamespace({ name: onReal });
await core.deleteNamespace({ name: onKwok });

// --- 3. the cold build, as recorded ------------------------------------------------------
const { stdout: buildDir } = await execFileAsync("bash", [
  "-c",
  `source "${path.join(REPO_ROOT, "test/cluster/lib.sh")}" && echo "$NODE_BUILD_DIR"`,
]);
const recordedBuild = await readFile(path.join(buildDir.trim(), "build-seconds"), "utf8").catch(
  () => "not recorded",
);

const format = (name: string, samples: number[]) => {
  const s = summary(samples);
  return `${name.padEnd(44)} n=${String(s.n).padStart(3)}  p50=${s.p50.toFixed(0).padStart(6)} ms  p99=${s.p99.toFixed(0).padStart(6)} ms  max=${s.max.toFixed(0).padStart(6)} ms`;
};
say("");
say(
  `real node restart (stop, start until Ready; build and images cached): ${restartSeconds.toFixed(1)} s`,
);
for (const step of startSteps) say(`  ${step}`);
say(format("pod created -> Running, KWOK node (baseline)", kwok));
say(format("pod created -> Running, real node", real));
say(
  `ratio real / KWOK: p50 ${(summary(real).p50 / summary(kwok).p50).toFixed(1)}x, p99 ${(summary(real).p99 / summary(kwok).p99).toFixed(1)}x`,
);
say(`real node's parts, cold build as recorded on this machine: ${recordedBuild.trim()} s`);
await cluster.stop();
process.exit(0);

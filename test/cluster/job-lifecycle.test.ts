// The life of a simulation Job on the local cluster, end to end through the real
// components: Job controller -> pod Pending (no nodes) -> Karpenter provisions a kwok node
// -> scheduler binds -> kwok runs the pod for the annotated time and ends it with the
// annotated exit code -> pods/log through the apiserver -> TTL controller deletes the Job
// and pod -> Karpenter removes the empty node after the NodePool's consolidateAfter.
import { randomBytes } from "node:crypto";
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type V1Job,
  type V1Node,
  type V1Pod,
} from "@kubernetes/client-node";
import { quantityToScalar } from "@kubernetes/client-node/dist/util.js";
import { isNotFound, loadKubeConfig } from "@sumo/kubernetes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUntil } from "../poll-until.ts";

const kc = loadKubeConfig({ kubeconfigPath: process.env.KUBECONFIG });
const core = kc.makeApiClient(CoreV1Api);
const batch = kc.makeApiClient(BatchV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const namespace = `job-test-${randomBytes(3).toString("hex")}`;

const RUN_SECONDS_ANNOTATION = "sim.sumo-k8.dev/run-seconds";
const EXIT_CODE_ANNOTATION = "sim.sumo-k8.dev/exit-code";
const NODEPOOL_LABEL = "karpenter.sh/nodepool";
const TTL_SECONDS = 8;

/** A resource quantity ("900m", "2Gi") as a number; 0 when absent. */
function quantity(value: string | undefined): number {
  return value ? Number(quantityToScalar(value)) : 0;
}

/** Milliseconds of a Go duration as Karpenter prints it ("60s", "1m30s", "500ms"). */
function parseGoDuration(text: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };
  let total = 0;
  let rest = text;
  while (rest.length > 0) {
    const match = /^(\d+(?:\.\d+)?)(ms|h|m|s)/.exec(rest);
    const [whole, amount, unit] = match ?? [];
    if (!whole || !amount || !unit) throw new Error(`not a duration: ${text}`);
    total += Number(amount) * (units[unit] ?? 0);
    rest = rest.slice(whole.length);
  }
  return total;
}

// The deadline for node removal follows the cluster's setting (60 s by default; CI may
// start the cluster with a shorter CLUSTER_CONSOLIDATE_AFTER).
const nodePool = (await custom.getClusterCustomObject({
  group: "karpenter.sh",
  version: "v1",
  plural: "nodepools",
  name: "default",
})) as { spec: { disruption: { consolidateAfter: string } } };
const consolidateAfterMs = parseGoDuration(nodePool.spec.disruption.consolidateAfter);
// Karpenter validates an empty node for ~15 s and polls disruption every ~10 s.
const nodeRemovalTimeoutMs = consolidateAfterMs + 90_000;

function makeSimulationJob(name: string, pod: { runSeconds?: number; exitCode?: number }): V1Job {
  const annotations: Record<string, string> = {};
  if (pod.runSeconds !== undefined) annotations[RUN_SECONDS_ANNOTATION] = String(pod.runSeconds);
  if (pod.exitCode !== undefined) annotations[EXIT_CODE_ANNOTATION] = String(pod.exitCode);
  return {
    metadata: { name, namespace, labels: { "app.kubernetes.io/managed-by": "sumo-k8-tests" } },
    spec: {
      backoffLimit: 0,
      // As the platform's Jobs (simulation-job.ts): a pod Kubernetes took away does not fail the
      // Job, which starts another. Here that happens when a pod is bound to a KWOK node as
      // Karpenter registers it, and the registration's NoExecute taint evicts it
      // (kwok-stages.yaml, pod-terminate-pending).
      podFailurePolicy: {
        rules: [
          { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
        ],
      },
      ttlSecondsAfterFinished: TTL_SECONDS,
      template: {
        metadata: { annotations },
        spec: {
          restartPolicy: "Never",
          containers: [
            {
              name: "sumo",
              image: "sumo:placeholder",
              resources: {
                requests: { cpu: "500m", memory: "256Mi" },
                limits: { cpu: "500m", memory: "256Mi" },
              },
            },
          ],
        },
      },
    },
  };
}

async function karpenterNodes(): Promise<V1Node[]> {
  const nodes = await core.listNode({ labelSelector: NODEPOOL_LABEL });
  return nodes.items;
}

/** Each test starts from "no nodes", as a fresh cluster does, so the pod must wait for one. */
async function waitForNoNodes(): Promise<void> {
  await pollUntil(
    "no Karpenter nodes before the test",
    async () => {
      const nodes = await karpenterNodes();
      return nodes.length === 0
        ? { done: true, value: undefined }
        : { done: false, seen: nodes.map((n) => n.metadata?.name) };
    },
    { timeoutMs: nodeRemovalTimeoutMs },
  );
}

async function readJobPod(jobName: string): Promise<V1Pod | undefined> {
  const pods = await core.listNamespacedPod({
    namespace,
    labelSelector: `batch.kubernetes.io/job-name=${jobName}`,
  });
  return pods.items[0];
}

function podSummary(pod: V1Pod | undefined): unknown {
  return (
    pod && {
      phase: pod.status?.phase,
      node: pod.spec?.nodeName,
      conditions: pod.status?.conditions,
      containers: pod.status?.containerStatuses,
    }
  );
}

/** Waits for the Job's pod to be Pending and reported unschedulable, then for its binding. */
async function waitForPendingThenBound(jobName: string): Promise<{ pending: V1Pod; bound: V1Pod }> {
  const pending = await pollUntil(
    `the pod of ${jobName} to be Pending and unschedulable (no nodes yet)`,
    async () => {
      const pod = await readJobPod(jobName);
      const scheduled = pod?.status?.conditions?.find((c) => c.type === "PodScheduled");
      return pod &&
        !pod.spec?.nodeName &&
        scheduled?.status === "False" &&
        scheduled.reason === "Unschedulable"
        ? { done: true, value: pod }
        : { done: false, seen: podSummary(pod) };
    },
    { timeoutMs: 30_000 },
  );
  const bound = await pollUntil(
    `Karpenter to provision a node and the scheduler to bind the pod of ${jobName}`,
    async () => {
      const pod = await readJobPod(jobName);
      return pod?.spec?.nodeName
        ? { done: true, value: pod }
        : { done: false, seen: podSummary(pod) };
    },
    { timeoutMs: 60_000 },
  );
  return { pending, bound };
}

async function waitForPodPhase(
  jobName: string,
  phase: "Succeeded" | "Failed",
  timeoutMs: number,
): Promise<V1Pod> {
  return pollUntil(
    `a pod of ${jobName} to end ${phase}`,
    async () => {
      // Every pod of the Job: an evicted one may linger beside its replacement.
      const { items } = await core.listNamespacedPod({
        namespace,
        labelSelector: `batch.kubernetes.io/job-name=${jobName}`,
      });
      const pod = items.find((p) => p.status?.phase === phase && !p.metadata?.deletionTimestamp);
      return pod ? { done: true, value: pod } : { done: false, seen: items.map(podSummary) };
    },
    { timeoutMs },
  );
}

async function waitForJobCondition(jobName: string, type: "Complete" | "Failed"): Promise<V1Job> {
  return pollUntil(
    `Job ${jobName} to have condition ${type}`,
    async () => {
      const job = await batch.readNamespacedJob({ name: jobName, namespace });
      const condition = job.status?.conditions?.find((c) => c.type === type && c.status === "True");
      return condition ? { done: true, value: job } : { done: false, seen: job.status };
    },
    { timeoutMs: 30_000 },
  );
}

async function waitForTtlCleanup(jobName: string, podName: string): Promise<void> {
  await pollUntil(
    `the TTL controller to delete Job ${jobName} and its pod`,
    async () => {
      const job = await batch
        .readNamespacedJob({ name: jobName, namespace })
        .catch((e: unknown) => {
          if (isNotFound(e)) return undefined;
          throw e;
        });
      const pod = await core.readNamespacedPod({ name: podName, namespace }).catch((e: unknown) => {
        if (isNotFound(e)) return undefined;
        throw e;
      });
      return !job && !pod
        ? { done: true, value: undefined }
        : { done: false, seen: { job: job?.status, pod: podSummary(pod) } };
    },
    { timeoutMs: TTL_SECONDS * 1000 + 60_000 },
  );
}

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
}, 30_000);

afterAll(async () => {
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
}, 30_000);

describe("a simulation Job on Karpenter-provisioned kwok nodes", () => {
  it(
    "runs for the annotated time, succeeds, serves its logs, is cleaned up, and its empty node is removed",
    async () => {
      await waitForNoNodes();
      const jobName = "sim-succeeds";
      const runSeconds = 4;
      await batch.createNamespacedJob({
        namespace,
        body: makeSimulationJob(jobName, { runSeconds, exitCode: 0 }),
      });

      const { pending, bound } = await waitForPendingThenBound(jobName);
      const node = await core.readNode({ name: bound.spec?.nodeName ?? "" });
      expect(node.metadata?.labels?.[NODEPOOL_LABEL]).toBe("default");
      expect(node.spec?.providerID).toMatch(/^kwok:\/\//);
      // Capacity is the instance type's, as Karpenter chose it; allocatable is that less overhead.
      const instance = node.metadata?.labels ?? {};
      expect(node.status?.capacity).toMatchObject({
        cpu: instance["karpenter.kwok.sh/instance-cpu"],
        memory: instance["karpenter.kwok.sh/instance-memory"],
        pods: node.status?.allocatable?.pods,
      });
      for (const resource of ["cpu", "memory"] as const) {
        expect(
          quantity(node.status?.capacity?.[resource]),
          `${resource} capacity against allocatable`,
        ).toBeGreaterThanOrEqual(quantity(node.status?.allocatable?.[resource]));
      }
      expect(new Date(node.metadata?.creationTimestamp ?? 0).getTime()).toBeGreaterThanOrEqual(
        new Date(pending.metadata?.creationTimestamp ?? 0).getTime(),
      );

      const finished = await waitForPodPhase(jobName, "Succeeded", runSeconds * 1000 + 60_000);
      // The pod that ran: the one bound first, or the Job's next if that one was evicted.
      const podName = finished.metadata?.name ?? "";
      const nodeName = finished.spec?.nodeName ?? "";
      const terminated = finished.status?.containerStatuses?.[0]?.state?.terminated;
      expect(terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
      // Timestamps have 1 s resolution.
      const ranMs =
        new Date(terminated?.finishedAt ?? 0).getTime() -
        new Date(terminated?.startedAt ?? 0).getTime();
      expect(ranMs).toBeGreaterThanOrEqual((runSeconds - 1) * 1000);

      const job = await waitForJobCondition(jobName, "Complete");
      expect(job.status?.succeeded).toBe(1);

      const log = await core.readNamespacedPodLog({ name: podName, namespace, container: "sumo" });
      const lines = log.trimEnd().split("\n");
      expect(lines.length).toBeGreaterThan(500);
      // The runner's lines around SUMO's, with its progress lines (runner-contract.ts).
      expect(lines[0]).toMatch(/^\[sumo-runner\] /);
      expect(log).toContain("Simulation version 1.28.0 started with time: 0.00.");
      expect(log).toContain("[sumo-runner] progress time=");
      expect(log).toContain("Simulation ended at time: 3600.00.");
      const tail = await core.readNamespacedPodLog({
        name: podName,
        namespace,
        container: "sumo",
        tailLines: 500,
      });
      expect(tail.trimEnd().split("\n")).toHaveLength(500);

      await waitForTtlCleanup(jobName, podName);

      await pollUntil(
        `Karpenter to remove empty node ${nodeName} (consolidateAfter ${nodePool.spec.disruption.consolidateAfter})`,
        async () => {
          const current = await core.readNode({ name: nodeName }).catch((e: unknown) => {
            if (isNotFound(e)) return undefined;
            throw e;
          });
          return current
            ? {
                done: false,
                seen: {
                  taints: current.spec?.taints,
                  deletion: current.metadata?.deletionTimestamp,
                },
              }
            : { done: true, value: undefined };
        },
        { timeoutMs: nodeRemovalTimeoutMs, intervalMs: 1000 },
      );
    },
    3 * 60_000 + 2 * nodeRemovalTimeoutMs,
  );

  it(
    "ends the pod Failed with the annotated exit code and fails the Job",
    async () => {
      await waitForNoNodes();
      const jobName = "sim-fails";
      await batch.createNamespacedJob({
        namespace,
        body: makeSimulationJob(jobName, { runSeconds: 1, exitCode: 3 }),
      });

      const { bound } = await waitForPendingThenBound(jobName);
      const failed = await waitForPodPhase(jobName, "Failed", 60_000);
      expect(failed.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
        exitCode: 3,
        reason: "Error",
      });

      const job = await waitForJobCondition(jobName, "Failed");
      expect(job.status?.failed).toBe(1);
      expect(job.status?.succeeded ?? 0).toBe(0);
      expect(job.status?.conditions?.find((c) => c.type === "Failed")?.reason).toBe(
        "BackoffLimitExceeded",
      );

      await waitForTtlCleanup(jobName, bound.metadata?.name ?? "");
    },
    3 * 60_000 + nodeRemovalTimeoutMs,
  );

  it("runs an unannotated pod for the default few seconds and succeeds", async () => {
    const jobName = "sim-defaults";
    await batch.createNamespacedJob({ namespace, body: makeSimulationJob(jobName, {}) });
    const finished = await waitForPodPhase(jobName, "Succeeded", 90_000);
    const terminated = finished.status?.containerStatuses?.[0]?.state?.terminated;
    expect(terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    const ranMs =
      new Date(terminated?.finishedAt ?? 0).getTime() -
      new Date(terminated?.startedAt ?? 0).getTime();
    expect(ranMs).toBeGreaterThanOrEqual(2_000);
    await waitForJobCondition(jobName, "Complete");
  }, 120_000);
});

describe("a Job's pod deleted before it ran", () => {
  const nodeName = `unmanaged-${randomBytes(3).toString("hex")}`;
  afterAll(async () => {
    await core.deleteNode({ name: nodeName }).catch(() => undefined);
  });

  it("ends Failed as the kubelet ends one, and the Job goes on without it", async () => {
    // A node kwok does not manage yet: the Job's pod is bound to it (spec.nodeName) and stays
    // Pending, nobody running it, until it is deleted and kwok takes the node over.
    await core.createNode({ body: { metadata: { name: nodeName } } });
    const jobName = "sim-deleted-pending";
    const job = makeSimulationJob(jobName, { runSeconds: 1 });
    if (job.spec) {
      job.spec.backoffLimit = 1;
      // As the platform's Jobs have: with a pod failure policy the Job controller keeps its
      // finalizer on a deleted pod until the pod is terminal, so somebody must end it.
      job.spec.podFailurePolicy = {
        rules: [
          { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
        ],
      };
    }
    if (job.spec?.template.spec) job.spec.template.spec.nodeName = nodeName;
    await batch.createNamespacedJob({ namespace, body: job });
    const pending = await pollUntil(
      `the pod of ${jobName} bound and Pending`,
      async () => {
        const pod = await readJobPod(jobName);
        return pod?.spec?.nodeName === nodeName
          ? { done: true, value: pod }
          : { done: false, seen: podSummary(pod) };
      },
      { timeoutMs: 30_000 },
    );
    const podName = pending.metadata?.name ?? "";
    await core.deleteNamespacedPod({ name: podName, namespace });

    // Every state the deleted pod goes through, from here until it is gone.
    const states: V1Pod[] = [];
    const watching = (async () => {
      while (true) {
        const pod = await core.readNamespacedPod({ name: podName, namespace }).catch((e) => {
          if (isNotFound(e)) return undefined;
          throw e;
        });
        if (!pod) return;
        states.push(pod);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await core.patchNode({
      name: nodeName,
      body: [{ op: "add", path: "/metadata/labels", value: { "kwok.x-k8s.io/node": "fake" } }],
    });
    await Promise.race([
      watching,
      new Promise((_, reject) =>
        setTimeout(
          () =>
            reject(new Error(`${podName} not gone: ${JSON.stringify(podSummary(states.at(-1)))}`)),
          30_000,
        ),
      ),
    ]);
    expect(states.at(-1)?.status?.phase).toBe("Failed");
    expect(states.at(-1)?.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 137,
      reason: "ContainerStatusUnknown",
    });

    // The Job counted the failure and ran a new pod, which succeeded.
    const complete = await waitForJobCondition(jobName, "Complete");
    expect({ failed: complete.status?.failed, succeeded: complete.status?.succeeded }).toEqual({
      failed: 1,
      succeeded: 1,
    });
  }, 90_000);
});

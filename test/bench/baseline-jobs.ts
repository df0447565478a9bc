// The baselines' Kubernetes Jobs: what the platform's scheduler would create for a job, created
// by a benchmark straight through the apiserver, under names and labels of the baseline's own so
// the platform's watches never take them for theirs.
import { randomUUID } from "node:crypto";
import {
  BatchV1Api,
  CoreV1Api,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  type V1Job,
  type V1Pod,
} from "@kubernetes/client-node";
import { makeJob } from "@sumo/db/testing";
import { JOB_ID_LABEL } from "@sumo/kubernetes";
import { schedulerEnvSchema } from "@sumo/scheduler/env";
import { buildScenarioConfigMap, buildSimulationJob } from "@sumo/scheduler/simulation-job";
import { tenantNamespaceConfig, tenantNamespaceObjects } from "@sumo/scheduler/tenant-namespace";
import { gridBundle } from "../scenario-bundle.ts";

/** On a baseline Job and its pods: the id the benchmark knows it by. */
export const BASELINE_LABEL = "bench.sumo-k8.dev/baseline-job";
/** On a baseline namespace: the benchmark run it belongs to. */
export const BASELINE_NS_LABEL = "bench.sumo-k8.dev/baseline";

/** A job's shape: how long its simulated pod runs and what it requests. */
export interface JobShape {
  runSeconds: number;
  cpu: number;
  memoryGi: number;
}

/** A tenant's limits, as the platform keeps them (and applies as the namespace's quota). */
export interface TenantLimits {
  cpuLimit: number;
  memoryLimitGi: number;
  maxConcurrentJobs: number;
}

/** What the platform's scheduler runs with here (its defaults). */
const SCHEDULER_DEFAULTS = schedulerEnvSchema.parse({});
const SIMULATION_JOB_CONFIG = {
  image: SCHEDULER_DEFAULTS.SIMULATION_IMAGE,
  ttlSecondsAfterFinished: SCHEDULER_DEFAULTS.JOB_TTL_SECONDS_AFTER_FINISHED,
  activeDeadlineSeconds: SCHEDULER_DEFAULTS.JOB_ACTIVE_DEADLINE_SECONDS,
  workStorage: SCHEDULER_DEFAULTS.SIMULATION_WORK_STORAGE,
};

/** A job row as the api writes it: runSeconds on the local cluster's simulated pods. */
function jobRow(shape: JobShape) {
  return makeJob({
    scenarioName: "bench",
    scenarioSha256: "0".repeat(64),
    scenarioConfig: "grid.sumocfg",
    // 100 simulated seconds per second on the local cluster's simulated pods.
    scenario: { end: shape.runSeconds * 100 },
    cpuRequest: shape.cpu,
    memoryGi: shape.memoryGi,
  });
}

/**
 * The scheduler's own objects, renamed into the baseline's namespace and carrying only the
 * baseline's labels.
 */
function asBaseline<T extends KubernetesObject>(
  object: T,
  namespace: string,
  labels: Record<string, string>,
): T {
  const metadata = object.metadata ?? {};
  const kept = Object.fromEntries(
    Object.entries(metadata.labels ?? {}).filter(([key]) => key.startsWith("pod-security.")),
  );
  return {
    ...object,
    metadata: {
      ...metadata,
      ...(object.kind === "Namespace" ? { name: namespace } : { namespace }),
      labels: { ...kept, ...labels },
    },
  };
}

/**
 * What the scheduler applies per tenant (tenant-namespace.ts: namespace, ResourceQuota,
 * LimitRange, NetworkPolicy), under a baseline name and label.
 */
export function baselineNamespaceObjects(
  namespace: string,
  limits: TenantLimits,
  runId: string,
): KubernetesObject[] {
  const objects = tenantNamespaceObjects(
    { id: randomUUID(), ...limits },
    tenantNamespaceConfig(SCHEDULER_DEFAULTS),
  );
  return objects.map((object) => asBaseline(object, namespace, { [BASELINE_NS_LABEL]: runId }));
}

/** The scheduler's Job (simulation-job.ts), named and labelled for the baseline. */
function baselineJob(id: string, namespace: string, shape: JobShape): V1Job {
  const job = buildSimulationJob(jobRow(shape), SIMULATION_JOB_CONFIG);
  const labels = { [BASELINE_LABEL]: id };
  const renamed = asBaseline(
    { ...job, metadata: { ...job.metadata, name: id } },
    namespace,
    labels,
  );
  const template = renamed.spec?.template;
  return {
    ...renamed,
    spec: {
      ...renamed.spec,
      template: { ...template, metadata: { ...template?.metadata, labels } },
    } as V1Job["spec"],
  };
}

export interface BaselineClients {
  batch: BatchV1Api;
  core: CoreV1Api;
  objects: KubernetesObjectApi;
}

export function baselineClients(kubeConfig: KubeConfig): BaselineClients {
  return {
    batch: kubeConfig.makeApiClient(BatchV1Api),
    core: kubeConfig.makeApiClient(CoreV1Api),
    objects: KubernetesObjectApi.makeApiClient(kubeConfig),
  };
}

/** The job id a watched Job or pod is known by: the platform's label, or the baseline's. */
export function benchJobId(labels: Record<string, string> | undefined): string | undefined {
  return labels?.[JOB_ID_LABEL] ?? labels?.[BASELINE_LABEL];
}

/** Applies a baseline namespace's objects (the namespace first), as the scheduler does. */
export async function applyBaselineNamespace(
  clients: BaselineClients,
  namespace: string,
  limits: TenantLimits,
  runId: string,
): Promise<void> {
  const apply = (object: KubernetesObject) =>
    clients.objects.patch(
      object,
      undefined,
      undefined,
      "bench",
      true,
      PatchStrategy.ServerSideApply,
    );
  const [ns, ...rest] = baselineNamespaceObjects(namespace, limits, runId);
  if (ns) await apply(ns);
  await Promise.all(rest.map(apply));
}

/** Creates a baseline Job and its scenario ConfigMap, owned by it, as schedule-job.ts does. */
export async function createBaselineJob(
  clients: BaselineClients,
  id: string,
  namespace: string,
  shape: JobShape,
): Promise<void> {
  const created = await clients.batch.createNamespacedJob({
    namespace,
    body: baselineJob(id, namespace, shape),
  });
  const volume = buildScenarioConfigMap(jobRow(shape), Buffer.from(await gridBundle()), {
    name: created.metadata?.name ?? "",
    uid: created.metadata?.uid ?? "",
  });
  await clients.core.createNamespacedConfigMap({
    namespace,
    body: { ...volume, metadata: { ...volume.metadata, name: `${id}-scenario`, namespace } },
  });
}

/**
 * Deletes the baseline's Jobs and pods in these namespaces, now rather than by TTL in the
 * platform's turn. The pods' job-tracking finalizers are taken off here: left to
 * kube-controller-manager, whose Job controller removes them for orphaned pods within its
 * client-side rate limit, thousands would hold up the platform's first pods for minutes.
 */
export async function removeBaselineWorkloads(
  clients: BaselineClients,
  namespaces: string[],
  pods: () => V1Pod[],
  concurrency: number,
): Promise<void> {
  await inParallel(namespaces.length, 20, async (i) => {
    const namespace = namespaces[i] ?? "";
    await clients.batch.deleteCollectionNamespacedJob({ namespace, propagationPolicy: "Orphan" });
  });
  const left = pods();
  await inParallel(left.length, concurrency, async (i) => {
    const pod = left[i];
    if (!pod?.metadata?.name || !pod.metadata.namespace) return;
    await clients.core
      .patchNamespacedPod({
        name: pod.metadata.name,
        namespace: pod.metadata.namespace,
        body: [{ op: "add", path: "/metadata/finalizers", value: [] }],
      })
      .catch(() => {});
  });
  await inParallel(namespaces.length, 20, async (i) => {
    const namespace = namespaces[i] ?? "";
    await clients.core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 });
  });
}

/** Runs `work(i)` for i in [0, count) with at most `concurrency` at a time. */
export async function inParallel(
  count: number,
  concurrency: number,
  work: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

import { BatchV1Api, CoreV1Api, type KubeConfig, type V1Node } from "@kubernetes/client-node";
import { quantityToScalar, totalCPU, totalMemory } from "@kubernetes/client-node/dist/util.js";
import { forEachListPage, MANAGED_SELECTOR } from "@sumo/kubernetes";

const GI = 1024 ** 3;

export interface NodeView {
  name: string;
  status: "Ready" | "NotReady" | "Unknown";
  unschedulable: boolean;
  capacity: { cpu: number; memory_gi: number; pods: number };
  allocatable: { cpu: number; memory_gi: number; pods: number };
  /** Sum of the requests of the node's pods that have not ended. */
  allocated: { cpu: number; memory_gi: number };
  pod_count: number;
  created_at: string | null;
  karpenter: {
    nodepool: string | null;
    capacity_type: string | null;
    instance_type: string | null;
    zone: string | null;
  };
}

export interface ClusterSnapshot {
  nodes: number;
  podsByPhase: Record<string, number>;
  activeKubernetesJobs: number;
}

/** What the admin service reads from Kubernetes: nodes with their load, and counts. */
export class ClusterView {
  readonly #core: CoreV1Api;
  readonly #batch: BatchV1Api;

  constructor(kubeConfig: KubeConfig) {
    this.#core = kubeConfig.makeApiClient(CoreV1Api);
    this.#batch = kubeConfig.makeApiClient(BatchV1Api);
  }

  /**
   * The nodes, each with the requests of the pods on it that have not ended. The pods are read a
   * page at a time (forEachListPage) and only their sums kept: with thousands of pods in the
   * cluster, a list read whole would be held at once at every call.
   */
  async listNodes(): Promise<NodeView[]> {
    const load = new Map<string, { cpu: number; memory: number; pods: number }>();
    const [nodes] = await Promise.all([
      this.#core.listNode(),
      forEachListPage(
        (page) =>
          this.#core.listPodForAllNamespaces({
            fieldSelector: "status.phase!=Succeeded,status.phase!=Failed",
            ...page,
          }),
        (pods) => {
          for (const pod of pods) {
            const node = pod.spec?.nodeName;
            if (!node) continue;
            const sum = load.get(node) ?? { cpu: 0, memory: 0, pods: 0 };
            sum.cpu += Number(totalCPU(pod).request);
            sum.memory += Number(totalMemory(pod).request);
            sum.pods += 1;
            load.set(node, sum);
          }
        },
      ),
    ]);
    return nodes.items.map((node) => toNodeView(node, load.get(node.metadata?.name ?? "")));
  }

  /**
   * The nodes, the platform's pods by phase and its Kubernetes Jobs that have not ended. The pods
   * and Jobs are read a page at a time and only counted, as in listNodes.
   */
  async snapshot(): Promise<ClusterSnapshot> {
    const podsByPhase: Record<string, number> = {
      Pending: 0,
      Running: 0,
      Succeeded: 0,
      Failed: 0,
      Unknown: 0,
    };
    let activeKubernetesJobs = 0;
    const ended = (type: string) => (c: { type: string; status: string }) =>
      c.type === type && c.status === "True";
    const [nodes] = await Promise.all([
      this.#core.listNode(),
      forEachListPage(
        (page) => this.#core.listPodForAllNamespaces({ labelSelector: MANAGED_SELECTOR, ...page }),
        (pods) => {
          for (const pod of pods) {
            const phase = pod.status?.phase ?? "Unknown";
            podsByPhase[phase] = (podsByPhase[phase] ?? 0) + 1;
          }
        },
      ),
      forEachListPage(
        (page) => this.#batch.listJobForAllNamespaces({ labelSelector: MANAGED_SELECTOR, ...page }),
        (jobs) => {
          for (const job of jobs) {
            const conditions = job.status?.conditions ?? [];
            if (!conditions.some(ended("Complete")) && !conditions.some(ended("Failed"))) {
              activeKubernetesJobs += 1;
            }
          }
        },
      ),
    ]);
    return { nodes: nodes.items.length, podsByPhase, activeKubernetesJobs };
  }
}

function toNodeView(
  node: V1Node,
  load: { cpu: number; memory: number; pods: number } | undefined,
): NodeView {
  const ready = node.status?.conditions?.find((c) => c.type === "Ready");
  const labels = node.metadata?.labels ?? {};
  const resources = (values: Record<string, string> | undefined) => ({
    cpu: quantity(values?.cpu),
    memory_gi: round(quantity(values?.memory) / GI),
    pods: quantity(values?.pods),
  });
  return {
    name: node.metadata?.name ?? "",
    status: ready?.status === "True" ? "Ready" : ready?.status === "False" ? "NotReady" : "Unknown",
    unschedulable: node.spec?.unschedulable === true,
    capacity: resources(node.status?.capacity),
    allocatable: resources(node.status?.allocatable),
    allocated: { cpu: round(load?.cpu ?? 0), memory_gi: round((load?.memory ?? 0) / GI) },
    pod_count: load?.pods ?? 0,
    created_at: node.metadata?.creationTimestamp
      ? new Date(node.metadata.creationTimestamp).toISOString()
      : null,
    karpenter: {
      nodepool: labels["karpenter.sh/nodepool"] ?? null,
      capacity_type: labels["karpenter.sh/capacity-type"] ?? null,
      instance_type: labels["node.kubernetes.io/instance-type"] ?? null,
      zone: labels["topology.kubernetes.io/zone"] ?? null,
    },
  };
}

function quantity(value: string | undefined): number {
  return value ? Number(quantityToScalar(value)) : 0;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

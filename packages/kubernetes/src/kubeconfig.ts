import { existsSync } from "node:fs";
import type { AgentOptions } from "node:https";
import { fileURLToPath } from "node:url";
import { type Cluster, KubeConfig } from "@kubernetes/client-node";

/** Where the local cluster (test/cluster/up.sh) writes its kubeconfig. */
export const LOCAL_CLUSTER_KUBECONFIG = fileURLToPath(
  new URL("../../../.data/cluster/kubeconfig", import.meta.url),
);

export interface KubeConfigSource {
  /** A kubeconfig file (the KUBECONFIG variable). */
  kubeconfigPath?: string | undefined;
  /** Set inside a pod: use its ServiceAccount (KUBERNETES_SERVICE_HOST). */
  inCluster?: boolean;
}

/**
 * The cluster the platform drives: the kubeconfig file when one is named, the pod's
 * ServiceAccount when running in a cluster, else the project's local cluster.
 */
export function loadKubeConfig(source: KubeConfigSource = {}): KubeConfig {
  const kc = new KubeConfig();
  if (source.kubeconfigPath) {
    kc.loadFromFile(source.kubeconfigPath);
  } else if (source.inCluster) {
    kc.loadFromCluster();
  } else {
    if (!existsSync(LOCAL_CLUSTER_KUBECONFIG)) {
      throw new Error(
        `no kubeconfig at ${LOCAL_CLUSTER_KUBECONFIG}: start the local cluster (pnpm cluster:up) or set KUBECONFIG`,
      );
    }
    kc.loadFromFile(LOCAL_CLUSTER_KUBECONFIG);
  }
  reuseConnections(kc);
  return kc;
}

/** What KubeConfig keeps private: how it makes the undici dispatcher of one request. */
interface DispatcherFactory {
  createDispatcher(cluster: Cluster | null, agentOptions: AgentOptions): unknown;
}

/**
 * Makes every request of this KubeConfig's API clients and watches share one connection pool
 * per cluster and user. client-node 2.0 builds a new undici Agent for each request
 * (KubeConfig.createDispatcher), so each call opened a TLS connection of its own, paying a
 * handshake on both ends, and left it open until the apiserver closed it. Its https.Agent path
 * caches per cluster and user (agentCache); this does the same for the dispatcher. The connection
 * test in test/cluster checks the reuse, so an upgrade that changes this is seen.
 */
function reuseConnections(kc: KubeConfig): void {
  const factory = kc as unknown as DispatcherFactory;
  const create = factory.createDispatcher.bind(kc);
  const dispatchers = new Map<string, unknown>();
  factory.createDispatcher = (cluster, agentOptions) => {
    const key = JSON.stringify([cluster?.name ?? "", kc.getCurrentUser()?.name ?? ""]);
    if (!dispatchers.has(key)) dispatchers.set(key, create(cluster, agentOptions));
    return dispatchers.get(key);
  };
}

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { KubeConfig } from "@kubernetes/client-node";

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
  return kc;
}

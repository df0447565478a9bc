import { z } from "zod";
import { loadKubeConfig } from "./kubeconfig.ts";

/**
 * How a service finds its cluster (spread into its env schema); see loadKubeConfig(). The
 * descriptions are what docs/configuration.md shows.
 */
export const kubernetesEnv = {
  KUBECONFIG: z.string().optional().meta({
    description:
      "Kubeconfig file of the cluster the service works in. Unset: the pod's ServiceAccount in a cluster, else the local cluster (`.data/cluster/kubeconfig`).",
  }),
  KUBERNETES_SERVICE_HOST: z.string().optional().meta({
    description:
      "Set by Kubernetes inside every pod; with KUBECONFIG unset, it selects the pod's ServiceAccount.",
  }),
};

/** The cluster a service's parsed environment points at (see loadKubeConfig()). */
export function kubeConfigFromEnv(env: {
  KUBECONFIG?: string | undefined;
  KUBERNETES_SERVICE_HOST?: string | undefined;
}) {
  return loadKubeConfig({
    kubeconfigPath: env.KUBECONFIG,
    inCluster: env.KUBERNETES_SERVICE_HOST !== undefined,
  });
}

import { z } from "zod";
import { loadKubeConfig } from "./kubeconfig.ts";

/** How a service finds its cluster (spread into its env schema); see loadKubeConfig(). */
export const kubernetesEnv = {
  /** Kubeconfig file. Unset: the pod's ServiceAccount in a cluster, else the local cluster. */
  KUBECONFIG: z.string().optional(),
  /** Set by Kubernetes inside a pod; selects the in-cluster ServiceAccount. */
  KUBERNETES_SERVICE_HOST: z.string().optional(),
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

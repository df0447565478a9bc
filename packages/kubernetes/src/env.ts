import { z } from "zod";

/** How a service finds its cluster (spread into its env schema); see loadKubeConfig(). */
export const kubernetesEnv = {
  /** Kubeconfig file. Unset: the pod's ServiceAccount in a cluster, else the local cluster. */
  KUBECONFIG: z.string().optional(),
  /** Set by Kubernetes inside a pod; selects the in-cluster ServiceAccount. */
  KUBERNETES_SERVICE_HOST: z.string().optional(),
};

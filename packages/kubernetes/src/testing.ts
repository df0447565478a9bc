import { KubeConfig } from "@kubernetes/client-node";

/** A kubeconfig for an apiserver that is not there: every call fails as with a cluster outage. */
export function unreachableCluster(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "down", server: "https://127.0.0.1:1", skipTLSVerify: true }],
    users: [{ name: "nobody" }],
    contexts: [{ name: "down", cluster: "down", user: "nobody" }],
    currentContext: "down",
  });
  return kubeConfig;
}

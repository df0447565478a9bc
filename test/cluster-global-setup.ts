// vitest globalSetup for tests against Kubernetes: with KUBECONFIG unset, bring the local
// cluster up (building it the first time) and take it down afterwards if this run started it.
import { ensureLocalCluster } from "./local-cluster.ts";

export default async function setup() {
  if (process.env.KUBECONFIG) return;
  const cluster = await ensureLocalCluster({
    // Tests wait for Karpenter to remove empty nodes; production's 60 s would only cost time.
    CLUSTER_CONSOLIDATE_AFTER: process.env.CLUSTER_CONSOLIDATE_AFTER ?? "10s",
  });
  return () => cluster.stop();
}

// The platform's Kubernetes clients keep their connections to the apiserver: one TLS connection
// carries request after request (loadKubeConfig's reuseConnections), where client-node alone
// opens a new one for every call.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { LOCAL_CLUSTER_KUBECONFIG, loadKubeConfig } from "@sumo/kubernetes";
import { describe, expect, it } from "vitest";

/** How many connections undici opens (in this thread) while `work` runs. */
async function connectionsOpened(work: () => Promise<void>): Promise<number> {
  let opened = 0;
  const count = () => {
    opened++;
  };
  subscribe("undici:client:connected", count);
  try {
    await work();
  } finally {
    unsubscribe("undici:client:connected", count);
  }
  return opened;
}

const listOneNamespace = async (kc: KubeConfig, times: number) => {
  const core = kc.makeApiClient(CoreV1Api);
  for (let i = 0; i < times; i++) await core.listNamespace({ limit: 1 });
};

describe("connections to the apiserver", () => {
  it("are reused from call to call by the platform's clients", async () => {
    const kc = loadKubeConfig({ kubeconfigPath: process.env.KUBECONFIG });
    expect(await connectionsOpened(() => listOneNamespace(kc, 20))).toBe(1);
    // Another API client of the same configuration shares the pool.
    expect(await connectionsOpened(() => listOneNamespace(kc, 5))).toBe(0);
  });

  it("are opened call by call by client-node on its own, which is what reuse fixes", async () => {
    const plain = new KubeConfig();
    plain.loadFromFile(process.env.KUBECONFIG ?? LOCAL_CLUSTER_KUBECONFIG);
    expect(await connectionsOpened(() => listOneNamespace(plain, 5))).toBe(5);
  });
});

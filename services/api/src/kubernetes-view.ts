import type { Writable } from "node:stream";
import { CoreV1Api, type KubeConfig, Log } from "@kubernetes/client-node";
import { quantityToScalar } from "@kubernetes/client-node/dist/util.js";
import { isNotFound, SIMULATION_CONTAINER, TENANT_QUOTA_NAME } from "@sumo/kubernetes";

export interface TenantQuota {
  hard: { cpu: number; memoryGi: number; pods: number };
  used: { cpu: number; memoryGi: number; pods: number };
}

/** What the api reads from Kubernetes: live pod logs and a tenant's quota. Never writes. */
export class KubernetesView {
  readonly #core: CoreV1Api;
  readonly #log: Log;

  constructor(kubeConfig: KubeConfig) {
    this.#core = kubeConfig.makeApiClient(CoreV1Api);
    this.#log = new Log(kubeConfig);
  }

  /** The pod's last `tail` log lines, or undefined when the pod is gone. */
  async readPodLog(namespace: string, pod: string, tail: number): Promise<string[] | undefined> {
    try {
      const text = await this.#core.readNamespacedPodLog({
        name: pod,
        namespace,
        container: SIMULATION_CONTAINER,
        tailLines: tail,
      });
      const lines = text.split("\n");
      if (lines.at(-1) === "") lines.pop();
      return lines;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Streams the pod's log into `out`, starting with its last `tail` lines, until the pod's
   * container ends (the apiserver then closes the stream) or the returned abort is called.
   */
  async followPodLog(
    namespace: string,
    pod: string,
    tail: number,
    out: Writable,
  ): Promise<{ abort(): void; done: Promise<void> }> {
    let finish: (error?: unknown) => void = () => {};
    const done = new Promise<void>((resolve, reject) => {
      finish = (error) => (error ? reject(error) : resolve());
    });
    const controller = await this.#log.log(namespace, pod, SIMULATION_CONTAINER, out, finish, {
      follow: true,
      tailLines: tail,
    });
    return { abort: () => controller.abort(), done };
  }

  /** The tenant namespace's quota, or undefined before the tenant's first job created it. */
  async readQuota(namespace: string): Promise<TenantQuota | undefined> {
    try {
      const quota = await this.#core.readNamespacedResourceQuota({
        name: TENANT_QUOTA_NAME,
        namespace,
      });
      const read = (values: Record<string, string> | undefined) => ({
        cpu: toNumber(values?.["requests.cpu"]),
        memoryGi: toNumber(values?.["requests.memory"]) / 1024 ** 3,
        pods: toNumber(values?.pods),
      });
      return { hard: read(quota.status?.hard), used: read(quota.status?.used) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

function toNumber(quantity: string | undefined): number {
  return quantity ? Number(quantityToScalar(quantity)) : 0;
}

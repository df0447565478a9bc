import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  ApiException,
  CoreV1Api,
  HttpMethod,
  type KubeConfig,
  RequestContext,
} from "@kubernetes/client-node";
import { quantityToScalar } from "@kubernetes/client-node/dist/util.js";
import { isNotFound, SIMULATION_CONTAINER, TENANT_QUOTA_NAME } from "@sumo/kubernetes";
import { fetch } from "undici";

export interface TenantQuota {
  hard: { cpu: number; memoryGi: number; pods: number };
  used: { cpu: number; memoryGi: number; pods: number };
}

/** What the api reads from Kubernetes: live pod logs and a tenant's quota. Never writes. */
export class KubernetesView {
  readonly #kubeConfig: KubeConfig;
  readonly #core: CoreV1Api;

  constructor(kubeConfig: KubeConfig) {
    this.#kubeConfig = kubeConfig;
    this.#core = kubeConfig.makeApiClient(CoreV1Api);
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
   * Streams the pod's log into `out`, starting with its last `tail` lines, until the apiserver
   * closes the stream (the container ended: `out` is ended) or `abort` is called (`out` is
   * destroyed with the abort error).
   *
   * Not the client library's Log class: in @kubernetes/client-node 2.0.1 it pipes the response
   * with no error listener (aborting it crashes the process) and never calls its done callback.
   * This is the same request, with the stream's end and errors handled.
   */
  async followPodLog(
    namespace: string,
    pod: string,
    tail: number,
    out: Writable,
  ): Promise<{ abort(): void }> {
    const cluster = this.#kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error("the kubeconfig has no current cluster");
    const url = new URL(
      `${cluster.server}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`,
    );
    url.searchParams.set("container", SIMULATION_CONTAINER);
    url.searchParams.set("follow", "true");
    url.searchParams.set("tailLines", String(tail));
    const context = new RequestContext(url.toString(), HttpMethod.GET);
    await this.#kubeConfig.applySecurityAuthentication(context);
    const controller = new AbortController();
    const response = await fetch(url, {
      headers: context.getHeaders(),
      dispatcher: context.getDispatcher() as never,
      signal: controller.signal,
    });
    if (response.status !== 200 || !response.body) {
      throw new ApiException(response.status, await response.text(), undefined, {});
    }
    // Errors reach the reader of `out`, which pipeline() destroys with them.
    pipeline(Readable.fromWeb(response.body as never), out).catch(() => {});
    return { abort: () => controller.abort() };
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

// Every Kubernetes Job and pod the platform creates, as seen by a watch for the whole of a test:
// which objects (by uid) ever existed for each platform job, even after the TTL controller
// deleted them.
import {
  BatchV1Api,
  CoreV1Api,
  type Informer,
  type KubeConfig,
  makeInformer,
  type V1Job,
  type V1Pod,
} from "@kubernetes/client-node";
import { JOB_ID_LABEL, MANAGED_SELECTOR, TENANT_ID_LABEL } from "@sumo/kubernetes";

export interface PlatformObjectsSeen {
  /** Uids of the Kubernetes Jobs seen for this platform job. */
  jobs(jobId: string): string[];
  /** Uids of the pods seen for this platform job. */
  pods(jobId: string): string[];
  /**
   * Uids of this platform job's pods that Kubernetes took away (a DisruptionTarget condition:
   * evicted, preempted, their node tainted or removed), which the Job controller replaces.
   */
  disruptedPods(jobId: string): string[];
  /** Uids of this platform job's pods less those Kubernetes took away: the runs it really had. */
  undisruptedPods(jobId: string): string[];
  /** Platform job ids of these tenants for which any Job or pod was seen. */
  jobIdsOf(tenantIds: readonly string[]): string[];
  stop(): Promise<void>;
}

/**
 * Watches the platform's Jobs and pods in every namespace. A watch that fails (the apiserver
 * went away) is started again every second until it lists and watches again, from the last
 * version it saw, so objects created while it was down are still seen. (A Job created and
 * deleted within such a gap would be missed; with the Jobs' TTL far longer than any outage a
 * test causes, there is none.)
 */
export async function watchPlatformObjects(kubeConfig: KubeConfig): Promise<PlatformObjectsSeen> {
  const seen = {
    job: new Map<string, Set<string>>(),
    pod: new Map<string, Set<string>>(),
    disrupted: new Map<string, Set<string>>(),
  };
  const tenantOf = new Map<string, string>();
  let stopped = false;
  const add = (kind: keyof typeof seen, jobId: string, uid: string) => {
    const uids = seen[kind].get(jobId) ?? new Set<string>();
    uids.add(uid);
    seen[kind].set(jobId, uids);
  };
  const note = (kind: "job" | "pod", object: V1Job | V1Pod) => {
    const jobId = object.metadata?.labels?.[JOB_ID_LABEL];
    const uid = object.metadata?.uid;
    if (!jobId || !uid) return;
    tenantOf.set(jobId, object.metadata?.labels?.[TENANT_ID_LABEL] ?? "");
    add(kind, jobId, uid);
    const disrupted = (object.status?.conditions ?? []).some(
      (c) => c.type === "DisruptionTarget" && c.status === "True",
    );
    if (kind === "pod" && disrupted) add("disrupted", jobId, uid);
  };
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const informers = [
    [
      "job",
      makeInformer<V1Job>(
        kubeConfig,
        "/apis/batch/v1/jobs",
        () => batch.listJobForAllNamespaces({ labelSelector: MANAGED_SELECTOR }),
        MANAGED_SELECTOR,
      ),
    ],
    [
      "pod",
      makeInformer<V1Pod>(
        kubeConfig,
        "/api/v1/pods",
        () => core.listPodForAllNamespaces({ labelSelector: MANAGED_SELECTOR }),
        MANAGED_SELECTOR,
      ),
    ],
  ] as const;
  for (const [kind, informer] of informers) {
    const watched = informer as Informer<V1Job | V1Pod>;
    for (const verb of ["add", "update", "delete"] as const) {
      watched.on(verb, (object) => note(kind, object));
    }
    // After an error the client's informer stays stopped: start it again.
    informer.on("error", () => {
      setTimeout(() => {
        if (!stopped) informer.start().catch(() => {});
      }, 1000);
    });
  }
  await Promise.all(informers.map(([, informer]) => informer.start()));
  const uids = (kind: keyof typeof seen, jobId: string) => [...(seen[kind].get(jobId) ?? [])];
  return {
    jobs: (jobId) => uids("job", jobId),
    pods: (jobId) => uids("pod", jobId),
    disruptedPods: (jobId) => uids("disrupted", jobId),
    undisruptedPods: (jobId) => {
      const disrupted = seen.disrupted.get(jobId);
      return uids("pod", jobId).filter((uid) => !disrupted?.has(uid));
    },
    jobIdsOf: (tenantIds) =>
      [...tenantOf].filter(([, tenantId]) => tenantIds.includes(tenantId)).map(([jobId]) => jobId),
    async stop() {
      stopped = true;
      await Promise.all(informers.map(([, informer]) => informer.stop()));
    },
  };
}

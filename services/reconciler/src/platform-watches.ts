import {
  type BatchV1Api,
  type CoreV1Api,
  type Informer,
  type KubeConfig,
  makeInformer,
  type ObjectCache,
  type V1Job,
  type V1ObjectMeta,
  type V1Pod,
  type V1PodStatus,
} from "@kubernetes/client-node";
import {
  apiErrorText,
  JOB_ID_LABEL,
  type ListedMetadata,
  type ListedObject,
  MANAGED_SELECTOR,
  simulationJobName,
} from "@sumo/kubernetes";
import type { Logger } from "pino";
import type { SeenJob } from "./decide-job-sync.ts";
import type { ObservedJob, ObservedMetadata, ObservedPod } from "./derive-job-status.ts";
import type { InformerRestartReason } from "./reconciler-metrics.ts";

export type CachedInformer<T extends object> = Informer<T & { metadata?: object }> & ObjectCache<T>;

/** Makes the watches of every platform Job and pod (labelled MANAGED_SELECTOR), in all namespaces. */
export interface PlatformInformers {
  jobs(): CachedInformer<V1Job>;
  pods(): CachedInformer<V1Pod>;
}

/** The informers of a cluster, through the service's own kubeconfig and API clients. */
export function platformInformers(
  kubeConfig: KubeConfig,
  clients: { batch: BatchV1Api; core: CoreV1Api },
): PlatformInformers {
  return {
    jobs: () =>
      makeInformer<V1Job>(
        kubeConfig,
        "/apis/batch/v1/jobs",
        () => clients.batch.listJobForAllNamespaces({ labelSelector: MANAGED_SELECTOR }),
        MANAGED_SELECTOR,
      ),
    pods: () =>
      makeInformer<V1Pod>(
        kubeConfig,
        "/api/v1/pods",
        () => clients.core.listPodForAllNamespaces({ labelSelector: MANAGED_SELECTOR }),
        MANAGED_SELECTOR,
      ),
  };
}

/**
 * Keeps of a watched Job only what the reconciler reads (ObservedJob), in place: the informer's
 * cache holds this very object. Each watch event brings a whole Job, spec and managedFields (who
 * set each field) included, and the cache keeps it until the Job's next event: what it keeps is
 * promoted to the old generation of the heap, and left there as garbage when replaced
 * (docs/benchmarks.md, "Under load").
 */
export function keepWhatIsReadOfJob(job: V1Job): void {
  const { metadata, status } = job;
  const observed: ObservedJob = {
    metadata: metadata && keptMetadata(metadata),
    status: status && {
      conditions: status.conditions,
      startTime: status.startTime,
      completionTime: status.completionTime,
    },
  };
  job.spec = undefined;
  job.metadata = observed.metadata;
  job.status = observed.status;
}

/** Keeps of a watched pod only what the reconciler reads (ObservedPod), in place, as for a Job. */
export function keepWhatIsReadOfPod(pod: V1Pod): void {
  const { metadata, status } = pod;
  const observed: ObservedPod = {
    metadata: metadata && keptMetadata(metadata),
    status: status && {
      phase: status.phase,
      reason: status.reason,
      message: status.message,
      startTime: status.startTime,
      conditions: status.conditions?.filter((c) => c.type === "DisruptionTarget"),
      containerStatuses: status.containerStatuses?.map(({ name, state }) => ({ name, state })),
    },
  };
  pod.spec = undefined;
  pod.metadata = observed.metadata;
  // From here on the cache's pods are ObservedPods, as PlatformWatches reads them (SeenJob):
  // their container statuses lack what V1ContainerStatus requires, such as the image.
  pod.status = observed.status as V1PodStatus;
}

function keptMetadata(metadata: V1ObjectMeta): ObservedMetadata {
  return {
    name: metadata.name,
    namespace: metadata.namespace,
    labels: metadata.labels,
    resourceVersion: metadata.resourceVersion,
    creationTimestamp: metadata.creationTimestamp,
  };
}

export interface PlatformWatchesDeps {
  informers: PlatformInformers;
  logger: Logger;
  /** Called with the platform job id of every Job or pod that was added, changed or deleted. */
  onChange(jobId: string): void;
  onRestart(reason: InformerRestartReason): void;
  /** Pause before restarting a failed watch, as the apiserver that failed it may be restarting. */
  restartDelayMs: number;
  /** How long a deleted Job's last state is remembered for the reconciles that follow. */
  deletedJobMemoryMs: number;
}

/**
 * The watches of every platform Job and pod: their caches are the reconciler's view of
 * Kubernetes between resyncs, and each event only says which job to look at again. A failed
 * watch is restarted; one that fell behind without failing is found at the resync and restarted.
 */
export class PlatformWatches {
  readonly #deps: PlatformWatchesDeps;
  #jobs: CachedInformer<V1Job> | undefined;
  #pods: CachedInformer<V1Pod> | undefined;
  /** Deleted Jobs' last states by job id, with when they were deleted. */
  readonly #deletedJobs = new Map<string, { job: ObservedJob; at: number }>();
  /** Objects the caches disagreed on at the last resync: still wrong now means stalled. */
  #suspect = new Set<string>();
  #running = false;

  constructor(deps: PlatformWatchesDeps) {
    this.#deps = deps;
  }

  async start(): Promise<void> {
    this.#running = true;
    await this.#startInformers();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#stopInformers();
  }

  /** What the caches hold of a job (and a deleted Job's last state). */
  cached(jobId: string, namespace: string): SeenJob {
    const pods = (this.#pods?.list(namespace) ?? []).filter(
      (pod) => pod.metadata?.labels?.[JOB_ID_LABEL] === jobId,
    );
    return {
      job: this.#jobs?.get(simulationJobName(jobId), namespace),
      deletedJob: this.deletedJob(jobId, namespace),
      pods,
      from: "watch-cache",
    };
  }

  /**
   * The last state of the job's Kubernetes Job in `namespace` (the job's tenant namespace), if a
   * watch saw it deleted lately. A Job labelled as the job's anywhere else is not the job's.
   */
  deletedJob(jobId: string, namespace: string): ObservedJob | undefined {
    return this.#deletedJobs.get(deletedJobKey(namespace, jobId))?.job;
  }

  /**
   * Drops a deleted Job's last state: its job has ended, and nothing decides on it any more.
   * (Any other, such as a Job labelled as the job's elsewhere, goes at a resync, once older
   * than deletedJobMemoryMs.)
   */
  forgetDeletedJob(jobId: string, namespace: string): void {
    this.#deletedJobs.delete(deletedJobKey(namespace, jobId));
  }

  /** Deleted Jobs remembered, and Jobs and pods in the caches: what the watches hold. */
  held(): { deletedJobs: number; cachedJobs: number; cachedPods: number } {
    return {
      deletedJobs: this.#deletedJobs.size,
      cachedJobs: this.#jobs?.list().length ?? 0,
      cachedPods: this.#pods?.list().length ?? 0,
    };
  }

  /**
   * Compares the caches with a list of every platform Job and pod from the apiserver (their
   * metadata: listPlatformMetadata). The watch can stall without an error (a known trait of the
   * JavaScript informer): an object whose listed version the cache still lacks, or one the cache
   * still holds that the list no longer has (a deletion the watch missed), at two resyncs in a
   * row means it did, and the watches restart with new caches. Objects made or deleted between
   * the list and the comparison differ at one resync only.
   */
  checkAgainst(listed: ListedMetadata): void {
    const forgetBefore = Date.now() - this.#deps.deletedJobMemoryMs;
    for (const [key, deleted] of this.#deletedJobs) {
      if (deleted.at < forgetBefore) this.#deletedJobs.delete(key);
    }
    const stale = new Set<string>();
    const compare = (
      kind: string,
      cache: CachedInformer<V1Job> | CachedInformer<V1Pod> | undefined,
      items: ListedObject[],
    ) => {
      const listed = new Set<string>();
      for (const { name = "", namespace, resourceVersion } of items) {
        listed.add(`${namespace}/${name}`);
        const cached = cache?.get(name, namespace);
        if (cached?.metadata?.resourceVersion !== resourceVersion) {
          stale.add(`${kind}/${namespace}/${name}/${resourceVersion}`);
        }
      }
      for (const cached of cache?.list() ?? []) {
        const { namespace, name, resourceVersion } = cached.metadata ?? {};
        if (!listed.has(`${namespace}/${name}`)) {
          stale.add(`${kind}/${namespace}/${name}/${resourceVersion}/gone`);
        }
      }
    };
    compare("job", this.#jobs, listed.jobs);
    compare("pod", this.#pods, listed.pods);
    const stalled = [...stale].some((key) => this.#suspect.has(key));
    this.#suspect = stale;
    if (stalled && this.#running) {
      this.#deps.onRestart("stalled");
      this.#deps.logger.warn(
        { behind: stale.size },
        "watch cache fell behind; restarting informers",
      );
      this.#suspect = new Set();
      void this.#stopInformers().then(() => this.#startInformers());
    }
  }

  async #startInformers(): Promise<void> {
    const jobs = this.#deps.informers.jobs();
    const pods = this.#deps.informers.pods();
    const changed = (object: V1Job | V1Pod) => {
      const jobId = object.metadata?.labels?.[JOB_ID_LABEL];
      if (jobId && this.#running) this.#deps.onChange(jobId);
    };
    for (const verb of ["add", "update", "delete"] as const) {
      // First, so that every listener after it, and the cache, which holds the same object,
      // see only what is kept.
      pods.on(verb, keepWhatIsReadOfPod);
      jobs.on(verb, keepWhatIsReadOfJob);
      pods.on(verb, changed);
      if (verb !== "delete") jobs.on(verb, changed);
    }
    jobs.on("delete", (job) => {
      const jobId = job.metadata?.labels?.[JOB_ID_LABEL];
      const namespace = job.metadata?.namespace;
      if (jobId && namespace && job.metadata?.name === simulationJobName(jobId)) {
        this.#deletedJobs.set(deletedJobKey(namespace, jobId), { job, at: Date.now() });
      }
      changed(job);
    });
    for (const [kind, informer] of [
      ["job", jobs],
      ["pod", pods],
    ] as const) {
      // The client's informer reconnects by itself only after a clean close or a timeout; after
      // an error (apiserver restarting, connection refused) it stays stopped: start it again.
      informer.on("error", (error) => {
        const delayMs = this.#deps.restartDelayMs;
        this.#deps.logger.warn(
          { err: apiErrorText(error), kind },
          `watch failed; restarting it in ${delayMs} ms`,
        );
        setTimeout(() => {
          const current = kind === "job" ? this.#jobs : this.#pods;
          if (!this.#running || current !== informer) return;
          this.#deps.onRestart("watch-error");
          informer.start().catch((startError: unknown) => {
            this.#deps.logger.warn(
              { err: apiErrorText(startError), kind },
              "restarting a watch failed",
            );
          });
        }, delayMs).unref();
      });
    }
    this.#jobs = jobs;
    this.#pods = pods;
    await Promise.all([jobs.start(), pods.start()]);
  }

  async #stopInformers(): Promise<void> {
    await Promise.all([this.#jobs?.stop(), this.#pods?.stop()]);
  }
}

function deletedJobKey(namespace: string, jobId: string): string {
  return `${namespace}/${jobId}`;
}

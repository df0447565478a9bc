import {
  BatchV1Api,
  CoreV1Api,
  type Informer,
  type KubeConfig,
  makeInformer,
  type ObjectCache,
  type V1Job,
  type V1Pod,
} from "@kubernetes/client-node";
import type { Database } from "@sumo/db/client";
import {
  failActiveJob,
  hasJobLog,
  listUnfinishedScheduledJobs,
  type ObservedJobStatus,
  recordObservedJobStatus,
  saveJobLog,
} from "@sumo/db/queries";
import {
  apiErrorText,
  isNotFound,
  JOB_ID_LABEL,
  MANAGED_SELECTOR,
  SIMULATION_CONTAINER,
  simulationJobName,
} from "@sumo/kubernetes";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { deriveJobStatus } from "./derive-job-status.ts";
import { reconcilerMetrics, syncLagSeconds } from "./reconciler-metrics.ts";

export interface StatusReconcilerDeps {
  db: Database;
  kubeConfig: KubeConfig;
  logger: Logger;
  /** Full list-based resync period (also how soon a stalled watch is noticed). */
  resyncIntervalMs: number;
  /** Log lines kept per finished job. */
  logTailLines: number;
  /** How long after scheduling a job's Kubernetes Job must be visible before it counts as vanished. */
  vanishedGraceMs: number;
  /** Jobs synced at once. */
  concurrency: number;
  /** Where sync lag, resync durations and watch restarts are recorded (reconciler-metrics.ts). */
  metricsRegistry: Registry;
  /** Pause before restarting a failed watch, as the apiserver that failed it may be restarting. */
  watchRestartDelayMs?: number;
}

type Cached<T extends object> = Informer<T & { metadata?: object }> & ObjectCache<T>;

interface JobRef {
  jobId: string;
  namespace: string;
}

/**
 * Keeps PostgreSQL in step with Kubernetes for every platform job: watch events on Jobs and
 * pods sync the affected job within milliseconds, and a full list every resync period
 * catches anything a watch missed. Kubernetes is authoritative for runtime state; the
 * database only ever moves a job forwards.
 */
export class StatusReconciler {
  readonly #deps: StatusReconcilerDeps;
  readonly #metrics: ReturnType<typeof reconcilerMetrics>;
  readonly #batch: BatchV1Api;
  readonly #core: CoreV1Api;
  #jobs: Cached<V1Job> | undefined;
  #pods: Cached<V1Pod> | undefined;
  readonly #dirty = new Map<string, string>();
  #draining: Promise<void> | undefined;
  #resyncTimer: NodeJS.Timeout | undefined;
  #resyncing: Promise<void> | undefined;
  /** What was last written per job, so resyncs skip writes that change nothing. */
  readonly #recorded = new Map<string, string>();
  readonly #logsKept = new Set<string>();
  /** Objects the watch cache disagreed on at the last resync: still wrong now means stalled. */
  #suspect = new Set<string>();
  #running = false;

  constructor(deps: StatusReconcilerDeps) {
    this.#deps = deps;
    this.#metrics = reconcilerMetrics(deps.metricsRegistry);
    this.#batch = deps.kubeConfig.makeApiClient(BatchV1Api);
    this.#core = deps.kubeConfig.makeApiClient(CoreV1Api);
  }

  async start(): Promise<void> {
    this.#running = true;
    await this.#startInformers();
    await this.resync();
    this.#resyncTimer = setInterval(() => void this.resync(), this.#deps.resyncIntervalMs);
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearInterval(this.#resyncTimer);
    await this.#stopInformers();
    await this.#resyncing;
    await this.#draining;
  }

  async #startInformers(): Promise<void> {
    const jobs = makeInformer<V1Job>(
      this.#deps.kubeConfig,
      "/apis/batch/v1/jobs",
      () => this.#batch.listJobForAllNamespaces({ labelSelector: MANAGED_SELECTOR }),
      MANAGED_SELECTOR,
    );
    const pods = makeInformer<V1Pod>(
      this.#deps.kubeConfig,
      "/api/v1/pods",
      () => this.#core.listPodForAllNamespaces({ labelSelector: MANAGED_SELECTOR }),
      MANAGED_SELECTOR,
    );
    for (const verb of ["add", "update"] as const) {
      jobs.on(verb, (job) => this.#markDirty(job.metadata?.labels, job.metadata?.namespace));
      pods.on(verb, (pod) => this.#markDirty(pod.metadata?.labels, pod.metadata?.namespace));
    }
    pods.on("delete", (pod) => this.#markDirty(pod.metadata?.labels, pod.metadata?.namespace));
    jobs.on("delete", (job) => void this.#onJobDeleted(job));
    for (const [kind, informer] of [
      ["job", jobs],
      ["pod", pods],
    ] as const) {
      // The client's informer reconnects by itself only after a clean close or a timeout; after
      // an error (apiserver restarting, connection refused) it stays stopped: start it again.
      informer.on("error", (error) => {
        const delayMs = this.#deps.watchRestartDelayMs ?? 5000;
        this.#deps.logger.warn(
          { err: apiErrorText(error), kind },
          `watch failed; restarting it in ${delayMs} ms`,
        );
        setTimeout(() => {
          const current = kind === "job" ? this.#jobs : this.#pods;
          if (!this.#running || current !== informer) return;
          this.#metrics.informerRestarts.inc({ reason: "watch-error" });
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

  #markDirty(labels: Record<string, string> | undefined, namespace: string | undefined): void {
    const jobId = labels?.[JOB_ID_LABEL];
    if (!jobId || !namespace || !this.#running) return;
    this.#dirty.set(jobId, namespace);
    // One drain loop at a time; it picks up whatever is marked while it runs.
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = undefined;
    });
  }

  async #drain(): Promise<void> {
    while (this.#dirty.size > 0) {
      const refs: JobRef[] = [];
      for (const [jobId, namespace] of this.#dirty) {
        refs.push({ jobId, namespace });
        this.#dirty.delete(jobId);
        if (refs.length >= this.#deps.concurrency) break;
      }
      await Promise.all(refs.map((ref) => this.#syncFromCache(ref)));
    }
  }

  async #syncFromCache({ jobId, namespace }: JobRef): Promise<void> {
    const job = this.#jobs?.get(simulationJobName(jobId), namespace);
    const pods = (this.#pods?.list(namespace) ?? []).filter(
      (pod) => pod.metadata?.labels?.[JOB_ID_LABEL] === jobId,
    );
    if (!job && pods.length === 0) return;
    const observed = await this.#observe(jobId, namespace, job, pods);
    if (observed) await this.#record(observed, namespace);
  }

  /**
   * What Kubernetes says about a job, from a Job and pods this replica holds. The Job's verdict
   * (Complete, Failed) can arrive before its pod's end does: the Job and pod watches (and the
   * two lists of a resync) have no order between them, and a watch that has just (re)started
   * has an empty cache. Recorded as it is, such a verdict would end the job without its exit
   * code and pod name, for good: an ended job is never written again. So then the pods are read
   * from the apiserver. Undefined when that read fails: the next event or resync tries again.
   */
  async #observe(
    jobId: string,
    namespace: string,
    job: V1Job | undefined,
    pods: V1Pod[],
  ): Promise<ObservedJobStatus | undefined> {
    const observed = deriveJobStatus(jobId, job, pods, new Date());
    const ended = observed.status === "SUCCEEDED" || observed.status === "FAILED";
    const podEnded = pods.some(
      (p) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed",
    );
    if (!ended || podEnded) return observed;
    try {
      const current = await this.#core.listNamespacedPod({
        namespace,
        labelSelector: `${JOB_ID_LABEL}=${jobId}`,
      });
      return deriveJobStatus(jobId, job, current.items, new Date());
    } catch (error) {
      this.#deps.logger.warn(
        { jobId, err: apiErrorText(error) },
        "reading an ended job's pods failed; the next resync retries",
      );
      return undefined;
    }
  }

  /** A deleted Job's last state is its final word; deleted before it ended means lost. */
  async #onJobDeleted(job: V1Job): Promise<void> {
    const jobId = job.metadata?.labels?.[JOB_ID_LABEL];
    const namespace = job.metadata?.namespace;
    if (!jobId || !namespace) return;
    const pods = (this.#pods?.list(namespace) ?? []).filter(
      (pod) => pod.metadata?.labels?.[JOB_ID_LABEL] === jobId,
    );
    const observed = deriveJobStatus(jobId, job, pods, new Date());
    try {
      if (observed.status === "SUCCEEDED" || observed.status === "FAILED") {
        const withPods = await this.#observe(jobId, namespace, job, pods);
        if (withPods) await this.#record(withPods, namespace);
      } else {
        await failActiveJob(this.#deps.db, {
          jobId,
          reason: "Lost: the Kubernetes Job was deleted before it finished",
          at: new Date(),
        });
      }
    } catch (error) {
      this.#deps.logger.error({ err: error, jobId }, "recording a deleted Job failed");
    }
  }

  async #record(observed: ObservedJobStatus, namespace: string): Promise<void> {
    const signature = `${observed.status}/${observed.podName}/${observed.startedAt?.getTime()}`;
    const logger = this.#deps.logger.child({ jobId: observed.jobId });
    try {
      if (this.#recorded.get(observed.jobId) !== signature) {
        const changed = await recordObservedJobStatus(this.#deps.db, observed);
        this.#recorded.set(observed.jobId, signature);
        const lag = changed ? syncLagSeconds(observed, new Date()) : undefined;
        if (lag !== undefined) this.#metrics.syncLag.observe({ status: observed.status }, lag);
        if (changed) logger.info({ status: observed.status, pod: observed.podName }, "job status");
      }
      const ended = observed.status === "SUCCEEDED" || observed.status === "FAILED";
      if (ended && observed.podName)
        await this.#keepLogs(observed.jobId, observed.podName, namespace);
    } catch (error) {
      this.#recorded.delete(observed.jobId);
      logger.error({ err: error }, "syncing job status failed; the next resync retries");
    }
  }

  /** Copies the last lines of a finished job's log to the database before its TTL deletes the pod. */
  async #keepLogs(jobId: string, podName: string, namespace: string): Promise<void> {
    if (this.#logsKept.has(jobId)) return;
    if (await hasJobLog(this.#deps.db, jobId)) {
      this.#logsKept.add(jobId);
      return;
    }
    try {
      const text = await this.#core.readNamespacedPodLog({
        name: podName,
        namespace,
        container: SIMULATION_CONTAINER,
        tailLines: this.#deps.logTailLines,
      });
      const lines = text.split("\n");
      if (lines.at(-1) === "") lines.pop();
      await saveJobLog(this.#deps.db, { jobId, lines: lines.slice(-this.#deps.logTailLines) });
      this.#logsKept.add(jobId);
    } catch (error) {
      if (isNotFound(error)) {
        this.#logsKept.add(jobId);
        this.#deps.logger.warn({ jobId, podName }, "pod gone before its logs were kept");
      } else {
        this.#deps.logger.warn({ jobId, err: apiErrorText(error) }, "reading pod logs failed");
      }
    }
  }

  /**
   * The full resync: list every platform Job and pod from the apiserver, sync each job, resolve
   * jobs whose Kubernetes Job is gone, and restart the watches if their cache has fallen behind.
   */
  resync(): Promise<void> {
    this.#resyncing ??= this.#timedResync().finally(() => {
      this.#resyncing = undefined;
    });
    return this.#resyncing;
  }

  async #timedResync(): Promise<void> {
    const endTimer = this.#metrics.resyncDuration.startTimer();
    try {
      await this.#resyncOnce();
      endTimer({ outcome: "ok" });
    } catch (error) {
      endTimer({ outcome: "failed" });
      this.#deps.logger.warn({ err: apiErrorText(error) }, "resync failed; retrying next period");
    }
  }

  async #resyncOnce(): Promise<void> {
    const started = Date.now();
    const [jobList, podList] = await Promise.all([
      this.#batch.listJobForAllNamespaces({ labelSelector: MANAGED_SELECTOR }),
      this.#core.listPodForAllNamespaces({ labelSelector: MANAGED_SELECTOR }),
    ]);
    const podsByJob = new Map<string, V1Pod[]>();
    for (const pod of podList.items) {
      const jobId = pod.metadata?.labels?.[JOB_ID_LABEL];
      if (jobId) podsByJob.set(jobId, [...(podsByJob.get(jobId) ?? []), pod]);
    }
    const listed = new Set<string>();
    for (const job of jobList.items) {
      const jobId = job.metadata?.labels?.[JOB_ID_LABEL];
      const namespace = job.metadata?.namespace;
      if (!jobId || !namespace) continue;
      listed.add(jobId);
      const observed = await this.#observe(jobId, namespace, job, podsByJob.get(jobId) ?? []);
      if (observed) await this.#record(observed, namespace);
    }
    await this.#resolveVanished(listed, podsByJob);
    this.#checkWatchCaches(jobList.items, podList.items);
    this.#deps.logger.debug(
      { jobs: jobList.items.length, pods: podList.items.length, ms: Date.now() - started },
      "resync done",
    );
  }

  async #resolveVanished(listed: Set<string>, podsByJob: Map<string, V1Pod[]>): Promise<void> {
    const candidates = await listUnfinishedScheduledJobs(this.#deps.db, {
      scheduledBefore: new Date(Date.now() - this.#deps.vanishedGraceMs),
      limit: 1000,
    });
    for (const job of candidates) {
      if (listed.has(job.id) || podsByJob.has(job.id) || !job.namespace || !job.kubernetesJobName) {
        continue;
      }
      // The list may predate a Job created since: ask the apiserver before declaring it lost.
      try {
        await this.#batch.readNamespacedJob({
          name: job.kubernetesJobName,
          namespace: job.namespace,
        });
        continue;
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      const failed = await failActiveJob(this.#deps.db, {
        jobId: job.id,
        reason: "Lost: the Kubernetes Job disappeared before its end was recorded",
        at: new Date(),
      });
      if (failed) this.#deps.logger.warn({ jobId: job.id }, "job's Kubernetes Job vanished");
    }
  }

  /**
   * The watch can stall without an error (a known trait of the JavaScript informer). An object
   * whose listed version the cache still lacks at two resyncs in a row means it did: restart.
   */
  #checkWatchCaches(jobs: V1Job[], pods: V1Pod[]): void {
    const stale = new Set<string>();
    const compare = (
      kind: string,
      cache: Cached<V1Job> | Cached<V1Pod> | undefined,
      items: (V1Job | V1Pod)[],
    ) => {
      for (const item of items) {
        const name = item.metadata?.name ?? "";
        const namespace = item.metadata?.namespace;
        const cached = cache?.get(name, namespace);
        if (cached?.metadata?.resourceVersion !== item.metadata?.resourceVersion) {
          stale.add(`${kind}/${namespace}/${name}/${item.metadata?.resourceVersion}`);
        }
      }
    };
    compare("job", this.#jobs, jobs);
    compare("pod", this.#pods, pods);
    const stalled = [...stale].some((key) => this.#suspect.has(key));
    this.#suspect = stale;
    if (stalled && this.#running) {
      this.#metrics.informerRestarts.inc({ reason: "stalled" });
      this.#deps.logger.warn(
        { behind: stale.size },
        "watch cache fell behind; restarting informers",
      );
      this.#suspect = new Set();
      void this.#stopInformers().then(() => this.#startInformers());
    }
  }
}

import type { BatchV1Api, CoreV1Api, V1Job } from "@kubernetes/client-node";
import type { Database } from "@sumo/db/client";
import { assertNever, isTerminal } from "@sumo/db/job-status";
import {
  failJob,
  getJobSyncState,
  type JobSyncState,
  listOpenScheduledJobs,
  recordObservedJobStatus,
  saveJobLog,
} from "@sumo/db/queries";
import {
  apiErrorText,
  isNotFound,
  JOB_ID_LABEL,
  listPlatformMetadata,
  SIMULATION_CONTAINER,
  simulationJobName,
  tenantNamespaceName,
} from "@sumo/kubernetes";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import {
  decideJobSync,
  decisionInputs,
  holdsAnything,
  LOST_REASON,
  type SeenJob,
  type SyncDecision,
} from "./decide-job-sync.ts";
import { keptLogLines } from "./kept-log.ts";
import { type PlatformInformers, PlatformWatches } from "./platform-watches.ts";
import { ReconcileQueue } from "./reconcile-queue.ts";
import { heldJobsGauge, reconcilerMetrics, syncLagSeconds } from "./reconciler-metrics.ts";

/** What the reconciler calls of the Kubernetes API. */
export interface ClusterApi {
  batch: Pick<BatchV1Api, "readNamespacedJob" | "listJobForAllNamespaces">;
  core: Pick<CoreV1Api, "listNamespacedPod" | "listPodForAllNamespaces" | "readNamespacedPodLog">;
}

export interface JobReconcilerDeps extends ClusterApi {
  db: Database;
  /** The watches of platform Jobs and pods (platformInformers, over the same cluster). */
  informers: PlatformInformers;
  logger: Logger;
  /** Full list-based resync period (also how soon a stalled watch is noticed). */
  resyncIntervalMs: number;
  /** Log lines kept per finished job. */
  logTailLines: number;
  /** Bytes of log kept per finished job, at most (kept-log.ts). */
  logTailBytes: number;
  /** Longest log line kept; longer ones are cut (kept-log.ts). */
  logLineMaxBytes: number;
  /** How long after scheduling a job's Kubernetes Job must be visible before it counts as vanished. */
  vanishedGraceMs: number;
  /** Jobs reconciled at once. */
  concurrency: number;
  /** Where sync lag, resync durations and watch restarts are recorded (reconciler-metrics.ts). */
  metricsRegistry: Registry;
  /** Pause before restarting a failed watch, as the apiserver that failed it may be restarting. */
  watchRestartDelayMs?: number;
}

/**
 * Most unended jobs of the database one resync checks against Kubernetes; the next resync goes
 * on with the next ones.
 */
const OPEN_JOBS_PER_RESYNC = 1000;

/**
 * Keeps PostgreSQL in step with Kubernetes for every platform job, level-triggered: one function,
 * reconcileJob(jobId), reads what the database and Kubernetes say about a job and converges them
 * (decide-job-sync.ts decides). Everything else only says which job to look at: watch events on
 * Jobs and pods (within milliseconds), and a full list every resync period, which also brings
 * the database's unended jobs, so a Job that vanished unseen is noticed. Kubernetes is
 * authoritative for runtime state; the database only ever moves a job forwards.
 */
export class JobReconciler {
  readonly #deps: JobReconcilerDeps;
  readonly #metrics: ReturnType<typeof reconcilerMetrics>;
  readonly #watches: PlatformWatches;
  readonly #queue: ReconcileQueue;
  /**
   * Where each job's objects are and what the watch caches held of it (decisionInputs) when it
   * was last converged, or FINISHED once it has ended with its log kept. A reconcile that finds
   * the same again, or any state at all of a finished job's objects, has nothing to do and skips
   * the database: every resync names every job, and most watch events change nothing the
   * decision reads. Only jobs whose objects Kubernetes has: a job's entry goes once the caches
   * hold nothing of it, and at a resync that no longer lists its objects.
   */
  readonly #converged = new Map<string, { namespace: string; inputs: string | typeof FINISHED }>();
  #resyncTimer: NodeJS.Timeout | undefined;
  #resyncing: Promise<void> | undefined;
  /** The last unended job the previous resync checked: the next one goes on after it. */
  #openJobsAfter: string | undefined;

  constructor(deps: JobReconcilerDeps) {
    this.#deps = deps;
    this.#metrics = reconcilerMetrics(deps.metricsRegistry);
    this.#queue = new ReconcileQueue((jobId) => this.reconcileJob(jobId), {
      concurrency: deps.concurrency,
      retryDelayMs: 1000,
      maxRetryDelayMs: deps.resyncIntervalMs,
      onError: (jobId, error, retryInMs) =>
        deps.logger.warn(
          { jobId, err: apiErrorText(error), retryInMs },
          "reconciling a job failed; retrying",
        ),
      onStart: (source, waitedMs) => this.#metrics.queueWait.observe({ source }, waitedMs / 1000),
    });
    this.#watches = new PlatformWatches({
      informers: deps.informers,
      logger: deps.logger,
      onChange: (jobId) => void this.#queue.add(jobId),
      onRestart: (reason) => this.#metrics.informerRestarts.inc({ reason }),
      restartDelayMs: deps.watchRestartDelayMs ?? 5000,
      deletedJobMemoryMs: 10 * deps.resyncIntervalMs,
    });
  }

  async start(): Promise<void> {
    heldJobsGauge(this.#deps.metricsRegistry).readFrom(this.#held);
    await this.#watches.start();
    await this.resync();
    this.#resyncTimer = setInterval(() => void this.resync(), this.#deps.resyncIntervalMs);
  }

  async stop(): Promise<void> {
    heldJobsGauge(this.#deps.metricsRegistry).stopReading(this.#held);
    clearInterval(this.#resyncTimer);
    await this.#watches.stop();
    await this.#queue.stop();
    await this.#resyncing;
  }

  /**
   * Converges one job: reads its row and what the watch caches hold of it, decides, and acts;
   * when the caches cannot settle it, asks the apiserver and decides again. Safe to call any
   * number of times, in any order with other jobs': a job that is in sync is left alone.
   */
  async reconcileJob(jobId: string): Promise<void> {
    const last = this.#converged.get(jobId);
    if (last) {
      const cached = this.#watches.cached(jobId, last.namespace);
      if (last.inputs === FINISHED) {
        // Nothing Kubernetes does changes an ended job whose log is kept (decideJobSync).
        if (!holdsAnything(cached)) this.#forget(jobId, last.namespace);
        return;
      }
      if (decisionInputs(jobId, cached, new Date()) === last.inputs) return;
    }
    const row = await getJobSyncState(this.#deps.db, jobId);
    if (!row) {
      // Deleted (with its tenant, or by the retention sweep): nothing to keep in step.
      this.#forget(jobId, last?.namespace);
      return;
    }
    const namespace = row.namespace ?? tenantNamespaceName(row.tenantId);
    const cached = this.#watches.cached(jobId, namespace);
    const options = { now: new Date(), vanishedGraceMs: this.#deps.vanishedGraceMs };
    let decision = decideJobSync(row, cached, options);
    if (decision.kind === "read-apiserver") {
      decision = decideJobSync(row, await this.#readApiserver(jobId, namespace), options);
    }
    const finished = await this.#act(jobId, namespace, decision, row);
    const inputs = decisionInputs(jobId, cached, options.now);
    if (inputs !== undefined) {
      this.#converged.set(jobId, { namespace, inputs: finished ? FINISHED : inputs });
    } else if (isTerminal(row.status) || endsJob(decision)) {
      // Ended, and Kubernetes holds nothing of it any more: nothing will name it again.
      this.#forget(jobId, namespace);
    } else {
      this.#converged.delete(jobId);
    }
  }

  /** What the sumo_reconciler_held gauge reads while this reconciler runs. */
  readonly #held = () => this.heldJobs();

  /** Drops all the reconciler holds of a job. */
  #forget(jobId: string, namespace: string | undefined): void {
    this.#converged.delete(jobId);
    if (namespace) this.#watches.forgetDeletedJob(jobId, namespace);
  }

  /**
   * How many jobs each of the reconciler's in-memory structures holds. Each drops a job once it
   * has ended and Kubernetes deleted its objects (or at the next resync after, when a watch
   * missed the deletion), so however many jobs end, these stay within the jobs not yet ended
   * and those whose objects Kubernetes still has.
   */
  heldJobs() {
    return { converged: this.#converged.size, ...this.#watches.held(), ...this.#queue.held() };
  }

  /** What the apiserver has of a job now, with the Job's last state if a watch saw it deleted. */
  async #readApiserver(jobId: string, namespace: string): Promise<SeenJob> {
    const [job, pods] = await Promise.all([
      this.#deps.batch
        .readNamespacedJob({ name: simulationJobName(jobId), namespace })
        .catch((error: unknown): V1Job | undefined => {
          if (isNotFound(error)) return undefined;
          throw error;
        }),
      this.#deps.core.listNamespacedPod({ namespace, labelSelector: `${JOB_ID_LABEL}=${jobId}` }),
    ]);
    return {
      job,
      deletedJob: job ? undefined : this.#watches.deletedJob(jobId, namespace),
      pods: pods.items,
      from: "apiserver",
    };
  }

  /**
   * Acts on a decision about the job whose row is `row`. Resolves to whether the job has now
   * ended with its log kept, which nothing Kubernetes does can change any more.
   */
  async #act(
    jobId: string,
    namespace: string,
    decision: SyncDecision,
    row: JobSyncState,
  ): Promise<boolean> {
    const { logger } = this.#deps;
    switch (decision.kind) {
      case "in-sync":
        return isTerminal(row.status) && row.logKept;
      case "record": {
        const { observed, keepLogOf } = decision;
        const changed = await recordObservedJobStatus(this.#deps.db, observed);
        if (changed) {
          const lag = syncLagSeconds(observed, new Date());
          if (lag !== undefined) this.#metrics.syncLag.observe({ status: observed.status }, lag);
          logger.info({ jobId, status: observed.status, pod: observed.podName }, "job status");
        }
        // The status first, on its own: reading the log waits on the apiserver and the node.
        if (!keepLogOf) return false;
        const kept = await this.#keepLog(jobId, namespace, keepLogOf);
        return changed && isTerminal(observed.status) && kept;
      }
      case "keep-log":
        return this.#keepLog(jobId, namespace, decision.podName);
      case "lost":
        if (await failJob(this.#deps.db, { jobId, reason: LOST_REASON, at: new Date() })) {
          logger.warn({ jobId }, "the job's Kubernetes Job vanished before its end was recorded");
        }
        return false;
      case "read-apiserver":
        // decideJobSync settles everything on the apiserver's word: this is a bug, not a state.
        throw new Error("the apiserver's view of the job did not settle it");
      default:
        return assertNever(decision);
    }
  }

  /**
   * Copies the last lines of an ended job's log to the database before its TTL deletes the pod,
   * within the line and byte limits (keptLogLines), with a last line saying what was left out.
   * Resolves to whether it was kept: not when the pod is already gone.
   */
  async #keepLog(jobId: string, namespace: string, podName: string): Promise<boolean> {
    let text: string;
    try {
      text = await this.#deps.core.readNamespacedPodLog({
        name: podName,
        namespace,
        container: SIMULATION_CONTAINER,
        tailLines: this.#deps.logTailLines,
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      this.#deps.logger.warn({ jobId, podName }, "pod gone before its log was kept");
      return false;
    }
    const lines = keptLogLines(text, {
      maxLines: this.#deps.logTailLines,
      maxBytes: this.#deps.logTailBytes,
      maxLineBytes: this.#deps.logLineMaxBytes,
    });
    await saveJobLog(this.#deps.db, { jobId, lines });
    return true;
  }

  /**
   * The full resync: lists every platform Job and pod from the apiserver, metadata only
   * (restarting the watches if their caches fell behind), and a page of the database's unended
   * scheduled jobs, and reconciles each of them. Resolves once they all have been.
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
    const [listed, open] = await Promise.all([
      listPlatformMetadata(this.#deps),
      listOpenScheduledJobs(this.#deps.db, {
        scheduledBefore: new Date(Date.now() - this.#deps.vanishedGraceMs),
        after: this.#openJobsAfter,
        limit: OPEN_JOBS_PER_RESYNC,
      }),
    ]);
    this.#openJobsAfter = open.length < OPEN_JOBS_PER_RESYNC ? undefined : open.at(-1)?.id;
    this.#watches.checkAgainst(listed);
    const jobIds = new Set(open.map((job) => job.id));
    for (const metadata of [...listed.jobs, ...listed.pods]) {
      const jobId = metadata.labels?.[JOB_ID_LABEL];
      if (jobId) jobIds.add(jobId);
    }
    // A job Kubernetes no longer lists had its objects deleted, seen by the watches or not:
    // what it was converged with is gone (a job made since is only read once more).
    for (const jobId of this.#converged.keys()) {
      if (!jobIds.has(jobId)) this.#converged.delete(jobId);
    }
    await Promise.all([...jobIds].map((jobId) => this.#queue.add(jobId, "resync")));
    this.#deps.logger.debug(
      {
        jobs: listed.jobs.length,
        pods: listed.pods.length,
        open: open.length,
        ms: Date.now() - started,
      },
      "resync done",
    );
  }
}

/** What #converged holds of a job that has ended with its log kept. */
const FINISHED = Symbol("finished");

/** Whether acting on this decision ended the job (or found it ended). */
function endsJob(decision: SyncDecision): boolean {
  switch (decision.kind) {
    case "lost":
      return true;
    case "record":
      return isTerminal(decision.observed.status);
    case "in-sync":
    case "keep-log":
    case "read-apiserver":
      return false;
    default:
      return assertNever(decision);
  }
}

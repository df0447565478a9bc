// A RUNNING job's progress, read from the last progress line of its pod's log when a client
// asks for the job. The read is shared: one replica claims it per interval (claimProgressRead)
// and stores what it read, so Kubernetes serves at most one log tail per running job per
// interval however many clients watch, and none for jobs nobody looks at.
import type { Database } from "@sumo/db/client";
import { claimProgressRead, recordJobProgress } from "@sumo/db/queries";
import type { Job } from "@sumo/db/schema";
import { lastProgress } from "@sumo/scenario";
import type { Logger } from "pino";
import type { KubernetesView } from "./kubernetes-view.ts";

/** Log lines read from the end to find the last progress line (the runner writes one a second). */
const PROGRESS_TAIL_LINES = 40;

export interface JobProgressOptions {
  /** How old a job's progress may get before a read refreshes it. */
  intervalMs: number;
}

export class JobProgress {
  readonly #deps: { db: Database; kubernetes?: KubernetesView; logger: Logger };
  readonly #intervalMs: number;

  constructor(
    deps: { db: Database; kubernetes?: KubernetesView; logger: Logger },
    options: JobProgressOptions,
  ) {
    this.#deps = deps;
    this.#intervalMs = options.intervalMs;
  }

  /**
   * The job with its progress brought up to date when it is RUNNING and its progress is older
   * than the interval; otherwise (or when Kubernetes does not answer) the job as it is.
   */
  async refresh(job: Job): Promise<Job> {
    const { db, kubernetes, logger } = this.#deps;
    if (job.status !== "RUNNING" || !kubernetes || !job.namespace || !job.podName) return job;
    const checkedAt = job.progressCheckedAt?.getTime() ?? 0;
    if (Date.now() - checkedAt < this.#intervalMs) return job;
    if (!(await claimProgressRead(db, { jobId: job.id, intervalMs: this.#intervalMs }))) {
      return job;
    }
    try {
      const lines = await kubernetes.readPodLog(job.namespace, job.podName, PROGRESS_TAIL_LINES);
      const progress = lines && lastProgress(lines.join("\n"));
      if (!progress) return job;
      const stored = { ...progress, readAt: new Date().toISOString() };
      await recordJobProgress(db, { jobId: job.id, progress: stored });
      return { ...job, progress: stored };
    } catch (error) {
      logger.debug({ err: error, jobId: job.id }, "progress unavailable from the pod's log");
      return job;
    }
  }
}

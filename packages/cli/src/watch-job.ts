// `jobs submit --wait` and `jobs watch`: the job read again and again until it ends, a live bar
// from its progress meanwhile, then its details and its outcome as the command's exit status
// (as `gh run watch --exit-status` does). Ctrl-C stops watching; the job runs on.
import { setTimeout as sleep } from "node:timers/promises";
import { call, type TenantClient } from "@sumo/api-client";
import type { CliContext } from "./cli-context.ts";
import { CliExit, EXIT_CODES, type ExitCode } from "./exit-codes.ts";
import { isEnded, type Job, jobProgressState, printJob } from "./job-view.ts";
import { LiveProgress } from "./live-progress.ts";
import { OutageNotes, readThroughOutages } from "./read-through-outages.ts";
import { untilInterrupted } from "./until-interrupted.ts";

/** The exit status for a job that ended. */
export function exitCodeOfJob(job: Job): ExitCode {
  switch (job.status) {
    case "SUCCEEDED":
      return EXIT_CODES.ok;
    case "FAILED":
      return EXIT_CODES.jobFailed;
    case "CANCELLED":
      return EXIT_CODES.jobCancelled;
    default:
      return EXIT_CODES.ok;
  }
}

/** Watches the job until it ends, then prints it; throws CliExit unless it SUCCEEDED. */
export async function watchJob(
  ctx: CliContext,
  client: TenantClient,
  jobId: string,
): Promise<void> {
  const { output } = ctx;
  const bar = new LiveProgress(output, `job ${jobId}`);
  let last: Job | undefined;
  const ended = await untilInterrupted(
    ctx,
    () =>
      `\nStopped watching. Job ${jobId} keeps running on the platform` +
      `${last ? ` (${last.status})` : ""}: watch it again with \`sumo-k8 jobs watch ${jobId}\`, ` +
      `stop it with \`sumo-k8 jobs cancel ${jobId}\`.`,
    async (signal) => {
      const outages = new OutageNotes(ctx);
      try {
        for (;;) {
          const job = await readThroughOutages(
            ctx,
            () =>
              call(
                client.GET("/v1/jobs/{job_id}", { params: { path: { job_id: jobId } }, signal }),
              ),
            signal,
            outages,
          );
          last = job;
          bar.show(jobProgressState(job));
          if (isEnded(job.status)) return job;
          await sleep(ctx.deps.pollIntervalMs, undefined, { signal });
        }
      } finally {
        bar.stop();
      }
    },
  );
  if (output.json) output.printJson(ended);
  else printJob(output, ended);
  const exitCode = exitCodeOfJob(ended);
  if (exitCode !== EXIT_CODES.ok) {
    throw new CliExit(exitCode, `job ${jobId} ended ${ended.status}`);
  }
}

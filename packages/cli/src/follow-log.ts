// `jobs logs -f`: a job's log as it is written, until the job ends. The api ends each follow
// when the pod ends or after its longest follow; while the job has not ended the log is
// followed again, without the lines already shown, also after the api went away and came back.
// Ctrl-C stops following; the job runs on.
import { setTimeout as sleep } from "node:timers/promises";
import { call, type TenantClient } from "@sumo/api-client";
import type { CliContext } from "./cli-context.ts";
import { isEnded, type Job } from "./job-view.ts";
import { linesAfterOverlap } from "./log-overlap.ts";
import { OutageNotes, readThroughOutages } from "./read-through-outages.ts";
import { untilInterrupted } from "./until-interrupted.ts";

/** How many lines a follow after the first starts with, to find where the last one stopped. */
const RESUME_TAIL = 50;

export async function followJobLog(
  ctx: CliContext,
  client: TenantClient,
  jobId: string,
  tail: number,
): Promise<void> {
  const { output } = ctx;
  let status: string | undefined;
  await untilInterrupted(
    ctx,
    () =>
      `\nStopped following. Job ${jobId} keeps running on the platform${status ? ` (${status})` : ""}.`,
    async (signal) => {
      const outages = new OutageNotes(ctx);
      const readJob = () =>
        readThroughOutages(
          ctx,
          () =>
            call(client.GET("/v1/jobs/{job_id}", { params: { path: { job_id: jobId } }, signal })),
          signal,
          outages,
        );
      let shown: string[] = [];
      let follows = 0;
      let waitingNoted = false;
      for (;;) {
        const job: Job = await readJob();
        status = job.status;
        if (!isEnded(job.status) && !job.kubernetes.pod_name) {
          if (!waitingNoted) {
            output.note(`job ${jobId} is ${job.status}; its log starts when it runs`);
          }
          waitingNoted = true;
          await sleep(ctx.deps.pollIntervalMs, undefined, { signal });
          continue;
        }
        try {
          const stream = await call(
            client.GET("/v1/jobs/{job_id}/logs", {
              params: {
                path: { job_id: jobId },
                query: { tail: follows === 0 ? tail : RESUME_TAIL, follow: true },
              },
              parseAs: "stream",
              signal,
            }),
          );
          const overlapWith = follows === 0 ? undefined : shown;
          follows++;
          await printLines(stream as unknown as ReadableStream<Uint8Array>, overlapWith, (line) => {
            output.raw(`${line}\n`);
            shown.push(line);
            if (shown.length > RESUME_TAIL * 2) shown = shown.slice(-RESUME_TAIL);
          });
          outages.answered();
        } catch (error) {
          // The api went away mid-follow: wait for it, then follow on from the last line shown.
          await outages.failed(error, signal);
          continue;
        }
        if (isEnded(job.status)) break;
        const after = await readJob();
        status = after.status;
        if (isEnded(after.status)) break;
        await sleep(ctx.deps.pollIntervalMs, undefined, { signal });
      }
      output.note(`job ${jobId} ended ${status}`);
    },
  );
}

/**
 * Calls `print` with each line of the stream as it comes. With `overlapWith`, the stream's
 * first lines that repeat its end are left out.
 */
async function printLines(
  stream: ReadableStream<Uint8Array>,
  overlapWith: readonly string[] | undefined,
  print: (line: string) => void,
): Promise<void> {
  let pending = "";
  let head: string[] | undefined = overlapWith ? [] : undefined;
  const emit = (line: string) => {
    if (!head) return print(line);
    head.push(line);
    if (head.length >= RESUME_TAIL) flushHead();
  };
  const flushHead = () => {
    if (!head || !overlapWith) return;
    const fresh = linesAfterOverlap(overlapWith, head);
    head = undefined;
    for (const line of fresh) print(line);
  };
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    pending += text;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) emit(line);
  }
  if (pending) emit(pending);
  flushHead();
}

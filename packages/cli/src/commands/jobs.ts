// `sumo-k8 jobs ...`: submit (and `--wait`), get, list, watch, logs (`-f`), cancel, rerun.
import { type Command, Option } from "@commander-js/extra-typings";
import { call } from "@sumo/api-client";
import type { CliContext } from "../cli-context.ts";
import { followJobLog } from "../follow-log.ts";
import { JOB_STATUSES, JOB_TABLE_HEAD, type Job, jobRow, printJob } from "../job-view.ts";
import { watchJob } from "../watch-job.ts";
import { numberArgument, pageOptions, positiveInteger, printNextPage } from "./pages.ts";
import { runParameterOptions, runParametersOf } from "./run-parameters.ts";

const MAX_LOG_TAIL = 500;

export function addJobCommands(program: Command, context: () => CliContext): void {
  const jobs = program
    .command("jobs")
    .alias("job")
    .description("submit simulation jobs, follow them, read their logs");

  runParameterOptions(
    jobs
      .command("submit")
      .description("submit a job of a scenario; with --wait, watch it to its end")
      .argument("<scenario>", "the scenario's name or id")
      .option("--cpu <cores>", "CPU cores for the simulation", numberArgument, 1)
      .option("--memory-gi <gib>", "memory in GiB for the simulation", numberArgument, 1),
  )
    .option("--queue", "wait in the tenant's queue instead of being refused at its limits")
    .option("--idempotency-key <key>", "makes retrying this submission safe")
    .option("-w, --wait", "watch the job until it ends; exit with its outcome")
    .action(async (scenario, options) => {
      const ctx = context();
      const client = await ctx.tenantClient();
      const parameters = runParametersOf(options);
      const job = await call(
        client.POST("/v1/jobs", {
          body: {
            scenario_id: scenario,
            cpu_request: options.cpu,
            memory_gi: options.memoryGi,
            ...(parameters && { scenario: parameters }),
            ...(options.queue && { queue: true }),
          },
          ...(options.idempotencyKey && {
            params: { header: { "idempotency-key": options.idempotencyKey } },
          }),
        }),
      );
      await afterSubmission(ctx, job, options.wait, "submitted");
    });

  jobs
    .command("get")
    .description("a job's status, progress, result or failure")
    .argument("<job>", "the job's id")
    .action(async (jobId) => {
      const ctx = context();
      const client = await ctx.tenantClient();
      const job = await call(
        client.GET("/v1/jobs/{job_id}", { params: { path: { job_id: jobId } } }),
      );
      if (ctx.output.json) return ctx.output.printJson(job);
      printJob(ctx.output, job);
    });

  pageOptions(
    jobs
      .command("list")
      .alias("ls")
      .description("the tenant's jobs, newest first")
      .addOption(new Option("--status <status>", "only jobs in this status").choices(JOB_STATUSES))
      .option("--sweep <sweep>", "only this sweep's members"),
  ).action(async (options) => {
    const ctx = context();
    const client = await ctx.tenantClient();
    const page = await call(
      client.GET("/v1/jobs", {
        params: {
          query: {
            limit: options.limit,
            ...(options.cursor && { cursor: options.cursor }),
            ...(options.status && { status: options.status }),
            ...(options.sweep && { sweep_id: options.sweep }),
          },
        },
      }),
    );
    if (ctx.output.json) return ctx.output.printJson(page);
    ctx.output.table(
      JOB_TABLE_HEAD,
      page.jobs.map((job) => jobRow(ctx.output, job)),
    );
    printNextPage(ctx.output, page.next_cursor);
  });

  jobs
    .command("watch")
    .description("watch a job with a live progress bar until it ends; exit with its outcome")
    .argument("<job>", "the job's id")
    .action(async (jobId) => {
      const ctx = context();
      await watchJob(ctx, await ctx.tenantClient(), jobId);
    });

  jobs
    .command("logs")
    .alias("log")
    .description("a job's log: live from its pod while it runs, as kept once it ended")
    .argument("<job>", "the job's id")
    .option(
      "--tail <lines>",
      `the last lines (at most ${MAX_LOG_TAIL})`,
      positiveInteger,
      MAX_LOG_TAIL,
    )
    .option("-f, --follow", "go on printing lines as they come, until the job ends")
    .action(async (jobId, options) => {
      const ctx = context();
      const client = await ctx.tenantClient();
      if (options.follow) return followJobLog(ctx, client, jobId, options.tail);
      const logs = await call(
        client.GET("/v1/jobs/{job_id}/logs", {
          params: { path: { job_id: jobId }, query: { tail: options.tail } },
        }),
      );
      // Without follow the answer is JSON; the text/plain type is follow's.
      if (typeof logs === "string") return ctx.output.raw(logs);
      if (ctx.output.json) return ctx.output.printJson(logs);
      for (const line of logs.lines) ctx.output.line(line);
      if (logs.source === "none") ctx.output.note(`job ${jobId} has no log yet`);
    });

  jobs
    .command("cancel")
    .description("cancel a job that has not ended (its pod is stopped)")
    .argument("<job>", "the job's id")
    .action(async (jobId) => {
      const ctx = context();
      const client = await ctx.tenantClient();
      const job = await call(
        client.POST("/v1/jobs/{job_id}/cancel", { params: { path: { job_id: jobId } } }),
      );
      if (ctx.output.json) return ctx.output.printJson(job);
      ctx.output.line(`job ${job.job_id} ${job.status}`);
    });

  runParameterOptions(
    jobs
      .command("rerun")
      .description(
        "run a job again: its bundle, parameters and resources, parameters changed by flags",
      )
      .argument("<job>", "the job's id"),
  )
    .option("--queue", "wait in the tenant's queue instead of being refused at its limits")
    .option("--idempotency-key <key>", "makes retrying this rerun safe")
    .option("-w, --wait", "watch the new job until it ends; exit with its outcome")
    .action(async (jobId, options) => {
      const ctx = context();
      const client = await ctx.tenantClient();
      const parameters = runParametersOf(options);
      const job = await call(
        client.POST("/v1/jobs/{job_id}/rerun", {
          params: {
            path: { job_id: jobId },
            ...(options.idempotencyKey && {
              header: { "idempotency-key": options.idempotencyKey },
            }),
          },
          body: {
            ...(parameters && { scenario: parameters }),
            ...(options.queue && { queue: true }),
          },
        }),
      );
      await afterSubmission(ctx, job, options.wait, `submitted as a rerun of ${jobId}`);
    });
}

/** Prints the submitted job (its id alone on stdout for scripts), or watches it. */
async function afterSubmission(
  ctx: CliContext,
  job: Job,
  wait: boolean | undefined,
  what: string,
): Promise<void> {
  const { output } = ctx;
  if (wait) {
    output.note(`job ${job.job_id} ${what}, ${job.status}`);
    return watchJob(ctx, await ctx.tenantClient(), job.job_id);
  }
  if (output.json) return output.printJson(job);
  output.line(job.job_id);
  output.note(`job ${what}, ${job.status}: watch it with \`sumo-k8 jobs watch ${job.job_id}\``);
}

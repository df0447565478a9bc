// `sumo-k8 dashboard`: the tenant's limits against its usage, its quota, its jobs by status,
// the running jobs with their progress and the most recent jobs.
import type { Command } from "@commander-js/extra-typings";
import { call } from "@sumo/api-client";
import type { CliContext } from "../cli-context.ts";
import { formatNumber } from "../format-values.ts";
import { JOB_STATUSES, JOB_TABLE_HEAD, jobRow } from "../job-view.ts";

export function addDashboardCommand(program: Command, context: () => CliContext): void {
  program
    .command("dashboard")
    .description("the tenant's limits and usage, quota, jobs by status, running and recent jobs")
    .action(async () => {
      const ctx = context();
      const client = await ctx.tenantClient();
      const dashboard = await call(client.GET("/v1/dashboard"));
      const { output } = ctx;
      if (output.json) return output.printJson(dashboard);
      const { limits, usage, quota } = dashboard;
      output.fields([
        ["cpu", `${formatNumber(usage.cpu, 3)} of ${formatNumber(limits.cpu, 3)} cores in use`],
        [
          "memory",
          `${formatNumber(usage.memory_gi)} of ${formatNumber(limits.memory_gi)} GiB in use`,
        ],
        [
          "jobs",
          `${usage.active_jobs} of ${limits.max_concurrent_jobs} pending or running (${usage.running_jobs} running)`,
        ],
        [
          "quota",
          `${quota.status} (namespace ${quota.namespace}${quota.used && quota.hard ? `: ${formatNumber(quota.used.cpu, 3)}/${formatNumber(quota.hard.cpu, 3)} cores, ${formatNumber(quota.used.memory_gi)}/${formatNumber(quota.hard.memory_gi)} GiB, ${quota.used.pods}/${quota.hard.pods} pods` : ""})`,
        ],
        [
          "running pods",
          dashboard.running_pods === null ? "unknown" : String(dashboard.running_pods),
        ],
        [
          "by status",
          JOB_STATUSES.map((status) => `${dashboard.jobs_by_status[status]} ${status}`).join(", "),
        ],
      ]);
      if (dashboard.running_jobs.length > 0) {
        output.line();
        output.line("running jobs");
        output.table(
          JOB_TABLE_HEAD,
          dashboard.running_jobs.map((job) => jobRow(output, job)),
        );
      }
      output.line();
      output.line("recent jobs");
      if (dashboard.recent_jobs.length === 0) output.line("(none yet)");
      else
        output.table(
          JOB_TABLE_HEAD,
          dashboard.recent_jobs.map((job) => jobRow(output, job)),
        );
    });
}

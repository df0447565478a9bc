// How the tenant console shows jobs wherever they appear: a table row, progress, statuses.
import type { TenantSchemas } from "@sumo/api-client";
import { ProgressBar, StatusBadge, Time } from "../shared/components.tsx";
import { DataTable } from "../shared/data-table.tsx";
import { formatDuration, formatNumber, secondsBetween, shortId } from "../shared/format.ts";
import { paths } from "./paths.ts";

export {
  assertNever,
  isEnded,
  JOB_STATUSES,
  type JobStatus,
  StatusCounts,
} from "../shared/job-status.tsx";

export type Job = TenantSchemas["Job"];
/** How long the job ran (or has been running), from its start. */
export function runTime(job: Job): string {
  return job.started_at ? formatDuration(secondsBetween(job.started_at, job.finished_at)) : "–";
}

export function JobProgressBar({ job }: { job: Job }) {
  const progress = job.progress;
  if (!progress)
    return <ProgressBar label={`Progress of job ${shortId(job.job_id)}`} fraction={null} />;
  const detail = `${formatNumber(progress.time, 0)}${progress.end !== null ? ` of ${formatNumber(progress.end, 0)}` : ""} simulated s, ${progress.vehicles.running} vehicles`;
  return (
    <ProgressBar
      label={`Progress of job ${shortId(job.job_id)}`}
      fraction={progress.fraction}
      detail={detail}
    />
  );
}

/** A table of jobs: id (linked), scenario, status, resources, times. */
export function JobsTable({ jobs, caption }: { jobs: Job[]; caption: string }) {
  return (
    <DataTable
      caption={caption}
      columns={[
        { label: "Job" },
        { label: "Scenario" },
        { label: "Status" },
        { label: "CPU", numeric: true },
        { label: "Memory", numeric: true },
        { label: "Submitted" },
        { label: "Ran for" },
      ]}
      rows={jobs}
      rowKey={(job) => job.job_id}
      row={(job) => (
        <>
          <td>
            <a href={paths.job(job.job_id)}>
              <code>{shortId(job.job_id)}</code>
            </a>
          </td>
          <td>{job.scenario_name ?? <span class="muted">(deleted)</span>}</td>
          <td>
            <StatusBadge status={job.status} />
          </td>
          <td class="number">{formatNumber(job.cpu_request, 3)}</td>
          <td class="number">{formatNumber(job.memory_gi, 3)} GiB</td>
          <td>
            <Time iso={job.submitted_at} />
          </td>
          <td>{runTime(job)}</td>
        </>
      )}
      empty="No jobs."
    />
  );
}

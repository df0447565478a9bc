// How the tenant console shows jobs wherever they appear: a table row, progress, statuses.
import type { TenantSchemas } from "@sumo/api-client";
import { ProgressBar, StatusBadge, Time } from "../shared/components.tsx";
import { formatDuration, formatNumber, secondsBetween, shortId } from "../shared/format.ts";
import { paths } from "./paths.ts";

export type Job = TenantSchemas["Job"];
export type JobStatus = TenantSchemas["JobStatus"];

export const JOB_STATUSES: JobStatus[] = [
  "QUEUED",
  "PENDING",
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "CANCELLED",
];

export function isEnded(status: JobStatus): boolean {
  switch (status) {
    case "SUCCEEDED":
    case "FAILED":
    case "CANCELLED":
      return true;
    case "QUEUED":
    case "PENDING":
    case "RUNNING":
      return false;
    default:
      return assertNever(status);
  }
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value ${String(value)}`);
}

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
    <div class="table-scroll">
      <table>
        <caption class="muted small">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Scenario</th>
            <th scope="col">Status</th>
            <th scope="col" class="number">
              CPU
            </th>
            <th scope="col" class="number">
              Memory
            </th>
            <th scope="col">Submitted</th>
            <th scope="col">Ran for</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <tr key={job.job_id}>
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
            </tr>
          ))}
          {jobs.length === 0 && (
            <tr>
              <td colSpan={7} class="muted">
                No jobs.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

/** Jobs by status as one stacked bar with a legend that names each count. */
export function StatusCounts({ counts }: { counts: Record<JobStatus, number> }) {
  const total = JOB_STATUSES.reduce((sum, status) => sum + counts[status], 0);
  return (
    <div>
      <div class="status-bar" aria-hidden="true">
        {total > 0 &&
          JOB_STATUSES.map((status) =>
            counts[status] > 0 ? (
              <span
                key={status}
                class={`fill-${status.toLowerCase()}`}
                style={{ width: `${(counts[status] / total) * 100}%` }}
              />
            ) : null,
          )}
      </div>
      <ul class="legend" aria-label="Jobs by status">
        {JOB_STATUSES.map((status) => (
          <li key={status}>
            <span class={`swatch fill-${status.toLowerCase()}`} aria-hidden="true" />
            {status} <strong>{counts[status]}</strong>
          </li>
        ))}
      </ul>
    </div>
  );
}

// A job's statuses as both consoles show them: the list, which have ended, and counts by status.
import type { TenantSchemas } from "@sumo/api-client";

/** The same six in both APIs (the admin API reuses the tenant's Job schema). */
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

import { ActivitySection } from "../../shared/activity.tsx";
import { call } from "../../shared/api-call.ts";
import { Freshness, Gauge, Loading, PageHeader } from "../../shared/components.tsx";
import { formatNumber, shortId } from "../../shared/format.ts";
import { usePolled } from "../../shared/use-polled.ts";
import { JobProgressBar, JobsTable, StatusCounts } from "../job-views.tsx";
import { paths } from "../paths.ts";
import { useSession } from "../session.ts";

const REFRESH_MS = 3000;

const QUOTA_STATUS_TEXT = {
  not_created: "Not created yet: no job has run.",
  ok: "OK: waiting jobs fit in what the quota has left.",
  full: "Full: jobs wait because what they request does not fit in what the quota has left.",
  unavailable: "Unavailable: Kubernetes did not answer.",
} as const;

export default function Dashboard() {
  const { client } = useSession();
  const dashboard = usePolled(
    (signal) => call(client.GET("/v1/dashboard", { signal })),
    () => REFRESH_MS,
    [client],
  );
  const data = dashboard.data;
  return (
    <>
      <PageHeader title="Dashboard">
        <a class="button" href={paths.submit}>
          Submit a job
        </a>
      </PageHeader>
      <Freshness updatedAt={dashboard.updatedAt} error={dashboard.error} />
      {!data ? (
        <Loading what="the dashboard" />
      ) : (
        <>
          <section class="card" aria-labelledby="usage-heading">
            <h2 id="usage-heading">Usage against your limits</h2>
            <div class="grid">
              <Gauge label="CPU" value={data.usage.cpu} max={data.limits.cpu} unit="cores" />
              <Gauge
                label="Memory"
                value={data.usage.memory_gi}
                max={data.limits.memory_gi}
                unit="GiB"
              />
              <Gauge
                label="Concurrent jobs"
                value={data.usage.active_jobs}
                max={data.limits.max_concurrent_jobs}
                unit="jobs pending or running"
              />
            </div>
          </section>
          <div class="grid">
            <section class="card" aria-labelledby="quota-heading">
              <h2 id="quota-heading">Quota</h2>
              <p>
                <strong>{data.quota.status}</strong>: {QUOTA_STATUS_TEXT[data.quota.status]}
              </p>
              {data.quota.hard && data.quota.used && (
                <dl class="facts">
                  <dt>CPU</dt>
                  <dd>
                    {formatNumber(data.quota.used.cpu, 3)} of {formatNumber(data.quota.hard.cpu, 3)}{" "}
                    cores
                  </dd>
                  <dt>Memory</dt>
                  <dd>
                    {formatNumber(data.quota.used.memory_gi)} of{" "}
                    {formatNumber(data.quota.hard.memory_gi)} GiB
                  </dd>
                  <dt>Pods</dt>
                  <dd>
                    {data.quota.used.pods} of {data.quota.hard.pods}
                  </dd>
                </dl>
              )}
              <p class="muted small">
                Namespace <code>{data.quota.namespace}</code>
                {data.running_pods !== null && `, ${data.running_pods} pods running`}
              </p>
            </section>
            <section class="card" aria-labelledby="by-status-heading">
              <h2 id="by-status-heading">Jobs by status</h2>
              <StatusCounts counts={data.jobs_by_status} />
            </section>
          </div>
          <section class="card" aria-labelledby="running-heading">
            <h2 id="running-heading">Running jobs</h2>
            {data.running_jobs.length === 0 ? (
              <p class="muted">Nothing is running.</p>
            ) : (
              <ul class="running-jobs">
                {data.running_jobs.map((job) => (
                  <li key={job.job_id}>
                    <a href={paths.job(job.job_id)}>
                      <code>{shortId(job.job_id)}</code> {job.scenario_name}
                    </a>
                    <JobProgressBar job={job} />
                  </li>
                ))}
              </ul>
            )}
          </section>
          <ActivitySection
            title="Your jobs over time"
            whose="Your jobs"
            defaultPeriod="48h"
            load={(period, signal) =>
              call(client.GET("/v1/activity", { params: { query: { period } }, signal }))
            }
          />
          <section aria-labelledby="recent-heading">
            <h2 id="recent-heading">Recent jobs</h2>
            <JobsTable jobs={data.recent_jobs} caption="Your 20 most recent jobs, newest first" />
            <p>
              <a href={paths.jobs}>All jobs</a>
            </p>
          </section>
        </>
      )}
    </>
  );
}

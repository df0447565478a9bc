// The platform at a glance: nodes, pods by phase, active Kubernetes Jobs, jobs by status; and
// every tenant's jobs over the last hours.
import { ActivitySection } from "../../shared/activity.tsx";
import { call } from "../../shared/api-call.ts";
import { Freshness, Loading, PageHeader, Time } from "../../shared/components.tsx";
import { StatusCounts } from "../../shared/job-status.tsx";
import { usePolled } from "../../shared/use-polled.ts";
import { paths } from "../paths.ts";
import { useSession } from "../session.ts";

const REFRESH_MS = 5000;

export default function Overview() {
  const { client } = useSession();
  const metrics = usePolled(
    (signal) => call(client.GET("/admin/metrics", { signal })),
    () => REFRESH_MS,
    [client],
  );
  const data = metrics.data;
  const kubernetes = data?.kubernetes;
  return (
    <>
      <PageHeader title="Platform overview" />
      <Freshness updatedAt={metrics.updatedAt} error={metrics.error} />
      {!data ? (
        <Loading what="the platform's figures" />
      ) : (
        <>
          <section class="card" aria-labelledby="jobs-heading">
            <h2 id="jobs-heading">Jobs by status</h2>
            <StatusCounts counts={data.database.jobs_by_status} />
            <p>
              <a href={paths.jobs}>All jobs</a>
            </p>
          </section>
          <section class="card" aria-labelledby="cluster-heading">
            <h2 id="cluster-heading">Kubernetes</h2>
            {!kubernetes ? (
              <p class="muted">Kubernetes did not answer.</p>
            ) : (
              <div class="grid">
                <dl class="facts">
                  <dt>Nodes</dt>
                  <dd>
                    <a href={paths.nodes}>{kubernetes.nodes}</a>
                  </dd>
                  <dt>Active Kubernetes Jobs</dt>
                  <dd>{kubernetes.active_jobs}</dd>
                </dl>
                <table>
                  <caption class="muted small">The platform's pods by phase</caption>
                  <thead>
                    <tr>
                      <th scope="col">Phase</th>
                      <th scope="col" class="number">
                        Pods
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {Object.entries(kubernetes.pods_by_phase).map(([phase, count]) => (
                      <tr key={phase}>
                        <th scope="row">{phase}</th>
                        <td class="number">{count}</td>
                      </tr>
                    ))}
                    {Object.keys(kubernetes.pods_by_phase).length === 0 && (
                      <tr>
                        <td colSpan={2} class="muted">
                          No pods.
                        </td>
                      </tr>
                    )}
                  </tbody>
                </table>
              </div>
            )}
          </section>
          <p class="muted small">
            A snapshot taken <Time iso={data.snapshot_at} />, refreshed every {REFRESH_MS / 1000} s.
          </p>
        </>
      )}
      <ActivitySection
        title="Activity"
        whose="All tenants' jobs"
        defaultPeriod="6h"
        load={(period, signal) =>
          call(client.GET("/admin/activity", { params: { query: { period } }, signal }))
        }
      />
    </>
  );
}

// Every tenant's jobs, newest first, filtered by status and tenant (both in the URL), with
// cancel for those that have not ended.
import type { AdminSchemas } from "@sumo/api-client";
import { useState } from "preact/hooks";
import { useLocation } from "preact-iso/router";
import { type ApiProblem, asProblem, call } from "../../shared/api-call.ts";
import {
  ErrorMessage,
  Freshness,
  Loading,
  PageHeader,
  Pager,
  StatusBadge,
  Time,
} from "../../shared/components.tsx";
import { formatNumber, shortId } from "../../shared/format.ts";
import { isEnded, JOB_STATUSES } from "../../shared/job-status.tsx";
import { usePolled } from "../../shared/use-polled.ts";
import { paths } from "../paths.ts";
import { useSession } from "../session.ts";

const PAGE_SIZE = 20;
const REFRESH_MS = 3000;

type AdminJob = AdminSchemas["AdminJob"];

export default function Jobs() {
  const { client } = useSession();
  const location = useLocation();
  const status = JOB_STATUSES.find((s) => s === location.query.status);
  const tenantId = location.query.tenant || undefined;
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  const [problem, setProblem] = useState<ApiProblem>();
  // The tenants' names, for the filter and the table (one page: the admin API's most).
  const tenants = usePolled(
    (signal) => call(client.GET("/admin/tenants", { params: { query: { limit: 500 } }, signal })),
    () => null,
    [client],
  );
  const page = usePolled(
    (signal) =>
      call(
        client.GET("/admin/jobs", {
          params: {
            query: {
              limit: PAGE_SIZE,
              ...(status && { status }),
              ...(tenantId && { tenant_id: tenantId }),
              ...(cursor && { cursor }),
            },
          },
          signal,
        }),
      ),
    () => REFRESH_MS,
    [client, status, tenantId, cursor],
  );
  const filter = (next: { status?: string; tenant?: string }) => {
    setCursors([undefined]);
    const query = new URLSearchParams();
    const nextStatus = "status" in next ? next.status : status;
    const nextTenant = "tenant" in next ? next.tenant : tenantId;
    if (nextStatus) query.set("status", nextStatus);
    if (nextTenant) query.set("tenant", nextTenant);
    location.route(query.size > 0 ? `${paths.jobs}?${query}` : paths.jobs, true);
  };
  const cancel = async (job: AdminJob) => {
    setProblem(undefined);
    try {
      await call(
        client.POST("/admin/jobs/{job_id}/cancel", { params: { path: { job_id: job.job_id } } }),
      );
      page.reload();
    } catch (error) {
      setProblem(asProblem(error));
    }
  };
  const names = new Map(tenants.data?.tenants.map((t) => [t.tenant_id, t.name]));
  return (
    <>
      <PageHeader title="All jobs" />
      <div class="filters">
        <div class="field">
          <label for="status-filter">Status</label>
          <select
            id="status-filter"
            value={status ?? ""}
            onChange={(event) => filter({ status: event.currentTarget.value })}
          >
            <option value="">Any status</option>
            {JOB_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="tenant-filter">Tenant</label>
          <select
            id="tenant-filter"
            value={tenantId ?? ""}
            onChange={(event) => filter({ tenant: event.currentTarget.value })}
          >
            <option value="">Any tenant</option>
            {tenants.data?.tenants.map((t) => (
              <option key={t.tenant_id} value={t.tenant_id}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
        <Freshness updatedAt={page.updatedAt} error={page.error} />
      </div>
      <ErrorMessage problem={problem} title="Could not cancel the job" />
      {!page.data ? (
        <Loading what="jobs" />
      ) : (
        <div class="table-scroll">
          <table>
            <caption class="muted small">
              {status ? `${status} jobs` : "Jobs"}
              {tenantId ? ` of ${names.get(tenantId) ?? tenantId}` : " of every tenant"}, newest
              first: page {cursors.length}
            </caption>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Tenant</th>
                <th scope="col">Scenario</th>
                <th scope="col">Status</th>
                <th scope="col" class="number">
                  CPU
                </th>
                <th scope="col" class="number">
                  Memory
                </th>
                <th scope="col">Submitted</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {page.data.jobs.map((job) => (
                <tr key={job.job_id}>
                  <td>
                    <code title={job.job_id}>{shortId(job.job_id)}</code>
                  </td>
                  <td>
                    <a href={paths.tenant(job.tenant_id)}>
                      {names.get(job.tenant_id) ?? shortId(job.tenant_id)}
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
                  <td>
                    {!isEnded(job.status) && (
                      <button type="button" class="danger" onClick={() => cancel(job)}>
                        Cancel {shortId(job.job_id)}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
              {page.data.jobs.length === 0 && (
                <tr>
                  <td colSpan={8} class="muted">
                    No jobs.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
      <Pager
        of="jobs"
        cursors={cursors}
        setCursors={setCursors}
        nextCursor={page.data?.next_cursor}
      />
    </>
  );
}

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
import { DataTable } from "../../shared/data-table.tsx";
import { formatNumber, shortId } from "../../shared/format.ts";
import { isEnded, JOB_STATUSES } from "../../shared/job-status.tsx";
import { usePolled } from "../../shared/use-polled.ts";
import { paths } from "../paths.ts";
import { useSession } from "../session.ts";
import { TenantFilter, TenantLink, useTenantNames } from "../tenant-filter.tsx";

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
  const tenants = useTenantNames();
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
        <TenantFilter
          tenants={tenants}
          value={tenantId}
          onChange={(tenant) => filter({ tenant })}
        />
        <Freshness updatedAt={page.updatedAt} error={page.error} />
      </div>
      <ErrorMessage problem={problem} title="Could not cancel the job" />
      {!page.data ? (
        <Loading what="jobs" />
      ) : (
        <DataTable
          caption={
            <>
              {status ? `${status} jobs` : "Jobs"}
              {tenantId ? ` of ${tenants.nameOf(tenantId) ?? tenantId}` : " of every tenant"},
              newest first: page {cursors.length}
            </>
          }
          columns={[
            { label: "Job" },
            { label: "Tenant" },
            { label: "Scenario" },
            { label: "Status" },
            { label: "CPU", numeric: true },
            { label: "Memory", numeric: true },
            { label: "Submitted" },
            { label: "Actions", hiddenLabel: true },
          ]}
          rows={page.data.jobs}
          rowKey={(job) => job.job_id}
          row={(job) => (
            <>
              <td>
                <code title={job.job_id}>{shortId(job.job_id)}</code>
              </td>
              <td>
                <TenantLink tenants={tenants} id={job.tenant_id} />
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
            </>
          )}
          empty="No jobs."
        />
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
